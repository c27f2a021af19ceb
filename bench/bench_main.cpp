// Entry point shared by the benchmark binaries: Google Benchmark's own main
// (Debian ships no pkg-config file for benchmark_main, so it is spelled here).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
