// SPDX-License-Identifier: BSL-1.0
// Defines a temporary smoke benchmark of the benchmark mechanism (replace with real ones).
#include <typenet/typenet.hpp>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

static void eigen_vector_add(benchmark::State& state)
{
    Eigen::VectorXf a = Eigen::VectorXf::Ones(1024), b = Eigen::VectorXf::Ones(1024);
    for (auto _ : state) {
        Eigen::VectorXf c = a + b;
        benchmark::DoNotOptimize(c.data());
    }
}
BENCHMARK(eigen_vector_add);

BENCHMARK_MAIN();
