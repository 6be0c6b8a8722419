// SPDX-License-Identifier: BSL-1.0
// Defines trainer<Net, Loss, Optimiser, Clip>: one training step as forward, loss, backward,
// clipping and update, with every buffer kept between steps (steady state allocates nothing).
#pragma once

#include <typenet/core/batch_view.hpp>
#include <typenet/core/error.hpp>
#include <typenet/core/storage.hpp>
#include <typenet/expr/expression_concepts.hpp>
#include <typenet/expr/reduce.hpp>
#include <typenet/kernels/descent.hpp>
#include <typenet/kernels/parallel.hpp>
#include <typenet/kernels/simd.hpp>
#include <typenet/nn/clip/none.hpp>
#include <typenet/nn/detail/layer_table.hpp>
#include <typenet/nn/loss/detail.hpp>
#include <typenet/nn/network.hpp>
#include <typenet/nn/optim/sgd.hpp>
#include <typenet/train/nan_guard.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace typenet {

/// A parameter-shaped buffer with the network's parameter names (what `trainer::gradients()`
/// returns): save it with tn::save_npz, or visit it with for_each_parameter.
template <class Net, class T>
class parameter_view {
public:
    parameter_view(T* data) noexcept : data_(data) {}  // NOLINT
    template <class F>
    void for_each_parameter(F&& f) const {
        Net::visit(data_, f);
    }
    std::span<T> parameters() const noexcept { return {data_, Net::parameter_count}; }

private:
    T* data_;
};

namespace detail {
template <class Net>
concept network_type = requires { typename Net::sequence; typename Net::value_type; };

// The squared L2 norm of n contiguous values, through the library's own reduction.
template <class T>
T squared_norm_of(const T* g, std::size_t n) {
    return typenet::squared_norm(batch_view<const T, 1>(g, n));
}

// Adds up the squared norm of each layer's gradients as backward writes them (in cache).
template <class T>
struct norm_sink {
    static constexpr bool wants_input_gradients = false;
    const T* grads;
    T squared = 0;
    void gradients(std::size_t offset, std::size_t count) { squared += squared_norm_of(grads + offset, count); }
};

// The optimiser runs on parts of the parameters cut at multiples of update_alignment values (a
// multiple of every SIMD width): each value then takes the SIMD lane it takes in one pass over
// all of them, so any cut gives the same numbers (for_each_lane). A thread takes at least
// update_grain values.
inline constexpr std::size_t update_alignment = 64;
inline constexpr std::size_t update_grain = 4096;

// Runs the optimiser on each layer's parameters as soon as backward has written their
// gradients, while those are still in cache, rather than in a pass over all parameters after
// backward. Backward reports layers top down, each range just below the last (sequence.hpp);
// a report out of that order is left for finish(). Parts start at multiples of
// update_alignment, so the numbers are those of the unfused update: a layer's values below
// its first multiple wait for the next report (or finish()).
// With a plain step (plain SGD without clipping: `parameters` set), a layer that can (dense)
// takes it on its weights in its own kernel (kernel_step) and the sink updates the rest. The
// plain step gives each value the same bits in any cut (descent.hpp), so then no alignment.
template <class T, class Update>
struct update_sink {
    static constexpr bool wants_input_gradients = false;
    Update& update;       // update(begin, end): the optimiser on [begin, end)
    std::size_t ready;    // the gradients at and above this offset are final
    std::size_t pending;  // the values below this offset are not updated yet
    T* parameters = nullptr;  // the network's, when the update is a plain step
    T rate = 0;               // its rate
    kernels::index_range stepped{0, 0};  // what the reporting layer's kernel stepped itself
    bool kernel_stepped = false;         // whether any layer did

