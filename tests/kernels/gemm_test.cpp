// SPDX-License-Identifier: BSL-1.0
// Tests the blocked GEMM kernels against sums accumulated in long double, on every edge the
// blocking has: rows and columns that do not fill a register tile or a SIMD vector, a shared
// dimension longer than one cache block, and the per-block epilogue of the forward pass. The
// same file is built once per instruction set (tests/CMakeLists.txt), so the SSE2, AVX2 and
// AVX-512 paths are each checked where the machine has them.
#include <typenet/kernels/dense.hpp>
#include <typenet/kernels/descent.hpp>
#include <typenet/kernels/gemm.hpp>
#include <typenet/kernels/parallel.hpp>
#include <typenet/kernels/thread_pool.hpp>
#include <typenet/kernels/simd.hpp>

#include "guarded_buffer.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace k = typenet::kernels;
namespace simd = typenet::simd;

namespace {

template <class T>
std::vector<T> random_values(std::size_t n, std::mt19937& g) {
    std::normal_distribution<double> d;
    std::vector<T> v(n);
    for (auto& e : v) e = T(d(g));
    return v;
}

// Relative error of a computed value against an exact sum, scaled by the sum of magnitudes (the
// bound a floating-point dot product of that length obeys).
template <class T>
struct error_meter {
    double worst = 0;
    void add(long double exact, long double magnitude, T got) {
        worst = std::max(worst, double(std::abs(exact - (long double)got) / (magnitude + 1e-30L)));
    }
};

template <class T>
double tolerance() {
    return std::is_same_v<T, float> ? 2e-6 : 4e-15;
}

template <class T, std::size_t InHint = 0, std::size_t OutHint = 0>
void check_dense(std::size_t rows, std::size_t in, std::size_t out) {
    BOOST_TEST_CONTEXT("rows " << rows << ", in " << in << ", out " << out << ", " << sizeof(T) * 8 << "-bit") {
        std::mt19937 g(unsigned(rows * 7919 + in * 131 + out));
        const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g),
                   dy = random_values<T>(rows * out, g);
        std::vector<T> z(rows * out, T(-7)), dw(out * in, T(-7)), db(out, T(-7)), dx(rows * in, T(-7));
        std::vector<std::size_t> order;
        k::dense_forward<T, InHint, OutHint>(in, out, w.data(), b.data(), x.data(), z.data(), rows, [&](std::size_t r) {
            // the row is final when its epilogue runs
            for (std::size_t o = 0; o < out; ++o) {
                long double s = b[o];
                for (std::size_t i = 0; i < in; ++i) s += (long double)x[r * in + i] * w[o * in + i];
                if (std::abs(s - (long double)z[r * out + o]) > 1e-3L * (1 + std::abs(s))) {
                    BOOST_ERROR("row " << r << " is not final when its epilogue runs");
                    break;
                }
            }
            order.push_back(r);
        });
        BOOST_TEST(order.size() == rows);
        for (std::size_t r = 0; r < order.size(); ++r) BOOST_TEST(order[r] == r);

        error_meter<T> forward, weights, bias, input;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t o = 0; o < out; ++o) {
                long double s = b[o], m = std::abs(b[o]);
                for (std::size_t i = 0; i < in; ++i) {
                    s += (long double)x[r * in + i] * w[o * in + i];
                    m += std::abs((long double)x[r * in + i] * w[o * in + i]);
                }
                forward.add(s, m, z[r * out + o]);
            }

