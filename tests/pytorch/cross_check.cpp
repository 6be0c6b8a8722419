// SPDX-License-Identifier: BSL-1.0
// Defines the typenet side of the PyTorch cross-check: for each case, a network, a batch and a
// trainer; writes the initial parameters, the data, the loss, the gradient norm, the gradients,
// the state (parameters and buffers) after `steps` steps and the evaluation-mode output after
// them as .npz files plus one manifest line, which
// cross_check.py replays in PyTorch. Usage: typenet_pytorch_cross_check <output directory>
#include <typenet/typenet.hpp>
#include <typenet/io.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <type_traits>
#include <vector>

namespace tn = typenet;

namespace {

// Named arrays that tn::save_npz can write, for data and scalars.
template <class T>
struct arrays {
    struct entry {
        std::string name;
        std::vector<std::size_t> shape;
        std::vector<T> values;
    };
    std::vector<entry> entries;
    template <class F>
    void for_each_parameter(F&& f) const {
        for (const auto& e : entries)
            f(tn::parameter_ref<const T>{e.name, e.shape, std::span<const T>(e.values.data(), e.values.size())});
    }
};

template <class T>
const char* dtype_name() {
    return std::is_same_v<T, float> ? "float32" : "float64";
}

template <class Net>
std::string input_dims() {
    std::string s;
    for (std::size_t d : Net::input_shape::extents) s += (s.empty() ? "" : "x") + std::to_string(d);
    return s;
}

template <class Net, class Loss, class Optim, class Clip>
void run_case(const std::filesystem::path& dir, std::ofstream& manifest, const std::string& name, const std::string& spec,
              const std::string& hyper, const typename tn::trainer<Net, Loss, Optim, Clip>::options& opts,
              std::size_t rows, int steps, std::uint64_t seed) {
    using T = typename Net::value_type;
    constexpr std::size_t in = Net::input_shape::size, out = Net::output_shape::size;
    Net model{tn::seed{seed}};
    tn::detail::rng r(seed, 1000);

    typename Net::input_batch x(rows);
    for (T& v : x) v = static_cast<T>(r.normal());
    arrays<T> data;
    std::vector<std::size_t> xshape{rows};
    for (std::size_t d : Net::input_shape::extents) xshape.push_back(d);
    data.entries.push_back({"x", xshape, std::vector<T>(x.begin(), x.end())});

    tn::save_npz(model, (dir / (name + ".init.npz")).string());
    tn::trainer<Net, Loss, Optim, Clip> fit{model, opts};
    T loss = 0;
    auto finish = [&](const auto& labels) {
        // The first step's gradients, from a copy: a training pass moves batch norm's running
        // statistics, so the model itself must see exactly the `steps` passes PyTorch runs.
        Net probe = model;
        tn::trainer<Net, Loss, Optim, Clip> first{probe, opts};
        loss = first.backward(x, labels);
        arrays<T> scalars;
        scalars.entries.push_back({"loss", {1}, {loss}});
        scalars.entries.push_back({"norm", {1}, {first.last_gradient_norm()}});
        tn::save_npz(scalars, (dir / (name + ".scalars.npz")).string());
        tn::save_npz(first.gradients(), (dir / (name + ".grads.npz")).string());
        for (int s = 0; s < steps; ++s) fit.step(x, labels);
    };
    if constexpr (std::is_same_v<Loss, tn::loss::softmax_cross_entropy>) {
        std::vector<std::int32_t> labels(rows);
        for (auto& l : labels) l = static_cast<std::int32_t>(r.next() % out);
        data.entries.push_back({"y", {rows}, std::vector<T>(labels.begin(), labels.end())});
        finish(labels);
    } else {
        typename Net::output_batch t(rows);
        for (T& v : t) v = std::is_same_v<Loss, tn::loss::mse> ? static_cast<T>(r.normal()) : static_cast<T>(r.uniform());
        data.entries.push_back({"y", {rows, out}, std::vector<T>(t.begin(), t.end())});
        finish(t);
    }
    tn::save_npz(data, (dir / (name + ".data.npz")).string());
    tn::save_npz(model, (dir / (name + ".after.npz")).string());
    // Evaluation mode after training (batch norm's running statistics, no dropout).
    const auto evaluated = model(x);
    arrays<T> eval;
    eval.entries.push_back({"y", {rows, out}, std::vector<T>(evaluated.begin(), evaluated.end())});
    tn::save_npz(eval, (dir / (name + ".eval.npz")).string());
    manifest << name << '|' << dtype_name<T>() << '|' << Loss::name << '|' << Optim::name << '|' << Clip::name << '|'
             << spec << '|' << hyper << ";steps=" << steps << '|' << input_dims<Net>() << '\n';
    (void)in;
}

template <class T>
void run_all(const std::filesystem::path& dir, std::ofstream& manifest) {
    const std::string suffix = std::is_same_v<T, float> ? "_f32" : "_f64";
    // The contract network: SGD with momentum and global-norm clipping.
    using mlp = tn::basic_network<T, tn::input<784>, tn::dense<256, tn::init::he_normal>, tn::relu,
                                  tn::dense<128, tn::init::he_normal>, tn::relu, tn::dense<10, tn::init::xavier_normal>>;
    run_case<mlp, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm>(
        dir, manifest, "mlp_sgd_momentum_clip" + suffix, "dense:256,relu,dense:128,relu,dense:10",
        "lr=0.01;momentum=0.9;max_norm=5", {.optimiser = {.learning_rate = 0.01, .momentum = 0.9}, .clip = {.max_norm = 5}},
        64, 3, 42);
    // Clipping that fires (a small max_norm), nesterov and weight decay.
    using deep = tn::basic_network<T, tn::input<20>, tn::dense<16>, tn::tanh, tn::dense<16, tn::init::he_uniform>,
                                   tn::sigmoid, tn::dense<3, tn::init::lecun_normal>>;
    run_case<deep, tn::loss::mse, tn::optim::sgd, tn::clip::global_norm>(
        dir, manifest, "tanh_sigmoid_nesterov_clip" + suffix, "dense:16,tanh,dense:16,sigmoid,dense:3",
        "lr=0.1;momentum=0.5;nesterov=1;weight_decay=0.01;max_norm=0.05",
        {.optimiser = {.learning_rate = 0.1, .momentum = 0.5, .weight_decay = 0.01, .nesterov = true},
         .clip = {.max_norm = 0.05}},
        3, 3, 7);
    // Every other activation; Adam; value clipping.
    using acts = tn::basic_network<T, tn::input<12>, tn::dense<9>, tn::gelu, tn::dense<9>, tn::elu, tn::dense<9>,
                                   tn::softplus, tn::dense<9>, tn::swish, tn::dense<9>, tn::leaky_relu, tn::dense<4>>;
    run_case<acts, tn::loss::binary_cross_entropy_with_logits, tn::optim::adam, tn::clip::value>(
        dir, manifest, "activations_adam_value" + suffix,
        "dense:9,gelu,dense:9,elu,dense:9,softplus,dense:9,swish,dense:9,leaky_relu,dense:4", "lr=0.01;clip_value=0.01",
        {.optimiser = {.learning_rate = 0.01}, .clip = {.clip_value = 0.01}}, 1, 3, 3);
    // A repeated block, AdamW, flatten of a rank-2 input, no clipping, batch 5.
    using rep = tn::basic_network<T, tn::input<4, 5>, tn::flatten, tn::dense<8>, tn::tanh,
                                  tn::repeat<3, tn::dense<8>, tn::relu>, tn::dense<3>>;
    run_case<rep, tn::loss::softmax_cross_entropy, tn::optim::adamw, tn::clip::none>(
        dir, manifest, "repeat_adamw" + suffix, "flatten,dense:8,tanh,repeat:3/dense:8;relu,dense:3",
        "lr=0.01;weight_decay=0.05", {.optimiser = {.learning_rate = 0.01, .weight_decay = 0.05}}, 5, 3, 11);
    // Residual blocks: one ending in a plain dense, one in a fused dense + tanh; SGD with momentum.
    // In PyTorch each is an nn.Sequential subclass whose forward adds its input ("2.0.weight").
    using res = tn::basic_network<T, tn::input<10>, tn::dense<8>, tn::tanh, tn::residual<tn::dense<8>, tn::relu, tn::dense<8>>,
                                  tn::residual<tn::dense<8>, tn::tanh>, tn::dense<3>>;
    run_case<res, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none>(
        dir, manifest, "residual_sgd" + suffix, "dense:8,tanh,residual/dense:8+relu+dense:8,residual/dense:8+tanh,dense:3",
        "lr=0.05;momentum=0.9", {.optimiser = {.learning_rate = 0.05, .momentum = 0.9}}, 6, 3, 13);
    // A projection from width 8 to 5 ("0.shortcut.weight"), then residuals inside a repeat; Adam.
    using proj = tn::basic_network<T, tn::input<8>, tn::residual_projection<tn::dense<5>, tn::relu>,
                                   tn::repeat<2, tn::residual<tn::dense<5>, tn::tanh>>, tn::dense<2>>;
    run_case<proj, tn::loss::mse, tn::optim::adam, tn::clip::global_norm>(
        dir, manifest, "residual_projection_adam" + suffix, "residual_projection/dense:5+relu,repeat:2/residual/dense:5+tanh,dense:2",
        "lr=0.01;max_norm=1", {.optimiser = {.learning_rate = 0.01}, .clip = {.max_norm = 1}}, 4, 3, 17);
    // Batch norm fused with relu and alone, in training (3 steps: batch statistics, running
    // statistics updated, buffers untouched by the weight decay) and then in evaluation. SGD,
    // not Adam: the bias of a dense right before batch norm has a gradient that is zero up to
    // rounding, which Adam would scale up to full steps of random sign in both libraries.
    using bn = tn::basic_network<T, tn::input<10>, tn::dense<8>, tn::batch_norm<>, tn::relu, tn::dense<6>,
                                 tn::batch_norm<>, tn::dense<3>>;
    run_case<bn, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::global_norm>(
        dir, manifest, "batch_norm_sgd" + suffix, "dense:8,batch_norm,relu,dense:6,batch_norm,dense:3",
        "lr=0.1;momentum=0.9;weight_decay=0.1;max_norm=2",
        {.optimiser = {.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 0.1}, .clip = {.max_norm = 2}}, 16, 3, 19);
    // Adam with L2 weight decay; an activation first and two in a row (the unfused paths).
    using unfused = tn::basic_network<T, tn::input<6>, tn::tanh, tn::dense<7>, tn::relu, tn::sigmoid, tn::dense<2>>;
    run_case<unfused, tn::loss::mse, tn::optim::adam, tn::clip::none>(
        dir, manifest, "unfused_adam_l2" + suffix, "tanh,dense:7,relu,sigmoid,dense:2", "lr=0.01;weight_decay=0.1",
        {.optimiser = {.learning_rate = 0.01, .weight_decay = 0.1}}, 4, 3, 5);
    // Layer norm fused with relu and alone (nn.LayerNorm(n): per-row statistics, no buffers, the
    // same in both modes); Adam. No dropout case: its mask comes from typenet's generator, which
    // PyTorch's cannot reproduce, so no two outputs would agree; tests/nn/normalization_test.cpp
    // checks its statistics instead.
    using ln = tn::basic_network<T, tn::input<10>, tn::dense<8>, tn::layer_norm<>, tn::relu, tn::dense<6>,
                                 tn::layer_norm<>, tn::dense<3>>;
    run_case<ln, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::none>(
        dir, manifest, "layer_norm_adam" + suffix, "dense:8,layer_norm,relu,dense:6,layer_norm,dense:3", "lr=0.05",
        {.optimiser = {.learning_rate = 0.05}}, 5, 3, 23);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " <output directory>\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    std::ofstream manifest(dir / "cases.txt");
    run_all<float>(dir, manifest);
    run_all<double>(dir, manifest);
    std::cout << "cross_check: cases written to " << dir << '\n';
    return 0;
}
