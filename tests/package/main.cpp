// SPDX-License-Identifier: BSL-1.0
// Defines a find_package consumer that uses the expression API (a tensor, a fused elementwise
// chain, a batch with a bias, reductions) and returns non-zero when a result is wrong.
#include <typenet/typenet.hpp>

#include <cmath>
#include <cstddef>
#include <cstdio>

namespace tn = typenet;

namespace {

int failures = 0;

void expect_near(double actual, double expected, const char* what)
{
    if (std::fabs(actual - expected) > 1e-5) {
        std::fprintf(stderr, "typenet_package_consumer: %s: got %.9g, expected %.9g\n", what, actual, expected);
        ++failures;
    }
}

}  // namespace

int main()
{
    static_assert(TYPENET_VERSION_MAJOR == 0);

    // A tensor and a fused elementwise chain.
    tn::tensor<float, tn::shape<2, 3>> a{1, 2, 3, 4, 5, 6};
    tn::tensor<float, tn::shape<2, 3>> b{0.5f, 0.5f, 0.5f, -1, -1, -1};
    tn::tensor<float, tn::shape<2, 3>> y = tn::tanh{}(a * b + 1.0f) * 2.0f;
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            expect_near(y(i, j), 2.0 * std::tanh(static_cast<double>(a(i, j)) * b(i, j) + 1.0), "tanh(a * b + 1) * 2");

    // A batch with a bias broadcast over its rows, then reductions.
    tn::batch<float, 3> x(4);
    for (std::size_t r = 0; r < x.rows(); ++r)
        for (std::size_t f = 0; f < 3; ++f) x(r, f) = static_cast<float>(r * 3 + f);  // 0 .. 11
    tn::tensor<float, tn::shape<3>> bias{1, -2, 0.5f};
    tn::batch<float, 3> h = x + bias;
    if (h.rows() != 4) {
        std::fprintf(stderr, "typenet_package_consumer: x + bias has %zu rows, expected 4\n", h.rows());
        ++failures;
    }
    expect_near(h(3, 1), 10.0 - 2.0, "(x + bias)(3, 1)");
    expect_near(tn::sum(h), 66.0 + 4 * (1.0 - 2.0 + 0.5), "sum(x + bias)");
    expect_near(tn::max(h), 11.0 + 0.5, "max(x + bias)");
    tn::tensor<float, tn::shape<3>> column_sums = tn::sum<0>(h);
    expect_near(column_sums(0), (0 + 3 + 6 + 9) + 4 * 1.0, "sum<0>(x + bias)(0)");
    expect_near(tn::mean(x), 5.5, "mean(x)");

    if (failures == 0) std::printf("typenet_package_consumer: typenet %d.%d.%d works\n", TYPENET_VERSION_MAJOR,
                                   TYPENET_VERSION_MINOR, TYPENET_VERSION_PATCH);
    return failures == 0 ? 0 : 1;
}