        auto dz = dy;
        k::dense_backward<T, InHint, OutHint>(in, out, w.data(), x.data(), dz.data(), dw.data(), db.data(), dx.data(), rows,
                             [&](std::size_t r) {
                                 for (std::size_t o = 0; o < out; ++o) dz[r * out + o] *= T(2);
                             });
        for (std::size_t o = 0; o < out; ++o) {
            long double s = 0, m = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                s += 2 * (long double)dy[r * out + o];
                m += std::abs(2 * (long double)dy[r * out + o]);
            }
            bias.add(s, m, db[o]);
            for (std::size_t i = 0; i < in; ++i) {
                long double sw = 0, mw = 0;
                for (std::size_t r = 0; r < rows; ++r) {
                    sw += 2 * (long double)dy[r * out + o] * x[r * in + i];
                    mw += std::abs(2 * (long double)dy[r * out + o] * x[r * in + i]);
                }
                weights.add(sw, mw, dw[o * in + i]);
            }
        }
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t i = 0; i < in; ++i) {
                long double s = 0, m = 0;
                for (std::size_t o = 0; o < out; ++o) {
                    s += 2 * (long double)dy[r * out + o] * w[o * in + i];
                    m += std::abs(2 * (long double)dy[r * out + o] * w[o * in + i]);
                }
                input.add(s, m, dx[r * in + i]);
            }
        BOOST_TEST(forward.worst < tolerance<T>());
        BOOST_TEST(weights.worst < tolerance<T>());
        BOOST_TEST(bias.worst < tolerance<T>());
        BOOST_TEST(input.worst < tolerance<T>());
    }
}

// Shapes around every edge: 1 and the register tile's rows, one SIMD vector and a full panel,
// each plus and minus one, a shared dimension past the cache block, and the workloads' shapes.
template <class T>
std::vector<std::size_t> edges() {
    using tile = k::gemm_tile<T, simd::default_arch>;
    std::vector<std::size_t> e{1, 2, tile::mr - 1, tile::mr, tile::mr + 1, tile::width - 1, tile::width, tile::width + 1,
                               tile::panel - 1, tile::panel + 1};
    return e;
}

// A parallel_executor that forwards to a pool and counts the regions that fork.
struct counting_executor final : k::parallel_executor {
    explicit counting_executor(k::thread_pool& p) : pool(p) {}
    std::size_t size() const noexcept override { return pool.size(); }
    void run_parts(void (*task)(void*, std::size_t), void* context) override {
        ++forks;
        pool.run_parts(task, context);
    }
    k::thread_pool& pool;
    int forks = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm)