    kernels::descent<T> kernel_step(std::size_t offset, std::size_t count, std::size_t layer_count) {
        // Only a layer whose report will come in order: the values it steps are then never
        // left for finish().
        if (!parameters || offset + layer_count != ready) return {};
        stepped = {offset, offset + count};
        kernel_stepped = true;
        return {parameters + offset, rate};
    }
    void gradients(std::size_t offset, std::size_t count) {
        const kernels::index_range done = std::exchange(stepped, kernels::index_range{0, 0});
        if (offset + count != ready) return;
        ready = offset;
        const std::size_t alignment = parameters ? 1 : update_alignment;
        const std::size_t from = (offset + alignment - 1) / alignment * alignment;
        if (from < pending) {
            if (done.size() > 0) {
                if (done.end < pending) update(done.end, pending);
                if (from < done.begin) update(from, done.begin);
            } else {
                update(from, pending);
            }
            pending = from;
        }
    }
    void finish() {
        if (pending > 0) update(0, pending);
        pending = 0;
    }
};

// A trainer policy P may check the network when the trainer is instantiated:
// `template <class Net> struct admit { static_assert(...); };` (see require_stable_gradients).
template <class P, class Net>
constexpr bool admit_policy() {
    if constexpr (requires { sizeof(typename P::template admit<Net>); })
        return sizeof(typename P::template admit<Net>) > 0;
    else
        return true;
}

// --- Optional policies: a recorder (tn::diagnostics), a NaN/Inf guard (tn::nan_guard::*) and
// threads (tn::parallel, train/parallel.hpp) ---
// Each is found among Policies... by a static flag; when absent, its options and state are
// empty types held [[no_unique_address]], so the trainer keeps its size and its code.
template <class P>
concept recorder_policy = requires { requires P::is_recorder; };
template <class P>
concept guard_policy = requires { requires P::is_nan_guard; };
template <class P>
concept parallel_policy = requires { requires P::is_parallel; };

template <class P>
struct is_recorder_policy : std::bool_constant<recorder_policy<P>> {};
template <class P>
struct is_guard_policy : std::bool_constant<guard_policy<P>> {};
template <class P>
struct is_parallel_policy : std::bool_constant<parallel_policy<P>> {};

// The first of P... for which Is<P>::value holds, or void.
template <template <class> class Is, class... P>
struct first_policy {
    using type = void;
};
template <template <class> class Is, class P, class... Rest>
struct first_policy<Is, P, Rest...> {
    using type = std::conditional_t<Is<P>::value, P, typename first_policy<Is, Rest...>::type>;
};

struct no_diagnostics_options {};
struct no_guard_options {};
struct no_recorder {
    constexpr no_recorder(const no_diagnostics_options&) noexcept {}  // NOLINT
};
struct no_guard_state {};
template <class T>
struct guard_state {
    dynamic_storage<T> backup;  // [parameters | optimiser state] when check_update, then buffers
    std::size_t skipped = 0;
    bool check_update = false;  // read once, at construction: backup was sized for it
};
// Where a trainer keeps the buffers (running statistics) while a pass may still fail; nothing
// for a network without buffers.
struct no_buffers_backup {
    explicit constexpr no_buffers_backup(std::size_t) noexcept {}
};
template <class Net, class T>
using buffers_backup_t = std::conditional_t<(Net::buffer_count > 0), dynamic_storage<T>, no_buffers_backup>;

template <class P, class Net>
struct recorder_for {
    using type = typename P::template recorder<Net>;
    using options = typename P::options;
};
template <class Net>
struct recorder_for<void, Net> {
    using type = no_recorder;
    using options = no_diagnostics_options;
};
template <class P, class T>
struct guard_for {
    using state = guard_state<T>;
    using options = typename P::options;
};
template <class T>
struct guard_for<void, T> {
    using state = no_guard_state;
    using options = no_guard_options;
};

struct no_parallel_options {};
struct no_parallel_scope {};
struct no_parallel_state {
    explicit constexpr no_parallel_state(no_parallel_options) noexcept {}
    constexpr no_parallel_scope scope() const noexcept { return {}; }
    constexpr std::size_t threads() const noexcept { return 1; }
};
template <class P>
struct parallel_for {
    using options = typename P::options;
    using state = typename P::state;
};
template <>
struct parallel_for<void> {
    using options = no_parallel_options;
    using state = no_parallel_state;
};

// The global norm after the clipping transform and whether it changed anything: free for
// clip::none and for a scaling transform (global_norm), one pass otherwise (clip::value).
template <class Clip, class Transform, class T>
std::pair<double, bool> clip_effect(const Transform& t, const T* g, std::size_t n, double norm) {
    if constexpr (requires { t.scale; }) {
        return {norm * static_cast<double>(t.scale), t.scale < T(1)};
    } else if constexpr (!Clip::needs_norm && std::is_empty_v<Transform>) {
        return {norm, false};
    } else {
        double sq = 0;
        bool fired = false;
        for (std::size_t i = 0; i < n; ++i) {
            const T v = t(g[i]);
            fired = fired || v != g[i];
            sq += static_cast<double>(v) * static_cast<double>(v);
        }
        return {std::sqrt(sq), fired};
    }
}

// Where in n values the first non-finite one is (n when none), and how to name it.
template <class T>
std::size_t first_non_finite(const T* p, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i])) return i;
    return n;
}
template <class T>
const char* non_finite_kind(T v) noexcept {
    return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}
}  // namespace detail

