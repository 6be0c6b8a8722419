// SPDX-License-Identifier: BSL-1.0
// Defines how an activation (expr/activations.hpp) acts as a layer: forward applies its
// expression, backward multiplies by its symbolic derivative. Both are one SIMD loop.
#pragma once

#include <typenet/core/batch_view.hpp>
#include <typenet/core/shape.hpp>
#include <typenet/core/tensor_view.hpp>
#include <typenet/expr/activations.hpp>
#include <typenet/expr/apply.hpp>
#include <typenet/expr/assign.hpp>
#include <typenet/expr/derivative.hpp>
#include <typenet/expr/derivative_of_output.hpp>
#include <typenet/nn/detail/dims.hpp>
#include <typenet/nn/detail/activation_mean_field.hpp>
#include <typenet/nn/detail/layer_base.hpp>
#include <typenet/nn/detail/pass.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

namespace typenet::detail {

template <class A>
concept activation_type = requires { typename A::function_type; } && stateless_v<typename A::function_type>;

// The layer protocol for an activation type A (tn::relu, tn::activation<F>, ...).
template <class A>
struct activation_layer {
    using function = typename A::function_type;
    using derivative_function = derivative_t<function>;

    static constexpr bool accepts(dims) { return true; }
    static constexpr dims output_dims(dims in) { return in; }
    static std::string describe() { return A::describe(); }
    // Gradient-flow prediction: for z ~ N(m, q - m^2), out q = E[phi(z)^2], m = E[phi(z)]; the
    // incoherent gradient scales by E[phi'(z)^2], and the coherent part maps through phi' and
    // phi' phi (nn/detail/activation_mean_field.hpp), integrated at compile time from the
    // function's expression and its symbolic derivative.
    static constexpr mean_field_gain mean_field_step(mean_field in, dims d) {
        return with_width(activation_mean_field<function>(in), d.size());
    }

    template <class In>
    struct bind : parameterless_layer<In, In> {
        static constexpr std::size_t n = In::size;
        static constexpr bool is_activation = true;

        // y = f(z) for `rows` rows of n values (a batch, or one row in a fused epilogue).
        template <class T>
        static void apply_rows(const T* z, T* y, std::size_t rows) {
            batch_view<T, n> out(y, rows);
            out = typenet::apply(function{}, batch_view<const T, n>(z, rows));
        }
        // g_out = g_in * f'(z) (in place when g_out == g_in). When the output y = f(z) is still
        // there (y not null) and f' has a form in y (tanh: 1 - y^2), from y: the same value
        // without evaluating f again. A caller that let y be overwritten (a residual adds its
        // shortcut into its block's last output) passes null.
        template <class T>
        static void scale_by_derivative(const T* z, const T* y, const T* g_in, T* g_out, std::size_t rows) {
            batch_view<T, n> out(g_out, rows);
            const batch_view<const T, n> g(g_in, rows);
            if constexpr (has_output_derivative_v<function>) {
                if (y) {
                    out = g * typenet::apply(output_derivative_t<function>{}, batch_view<const T, n>(y, rows));
                    return;
                }
            }
            out = g * typenet::apply(derivative_function{}, batch_view<const T, n>(z, rows));
        }

        template <class T>
        static void forward(const T*, const T* x, T* acts, std::size_t rows, const forward_pass<T>&) {
            apply_rows(x, acts, rows);
        }
        template <class T>
        static void backward(const T*, const T* x, const T* acts, T* dy, T* dx, T*, T*, std::size_t rows) {
            if (dx) scale_by_derivative(x, acts, dy, dx, rows);
        }
    };
};

}  // namespace typenet::detail
