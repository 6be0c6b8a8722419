// SPDX-License-Identifier: BSL-1.0
// Defines the tests of kernels/thread_pool.hpp: each task once per run on its fixed thread,
// visibility of results, exceptions, nested and concurrent runs, shutdown; and split_range.
#define TYPENET_CHECK_BOUNDS 1  // as in every core test TU (one definition of element access)

#include <typenet/kernels/thread_pool.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace kernels = typenet::kernels;
using pool_type = kernels::thread_pool;
using kernels::index_range;
using kernels::split_range;

constexpr std::size_t max_threads = 4;
constexpr int repetitions = 1000;

// Spin budgets under test: the default (workers stay awake between back-to-back runs) and none
// (every run wakes sleeping workers through std::atomic::wait/notify).
constexpr std::array<std::chrono::nanoseconds, 2> spins{pool_type::default_spin,
                                                        std::chrono::nanoseconds{0}};

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(thread_pool)

BOOST_AUTO_TEST_CASE(every_task_runs_exactly_once_per_run)
{
    for (const auto spin : spins) {
        for (std::size_t threads = 1; threads <= max_threads; ++threads) {
            BOOST_TEST_CONTEXT("threads = " << threads << ", spin = " << spin.count() << " ns") {
                pool_type pool(threads, spin);
                BOOST_TEST(pool.size() == threads);
                std::array<std::atomic<int>, max_threads> hits{};
                int wrong_runs = 0;
                for (int r = 0; r < repetitions; ++r) {
                    pool.run([&](std::size_t i) { hits[i].fetch_add(1); });
                    bool once = true;
                    for (std::size_t i = 0; i < max_threads; ++i)
                        once = once && hits[i].exchange(0) == (i < threads ? 1 : 0);
                    wrong_runs += once ? 0 : 1;
                }
                BOOST_TEST(wrong_runs == 0);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(task_zero_runs_on_the_caller_and_each_other_task_on_its_own_fixed_worker)
{
    for (std::size_t threads = 2; threads <= max_threads; ++threads) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            pool_type pool(threads);
            std::array<std::thread::id, max_threads> first{}, now{};
            pool.run([&](std::size_t i) { first[i] = std::this_thread::get_id(); });
            BOOST_TEST((first[0] == std::this_thread::get_id()));
            for (std::size_t i = 1; i < threads; ++i)
                for (std::size_t j = 0; j < i; ++j) BOOST_TEST((first[i] != first[j]));
            int moved = 0;
            for (int r = 0; r < 100; ++r) {
                pool.run([&](std::size_t i) { now[i] = std::this_thread::get_id(); });
                moved += now == first ? 0 : 1;
            }
            BOOST_TEST(moved == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(results_written_by_tasks_are_visible_after_run_returns)
{
    constexpr std::size_t n = 1003;
    for (const auto spin : spins) {
        for (std::size_t threads = 1; threads <= max_threads; ++threads) {
            BOOST_TEST_CONTEXT("threads = " << threads << ", spin = " << spin.count() << " ns") {
                pool_type pool(threads, spin);
                std::vector<std::uint64_t> out(n);  // plain, non-atomic: run must order the writes
                std::vector<std::uint64_t> partial(threads);
                std::size_t mismatches = 0;
                for (std::uint64_t r = 1; r <= repetitions; ++r) {
                    pool.run([&](std::size_t t) {
                        const index_range range = split_range(n, threads, t, 8);
                        std::uint64_t sum = 0;
                        for (std::size_t i = range.begin; i < range.end; ++i) sum += out[i] = r * i;
                        partial[t] = sum;
                    });
                    std::uint64_t total = 0;
                    for (const auto p : partial) total += p;
                    mismatches += total == r * (n * (n - 1) / 2) ? 0 : 1;
                    mismatches += out[n - 1] == r * (n - 1) ? 0 : 1;
                }
                BOOST_TEST(mismatches == 0u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(pool_of_one_runs_inline_on_the_calling_thread)
{
    for (const std::size_t threads : {std::size_t{1}, std::size_t{0}}) {
        pool_type pool(threads);
        BOOST_TEST(pool.size() == 1u);
        std::thread::id id{};
        int calls = 0;
        pool.run([&](std::size_t i) {
            id = std::this_thread::get_id();
            calls += i == 0 ? 1 : 100;
        });
        BOOST_TEST((id == std::this_thread::get_id()));
        BOOST_TEST(calls == 1);
    }
}

BOOST_AUTO_TEST_CASE(run_calls_the_callers_object_itself_const_or_not)
{
    pool_type pool(3);
    struct counter {  // non-const operator(): run calls f through a non-const reference
        std::array<int, 3> calls{};
        void operator()(std::size_t i) { ++calls[i]; }
    };
    counter c;
    pool.run(c);
    pool.run(c);
    BOOST_TEST((c.calls == std::array<int, 3>{2, 2, 2}));  // neither copied nor moved

    std::array<std::atomic<int>, 3> hits{};
    const auto by_const = [&](std::size_t i) { hits[i] += 1; };
    pool.run(by_const);
    pool.run([&](std::size_t i) { hits[i] += 1; });
    for (auto& h : hits) BOOST_TEST(h.load() == 2);
}

BOOST_AUTO_TEST_CASE(first_exception_is_rethrown_after_all_tasks_finished_and_pool_stays_usable)
{
    for (std::size_t threads = 1; threads <= max_threads; ++threads) {
        pool_type pool(threads);
        for (std::size_t thrower = 0; thrower < threads; ++thrower) {
            BOOST_TEST_CONTEXT("threads = " << threads << ", throwing task = " << thrower) {
                std::array<std::atomic<bool>, max_threads> finished{};
                std::string what;
                try {
                    pool.run([&](std::size_t i) {
                        if (i == thrower) throw std::runtime_error("task " + std::to_string(i));
                        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // finish late
                        finished[i] = true;
                    });
                } catch (const std::runtime_error& e) {
                    what = e.what();
                }
                BOOST_TEST(what == "task " + std::to_string(thrower));
                for (std::size_t i = 0; i < threads; ++i)
                    if (i != thrower) BOOST_TEST(finished[i].load());

                std::array<std::atomic<int>, max_threads> hits{};
                pool.run([&](std::size_t i) { hits[i] += 1; });
                for (std::size_t i = 0; i < threads; ++i) BOOST_TEST(hits[i].load() == 1);
            }
        }
        BOOST_TEST_CONTEXT("threads = " << threads << ", every task throws") {
            int caught = 0;
            for (int r = 0; r < 100; ++r) {
                try {
                    pool.run([](std::size_t i) { throw static_cast<int>(i); });
                } catch (int i) {
                    caught += i >= 0 && static_cast<std::size_t>(i) < threads ? 1 : 0;
                }
            }
            BOOST_TEST(caught == 100);
        }
    }
}

BOOST_AUTO_TEST_CASE(nested_run_runs_inline_on_the_task_thread_in_order)
{
    constexpr std::size_t threads = 3;
    pool_type pool(threads);
    pool_type other(2);
    std::array<std::vector<std::size_t>, threads> order;
    std::array<std::vector<std::size_t>, threads> other_order;
    std::array<bool, threads> same_thread{};
    pool.run([&](std::size_t i) {
        const auto id = std::this_thread::get_id();
        bool same = true;
        pool.run([&](std::size_t j) {
            order[i].push_back(j);
            same = same && std::this_thread::get_id() == id;
        });
        other.run([&](std::size_t j) {
            other_order[i].push_back(j);
            same = same && std::this_thread::get_id() == id;
        });
        same_thread[i] = same;
    });
    for (std::size_t i = 0; i < threads; ++i) {
        BOOST_TEST_CONTEXT("outer task " << i) {
            BOOST_TEST((order[i] == std::vector<std::size_t>{0, 1, 2}));
            BOOST_TEST((other_order[i] == std::vector<std::size_t>{0, 1}));
            BOOST_TEST(same_thread[i]);
        }
    }

    // An exception of a nested task travels through the outer task to the outer caller, after
    // the remaining nested tasks ran; the pool is fine afterwards.
    std::atomic<int> nested_calls{0};
    BOOST_CHECK_THROW(pool.run([&](std::size_t) {
        pool.run([&](std::size_t j) {
            nested_calls += 1;
            if (j == 0) throw std::logic_error("nested");
        });
    }),
                      std::logic_error);
    BOOST_TEST(nested_calls.load() == 9);
    std::atomic<int> hits{0};
    pool.run([&](std::size_t) { hits += 1; });
    BOOST_TEST(hits.load() == 3);
}

BOOST_AUTO_TEST_CASE(runs_from_two_outside_threads_are_serialised)
{
    constexpr std::size_t threads = 3;
    for (const auto spin : spins) {
        BOOST_TEST_CONTEXT("spin = " << spin.count() << " ns") {
            pool_type pool(threads, spin);
            std::atomic<int> in_flight{0}, most_in_flight{0}, wrong_runs{0};
            const auto caller = [&] {
                for (int r = 0; r < repetitions / 2; ++r) {
                    std::array<std::atomic<int>, threads> hits{};
                    pool.run([&](std::size_t i) {
                        const int now = in_flight.fetch_add(1) + 1;
                        int most = most_in_flight.load();
                        while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {}
                        hits[i] += 1;
                        in_flight.fetch_sub(1);
                    });
                    for (auto& h : hits) wrong_runs += h.load() == 1 ? 0 : 1;
                }
            };
            {
                std::jthread a(caller), b(caller);
            }
            BOOST_TEST(wrong_runs.load() == 0);
            BOOST_TEST(most_in_flight.load() <= static_cast<int>(threads));
        }
    }
}

BOOST_AUTO_TEST_CASE(destruction_returns_promptly_whether_workers_sleep_spin_or_never_ran)
{
    const auto destroy_time = [](std::size_t threads, std::chrono::nanoseconds spin, bool use,
                                 std::chrono::milliseconds idle) {
        auto pool = std::make_unique<pool_type>(threads, spin);
        if (use) pool->run([](std::size_t) {});
        std::this_thread::sleep_for(idle);
        const auto start = std::chrono::steady_clock::now();
        pool.reset();
        return seconds_since(start);
    };
    using std::chrono::milliseconds;
    BOOST_TEST(destroy_time(4, pool_type::default_spin, false, milliseconds(0)) < 1.0);
    BOOST_TEST(destroy_time(4, pool_type::default_spin, true, milliseconds(20)) < 1.0);  // asleep
    BOOST_TEST(destroy_time(4, std::chrono::seconds(60), true, milliseconds(5)) < 1.0);   // spinning
}

BOOST_AUTO_TEST_CASE(idle_pool_uses_no_cpu)
{
    pool_type pool(max_threads);
    pool.run([](std::size_t) {});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the spin: workers block
    const std::clock_t cpu_start = std::clock();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    BOOST_TEST(cpu_seconds < 0.05);  // spinning workers would take ~0.2 s each
}

// --- split_range ---------------------------------------------------------------------------
static_assert(split_range(10, 3, 0) == index_range{0, 4});
static_assert(split_range(10, 3, 1) == index_range{4, 7});
static_assert(split_range(10, 3, 2) == index_range{7, 10});
static_assert(split_range(10, 2, 0, 4) == index_range{0, 8});  // blocks of 4: 4+4 | 2
static_assert(split_range(10, 2, 1, 4) == index_range{8, 10});
static_assert(split_range(3, 5, 3) == index_range{3, 3});  // more parts than indices
static_assert(split_range(0, 2, 0) == index_range{0, 0});
static_assert(split_range(10, 1, 0, 0) == index_range{0, 10});  // grain 0 counts as 1
static_assert(split_range(10, 3, 3) == index_range{10, 10});  // part out of range
static_assert(split_range(10, 0, 0) == index_range{10, 10});
static_assert(split_range(std::numeric_limits<std::size_t>::max(), 2, 1, 64).end ==
              std::numeric_limits<std::size_t>::max());  // no overflow near SIZE_MAX
static_assert(split_range(8, 4, 2).size() == 2 && split_range(8, 8, 9).empty());

BOOST_AUTO_TEST_CASE(split_range_covers_the_indices_once_in_order_on_grain_boundaries_near_equally)
{
    int failures = 0;
    for (std::size_t n = 0; n <= 64; ++n)
        for (std::size_t parts = 1; parts <= 9; ++parts)
            for (std::size_t grain = 1; grain <= 9; ++grain) {
                const std::size_t blocks = (n + grain - 1) / grain;
                std::size_t expected_begin = 0;
                std::size_t fewest = blocks, most = 0;
                bool ok = true;
                for (std::size_t p = 0; p < parts; ++p) {
                    const index_range r = split_range(n, parts, p, grain);
                    ok = ok && r.begin == expected_begin && r.begin <= r.end && r.end <= n;
                    ok = ok && (r.end == n || r.end % grain == 0);
                    const std::size_t b = (r.size() + grain - 1) / grain;
                    fewest = std::min(fewest, b);
                    most = std::max(most, b);
                    expected_begin = r.end;
                }
                ok = ok && expected_begin == n && most - fewest <= 1;
                ok = ok && split_range(n, parts, parts, grain) == index_range{n, n};
                if (!ok) {
                    ++failures;
                    BOOST_TEST_MESSAGE("n = " << n << ", parts = " << parts << ", grain = " << grain);
                }
            }
    BOOST_TEST(failures == 0);
}

BOOST_AUTO_TEST_SUITE_END()