/// Trains a network: `tn::trainer<mlp, tn::loss::softmax_cross_entropy, tn::optim::sgd,
/// tn::clip::global_norm> fit{model, {.optimiser = {.learning_rate = 0.01}, .clip = {.max_norm = 5}}};`
/// Policies are types (a policy not chosen compiles to nothing); hyper-parameters are values.
/// Further policies may follow the clipping policy (tn::require_stable_gradients, ...).
/// A trainer runs the network in training mode: batch norm normalises with the batch's
/// statistics and updates its running ones, dropout drops (a new mask each step, drawn from
/// options::seed and the step number).
/// Optional policies, in any order after Clip: tn::diagnostics<> (records gradient norms per
/// layer: diagnostics()), tn::nan_guard::throw_error or tn::nan_guard::skip_step (skipped_steps()).
/// Example: examples/mlp_basics.cpp, examples/gradient_report.cpp
template <class Net, class Loss, class Optimiser = optim::sgd, class Clip = clip::none, class... Policies>
class trainer {
    static_assert(detail::network_type<Net>, "typenet: trainer: the first argument must be a tn::network type");
    static_assert((detail::admit_policy<Policies, Net>() && ...));
    static_assert((0 + ... + int(detail::recorder_policy<Policies>)) <= 1,
                  "typenet: trainer: give at most one diagnostics policy");
    static_assert((0 + ... + int(detail::guard_policy<Policies>)) <= 1,
                  "typenet: trainer: give at most one nan_guard policy");
    static_assert((0 + ... + int(detail::parallel_policy<Policies>)) <= 1,
                  "typenet: trainer: give tn::parallel at most once");
    using diagnostics_policy = typename detail::first_policy<detail::is_recorder_policy, Policies...>::type;
    using guard_policy = typename detail::first_policy<detail::is_guard_policy, Policies...>::type;
    using parallel_policy = typename detail::first_policy<detail::is_parallel_policy, Policies...>::type;

public:
    using network_type = Net;
    using value_type = typename Net::value_type;
    using T = value_type;
    using sequence = typename Net::sequence;
    using output_shape = typename Net::output_shape;
    static constexpr bool recording = !std::is_void_v<diagnostics_policy>;
    static constexpr bool guarded = !std::is_void_v<guard_policy>;
    // The optimiser runs inside backward, on each layer as its gradients are written, when
    // nothing needs all the gradients first: no clipping by their norm, no diagnostics, no
    // guard (which checks them before the update).
    static constexpr bool fused_update = !Clip::needs_norm && !recording && !guarded;
    using recorder_type = typename detail::recorder_for<diagnostics_policy, Net>::type;

