// SPDX-License-Identifier: BSL-1.0
// Defines the networks tutorial: a multi-layer perceptron as a C++ type, trained, checked,
// saved and loaded. Run it with --tiny for a quick pass (what CI does).
//
// A network in typenet is a type. The compiler infers the shape after every layer, checks that
// each layer can take what the previous one gives, lays all parameters out in one flat buffer,
// and fuses each dense layer with the activation after it. Nothing here is decided at run time
// except the values: the learning rate, the clipping threshold, the number of rows in a batch.
#include <typenet/typenet.hpp>
#include <typenet/io.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

namespace tn = typenet;

// [snippet: network]
// 784 inputs (a 28 x 28 image, flattened), two hidden ReLU layers with He initialisation (the
// initialisation made for ReLU), ten outputs (logits) with Xavier initialisation.
using mlp = tn::network<
    tn::input<784>,
    tn::dense<256, tn::init::he_normal>, tn::relu,
    tn::dense<128, tn::init::he_normal>, tn::relu,
    tn::dense<10, tn::init::xavier_normal>>;
static_assert(std::is_same_v<mlp::output_shape, tn::shape<10>>);
// [end snippet]

// A strong type works wherever the alias does, and compiler messages then say `mnist_mlp`
// instead of spelling out the whole list.
struct mnist_mlp : mlp {};

namespace {

// Ten classes, each a random prototype in 784 dimensions; a sample is its prototype plus noise.
struct synthetic_data {
    tn::batch<float, 784> x;
    std::vector<std::int32_t> y;
};
synthetic_data make_data(std::size_t rows, std::uint64_t seed) {
    tn::detail::rng prototypes(7), noise(seed);
    std::vector<float> proto(10 * 784);
    for (float& v : proto) v = static_cast<float>(prototypes.normal());
    synthetic_data d{tn::batch<float, 784>(rows), std::vector<std::int32_t>(rows)};
    for (std::size_t r = 0; r < rows; ++r) {
        const auto k = static_cast<std::int32_t>(noise.next() % 10);
        d.y[r] = k;
        for (std::size_t i = 0; i < 784; ++i) d.x(r, i) = proto[k * 784 + i] + 2.0f * static_cast<float>(noise.normal());
    }
    return d;
}

float accuracy(const mnist_mlp& model, const synthetic_data& d) {
    const tn::batch<float, 10> logits = model(d.x);
    std::size_t right = 0;
    for (std::size_t r = 0; r < logits.rows(); ++r) {
        std::size_t best = 0;
        for (std::size_t k = 1; k < 10; ++k)
            if (logits(r, k) > logits(r, best)) best = k;
        right += best == static_cast<std::size_t>(d.y[r]);
    }
    return static_cast<float>(right) / static_cast<float>(logits.rows());
}

}  // namespace

int main(int argc, char** argv) {
    const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
    const std::size_t train_rows = tiny ? 512 : 4096, epochs = tiny ? 2 : 5, batch_rows = 64;

    // [snippet: summary]
    std::cout << tn::summary<mnist_mlp>() << '\n';
    // [end snippet]

    // [snippet: train]
    mnist_mlp model{tn::seed{42}};  // every parameter initialised by its policy, from seed 42
    tn::trainer<mnist_mlp, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm> fit{
        model, {.optimiser = {.learning_rate = 0.01, .momentum = 0.9}, .clip = {.max_norm = 5.0}}};

    const synthetic_data train = make_data(train_rows, 1), test = make_data(512, 2);
    std::cout << "epoch  mean loss  last gradient norm  test accuracy\n";
    for (std::size_t epoch = 1; epoch <= epochs; ++epoch) {
        float total = 0;
        std::size_t batches = 0;
        for (std::size_t first = 0; first < train_rows; first += batch_rows) {
            const std::size_t rows = std::min(batch_rows, train_rows - first);  // the last batch may be short
            const std::span<const std::int32_t> labels(train.y.data() + first, rows);
            total += fit.step(train.x.slice(first, rows), labels);  // forward, backward, clip, update
            ++batches;
        }
        std::printf("%5zu  %9.4f  %18.4f  %12.1f%%\n", epoch, total / static_cast<float>(batches),
                    static_cast<double>(fit.last_gradient_norm()), 100.0 * accuracy(model, test));
    }
    // [end snippet]

    // [snippet: backward]
    // Gradients without an update: for inspection, or for your own optimiser.
    const auto probe = make_data(64, 3);
    const float loss = fit.backward(probe.x, probe.y);
    std::cout << "\nbackward only: loss " << loss << ", global gradient norm " << fit.last_gradient_norm()
              << " (before clipping)\n";
    // [end snippet]

    // [snippet: inference]
    // Inference takes any number of rows, one included.
    const tn::batch<float, 10> one = model(probe.x.slice(0, 1));
    std::cout << "logits of one sample:";
    for (float v : one) std::printf(" %.2f", static_cast<double>(v));
    std::cout << '\n';
    // [end snippet]

    // [snippet: files]
    // Parameters carry PyTorch's state_dict names, so the file loads into an nn.Sequential of
    // the same layers (see docs/io.md), and back.
    const auto dir = std::filesystem::temp_directory_path();
    const auto weights = (dir / "typenet_mlp.npz").string(), grads = (dir / "typenet_grads.npz").string();
    tn::save_npz(model, weights);
    tn::save_npz(fit.gradients(), grads);  // the same names as the parameters
    mnist_mlp copy{tn::seed{0}};
    tn::load_npz(copy, weights);
    const bool same = std::equal(copy.parameters().begin(), copy.parameters().end(), model.parameters().begin());
    std::cout << "saved " << weights << " and loaded it back: " << (same ? "identical" : "DIFFERENT") << '\n';
    std::cout << "\"4.bias\" holds " << model.parameter("4.bias").size() << " values\n";
    // [end snippet]
    std::filesystem::remove(weights);
    std::filesystem::remove(grads);
    return same ? 0 : 1;
}
