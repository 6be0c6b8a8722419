// SPDX-License-Identifier: BSL-1.0
// Defines the trainer policy tn::diagnostics<> and what it records each step: per parameterised
// layer the norms of dL/dW, dL/db, dL/dh and W; the global norm before and after clipping; and
// the detection of vanishing and exploding gradients as a list of findings.
#pragma once

#include <typenet/core/batch_view.hpp>
#include <typenet/core/storage.hpp>
#include <typenet/diag/level.hpp>
#include <typenet/expr/reduce.hpp>
#include <typenet/nn/detail/layer_table.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace typenet {

namespace diag {

/// Run-time options of tn::diagnostics (trainer options `.diagnostics = {...}`).
struct options {
    // Retention: the last `keep_last` kept steps are held in a ring (allocated once, at
    // construction: keep_last * layers records); a step is kept when its index is a multiple of
    // `every`. last() always holds the latest backward pass, kept or not.
    std::size_t keep_last = 1000;
    std::size_t every = 1;
    // Detection (diag::detect): a layer's dL/dh or dL/dW norm below vanishing_ratio times the
    // last layer's is vanishing; a global norm (before clipping) above exploding_norm, or growing
    // for growth_steps consecutive steps (0: never), is exploding.
    double vanishing_ratio = 1e-3;
    double exploding_norm = 1e3;
    std::size_t growth_steps = 10;
};

/// The norms of one parameterised layer in one step (L2, over the whole batch's gradient).
struct layer_norms {
    double weight_gradient = 0;  // dL/dW: every parameter of the layer that is not a bias
    double bias_gradient = 0;    // dL/db (0 for a layer without bias)
    double input_gradient = 0;   // dL/dh at the layer's input, when has_input_gradient (for the first
                                 // layer inside a residual block: through the block's branch only,
                                 // before the identity path adds its part; docs/diagnostics.md)
    double weight = 0;           // |W| before the update
    bool has_input_gradient = false;
};

/// One step as recorded. `step` counts every call of step() with rows, from 0 (skipped steps
/// included); a bare trainer::backward() records under the index the next step will have.
struct step_record {
    std::size_t step = 0;
    double loss = 0;
    double gradient_norm = 0;          // global, before clipping
    double clipped_gradient_norm = 0;  // global, after clipping (what the optimiser used)
    bool clipped = false;              // the clipping policy changed the gradients
    bool skipped = false;              // the NaN guard rejected the step
    std::size_t growth_streak = 0;     // consecutive steps so far whose gradient_norm grew
    double growth_factor = 1;          // gradient_norm / the norm before the streak began
    std::span<const layer_norms> layers;  // in forward (state_dict) order, like names()
};

enum class finding_kind { vanishing_input_gradient, vanishing_weight_gradient, exploding_norm, exploding_growth };

/// One detected problem: a value, not a printout. `ratio` is the measured ratio that crossed the
/// threshold (layer / last layer; norm / exploding_norm; growth factor over the streak).
struct finding {
    finding_kind kind;
    std::string layer;  // empty for the global norm
    std::size_t step = 0;
    double ratio = 0;
    std::string message;  // one line for a person
};

namespace detail {
inline std::string sci(double v, int digits = 2) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*e", digits, v);
    return buf;
}
}  // namespace detail

/// The findings of one record under `o`; `names` are the layers' names (recorder::names()).
/// Vanishing compares each layer with the last one (forward order), which is the reference.
inline std::vector<finding> detect(const step_record& r, std::span<const std::string> names, const options& o) {
    std::vector<finding> out;
    const std::size_t n = r.layers.size();
    if (n >= 2) {
        const layer_norms& last = r.layers[n - 1];
        for (std::size_t i = 0; i + 1 < n; ++i) {
            const layer_norms& l = r.layers[i];
            if (l.has_input_gradient && last.has_input_gradient && last.input_gradient > 0) {
                const double q = l.input_gradient / last.input_gradient;
                if (q < o.vanishing_ratio)
                    out.push_back({finding_kind::vanishing_input_gradient, names[i], r.step, q,
                                   "step " + std::to_string(r.step) + ": vanishing gradient: |dL/dh| at layer \"" + names[i] +
                                       "\" is " + detail::sci(q) + " of the last layer's (\"" + names[n - 1] +
                                       "\"), below " + detail::sci(o.vanishing_ratio)});
            }
            if (last.weight_gradient > 0) {
                const double q = l.weight_gradient / last.weight_gradient;
                if (q < o.vanishing_ratio)
                    out.push_back({finding_kind::vanishing_weight_gradient, names[i], r.step, q,
                                   "step " + std::to_string(r.step) + ": vanishing gradient: |dL/dW| at layer \"" + names[i] +
                                       "\" is " + detail::sci(q) + " of the last layer's (\"" + names[n - 1] +
                                       "\"), below " + detail::sci(o.vanishing_ratio)});
            }
        }
    }
    if (r.gradient_norm > o.exploding_norm)
        out.push_back({finding_kind::exploding_norm, {}, r.step, r.gradient_norm / o.exploding_norm,
                       "step " + std::to_string(r.step) + ": exploding gradient: global norm " + detail::sci(r.gradient_norm) +
                           " is above " + detail::sci(o.exploding_norm)});
    if (o.growth_steps > 0 && r.growth_streak >= o.growth_steps)
        out.push_back({finding_kind::exploding_growth, {}, r.step, r.growth_factor,
                       "step " + std::to_string(r.step) + ": exploding gradient: global norm grew for " +
                           std::to_string(r.growth_streak) + " consecutive steps, by " + detail::sci(r.growth_factor) +
                           " in all, to " + detail::sci(r.gradient_norm)});
    return out;
}