    struct options {
        typename Optimiser::options optimiser{};
        typename Clip::options clip{};
        std::uint64_t seed = 0;  // of dropout's masks
        // Whether step() must keep the step's gradients for gradients() and
        // last_gradient_norm(). If not, plain SGD (no momentum, no weight decay) with
        // clip::none has each dense layer (and projection shortcut) take the step on its
        // weights in the store of their gradient's GEMM, which leaves only partial sums in
        // their place (docs/performance.md: the time saved); gradients() then throws until a
        // backward() or a step that kept them. Other optimisers and clippings keep them anyway.
        bool keep_gradients = false;
        // Read once, at construction (then: diagnostics().settings()); empty when not chosen.
        [[no_unique_address]] typename detail::recorder_for<diagnostics_policy, Net>::options diagnostics{};
        [[no_unique_address]] typename detail::guard_for<guard_policy, T>::options nan_guard{};
        // Read once, at construction (the pool's size); empty when tn::parallel is not chosen.
        [[no_unique_address]] typename detail::parallel_for<parallel_policy>::options parallel{};
    };

    trainer(Net& model, options o = {})
        : model_(model), options_(o), grads_(Net::parameter_count),
          buffers_before_(Net::buffer_count), recorder_(o.diagnostics), pool_(o.parallel) {
        if (needs_state()) allocate_state();
        if constexpr (guarded) {
            guard_.check_update = o.nan_guard.check_update;
            const std::size_t n = backup_buffers_at() + Net::buffer_count;
            if (n > 0) guard_.backup = detail::dynamic_storage<T>(n);
        }
    }

    /// Forward, loss, backward, clipping and update; returns the loss before the update.
    /// A batch of zero rows changes nothing and returns NaN (PyTorch's mean of nothing).
    /// With a nan_guard, a step that meets a non-finite value is not applied (see nan_guard.hpp).
    /// Without one, without diagnostics and without clipping by the norm (fused_update), the
    /// optimiser runs on each layer as soon as backward has written its gradients: the same
    /// numbers, one pass over the parameters less. gradients() holds the step's gradients,
    /// except after a plain SGD step without clipping and without options.keep_gradients,
    /// whose dense layers step their weights in their dL/dW kernels (kernel steps).
    template <leaf_expression X, class Labels>
    T step(const X& x, const Labels& labels) {
        if constexpr (fused_update) {
            const T loss = forward_backward<true>(x, labels);
            if (x.rows() > 0) ++steps_;
            return loss;
        } else {
            return step_then_update(x, labels);
        }
    }

    /// Forward and backward only: fills gradients() and returns the loss; parameters unchanged.
    /// It is a training pass: batch norm's running statistics move, as in a PyTorch forward in
    /// training mode (and dropout draws the mask of the coming step). If the loss refuses the
    /// labels (a wrong count, a class out of range), nothing changes.
    template <leaf_expression X, class Labels>
    T backward(const X& x, const Labels& labels) {
        return forward_backward<false>(x, labels);
    }

    /// The threads a step runs on: the pool's size with tn::parallel, else 1.
    std::size_t threads() const noexcept {
        return pool_.threads();
    }

    /// The global L2 norm of the last gradients, before clipping (computed here when the
    /// clipping policy did not need it).
    T last_gradient_norm() const {
        require_gradients("last_gradient_norm()");
        if (!norm_valid_) {
            last_norm_ = std::sqrt(detail::squared_norm_of(grads_.data(), Net::parameter_count));
            norm_valid_ = true;
        }
        return last_norm_;
    }

    /// The last gradients, named like the parameters ("0.weight", ...). After a step() that
    /// kept none (options.keep_gradients), throws std::logic_error.
    parameter_view<Net, const T> gradients() const {
        require_gradients("gradients()");
        return {grads_.data()};
    }
    options& settings() noexcept { return options_; }
    const options& settings() const noexcept { return options_; }
    std::size_t steps() const noexcept { return steps_; }
    Net& model() noexcept { return model_; }

