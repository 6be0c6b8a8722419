// SPDX-License-Identifier: BSL-1.0
// Defines peers::torch_mlp (see torch_mlp.hpp).
#include "torch_mlp.hpp"

#include <torch/torch.h>

#include <dlfcn.h>

#include <cstring>

namespace peers {

namespace {
// OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads; these set and query it afterwards.
// Looked up at run time because libtorch reaches BLAS through Debian's libblas.so.3
// alternative, which may or may not be OpenBLAS.
void openblas_one_thread() {
    using set_threads = void (*)(int);
    if (void* f = dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) reinterpret_cast<set_threads>(f)(1);
}
}  // namespace

struct torch_mlp::impl {
    torch::nn::Sequential net;
    std::vector<torch::nn::Linear> linear;
    std::unique_ptr<torch::optim::SGD> sgd;
};

torch_mlp::torch_mlp(std::vector<std::size_t> widths, activation act, float learning_rate) : impl_(new impl) {
    torch::set_num_threads(1);
    openblas_one_thread();
    for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
        torch::nn::Linear lin(static_cast<std::int64_t>(widths[l]), static_cast<std::int64_t>(widths[l + 1]));
        impl_->linear.push_back(lin);
        impl_->net->push_back(lin);
        if (l + 2 < widths.size()) {
            if (act == activation::relu) impl_->net->push_back(torch::nn::ReLU());
            else impl_->net->push_back(torch::nn::Tanh());
        }
    }
    impl_->sgd = std::make_unique<torch::optim::SGD>(impl_->net->parameters(), torch::optim::SGDOptions(learning_rate));
}

torch_mlp::~torch_mlp() = default;

void torch_mlp::set_layer(std::size_t l, const float* w, const float* b) {
    torch::NoGradGuard no_grad;
    auto& lin = impl_->linear.at(l);
    std::memcpy(lin->weight.data_ptr<float>(), w, sizeof(float) * static_cast<std::size_t>(lin->weight.numel()));
    std::memcpy(lin->bias.data_ptr<float>(), b, sizeof(float) * static_cast<std::size_t>(lin->bias.numel()));
}

float torch_mlp::step(const float* x, const std::int32_t* labels, std::size_t rows) {
    const auto n = static_cast<std::int64_t>(rows);
    const std::int64_t in = impl_->linear.front()->weight.size(1);
    const torch::Tensor xt = torch::from_blob(const_cast<float*>(x), {n, in}, torch::kFloat32);
    const torch::Tensor yt = torch::from_blob(const_cast<std::int32_t*>(labels), {n}, torch::kInt32).to(torch::kInt64);
    impl_->sgd->zero_grad();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(impl_->net->forward(xt), yt);
    loss.backward();
    impl_->sgd->step();
    return loss.item<float>();
}

void torch_mlp::predict(const float* x, std::size_t rows, float* out) {
    torch::NoGradGuard no_grad;
    const auto n = static_cast<std::int64_t>(rows);
    const std::int64_t in = impl_->linear.front()->weight.size(1);
    const torch::Tensor y = impl_->net->forward(torch::from_blob(const_cast<float*>(x), {n, in}, torch::kFloat32));
    std::memcpy(out, y.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(y.numel()));
}

std::string torch_mlp::blas_core() {
    using corename = char* (*)();
    if (void* f = dlsym(RTLD_DEFAULT, "openblas_get_corename")) return reinterpret_cast<corename>(f)();
    return "not OpenBLAS (libblas.so.3 points elsewhere)";
}

}  // namespace peers