/// The kept steps, oldest first: a random-access range of step_record values.
template <class Recorder>
class history_view {
public:
    class iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = step_record;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = step_record;
        iterator() = default;
        iterator(const Recorder* r, std::size_t i) : r_(r), i_(i) {}
        step_record operator*() const { return r_->kept(i_); }
        step_record operator[](difference_type d) const { return r_->kept(i_ + static_cast<std::size_t>(d)); }
        iterator& operator++() { return ++i_, *this; }
        iterator operator++(int) { iterator t = *this; ++i_; return t; }
        iterator& operator--() { return --i_, *this; }
        iterator operator--(int) { iterator t = *this; --i_; return t; }
        iterator& operator+=(difference_type d) { i_ += static_cast<std::size_t>(d); return *this; }
        iterator& operator-=(difference_type d) { i_ -= static_cast<std::size_t>(d); return *this; }
        friend iterator operator+(iterator a, difference_type d) { return a += d; }
        friend iterator operator+(difference_type d, iterator a) { return a += d; }
        friend iterator operator-(iterator a, difference_type d) { return a -= d; }
        friend difference_type operator-(const iterator& a, const iterator& b) {
            return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
        }
        friend bool operator==(const iterator& a, const iterator& b) { return a.i_ == b.i_; }
        friend auto operator<=>(const iterator& a, const iterator& b) { return a.i_ <=> b.i_; }

    private:
        const Recorder* r_ = nullptr;
        std::size_t i_ = 0;
    };
    explicit history_view(const Recorder* r) : r_(r) {}
    std::size_t size() const noexcept { return r_->kept_count(); }
    bool empty() const noexcept { return size() == 0; }
    step_record operator[](std::size_t i) const { return r_->kept(i); }
    step_record front() const { return r_->kept(0); }
    step_record back() const { return r_->kept(size() - 1); }
    iterator begin() const { return {r_, 0}; }
    iterator end() const { return {r_, size()}; }

private:
    const Recorder* r_;
};

/// What a trainer with tn::diagnostics<Level> holds, reached through trainer::diagnostics().
/// The trainer calls begin/reserve/input_gradients, backward reports to it as an observer
/// sink (pass.hpp), then finish_backward and finish_step. Steady state allocates nothing.
template <class Net, level Level>
class recorder {
    using T = typename Net::value_type;

public:
    static constexpr bool wants_input_gradients = Level == level::all;

    explicit recorder(const options& o = {})
        : options_(o), table_(typenet::detail::layer_table<Net>()), current_(table_.size()),
          ring_(o.keep_last * table_.size()), heads_(o.keep_last) {
        names_.reserve(table_.size());
        for (const auto& e : table_) names_.push_back(e.name);
        if (options_.every == 0) options_.every = 1;
    }
    /// The parameterised layers' names, in forward (state_dict) order: "0", "2.0", "4.shortcut".
    std::span<const std::string> names() const noexcept { return names_; }
    std::size_t layer_count() const noexcept { return names_.size(); }
    /// The latest backward pass (from step() or backward()); empty layers before the first.
    step_record last() const { return make(current_head_, current_); }
    /// The kept steps, oldest first (see options::keep_last and options::every).
    history_view<recorder> history() const { return history_view<recorder>(this); }
    /// The findings of the latest backward pass under settings().
    std::vector<finding> report() const { return detect(last(), names(), options_); }
    options& settings() noexcept { return options_; }
    const options& settings() const noexcept { return options_; }

    // --- what history_view uses ---
    std::size_t kept_count() const noexcept { return ring_size_; }
    step_record kept(std::size_t i) const {
        const std::size_t cap = heads_.size();
        const std::size_t slot = (ring_next_ + cap - ring_size_ + i) % cap;
        return make(heads_[slot], std::span<const layer_norms>(ring_.data() + slot * names_.size(), names_.size()));
    }