    /// What tn::diagnostics recorded (diag::recorder: last(), history(), report(), names()).
    const recorder_type& diagnostics() const noexcept
        requires recording
    {
        return recorder_;
    }
    recorder_type& diagnostics() noexcept
        requires recording
    {
        return recorder_;
    }
    /// Steps a tn::nan_guard::skip_step rejected (steps() counts only the applied ones).
    std::size_t skipped_steps() const noexcept
        requires guarded
    {
        return guard_.skipped;
    }

private:
    // Forward, loss and backward; with Update (fused_update only), the optimiser too, on each
    // layer as backward finishes it.
    template <bool Update, leaf_expression X, class Labels>
    T forward_backward(const X& x, const Labels& labels) {
        // sizeof rather than ::value: a failed check then stops here, without a second error
        // about an incomplete checker type.
        static_assert(sizeof(detail::require_input_batch<X, typename Net::input_shape, T>) > 0);
        static_assert(sizeof(detail::check_labels<Loss, output_shape, Labels>) > 0);
        const std::size_t rows = x.rows();
        if (rows == 0) {
            norm_valid_ = false;
            return Loss::template evaluate<output_shape>(static_cast<const T*>(nullptr), labels, static_cast<T*>(nullptr), 0);
        }
        reserve(rows);
        [[maybe_unused]] const auto threads = pool_.scope();  // kernels use the pool until backward returns
        const T* params = model_.parameters().data();
        detail::forward_pass<T> pass;
        pass.training = true;
        pass.buffers = pass.update = model_.buffers().data();
        pass.seed = options_.seed;
        pass.step = step_index();
        // The running statistics move in the forward pass; an exception before backward (the
        // loss refusing the labels) puts them back, so a failed step changes nothing.
        if constexpr (Net::buffer_count > 0) std::copy_n(model_.buffers().data(), Net::buffer_count, buffers_before_.data());
        const T* y = nullptr;
        T loss = 0;
        try {
            y = sequence::forward(params, x.data(), acts_.data(), rows, pass);
            loss = Loss::template evaluate<output_shape>(y, labels, dy_.data(), rows);
            // Once the loss has taken the labels (a refused step allocates nothing), and inside the
            // try (a failed allocation puts the running statistics back too).
            if constexpr (Update) ensure_state();
        } catch (...) {
            if constexpr (Net::buffer_count > 0)
                std::copy_n(buffers_before_.data(), Net::buffer_count, model_.buffers().data());
            throw;
        }
        // The branches differ only in where the first layer's input gradient goes (the
        // recorder measures it; nobody else needs it) and in who hears of each layer's gradients.
        auto run_backward = [&](T* input_gradient, const auto& observer) {
            sequence::backward(params, x.data(), acts_.data(), dy_.data(), input_gradient, grads_.data(), work_.data(),
                               rows, observer);
        };
        if constexpr (recording) {
            // The recorder's per-layer squares add up to the global norm: no separate pass.
            recorder_.reserve(rows);
            recorder_.begin(grads_.data(), params, step_index());
            run_backward(recorder_.input_gradients(), detail::observer<recorder_type>{&recorder_});
            last_norm_ = static_cast<T>(std::sqrt(recorder_.finish_backward(static_cast<double>(loss))));
            norm_valid_ = true;
        } else if constexpr (Clip::needs_norm || guarded) {
            detail::norm_sink<T> sink{grads_.data()};
            run_backward(nullptr, detail::observer<detail::norm_sink<T>>{&sink});
            last_norm_ = std::sqrt(sink.squared);
            norm_valid_ = true;
        } else if constexpr (Update) {
            const auto transform = Clip::make(options_.clip, T(0));
            auto run = [&](std::size_t begin, std::size_t end) { update(begin, end, steps_ + 1, transform); };
            detail::update_sink<T, decltype(run)> sink{run, Net::parameter_count, Net::parameter_count};
            if (const auto rate = kernel_step_rate()) {
                sink.parameters = model_.parameters().data();
                sink.rate = static_cast<T>(*rate);
                gradients_kept_ = false;  // also if backward throws after a kernel step
            }
            run_backward(nullptr, detail::observer<decltype(sink)>{&sink});
            sink.finish();
            norm_valid_ = false;
            gradients_kept_ = !sink.kernel_stepped;
        } else {
            run_backward(nullptr, detail::no_observer{});
            norm_valid_ = false;
        }
        if constexpr (!Update) gradients_kept_ = true;
        return loss;
    }