using value_types = std::tuple<float, double>;

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_kernels_match_exact_sums_on_every_edge, T, value_types) {
    for (std::size_t rows : edges<T>())
        for (std::size_t in : edges<T>())
            for (std::size_t out : edges<T>()) check_dense<T>(rows, in, out);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_kernels_match_exact_sums_past_one_cache_block, T, value_types) {
    using tile = k::gemm_tile<T, simd::default_arch>;
    check_dense<T>(3, tile::depth + 5, 2 * tile::panel + 3);           // few rows: W read in place
    check_dense<T>(2 * tile::mr + 3, 2 * tile::depth + 1, tile::panel);  // forward: in kept whole
    // forward: a panel of W^T too large to keep whole, packed in blocks of in
    check_dense<T>(2 * tile::mr + 3, k::whole_panel_bytes / (tile::panel * sizeof(T)) + 5, tile::panel + 1);
    check_dense<T>(tile::depth + 7, 17, 9);                              // dW: two blocks of rows
    check_dense<T>(64, 784, 10);                                         // the workloads' shapes
    check_dense<T>(32, 64, 64);
    check_dense<T>(64, 784, 256);  // weights first (z^T = W x^T): a batch small against the layer
    check_dense<T>(20, 100, 300);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_kernels_with_compile_time_tiles_match_exact_sums, T, value_types) {
    // Layers pass their extents, which may choose wider panels (four vectors under AVX-512).
    for (std::size_t rows : {1, 5, 6, 7, 32}) check_dense<T, 64, 64>(rows, 64, 64);
    check_dense<T, 128, 256>(13, 128, 256);
    check_dense<T, 256, 128>(64, 256, 128);
    check_dense<T, 784, 10>(9, 784, 10);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(gemm_matches_exact_sums, T, value_types) {
    for (std::size_t m : {1, 5, 17})
        for (std::size_t n : {1, 7, 33, 70})
            for (std::size_t kk : {0, 1, 9, 300}) {
                std::mt19937 g(unsigned(m * 31 + n * 7 + kk));
                const auto a = random_values<T>(m * kk, g), b = random_values<T>(kk * n, g);
                std::vector<T> c(m * n, T(-7));
                k::gemm<T>(m, n, kk, a.data(), b.data(), c.data());
                error_meter<T> e;
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t j = 0; j < n; ++j) {
                        long double s = 0, mag = 0;
                        for (std::size_t p = 0; p < kk; ++p) {
                            s += (long double)a[i * kk + p] * b[p * n + j];
                            mag += std::abs((long double)a[i * kk + p] * b[p * n + j]);
                        }
                        e.add(s, mag, c[i * n + j]);
                    }
                BOOST_TEST_CONTEXT("m " << m << ", n " << n << ", k " << kk) { BOOST_TEST(e.worst < tolerance<T>()); }
            }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(row_split_gives_identical_rows, T, value_types) {
    // Threads split the forward by rows: each row must come out bit-identical however the rows
    // are grouped, so a parallel run equals a serial one.
    const std::size_t rows = 29, in = 70, out = 45;
    std::mt19937 g(5);
    const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g);
    std::vector<T> whole(rows * out), parts(rows * out);
    const k::strided_operand<T> a{x.data(), in, 1};
    k::gemm_transposed<T>(out, in, a, w.data(), b.data(), whole.data(), out, 0, rows, {});
    for (std::size_t r0 : {std::size_t(0), std::size_t(3), std::size_t(11), std::size_t(12)}) {
        std::fill(parts.begin(), parts.end(), T(0));
        k::gemm_transposed<T>(out, in, a, w.data(), b.data(), parts.data(), out, 0, r0, {});
        k::gemm_transposed<T>(out, in, a, w.data(), b.data(), parts.data(), out, r0, rows, {});
        BOOST_TEST(parts == whole);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_forward_add_adds_into_y, T, value_types) {
    // y += x W^T + b (a residual projection's shortcut): the streaming path below 4 rows, the
    // GEMM from 4 rows on (the shared dimension packed whole at in = 300, in several cache
    // blocks at in = `blocked`; several column panels at out = 100), and the same bits on 2
    // threads, which split by rows, or at out = 200 and 300 by column panels (each value added
    // once); the last shape runs weights first (z^T = W x^T, dense.hpp).
    using tile = k::gemm_tile<T, simd::default_arch>;
    const std::size_t blocked = k::whole_panel_bytes / (tile::panel * sizeof(T)) + 5;
    for (const auto& shape : {std::array<std::size_t, 3>{1, 7, 5}, {3, 300, 100}, {4, 7, 5}, {29, 300, 100},
                              {64, 33, 48}, {13, blocked, 20}, {64, 33, 300}, {180, blocked, 200}, {40, blocked, 300}}) {
        const std::size_t rows = shape[0], in = shape[1], out = shape[2];
        std::mt19937 g(unsigned(rows * 31 + in + out));
        const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g),
                   y0 = random_values<T>(rows * out, g);
        auto y = y0;
        k::dense_forward_add<T>(in, out, w.data(), b.data(), x.data(), y.data(), rows);
        error_meter<T> e;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t o = 0; o < out; ++o) {
                long double s = (long double)y0[r * out + o] + b[o], m = std::abs(s);
                for (std::size_t i = 0; i < in; ++i) {
                    s += (long double)x[r * in + i] * w[o * in + i];
                    m += std::abs((long double)x[r * in + i] * w[o * in + i]);
                }
                e.add(s, m, y[r * out + o]);
            }
        auto threaded = y0;
        {
            k::thread_pool pool(2);
            const k::parallel_scope scope(&pool);
            k::dense_forward_add<T>(in, out, w.data(), b.data(), x.data(), threaded.data(), rows);
        }
        BOOST_TEST_CONTEXT("rows " << rows << ", in " << in << ", out " << out) {
            BOOST_TEST(e.worst < tolerance<T>());
            BOOST_TEST((threaded == y));
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(weights_first_gives_the_bits_of_the_usual_layout, T, value_types) {
    // A batch small against its layer runs as z^T = W x^T, then z^T transposed (dense.hpp). It
    // must give the bits gemm_transposed gives in z's own layout, with and without accumulate,
    // on 1, 2 and 3 threads, with each row final when its epilogue runs: batches of whole
    // four-vector panels (the 6 x 4 tile under AVX-512) and not, one vector of rows (or the
    // fewest the GEMM takes), one plus an edge, and more than a panel plus an edge; in kept
    // whole and in cache blocks.
    using arch = simd::default_arch;
    using tile = k::gemm_tile<T, arch>;
    const std::size_t vw = std::max(simd::width_v<T>, k::dense_packing_min_rows);  // (2 doubles with SSE2)
    const std::size_t blocked = k::whole_panel_bytes / (tile::panel * sizeof(T)) + 5;
    for (const auto& shape : {std::array<std::size_t, 3>{64, 784, 256}, {vw, 100, 300}, {vw + 3, 100, 300},
                              {tile::panel + 5, 300, 600}, {29, blocked, 200}}) {
        const std::size_t rows = shape[0], in = shape[1], out = shape[2];
        BOOST_TEST_CONTEXT("rows " << rows << ", in " << in << ", out " << out << ", " << sizeof(T) * 8 << "-bit") {
            BOOST_REQUIRE((k::detail::weights_first<T, arch>(in, out, rows)));
            std::mt19937 g(unsigned(rows * 31 + in + out));
            const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g),
                       y0 = random_values<T>(rows * out, g);
            std::vector<T> z_usual(rows * out), y_usual = y0;
            const k::strided_operand<T> a{x.data(), in, 1};
            k::gemm_transposed<T, tile>(out, in, a, w.data(), b.data(), z_usual.data(), out, 0, rows, {});
            k::gemm_transposed<T, tile>(out, in, a, w.data(), b.data(), y_usual.data(), out, 0, rows, {}, true);
            for (std::size_t threads : {1, 2, 3}) {
                k::thread_pool pool(threads);
                const k::parallel_scope scope(threads > 1 ? &pool : nullptr);
                std::vector<T> z(rows * out, T(-7)), y = y0;
                std::vector<int> epilogues(rows), final_rows(rows);
                k::dense_forward<T>(in, out, w.data(), b.data(), x.data(), z.data(), rows, [&](std::size_t r) {
                    ++epilogues[r];
                    final_rows[r] = std::equal(z.begin() + std::ptrdiff_t(r * out), z.begin() + std::ptrdiff_t((r + 1) * out),
                                               z_usual.begin() + std::ptrdiff_t(r * out));
                });
                k::dense_forward_add<T>(in, out, w.data(), b.data(), x.data(), y.data(), rows);
                BOOST_TEST_CONTEXT("threads " << threads) {
                    BOOST_TEST((z == z_usual));
                    BOOST_TEST((y == y_usual));
                    BOOST_TEST((epilogues == std::vector<int>(rows, 1)));
                    BOOST_TEST((final_rows == std::vector<int>(rows, 1)));
                }
            }
        }
    }
    // The path is taken, not only allowed: z^T's scratch (only this path asks for it) exists
    // after a forward on a fresh thread, and not before.
    bool before = true, after = false;
    std::thread([&] {
        const std::size_t rows = 64, in = 784, out = 256;
        std::vector<T> w(out * in, T(1)), b(out), x(rows * in), z(rows * out);
        before = k::detail::scratch<T, k::detail::transposed_output>(0) != nullptr;
        k::dense_forward<T>(in, out, w.data(), b.data(), x.data(), z.data(), rows, [](std::size_t) {});
        after = k::detail::scratch<T, k::detail::transposed_output>(0) != nullptr;
    }).join();
    BOOST_TEST(!before);
    BOOST_TEST(after);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transpose_covers_every_edge, T, value_types) {
    // dst(j, i) = src(i, j) through whole register blocks and element-wise edges, with strides
    // wider than the rows; nothing outside the m x n result is written.
    constexpr std::size_t vw = simd::width_v<T>;
    for (std::size_t m : {std::size_t{1}, vw - 1, vw, vw + 1, 2 * vw + 3})
        for (std::size_t n : {std::size_t{1}, vw, vw + 2, 3 * vw - 1}) {
            const std::size_t lds = n + 3, ldd = m + 2;
            std::vector<T> src(m * lds), dst(n * ldd, T(-1));
            for (std::size_t i = 0; i < src.size(); ++i) src[i] = T(i);
            k::transpose<T>(m, n, src.data(), lds, dst.data(), ldd);
            bool exact = true;
            for (std::size_t j = 0; j < n; ++j)
                for (std::size_t i = 0; i < ldd; ++i) exact = exact && dst[j * ldd + i] == (i < m ? src[i * lds + j] : T(-1));
            BOOST_TEST_CONTEXT("m " << m << ", n " << n) { BOOST_TEST(exact); }
        }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(column_split_gives_identical_columns, T, value_types) {
    // The weight gradient is split by columns: the same bit-identity.
    const std::size_t m = 13, n = 75, kk = 40, w = simd::width_v<T>;
    std::mt19937 g(6);
    const auto a = random_values<T>(m * kk, g), b = random_values<T>(kk * n, g);
    std::vector<T> whole(m * n), parts(m * n);
    const k::strided_operand<T> op{a.data(), kk, 1};
    k::gemm_direct<T>(m, kk, op, b.data(), n, whole.data(), n, 0, n);
    for (std::size_t split = 0; split <= n; split += w) {
        std::fill(parts.begin(), parts.end(), T(0));
        k::gemm_direct<T>(m, kk, op, b.data(), n, parts.data(), n, 0, split);
        k::gemm_direct<T>(m, kk, op, b.data(), n, parts.data(), n, split, n);
        BOOST_TEST(parts == whole);
    }
    // And the forward (threads take its column panels when there are enough): z = x W^T + b
    // for W [n, kk], computed in two column ranges cut at a panel boundary.
    using tile = k::gemm_tile<T, simd::default_arch>;
    const auto bias = random_values<T>(n, g);
    k::gemm_transposed<T, tile>(n, kk, op, b.data(), bias.data(), whole.data(), n, 0, m, {});
    for (std::size_t split = 0; split <= n; split += tile::panel) {
        std::fill(parts.begin(), parts.end(), T(0));
        std::size_t rows_reported = 0;
        auto count = [&](std::size_t i0, std::size_t i1) { rows_reported += i1 - i0; };
        k::gemm_transposed<T, tile>(n, kk, op, b.data(), bias.data(), parts.data(), n, 0, m, count, false, 0, split);
        k::gemm_transposed<T, tile>(n, kk, op, b.data(), bias.data(), parts.data(), n, 0, m, count, false, split, n);
        BOOST_TEST_CONTEXT("split at column " << split) {
            BOOST_TEST(parts == whole);
            BOOST_TEST(rows_reported == (split > 0 && split < n ? 2 : 1) * m);  // once per call with columns
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_tile_touches_no_column_past_its_last, T, value_types) {
    // The register tile's last vector may be partial (micro_tile::load_row, store_row). In every
    // path that touches C (a sum that resumes from C past one cache block, the SGD step into the
    // parameters, the forward with accumulate), the columns past a row's last must keep their
    // values: C's rows are 16 values longer than its columns, and those hold a mark (a whole
    // store of the last vector overwrites it). A whole load then store would write the marks
    // back unchanged, since B's padding is zero; so C and the parameters are also run ending
    // where an inaccessible page begins, and any access past the last row's last column faults.
    using tile = k::gemm_tile<T, simd::default_arch>;
    const std::size_t m = 7, kk = 2 * tile::depth + 3, pad = 16;
    const T mark = T(12345);
    for (std::size_t n : {1, 7, 33, 70, 75}) {
        BOOST_TEST_CONTEXT("n " << n << ", k " << kk << ", " << sizeof(T) * 8 << "-bit") {
            std::mt19937 g(static_cast<unsigned>(n));
            const auto a = random_values<T>(m * kk, g), b = random_values<T>(kk * n, g), bias = random_values<T>(n, g);
            const k::strided_operand<T> op{a.data(), kk, 1};
            const auto run_every_path = [&](T* c, T* p, std::size_t ldc) {
                k::gemm_direct<T>(m, kk, op, b.data(), n, c, ldc, 0, n);  // resumes from C
                k::gemm_direct<T>(m, kk, op, b.data(), n, c, ldc, 0, n, k::descent<T>{p, T(0.5)});
                k::gemm_transposed<T, tile>(n, kk, op, b.data(), bias.data(), c, ldc, 0, m, {}, true);  // b as W [n, kk]
            };
            std::vector<T> c(m * (n + pad), mark), p(m * (n + pad), mark);
            run_every_path(c.data(), p.data(), n + pad);
            std::size_t changed = 0;
            for (std::size_t i = 0; i < m; ++i)
                for (std::size_t j = n; j < n + pad; ++j)
                    changed += (c[i * (n + pad) + j] != mark) + (p[i * (n + pad) + j] != mark);
            BOOST_TEST(changed == 0u);
            const guarded_buffer<T> c_end(m * n), p_end(m * n);
            std::fill_n(c_end.data(), m * n, T(0));
            std::fill_n(p_end.data(), m * n, T(1));
            run_every_path(c_end.data(), p_end.data(), n);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dense_backward_takes_the_plain_step_in_the_weight_gradient_store, T, value_types) {
    // With a step, each weight becomes exactly descent::step(w, dw, rate) for the dw the kernel
    // computes without one (in a scalar here, in a vector's lane there: madd rounds alike), dx
    // still uses the weights from before the step, and the bias gradient is unchanged; on every
    // edge, past one cache block of the batch, and split over threads (4 mr + 3 outputs and
    // more are split in two).
    using tile = k::gemm_tile<T, simd::default_arch>;
    const T rate = T(0.375);
    for (std::size_t rows : {std::size_t{1}, tile::mr + 1, std::size_t{3 * tile::depth + 5}})
        for (std::size_t in : edges<T>())
            for (std::size_t out : {std::size_t{1}, tile::mr + 1, 4 * tile::mr + 3, tile::panel + 1}) {
                std::mt19937 g(unsigned(rows * 31 + in * 7 + out));
                const auto w = random_values<T>(out * in, g), x = random_values<T>(rows * in, g),
                           dy = random_values<T>(rows * out, g);
                std::vector<T> dw(out * in), db(out), dx(rows * in), db2(out), dx2(rows * in), scratch(out * in);
                auto dz = dy;
                k::dense_backward<T>(in, out, w.data(), x.data(), dz.data(), dw.data(), db.data(), dx.data(), rows,
                                     [](std::size_t) {});
                for (std::size_t threads : {1, 2}) {
                    BOOST_TEST_CONTEXT("rows " << rows << ", in " << in << ", out " << out << ", threads " << threads
                                               << ", " << sizeof(T) * 8 << "-bit") {
                        k::thread_pool pool(threads);
                        const k::parallel_scope scope(threads > 1 ? &pool : nullptr);
                        auto stepped = w;
                        dz = dy;
                        k::dense_backward<T>(in, out, stepped.data(), x.data(), dz.data(), scratch.data(), db2.data(),
                                             dx2.data(), rows, [](std::size_t) {}, k::descent<T>{stepped.data(), rate});
                        bool exact = true;
                        for (std::size_t i = 0; i < w.size(); ++i)
                            exact = exact && stepped[i] == k::descent<T>::template step<simd::default_arch>(w[i], dw[i], rate);
                        BOOST_TEST(exact);
                        BOOST_TEST((dx2 == dx));
                        BOOST_TEST((db2 == db));
                    }
                }
            }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transpose_block_transposes, T, value_types) {
    constexpr std::size_t n = simd::width_v<T>, src_stride = n + 3, dst_stride = n + 5;
    std::vector<T> src(n * src_stride), dst(n * dst_stride, T(-1));
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = T(i);
    simd::transpose_block<T>(src.data(), src_stride, dst.data(), dst_stride);
    for (std::size_t l = 0; l < n; ++l)
        for (std::size_t q = 0; q < n; ++q) BOOST_TEST(dst[q * dst_stride + l] == src[l * src_stride + q]);
    for (std::size_t q = 0; q < n; ++q)
        for (std::size_t c = n; c < dst_stride; ++c) BOOST_TEST(dst[q * dst_stride + c] == T(-1));  // nothing else written
}

BOOST_AUTO_TEST_CASE_TEMPLATE(threads_give_bit_identical_results, T, value_types) {
    // The parallel policy must not change a single bit: forward, dW, db and dx with 2 and 3
    // threads against the serial run, on shapes that split unevenly. At out = 300 the forward
    // has enough column panels for threads to take panels, on every instruction set, with the
    // epilogue (tanh) in a pass of its own; then the same with the 6 x 4 tile of a 384-wide
    // layer (AVX-512). The backward's prologue scales each row (threads run it on their own
    // rows, and reduce db over their own outputs), with dx and without (a first layer); then
    // no prologue and no dx (a projection shortcut's without dx). Outputs start as NaN, so
    // whatever a path leaves unwritten shows.
    struct result {
        std::vector<T> z, dw, db, dx;
        std::vector<int> prologue_calls;
        bool operator==(const result&) const = default;
    };
    for (const auto& shape :
         {std::array<std::size_t, 3>{64, 70, 45}, {37, 33, 100}, {200, 16, 24}, {5, 9, 3}, {5, 33, 100}, {64, 70, 300},
          {40, 20, 300}}) {
        const std::size_t rows = shape[0], in = shape[1], out = shape[2];  // clang 14 captures no bindings
        std::mt19937 g(unsigned(rows + in + out));
        const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g),
                   dy = random_values<T>(rows * out, g);
        const T nan = std::numeric_limits<T>::quiet_NaN();
        auto run = [&](bool with_dx, bool scaled) {
            result r{std::vector<T>(rows * out, nan), std::vector<T>(out * in, nan), std::vector<T>(out, nan),
                     std::vector<T>(with_dx ? rows * in : 0, nan), std::vector<int>(rows)};
            k::dense_forward<T>(in, out, w.data(), b.data(), x.data(), r.z.data(), rows, [&](std::size_t i) {
                for (std::size_t o = 0; o < out; ++o) r.z[i * out + o] = std::tanh(r.z[i * out + o]);
            });
            auto dz = dy;
            const auto backward = [&](auto&& prologue) {
                k::dense_backward<T>(in, out, w.data(), x.data(), dz.data(), r.dw.data(), r.db.data(),
                                     with_dx ? r.dx.data() : nullptr, rows, prologue);
            };
            if (scaled)
                backward([&](std::size_t i) {
                    ++r.prologue_calls[i];
                    for (std::size_t o = 0; o < out; ++o) dz[i * out + o] *= T(0.5) + T(i % 3);
                });
            else
                backward(k::no_prologue{});
            return r;
        };
        for (const auto& [with_dx, scaled] : {std::pair{true, true}, {false, true}, {false, false}}) {
            const result serial = run(with_dx, scaled);
            BOOST_TEST((serial.prologue_calls == std::vector<int>(rows, scaled ? 1 : 0)));
            for (std::size_t threads : {2, 3}) {
                k::thread_pool pool(threads);
                const k::parallel_scope scope(&pool);
                BOOST_TEST_CONTEXT("rows " << rows << ", in " << in << ", out " << out << ", threads " << threads
                                           << (with_dx ? "" : ", no dx") << (scaled ? "" : ", no prologue")) {
                    BOOST_TEST((run(with_dx, scaled) == serial));
                }
            }
        }
    }
    {
        constexpr std::size_t rows = 64, in = 70, out = 384;
        std::mt19937 g(7);
        const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g);
        auto forward = [&] {
            std::vector<T> z(rows * out);
            k::dense_forward<T, in, out>(in, out, w.data(), b.data(), x.data(), z.data(), rows, [&](std::size_t i) {
                for (std::size_t o = 0; o < out; ++o) z[i * out + o] = std::tanh(z[i * out + o]);
            });
            return z;
        };
        const auto serial = forward();
        for (std::size_t threads : {2, 3}) {
            k::thread_pool pool(threads);
            const k::parallel_scope scope(&pool);
            BOOST_TEST_CONTEXT("out " << out << " (its own tile), threads " << threads) { BOOST_TEST((forward() == serial)); }
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_few_rows_split_by_outputs, T, value_types) {
    // Below dense_packing_min_rows the forward streams W (dense.hpp, dense_rows): threads take
    // blocks of 16 outputs, as many threads as get about streamed_weights_per_thread weights
    // each. Same bits as one thread, every output written once (outputs start as NaN), the
    // epilogue once per row after its row is whole; dense_forward_add the same, adding into y.
    // Layers too small for the split stay on the calling thread: no fork. Each shape gives the
    // forks expected on 2 and on 3 threads (one per call, or none), from the cut at 32768
    // weights per thread: 300 x 256 splits in two, also on three threads (one idles), 256 x 128
    // (W1's second layer at batch 1) not at all.
    static_assert(k::detail::streamed_weights_per_thread == 32768);
    const T nan = std::numeric_limits<T>::quiet_NaN();
    for (const auto& shape : {std::array<std::size_t, 5>{1, 300, 256, 1, 1}, {2, 200, 701, 1, 1}, {3, 97, 1030, 1, 1},
                              {1, 256, 128, 0, 0}, {3, 5, 9, 0, 0}}) {
        const std::size_t rows = shape[0], in = shape[1], out = shape[2];
        std::mt19937 g(unsigned(rows * 7 + in + out));
        const auto w = random_values<T>(out * in, g), b = random_values<T>(out, g), x = random_values<T>(rows * in, g),
                   y0 = random_values<T>(rows * out, g);
        struct result {
            std::vector<T> z, y;
            std::vector<int> epilogue_calls;
            bool operator==(const result&) const = default;
        };
        const auto run = [&] {
            result r{std::vector<T>(rows * out, nan), y0, std::vector<int>(rows, 0)};
            k::dense_forward<T>(in, out, w.data(), b.data(), x.data(), r.z.data(), rows, [&](std::size_t i) {
                ++r.epilogue_calls[i];
                for (std::size_t o = 0; o < out; ++o) r.z[i * out + o] = std::tanh(r.z[i * out + o]);
            });
            k::dense_forward_add<T>(in, out, w.data(), b.data(), x.data(), r.y.data(), rows);
            return r;
        };
        const result serial = run();
        BOOST_TEST((serial.epilogue_calls == std::vector<int>(rows, 1)));
        BOOST_TEST(std::none_of(serial.z.begin(), serial.z.end(), [](T v) { return std::isnan(v); }));
        for (std::size_t threads : {2, 3}) {
            k::thread_pool pool(threads);
            counting_executor counter(pool);
            const k::parallel_scope scope(&counter);
            const result threaded = run();
            const int forks_per_call = int(threads == 2 ? shape[3] : shape[4]);
            BOOST_TEST_CONTEXT("rows " << rows << ", in " << in << ", out " << out << ", threads " << threads) {
                BOOST_TEST((threaded == serial));
                BOOST_TEST(counter.forks == 2 * forks_per_call);  // dense_forward, then dense_forward_add
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(for_each_part_covers_the_range_once) {
    // Three threads, grain 4: a range of fewer than two grains stays one call on this thread;
    // 8 and 11 indices split over two of the three threads (the third gets nothing), 48 and
    // 1000 over all three.
    k::thread_pool pool(3);
    for (const auto& [n, parts] : {std::pair<std::size_t, std::size_t>{0, 1}, {1, 1}, {7, 1}, {8, 2}, {11, 2},
                                   {48, 3}, {1000, 3}}) {
        std::vector<int> seen(n, 0);
        std::vector<std::size_t> begins(n, 0);
        std::atomic<std::size_t> calls{0};
        {
            const k::parallel_scope scope(&pool);
            BOOST_TEST(k::parts_for(n, 4, 1) == (parts == 1 ? n / 4 : parts));
            // Tasks only write their own disjoint slots; Boost.Test is called after the run (it
            // is not thread-safe).
            k::for_each_part(n, 4, 1, [&](k::index_range r) {
                ++calls;
                for (std::size_t i = r.begin; i < r.end; ++i) {
                    ++seen[i];
                    begins[i] = r.begin;
                }
            });
        }
        BOOST_TEST_CONTEXT("n " << n) {
            BOOST_TEST(calls.load() == parts);
            for (std::size_t i = 0; i < n; ++i) {
                BOOST_TEST(seen[i] == 1);
                BOOST_TEST(begins[i] % 4 == 0u);
            }
        }
    }
    // without a scope, one call on this thread with the whole range
    std::size_t calls = 0;
    k::for_each_part(1000, 4, 1, [&](k::index_range r) {
        ++calls;
        BOOST_TEST((r.begin == 0 && r.end == 1000));
    });
    BOOST_TEST(calls == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
