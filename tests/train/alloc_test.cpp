// SPDX-License-Identifier: BSL-1.0
// Checks that tn::trainer's steady state allocates nothing (typenet/train/trainer.hpp): every
// global operator new and delete of this executable is replaced by a counting one; after two
// warm-up steps, five steps (and five backward passes, and smaller batches) allocate nothing;
// also on the paths W1 takes: plain SGD stepping in the dL/dW kernels, a forward run weights
// first (z^T = W x^T, whose z^T lives in scratch), and two threads.
#include <typenet/typenet.hpp>
#include <typenet/diag.hpp>
#include <typenet/parallel.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<std::size_t> allocations{0};

void* counted(std::size_t n, std::size_t align) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (n == 0) n = 1;
    if (align <= alignof(std::max_align_t)) return std::malloc(n);
    return std::aligned_alloc(align, (n + align - 1) / align * align);
}
void* counted_or_throw(std::size_t n, std::size_t align) {
    void* p = counted(n, align);
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace

// clang-format off
void* operator new(std::size_t n) { return counted_or_throw(n, 0); }
void* operator new[](std::size_t n) { return counted_or_throw(n, 0); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n, 0); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
// clang-format on

namespace {

namespace tn = typenet;

using classifier = tn::network<tn::input<4, 5>, tn::flatten, tn::dense<33>, tn::relu,
                               tn::repeat<2, tn::dense<33>, tn::tanh>, tn::dense<3>>;
using regressor = tn::basic_network<double, tn::input<7>, tn::dense<17>, tn::gelu, tn::sigmoid, tn::dense<2>>;

template <class Fit, class X, class Y>
std::size_t allocations_in(Fit& fit, const X& x, const Y& y, bool step) {
    const std::size_t before = allocations.load();
    for (int i = 0; i < 5; ++i) {
        if (step)
            fit.step(x, y);
        else
            fit.backward(x, y);
    }
    return allocations.load() - before;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trainer_allocations)

BOOST_AUTO_TEST_CASE(counting_operator_new_is_in_use) {
    const std::size_t before = allocations.load();
    auto* v = new std::vector<int>(100);
    delete v;
    tn::batch<float, 4096> big(2);  // heap storage: aligned operator new
    BOOST_TEST(allocations.load() - before >= 3u);
}

BOOST_AUTO_TEST_CASE(steady_state_steps_allocate_nothing) {
    classifier m{tn::seed{1}};
    tn::batch<float, 4, 5> x(32);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 7) * 0.1f - 0.3f;
    std::vector<std::int32_t> y(32);
    for (std::size_t r = 0; r < y.size(); ++r) y[r] = static_cast<std::int32_t>(r % 3);
    tn::batch<float, 4, 5> small(5);
    const std::vector<std::int32_t> small_y(y.begin(), y.begin() + 5);

    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::global_norm> fit{
        m, {.optimiser = {.learning_rate = 1e-3}, .clip = {.max_norm = 0.5}}};
    fit.step(x, y);
    fit.step(x, y);
    BOOST_TEST(allocations_in(fit, x, y, true) == 0u);
    BOOST_TEST(allocations_in(fit, x, y, false) == 0u);
    BOOST_TEST(allocations_in(fit, small, small_y, true) == 0u);  // fewer rows than seen before
    const std::size_t before = allocations.load();
    (void)fit.last_gradient_norm();
    BOOST_TEST(allocations.load() == before);
}

BOOST_AUTO_TEST_CASE(steady_state_steps_allocate_nothing_double_mse_sgd) {
    regressor m{tn::seed{2}};
    tn::batch<double, 7> x(16);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = double(i % 5) * 0.2 - 0.4;
    tn::batch<double, 2> t(16);
    t.fill(0.25);
    tn::trainer<regressor, tn::loss::mse, tn::optim::sgd, tn::clip::value> fit{
        m, {.optimiser = {.learning_rate = 0.01, .momentum = 0.9, .nesterov = true}, .clip = {.clip_value = 0.1}}};
    fit.step(x, t);
    fit.step(x, t);
    BOOST_TEST(allocations_in(fit, x, t, true) == 0u);
    BOOST_TEST(allocations_in(fit, x, t, false) == 0u);
    tn::trainer<regressor, tn::loss::binary_cross_entropy_with_logits, tn::optim::adamw> fit_b{m};
    fit_b.step(x, t);
    fit_b.step(x, t);
    BOOST_TEST(allocations_in(fit_b, x, t, true) == 0u);
}

BOOST_AUTO_TEST_CASE(steady_state_with_diagnostics_and_nan_guard_allocates_nothing) {
    classifier m{tn::seed{3}};
    tn::batch<float, 4, 5> x(32);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 7) * 0.1f - 0.3f;
    std::vector<std::int32_t> y(32);
    for (std::size_t r = 0; r < y.size(); ++r) y[r] = static_cast<std::int32_t>(r % 3);
    // A ring of 3 records, so the five measured steps wrap around it.
    tn::trainer<classifier, tn::loss::softmax_cross_entropy, tn::optim::adam, tn::clip::value, tn::diagnostics<>,
                tn::nan_guard::skip_step>
        fit{m, {.optimiser = {.learning_rate = 1e-3}, .clip = {.clip_value = 0.01}, .diagnostics = {.keep_last = 3}}};
    fit.step(x, y);
    fit.step(x, y);
    BOOST_TEST(allocations_in(fit, x, y, true) == 0u);
    BOOST_TEST(allocations_in(fit, x, y, false) == 0u);
    const std::size_t before = allocations.load();
    (void)fit.diagnostics().last();
    (void)fit.diagnostics().history().back();
    BOOST_TEST(allocations.load() == before);
    BOOST_TEST(fit.diagnostics().history().size() == 3u);
}

BOOST_AUTO_TEST_CASE(kernel_steps_weights_first_and_threads_allocate_nothing) {
    // 100 -> 300 at 16 and 32 rows runs weights first (kernels/dense.hpp); plain SGD without
    // clipping takes the weights' step in the dL/dW kernels.
    using wide = tn::network<tn::input<100>, tn::dense<300>, tn::relu, tn::dense<10>>;
    static_assert(tn::trainer<wide, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none>::fused_update);
    static_assert(tn::kernels::detail::weights_first<float, tn::simd::default_arch>(100, 300, 16) &&
                  tn::kernels::detail::weights_first<float, tn::simd::default_arch>(100, 300, 32));
    tn::batch<float, 100> x(32), small(16);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 11) * 0.1f - 0.5f;
    std::copy_n(x.data(), small.size(), small.data());
    std::vector<std::int32_t> y(32);
    for (std::size_t r = 0; r < y.size(); ++r) y[r] = static_cast<std::int32_t>(r % 10);
    const std::vector<std::int32_t> small_y(y.begin(), y.begin() + 16);
    for (const std::size_t threads : {1, 2}) {
        BOOST_TEST_CONTEXT("threads " << threads) {
            wide m{tn::seed{4}};
            tn::trainer<wide, tn::loss::softmax_cross_entropy, tn::optim::sgd, tn::clip::none, tn::parallel> fit{
                m, {.optimiser = {.learning_rate = 0.01}, .parallel = {.threads = threads}}};
            fit.step(x, y);
            fit.step(x, y);
            BOOST_TEST(allocations_in(fit, x, y, true) == 0u);
            BOOST_TEST(allocations_in(fit, small, small_y, true) == 0u);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