    // The rate of a plain step p -= rate * g that the kernels may take themselves (kernel
    // steps): plain SGD, no clipping, gradients not kept (keep_gradients).
    std::optional<double> kernel_step_rate() const {
        if constexpr (std::is_same_v<Clip, clip::none> && requires { Optimiser::plain_step_rate(options_.optimiser); }) {
            if (!options_.keep_gradients) return Optimiser::plain_step_rate(options_.optimiser);
        }
        return std::nullopt;
    }

    void require_gradients(const char* what) const {
        if (!gradients_kept_)
            throw std::logic_error(std::string("typenet: trainer: ") + what +
                                   ": the last step() took plain SGD's step inside the weight-gradient kernels and "
                                   "kept no gradients; set options.keep_gradients = true to keep them (a few percent "
                                   "slower), or call backward() first");
    }

    // step() when the update needs all the gradients first (a guard, diagnostics, clipping by
    // the norm): backward, then the update in one pass.
    template <leaf_expression X, class Labels>
    T step_then_update(const X& x, const Labels& labels) {
        const std::size_t index = step_index();
        if constexpr (guarded) save_buffers();
        const T loss = backward(x, labels);
        if (x.rows() == 0) return loss;
        if constexpr (guarded) {
            // The cheap test: one comparison each; the search for where runs only when it fails.
            if (!(std::isfinite(loss) && std::isfinite(last_norm_)) && reject_before_update(x, loss, index)) return loss;
        }
        ++steps_;
        const T norm = Clip::needs_norm ? last_norm_ : T(0);
        const auto transform = Clip::make(options_.clip, norm);
        ensure_state();
        if constexpr (guarded) {
            if (guard_.check_update) save_update_state();
        }
        {
            [[maybe_unused]] const auto threads = pool_.scope();
            update(0, Net::parameter_count, steps_, transform);
        }
        if constexpr (guarded) {
            if (guard_.check_update && reject_after_update(index)) return loss;
        }
        if constexpr (recording) {
            const auto [after, fired] =
                detail::clip_effect<Clip>(transform, grads_.data(), Net::parameter_count, recorder_.last().gradient_norm);
            recorder_.finish_step(after, fired, false);
        }
        return loss;
    }

    // The optimiser on parameters [begin, end) (begin a multiple of update_alignment, or any
    // offset for a plain step), split over the pool's threads at multiples of update_grain: the
    // same numbers for any split.
    template <class Transform>
    void update(std::size_t begin, std::size_t end, std::size_t step, const Transform& transform) {
        static_assert(detail::update_alignment % simd::width_v<T> == 0, "a part must start at a whole SIMD vector");
        kernels::for_each_part(end - begin, detail::update_grain, 2, [&](kernels::index_range r) {
            Optimiser::update(options_.optimiser, model_.parameters().data(), grads_.data(), state_.data(),
                              Net::parameter_count, kernels::index_range{begin + r.begin, begin + r.end}, step,
                              transform);
        });
    }

    // Every call of step() with rows, skipped ones included, counted from 0.
    std::size_t step_index() const noexcept {
        if constexpr (guarded)
            return steps_ + guard_.skipped;
        else
            return steps_;
    }

