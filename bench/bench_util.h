// Small helpers shared by the benchmark sources: a deterministic random
// generator (splitmix64, so every run builds the same tables), a monotonic
// clock in seconds, a fatal-error exit for setup failures (a benchmark
// whose fixture cannot be built has nothing meaningful to report), and a
// fixed iteration count for instruction counting.
#ifndef DNSP_BENCH_UTIL_H
#define DNSP_BENCH_UTIL_H

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

struct bench_rng {
	uint64_t s;
	explicit bench_rng(uint64_t seed) : s(seed) {}
	uint64_t next()
	{
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
};

static inline double bench_now()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

[[noreturn]] static inline void bench_die(const char *msg)
{
	std::fprintf(stderr, "bench: %s\n", msg);
	std::exit(1);
}

// DNSP_BENCH_ITERATIONS=N fixes the iteration count, so that two runs under
// callgrind with different N give the marginal instructions per iteration
// (a loaded machine cannot disturb that figure; bench/README.md).
static inline void bench_fixed_iterations(benchmark::internal::Benchmark *b)
{
	const char *n = std::getenv("DNSP_BENCH_ITERATIONS");
	if (n && std::atoll(n) > 0)
		b->Iterations(std::atoll(n));
}

#endif
