// SPDX-License-Identifier: BSL-1.0
// Defines the first example: a narrated tour of typenet's tensors, batches and expressions.
//
// This is the place to start. typenet is a header-only C++20 library in which shapes are types:
// a `tn::tensor<float, tn::shape<2, 3>>` always holds 2 x 3 floats, and the compiler refuses
// `a + b` when the shapes of `a` and `b` do not fit together. Arithmetic on tensors builds
// *expressions*, small objects that record what to compute; the work happens in one loop when an
// expression is assigned to a tensor or a batch. That is the foundation the networks and layers
// of later releases are built on.
//
// The tour, in order:
//   1. tensors and their static shapes
//   2. a fused elementwise chain: y = tanh(a * b + c) * d in one SIMD loop
//   3. batches: a run-time number of rows, and a bias broadcast over them
//   4. reductions
//   5. matmul, and a dense layer written by hand
//   6. a symbolic activation: swish, its derivative, and a finite-difference check
//   7. shape errors: at compile time (with the compiler's real message) and at run time
//   8. the same at scale, checked against a plain loop
//
// Run it with no arguments, or with --tiny (what CI does) for smaller data in step 8.
// The docs quote this file by its `// [snippet: name]` markers.
#include <typenet/typenet.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <type_traits>

// Every typenet name lives in namespace typenet; the short alias is the house convention.
namespace tn = typenet;