    // The optimiser's state (momentum, Adam's moments), zero at first; allocated only when the
    // optimiser's options need it (sgd without momentum keeps none).
    bool needs_state() const noexcept {
        if constexpr (requires { Optimiser::needs_state(options_.optimiser); })
            return Optimiser::needs_state(options_.optimiser);
        else
            return Optimiser::state_slots > 0;
    }
    void ensure_state() {
        if (state_.capacity() == 0 && needs_state()) allocate_state();  // momentum switched on later
    }
    void allocate_state() {
        const std::size_t n = Optimiser::state_slots * Net::parameter_count;
        state_ = detail::dynamic_storage<T>(n);
        std::fill_n(state_.data(), n, T(0));
    }
    // The state's values in use: none before it is allocated.
    std::size_t state_size() const noexcept { return state_.capacity() ? Optimiser::state_slots * Net::parameter_count : 0; }

    // --- NaN/Inf guard (only instantiated when chosen) ---
    std::size_t backup_buffers_at() const noexcept {
        return guard_.check_update ? (1 + Optimiser::state_slots) * Net::parameter_count : 0;
    }
    void save_buffers() {
        if constexpr (Net::buffer_count > 0)
            std::copy_n(model_.buffers().data(), Net::buffer_count, guard_.backup.data() + backup_buffers_at());
    }
    void save_update_state() {
        std::copy_n(model_.parameters().data(), Net::parameter_count, guard_.backup.data());
        std::copy_n(state_.data(), state_size(), guard_.backup.data() + Net::parameter_count);
    }

    struct non_finite_place {
        non_finite_source source;
        std::string layer, what;  // what: the words after "appeared in"
        const char* kind;
    };