    // --- the trainer's side ---
    void reserve(std::size_t rows) {
        if constexpr (wants_input_gradients) {
            if (rows > dx_rows_) {
                dx_.reserve_discard(rows * Net::input_shape::size);
                dx_rows_ = rows;
            }
        }
    }
    T* input_gradients() noexcept {
        if constexpr (wants_input_gradients)
            return dx_.data();
        else
            return nullptr;
    }
    void begin(const T* grads, const T* params, std::size_t step) {
        grads_ = grads;
        params_ = params;
        for (layer_norms& l : current_) l = {};
        total_ = 0;
        current_head_ = {};
        current_head_.step = step;
    }
    // Observer sink: a leaf layer's parameter gradients are ready (squares kept until finish).
    void gradients(std::size_t offset, std::size_t count) {
        (void)count;
        const std::size_t i = typenet::detail::layer_at(table_, offset);
        if (i == table_.size()) return;
        layer_norms& l = current_[i];
        for (const auto& p : table_[i].parameters) {
            const double g = static_cast<double>(squared(grads_ + p.offset, p.size));
            total_ += g;
            if (p.bias) {
                l.bias_gradient += g;
            } else {
                l.weight_gradient += g;
                l.weight += static_cast<double>(squared(params_ + p.offset, p.size));
            }
        }
    }
    void input_gradient(std::size_t offset, const T* dx, std::size_t count) {
        const std::size_t i = typenet::detail::layer_at(table_, offset);
        if (i == table_.size()) return;
        current_[i].input_gradient = static_cast<double>(squared(dx, count));
        current_[i].has_input_gradient = true;
    }
    // Returns the squared global norm (the trainer's last_gradient_norm squared).
    double finish_backward(double loss) {
        for (layer_norms& l : current_) {
            l.weight_gradient = std::sqrt(l.weight_gradient);
            l.bias_gradient = std::sqrt(l.bias_gradient);
            l.input_gradient = std::sqrt(l.input_gradient);
            l.weight = std::sqrt(l.weight);
        }
        current_head_.loss = loss;
        current_head_.gradient_norm = current_head_.clipped_gradient_norm = std::sqrt(total_);
        current_head_.growth_streak = streak_;
        current_head_.growth_factor = streak_ ? current_head_.gradient_norm / streak_start_norm_ : 1.0;
        return total_;
    }
    void finish_step(double clipped_norm, bool clipped, bool skipped) {
        step_head& h = current_head_;
        h.clipped_gradient_norm = clipped_norm;
        h.clipped = clipped;
        h.skipped = skipped;
        if (!skipped) {
            // A non-finite norm breaks a streak, as a skipped step leaves it as it was.
            if (std::isfinite(h.gradient_norm) && std::isfinite(prev_norm_) && h.gradient_norm > prev_norm_) {
                if (streak_ == 0) streak_start_norm_ = prev_norm_;
                ++streak_;
            } else {
                streak_ = 0;
            }
            prev_norm_ = h.gradient_norm;
            h.growth_streak = streak_;
            h.growth_factor = streak_ ? h.gradient_norm / streak_start_norm_ : 1.0;
        }
        const std::size_t cap = heads_.size();
        // settings() is writable: every = 0 means "keep every step", as at construction.
        if (cap == 0 || (options_.every > 1 && h.step % options_.every != 0)) return;
        heads_[ring_next_] = h;
        std::copy(current_.begin(), current_.end(), ring_.begin() + static_cast<std::ptrdiff_t>(ring_next_ * names_.size()));
        ring_next_ = (ring_next_ + 1) % cap;
        if (ring_size_ < cap) ++ring_size_;
    }

private:
    struct step_head {
        std::size_t step = 0;
        double loss = 0, gradient_norm = 0, clipped_gradient_norm = 0;
        bool clipped = false, skipped = false;
        std::size_t growth_streak = 0;
        double growth_factor = 1;
    };
    static T squared(const T* p, std::size_t n) { return typenet::squared_norm(batch_view<const T, 1>(p, n)); }
    static step_record make(const step_head& h, std::span<const layer_norms> layers) {
        return {h.step, h.loss, h.gradient_norm, h.clipped_gradient_norm, h.clipped, h.skipped,
                h.growth_streak, h.growth_factor, layers};
    }

    options options_;
    std::vector<typenet::detail::layer_entry> table_;
    std::vector<std::string> names_;
    std::vector<layer_norms> current_;
    step_head current_head_{};
    std::vector<layer_norms> ring_;
    std::vector<step_head> heads_;
    std::size_t ring_next_ = 0, ring_size_ = 0;
    double prev_norm_ = std::numeric_limits<double>::quiet_NaN();
    double streak_start_norm_ = 0;
    std::size_t streak_ = 0;
    double total_ = 0;
    const T* grads_ = nullptr;
    const T* params_ = nullptr;
    typenet::detail::dynamic_storage<T> dx_;
    std::size_t dx_rows_ = 0;
};

}  // namespace diag

/// The diagnostics policy of tn::trainer, given after the clipping policy:
/// `tn::trainer<Net, Loss, Optim, Clip, tn::diagnostics<>> fit{model, {.diagnostics = {.keep_last = 500}}};`
/// Each step records, per parameterised leaf layer (named by its state_dict prefix, nested
/// ones included), the norms of dL/dW, dL/db, dL/dh and W, and the global gradient norm before
/// and after clipping: `fit.diagnostics().last()`, `.history()`, `.report()` (see diag::detect).
/// Not chosen, nothing of it is compiled in. Example: examples/gradient_report.cpp
template <diag::level Level = diag::level::all>
struct diagnostics {
    static constexpr bool is_recorder = true;
    using options = diag::options;
    template <class Net>
    using recorder = diag::recorder<Net, Level>;
};

}  // namespace typenet