namespace {

// typenet has no stream output of its own; these helpers print what the tour makes. Tensors,
// batches and views all offer begin()/end() over exactly their values, in C order.
void heading(const char* title) { std::printf("\n== %s\n", title); }

template <class Values>
void print_values(const char* label, const Values& values)
{
    std::printf("  %-22s [", label);
    std::size_t n = 0;
    for (auto v : values) {
        if (n > 0 && n % 10 == 0) std::printf("\n  %-22s  ", "");  // ten values a line
        std::printf("%s%7.4f", n % 10 ? " " : "", static_cast<double>(v));
        ++n;
    }
    std::printf(" ]\n");
}

template <class T, std::size_t... F>
void print_rows(const char* label, const tn::batch<T, F...>& b)
{
    for (std::size_t r = 0; r < b.rows(); ++r) {
        char line[64];
        std::snprintf(line, sizeof line, "%s row %zu", label, r);
        print_values(line, b.row(r));
    }
}

// Checks a claim the tour makes; a failed check makes the example exit non-zero.
int failures = 0;
void check(bool ok, const char* what)
{
    std::printf("  check: %-52s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) ++failures;
}

}  // namespace

int main(int argc, char** argv)
{
    const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny") == 0;
    std::printf("typenet %d.%d.%d: a tour of tensors and expressions%s\n", TYPENET_VERSION_MAJOR,
                TYPENET_VERSION_MINOR, TYPENET_VERSION_PATCH, tiny ? " (--tiny)" : "");

    // ------------------------------------------------------------------------------------------
    heading("1. Tensors have static shapes");
    // A shape is a type. Its extents are compile-time constants, so questions about them are
    // answered by the compiler: static_assert costs nothing at run time.
    // [snippet: tensors]
    using mat23 = tn::shape<2, 3>;
    static_assert(tn::rank_v<mat23> == 2 && tn::size_v<mat23> == 6);
    static_assert(tn::extent_v<mat23, 1> == 3);

    tn::tensor<float, mat23> m{1, 2, 3,
                               4, 5, 6};  // values in C order (row by row); all zero if omitted
    m(1, 2) = 60;                         // one index per axis
    // [end snippet]
    // A tensor owns its values (copying copies them). Small tensors live inside the object,
    // like std::array; large ones own a fixed-size heap buffer. Either way data() points at
    // size() contiguous values, aligned for SIMD.
    print_values("m, shape (2, 3)", m);
    std::printf("  m(1, 2) = %g, m.size() = %zu\n", static_cast<double>(m(1, 2)), m.size());

    // ------------------------------------------------------------------------------------------
    heading("2. A fused elementwise chain");
    // `a * b + c` computes nothing. It returns an expression node whose type records the whole
    // computation, here binary_node<add, binary_node<multiply, a, b>, c>. The work happens when
    // the expression is assigned: typenet walks y once, computing tanh(a*b + c) * d for a whole
    // SIMD vector of elements at a time, and finishes the last few elements one by one (the
    // scalar tail). That is what "fused" means: one loop, no temporary tensor for a * b or for
    // the tanh, however long the chain.
    // Note the braces in `tn::tanh{}(...)`: tanh, sigmoid and relu are activation *types* (a
    // network will list them as layers), so you make one with {} and call it on an expression.
    // exp, log, sqrt, square and the other elementwise functions are plain functions: tn::exp(e).
    // [snippet: fused_chain]
    using vec20 = tn::shape<20>;
    tn::tensor<float, vec20> a, b, c, d;
    for (std::size_t i = 0; i < a.size(); ++i) a(i) = 0.05f * static_cast<float>(i);
    b.fill(2.0f);
    c.fill(-1.0f);
    d.fill(3.0f);

    tn::tensor<float, vec20> y = tn::tanh{}(a * b + c) * d;  // one loop over y, here
    // [end snippet]
    print_values("a", a);
    print_values("tanh(a * b + c) * d", y);
    constexpr std::size_t width = tn::simd::width_v<float>;  // set by the compiler's -march
    std::printf("  This build's SIMD vectors hold %zu floats, so the loop over y's %zu values took\n"
                "  %zu vector step(s) and %zu scalar step(s), the tail.\n",
                width, vec20::size, vec20::size / width, vec20::size % width);
    float worst = 0;
    for (std::size_t i = 0; i < vec20::size; ++i)
        worst = std::fmax(worst, std::fabs(y(i) - std::tanh(a(i) * b(i) + c(i)) * d(i)));
    check(worst < 1e-5f, "fused chain equals a plain loop with std::tanh");

    // ------------------------------------------------------------------------------------------
    heading("3. Batches: rows at run time, a bias broadcast over them");
    // A batch is the one shape with a run-time extent: its number of rows. The features of a
    // row are static, so batch<float, 3> is "any number of rows of 3 floats". Rows are stored
    // one after the other, with nothing in between.
    // [snippet: batch_bias]
    tn::batch<float, 3> x(4);  // 4 rows of 3 features, all zero
    for (std::size_t r = 0; r < x.rows(); ++r)
        for (std::size_t f = 0; f < 3; ++f) x(r, f) = static_cast<float>(r) - static_cast<float>(f);

    tn::tensor<float, tn::shape<3>> bias{0.5f, -1.0f, 2.0f};
    tn::batch<float, 3> h = tn::relu{}(x + bias);  // bias is added to every row
    // [end snippet]
    // A tensor meets a batch by broadcasting to the batch's *feature* shape (here shape<3>);
    // the rows come from the batch. Between tensors the NumPy rule applies: trailing axes line
    // up, and an extent of 1 stretches, so shape<2, 3> + shape<3> is shape<2, 3>.
    print_rows("x", x);
    print_values("bias", bias);
    print_rows("relu(x + bias)", h);

    // ------------------------------------------------------------------------------------------
    heading("4. Reductions");
    // A whole reduction gives a number. It reads its operand through the same loop as an
    // assignment, so `tn::sum(tn::square(h))` makes no temporary either.
    // A reduction along an axis removes that axis. For a batch, axis 0 is the rows: summing
    // them is exactly how a bias gradient is computed from a batch of output gradients.
    // [snippet: reduction]
    const float total = tn::sum(h);
    const float average = tn::mean(h);
    const float largest = tn::max(h);
    tn::tensor<float, tn::shape<3>> column_sums = tn::sum<0>(h);  // a batch's axis 0: its rows
    tn::batch<float> row_max = tn::max<1>(h);                     // one value per row
    // [end snippet]
    std::printf("  sum(h) = %g, mean(h) = %g, max(h) = %g\n", static_cast<double>(total),
                static_cast<double>(average), static_cast<double>(largest));
    print_values("sum<0>(h), per feature", column_sums);
    print_values("max<1>(h), per row", row_max);
    check(std::fabs(total - tn::sum(column_sums)) < 1e-5f, "sum(h) equals the sum of its column sums");

    // ------------------------------------------------------------------------------------------
    heading("5. matmul: a dense layer by hand");
    // tn::matmul is not lazy: it computes its product at once into a new tensor or batch. Each
    // output element reads a whole row and a whole column, so a lazy node would re-read them
    // for every element. The product then takes part in a fused chain like any other operand
    // (the expression owns it, as it owns every temporary it is given).
    // [snippet: matmul]
    tn::tensor<float, tn::shape<3, 2>> w{1, -1,
                                         0, 1,
                                         2, 0};
    tn::tensor<float, tn::shape<2>> b2{0.1f, -0.2f};
    tn::batch<float, 2> layer = tn::relu{}(tn::matmul(x, w) + b2);  // (4, 3) x (3, 2) -> (4, 2)
    tn::tensor<float, tn::shape<2, 3>> wt = tn::transpose(w);
    // [end snippet]
    print_rows("relu(x w + b)", layer);
    print_values("transpose(w), (2, 3)", wt);

    // ------------------------------------------------------------------------------------------
    heading("6. A symbolic activation: swish and its derivative");
    // tn::_x is a placeholder: an expression over it is a function, written once as a type.
    // tn::apply(f, z) substitutes z for _x and gives an ordinary (fused) expression.
    // tn::derivative(f) differentiates f at compile time: the result is another expression
    // type, built with the chain, product and quotient rules, and folded as it is built
    // (products with 1 and sums with 0 vanish). A layer's backward pass then comes for free.
    // Storing `swish` with auto is safe: the placeholder is held by value, not by reference.
    // (typenet ships this one ready-made as the activation tn::swish; here it is built by hand.)
    // [snippet: swish]
    const auto swish = tn::_x * tn::sigmoid{}(tn::_x);
    const auto dswish = tn::derivative(swish);  // sigmoid(x) + x * (sigmoid(x) * (1 - sigmoid(x)))

    tn::tensor<double, tn::shape<7>> z{-3, -2, -1, 0, 1, 2, 3};
    tn::tensor<double, tn::shape<7>> s = tn::apply(swish, z);
    tn::tensor<double, tn::shape<7>> ds = tn::apply(dswish, z);

    // The finite-difference check every gradient deserves: (f(z + h) - f(z - h)) / 2h.
    const double step = 1e-5;
    tn::tensor<double, tn::shape<7>> numeric = (tn::apply(swish, z + step) - tn::apply(swish, z - step)) / (2 * step);
    const double error = tn::max(tn::abs(ds - numeric));
    // [end snippet]
    // The derivative's type is exactly what one would write by hand; for tanh it is 1 - tanh^2:
    static_assert(std::is_same_v<tn::derivative_t<decltype(tn::tanh{}(tn::_x))>,
                                 decltype(tn::rational<1> - tn::square(tn::tanh{}(tn::_x)))>);
    print_values("z", z);
    print_values("swish(z)", s);
    print_values("derivative(swish)(z)", ds);
    print_values("finite difference", numeric);
    std::printf("  largest |symbolic - numeric| = %.2e\n", error);
    check(error < 1e-8, "symbolic derivative matches the finite difference");

    // ------------------------------------------------------------------------------------------
    heading("7. Shape errors");
    // Static shapes are checked by the compiler. This line does not compile:
    // [snippet: shape_error]
    //     tn::tensor<float, tn::shape<3>> u;
    //     tn::tensor<float, tn::shape<4>> v;
    //     tn::tensor<float, tn::shape<3>> bad = u + v;
    //
    // g++ 12 answers with one error (paths shortened, the chain of "required from" lines cut):
    //     include/typenet/expr/detail/require.hpp: In instantiation of 'struct
    //       typenet::detail::require_broadcastable<typenet::op::add, typenet::shape<3>, typenet::shape<4> >':
    //     ...
    //     bad.cpp:7:45:   required from here
    //     include/typenet/expr/detail/require.hpp:16:19: error: static assertion failed: typenet:
    //       elementwise operation: operand shapes must be equal or broadcast under NumPy's rule
    //       (see Lhs and Rhs in require_broadcastable)
    //     include/typenet/core/shape_concepts.hpp:19:89: note: the expression
    //       '(shapes_broadcast<A, B>)() [with A = typenet::shape<3>; B = typenet::shape<4>]' evaluated to 'false'
    //
    // clang++-14 prints the same sentence first, then "in instantiation of template class
    // 'typenet::detail::require_broadcastable<typenet::op::add, typenet::shape<3>, typenet::shape<4>>'".
    // [end snippet]
    // Read it from the top: the operation (op::add), the two shapes, the rule in one sentence.
    std::printf("  `shape<3> + shape<4>` does not compile. g++ 12 reports:\n"
                "    In instantiation of 'struct typenet::detail::require_broadcastable<\n"
                "        typenet::op::add, typenet::shape<3>, typenet::shape<4> >'\n"
                "    error: static assertion failed: typenet: elementwise operation: operand shapes\n"
                "        must be equal or broadcast under NumPy's rule (see Lhs and Rhs in require_broadcastable)\n"
                "  (the sentence lives in include/typenet/expr/detail/require.hpp)\n");

    // The row count is the one run-time extent, so a row mismatch between two batches can only
    // be found at run time: tn::shape_error, naming both shapes. Rows never broadcast.
    // [snippet: run_time_error]
    tn::batch<float, 3> five_rows(5);
    try {
        tn::batch<float, 3> mismatch = x + five_rows;  // 4 rows + 5 rows
        check(false, "a row mismatch throws tn::shape_error");
    } catch (const tn::shape_error& e) {
        std::printf("  at run time, 4 rows + 5 rows throws tn::shape_error:\n    %s\n", e.what());
    }
    // [end snippet]

    // ------------------------------------------------------------------------------------------
    heading("8. The same at scale");
    // Nothing above depends on the sizes being small. A batch of many rows through the dense
    // layer of step 5 and a longer chain, checked value by value against plain loops.
    const std::size_t rows = tiny ? 64 : 4096;
    tn::batch<float, 64> big(rows);
    for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] = static_cast<float>(i % 97) / 97.0f - 0.5f;
    tn::tensor<float, tn::shape<64>> shift;
    for (std::size_t f = 0; f < 64; ++f) shift(f) = static_cast<float>(f) / 64.0f;

    tn::batch<float, 64> out = tn::tanh{}(big * 2.0f + shift) * tn::sigmoid{}(big) - 0.25f;
    double worst_big = 0;
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t f = 0; f < 64; ++f) {
            const float v = big(r, f);
            const float expect = std::tanh(v * 2.0f + shift(f)) * (1.0f / (1.0f + std::exp(-v))) - 0.25f;
            worst_big = std::fmax(worst_big, std::fabs(static_cast<double>(out(r, f) - expect)));
        }
    std::printf("  %zu rows x 64 features = %zu values; largest difference to a plain loop: %.1e\n", rows,
                out.size(), worst_big);
    check(worst_big < 1e-5, "the fused result equals the plain loop at scale");

    std::printf("\n%s\n", failures == 0 ? "All checks passed. Next: the docs, starting at docs/index.md."
                                        : "Some checks FAILED.");
    return failures == 0 ? 0 : 1;
}