    // Names the first non-finite value of a forward pass: the input, then each element's output.
    template <class X>
    bool find_in_forward(const X& x, std::size_t rows, non_finite_place& at) const {
        const std::size_t n = rows * Net::input_shape::size;
        if (const std::size_t i = detail::first_non_finite(x.data(), n); i < n) {
            at = {non_finite_source::input, {}, "the input batch (row " + std::to_string(i / Net::input_shape::size) + ")",
                  detail::non_finite_kind(x.data()[i])};
            return true;
        }
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            bool found = false;
            const int order[] = {(found = found || find_in_output<I>(rows, at), 0)...};
            (void)order;
            return found;
        }(std::make_index_sequence<sequence::count>{});
    }
    template <std::size_t I>
    bool find_in_output(std::size_t rows, non_finite_place& at) const {
        const T* out = sequence::template output_of<I>(acts_.data(), rows);
        const std::size_t n = rows * sequence::template bound<I>::output_shape::size;
        const std::size_t i = detail::first_non_finite(out, n);
        if (i == n) return false;
        const std::string name = std::to_string(sequence::layout.index_offset[I]);
        at = {non_finite_source::activation, name,
              "the output of layer \"" + name + "\" (" + detail::layer_of_t<typename sequence::template spec<I>>::describe() +
                  ") in the forward pass",
              detail::non_finite_kind(out[i])};
        return true;
    }
    // The gradients in backward order (the last layer first): where back-propagation made them.
    bool find_in_gradients(non_finite_place& at) const {
        const auto table = detail::layer_table<Net>();
        for (auto e = table.rbegin(); e != table.rend(); ++e)
            for (const auto& p : e->parameters)
                if (const std::size_t i = detail::first_non_finite(grads_.data() + p.offset, p.size); i < p.size) {
                    at = {non_finite_source::gradient, e->name,
                          "the gradient of layer \"" + e->name + "\" (" + p.name + ")",
                          detail::non_finite_kind(grads_.data()[p.offset + i])};
                    return true;
                }
        return false;
    }
    // The updated parameters, then the optimiser's state, in forward order.
    bool find_in_update(non_finite_place& at) const {
        const auto table = detail::layer_table<Net>();
        const T* params = model_.parameters().data();
        for (const auto& e : table)
            for (const auto& p : e.parameters)
                if (const std::size_t i = detail::first_non_finite(params + p.offset, p.size); i < p.size) {
                    at = {non_finite_source::parameter, e.name,
                          "parameter " + p.name + " of layer \"" + e.name + "\" after the update (is the learning rate too large?)",
                          detail::non_finite_kind(params[p.offset + i])};
                    return true;
                }
        for (std::size_t s = 0; s < (state_size() ? Optimiser::state_slots : 0); ++s)
            for (const auto& e : table)
                for (const auto& p : e.parameters) {
                    const T* v = state_.data() + s * Net::parameter_count + p.offset;
                    if (const std::size_t i = detail::first_non_finite(v, p.size); i < p.size) {
                        at = {non_finite_source::optimiser_state, e.name,
                              "the optimiser's state for " + p.name + " of layer \"" + e.name + "\" after the update",
                              detail::non_finite_kind(v[i])};
                        return true;
                    }
                }
        return false;
    }

    template <class X>
    bool reject_before_update(const X& x, T loss, std::size_t index) {
        non_finite_place at{};
        if (!std::isfinite(loss)) {
            if (!find_in_forward(x, x.rows(), at))
                at = {non_finite_source::loss, {}, "the loss, although every output was finite", detail::non_finite_kind(loss)};
        } else if (!find_in_gradients(at)) {
            return false;  // every value is finite; only the sum of squares overflowed
        }
        reject(at, index);
        return true;
    }
    bool reject_after_update(std::size_t index) {
        const T p = detail::squared_norm_of(model_.parameters().data(), Net::parameter_count);
        const T s = state_size() ? detail::squared_norm_of(state_.data(), state_size()) : T(0);
        if (std::isfinite(p) && std::isfinite(s)) return false;
        non_finite_place at{};
        if (!find_in_update(at)) return false;
        std::copy_n(guard_.backup.data(), Net::parameter_count, model_.parameters().data());
        std::copy_n(guard_.backup.data() + Net::parameter_count, state_size(), state_.data());
        --steps_;
        reject(at, index);
        return true;
    }
    void reject(const non_finite_place& at, std::size_t index) {
        if constexpr (Net::buffer_count > 0)
            std::copy_n(guard_.backup.data() + backup_buffers_at(), Net::buffer_count, model_.buffers().data());
        if constexpr (recording) recorder_.finish_step(recorder_.last().gradient_norm, false, true);
        if constexpr (guard_policy::skips) {
            ++guard_.skipped;
        } else {
            const std::string step = std::to_string(index);
            throw non_finite_error("typenet: trainer: step " + step + ": a non-finite value (" + at.kind + ") appeared in " +
                                       at.what + "; the step was not applied: the parameters are those before step " + step,
                                   index, at.layer, at.source);
        }
    }

    // Grows the per-batch buffers; a batch no larger than one seen before allocates nothing.
    void reserve(std::size_t rows) {
        if (rows <= rows_capacity_) return;
        acts_.reserve_discard(rows * sequence::activation_size);
        work_.reserve_discard(rows * sequence::scratch_size);
        dy_.reserve_discard(rows * output_shape::size);
        rows_capacity_ = rows;
    }

    Net& model_;
    options options_;
    detail::dynamic_storage<T> grads_, state_, acts_, work_, dy_;
    [[no_unique_address]] detail::buffers_backup_t<Net, T> buffers_before_;
    std::size_t rows_capacity_ = 0;
    std::size_t steps_ = 0;
    mutable T last_norm_ = 0;
    mutable bool norm_valid_ = false;
    bool gradients_kept_ = true;  // false after a step() whose kernels stepped the weights themselves
    [[no_unique_address]] recorder_type recorder_;
    [[no_unique_address]] typename detail::guard_for<guard_policy, T>::state guard_;
    [[no_unique_address]] typename detail::parallel_for<parallel_policy>::state pool_;
};

}  // namespace typenet
