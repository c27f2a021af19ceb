// Benchmarks of the per-ENI token buckets (lib/ratelimit.c), the measurement
// behind the choice of a shared atomic bucket over per-worker buckets with
// a split ceiling (lib/ratelimit.h). Every worker thread charges queries to
// the SAME ENI (the worst case for the shared bucket: one cache line written
// by every core), with the clock read per query as the pipeline does:
//   shared/admit      ceiling far above the offered rate: one CAS per query;
//   shared/drop       ceiling exceeded: a load and a compare, no write;
//   per_worker/admit  each thread its own bucket: no shared write at all;
//   shared/own_eni    each thread its own ENI in shared mode (no contention).
// Reported: ns per admit call per thread, at 1, 2 and 4 threads, and the
// cost of the clock reads alone.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <ctime>

extern "C" {
#include "lib/ratelimit.h"
}

#include "bench_util.h"

namespace {

struct fixture {
	dnsp_eni_table *shared = nullptr, *local = nullptr;
	uint32_t slot[8];
	dnsp_eni_rate high, low;
	fixture()
	{
		if (dnsp_eni_table_create(DNSP_ENI_SHARED, 0, &shared) < 0 ||
		    dnsp_eni_table_create(DNSP_ENI_PER_WORKER, 0, &local) < 0)
			bench_die("cannot create ENI tables");
		char ip[32];
		for (int i = 0; i < 8; i++) {
			std::snprintf(ip, sizeof(ip), "198.18.0.%d", 10 + i);
			int s = dnsp_eni_slot(shared, "rslvr-in-bench", ip);
			if (s < 0 || dnsp_eni_slot(local, "rslvr-in-bench", ip) != s)
				bench_die("cannot assign ENI slots");
			slot[i] = (uint32_t)s;
		}
		dnsp_eni_rate_init(&high, DNSP_ENI_QPS_MAX, 4);
		dnsp_eni_rate_init(&low, 1, 4);
	}
};

fixture &fx()
{
	static fixture f;
	return f;
}

void run(benchmark::State &state, dnsp_eni_table *t, uint32_t slot, const dnsp_eni_rate *rate)
{
	uint32_t row = (uint32_t)state.thread_index();
	uint64_t ok = 0;
	for (auto _ : state)
		ok += dnsp_eni_admit(t, slot, rate, row, dnsp_eni_now());
	benchmark::DoNotOptimize(ok);
	state.SetItemsProcessed(state.iterations());
}

void BM_shared_admit(benchmark::State &state)
{
	run(state, fx().shared, fx().slot[0], &fx().high);
}

void BM_shared_drop(benchmark::State &state)
{
	run(state, fx().shared, fx().slot[1], &fx().low);
}

void BM_per_worker_admit(benchmark::State &state)
{
	run(state, fx().local, fx().slot[2], &fx().high);
}

void BM_shared_own_eni(benchmark::State &state)
{
	run(state, fx().shared, fx().slot[4 + state.thread_index() % 4], &fx().high);
}

// The clock the admit path reads (CLOCK_MONOTONIC_COARSE) and the precise
// one it does not, for comparison.
void BM_clock_coarse(benchmark::State &state)
{
	uint64_t x = 0;
	for (auto _ : state)
		x += dnsp_eni_now();
	benchmark::DoNotOptimize(x);
}

void BM_clock_precise(benchmark::State &state)
{
	uint64_t x = 0;
	struct timespec ts;
	for (auto _ : state) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x += (uint64_t)ts.tv_nsec;
	}
	benchmark::DoNotOptimize(x);
}

} // namespace

BENCHMARK(BM_shared_admit)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_shared_drop)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_per_worker_admit)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_shared_own_eni)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_clock_coarse);
BENCHMARK(BM_clock_precise);
