// Benchmarks of the longest-prefix-match trie (lib/lpm.c) on a synthetic
// BGP-like IPv4 table: 500k random prefixes whose lengths follow the shape of
// a real full table (about 60% /24, most of the rest /16../23, a few /8../15
// and a few longer than /24). Reports ns per lookup on a cold working set
// (1M random addresses, half of them inside a table prefix, so most lookups
// miss the caches as a resolver serving many clients would) and on a hot one
// (1k addresses), plus compile time and arena bytes per prefix. A smaller
// IPv6 table (100k prefixes /19../64, cold and hot) shows the cost of deeper
// walks.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

extern "C" {
#include "lib/lpm.h"
}

#include "bench_util.h"

namespace {

struct lpm_table {
	dnsp_arena_t *arena = nullptr;
	const dnsp_lpm_t *lpm = nullptr;
	std::vector<uint8_t> prefixes; // family bytes each, for "inside" addresses
	std::vector<int> plens;
	size_t n = 0;
	double compile_s = 0;
};

// Share (per mille) of each IPv4 prefix length in the synthetic table.
struct len_share {
	int plen;
	int per_mille;
};
const len_share v4_shape[] = {
	{8, 1},   {10, 1},  {11, 1},  {12, 2},  {13, 2},  {14, 3},  {15, 4},
	{16, 15}, {17, 8},  {18, 15}, {19, 30}, {20, 50}, {21, 45}, {22, 100},
	{23, 90}, {24, 621}, {25, 2}, {26, 2},  {27, 2},  {28, 2},  {29, 2},
	{30, 2},  {31, 1},  {32, 1},
};

int pick_v4_plen(bench_rng &r)
{
	unsigned x = (unsigned)(r.next() % 1000);
	for (const len_share &s : v4_shape) {
		if (x < (unsigned)s.per_mille)
			return s.plen;
		x -= (unsigned)s.per_mille;
	}
	return 24;
}

lpm_table *build_table(int family, size_t n)
{
	lpm_table *t = new lpm_table;
	dnsp_lpm_builder_t *b = nullptr;
	const size_t alen = family == 4 ? 4 : 16;
	bench_rng r(family == 4 ? 0x1234567ull : 0x7654321ull);

	if (dnsp_arena_create(&t->arena) < 0 || dnsp_lpm_builder_create(&b) < 0)
		bench_die("lpm: out of memory");
	t->n = n;
	t->prefixes.resize(n * alen);
	t->plens.resize(n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *a = &t->prefixes[i * alen];
		uint64_t x = r.next(), y = r.next();
		int plen;

		std::memcpy(a, &x, 8 < alen ? 8 : alen);
		if (alen > 8)
			std::memcpy(a + 8, &y, 8);
		if (family == 4) {
			a[0] = (uint8_t)(1 + a[0] % 223); // unicast 1.0.0.0 .. 223.255.255.255
			plen = pick_v4_plen(r);
		} else {
			a[0] = 0x20; // 2000::/4-ish global unicast, /19 .. /64
			a[1] = (uint8_t)(a[1] & 0x0f);
			plen = 19 + (int)(r.next() % 46);
			if (r.next() % 2)
				plen = 48; // the most common IPv6 announcement length
		}
		t->plens[i] = plen;
		if (dnsp_lpm_builder_add(b, family, a, plen, (uint32_t)i) < 0)
			bench_die("lpm: builder_add failed");
	}
	double t0 = bench_now();
	if (dnsp_lpm_compile(b, t->arena, &t->lpm) < 0)
		bench_die("lpm: compile failed");
	t->compile_s = bench_now() - t0;
	dnsp_lpm_builder_destroy(b);
	return t;
}

lpm_table *v4_table()
{
	static lpm_table *t = build_table(4, 500000);
	return t;
}

lpm_table *v6_table()
{
	static lpm_table *t = build_table(6, 100000);
	return t;
}

// count addresses: even ones inside a random table prefix (host bits random),
// odd ones uniformly random.
std::vector<uint8_t> make_addresses(const lpm_table *t, int family, size_t count)
{
	const size_t alen = family == 4 ? 4 : 16;
	std::vector<uint8_t> out(count * alen);
	bench_rng r(99);

	for (size_t i = 0; i < count; i++) {
		uint8_t *a = &out[i * alen];
		for (size_t j = 0; j < alen; j++)
			a[j] = (uint8_t)r.next();
		if (i % 2 == 0) {
			size_t k = (size_t)(r.next() % t->n);
			const uint8_t *p = &t->prefixes[k * alen];
			int plen = t->plens[k];
			for (int bit = 0; bit < plen; bit++) {
				uint8_t m = (uint8_t)(0x80 >> (bit % 8));
				a[bit / 8] = (uint8_t)((a[bit / 8] & ~m) | (p[bit / 8] & m));
			}
		}
	}
	return out;
}

void add_memory_counters(benchmark::State &st, const lpm_table *t)
{
	size_t mem = dnsp_lpm_memory(t->lpm);
	st.counters["prefixes"] = (double)t->n;
	st.counters["bytes_per_prefix"] = (double)mem / (double)t->n;
	st.counters["table_MiB"] = (double)mem / (1024.0 * 1024.0);
	st.counters["compile_ms"] = t->compile_s * 1e3;
}

void lookup_loop(benchmark::State &st, const lpm_table *t, int family, size_t count)
{
	const size_t alen = family == 4 ? 4 : 16;
	std::vector<uint8_t> addrs = make_addresses(t, family, count);
	size_t i = 0;
	uint64_t hits = 0;

	for (auto _ : st) {
		int plen;
		uint32_t v = dnsp_lpm_lookup(t->lpm, family, &addrs[i * alen], &plen);
		benchmark::DoNotOptimize(v);
		benchmark::DoNotOptimize(plen);
		hits += v != DNSP_LPM_NONE;
		if (++i == count)
			i = 0;
	}
	add_memory_counters(st, t);
	st.counters["hit_ratio"] = (double)hits / (double)st.iterations();
}

void BM_LpmLookupV4_500k_Cold(benchmark::State &st)
{
	lookup_loop(st, v4_table(), 4, 1u << 20);
}
BENCHMARK(BM_LpmLookupV4_500k_Cold)->Apply(bench_fixed_iterations);

void BM_LpmLookupV4_500k_Hot(benchmark::State &st)
{
	lookup_loop(st, v4_table(), 4, 1024);
}
BENCHMARK(BM_LpmLookupV4_500k_Hot)->Apply(bench_fixed_iterations);

void BM_LpmLookupV6_100k_Cold(benchmark::State &st)
{
	lookup_loop(st, v6_table(), 6, 1u << 20);
}
BENCHMARK(BM_LpmLookupV6_100k_Cold)->Apply(bench_fixed_iterations);

void BM_LpmLookupV6_100k_Hot(benchmark::State &st)
{
	lookup_loop(st, v6_table(), 6, 1024);
}
BENCHMARK(BM_LpmLookupV6_100k_Hot)->Apply(bench_fixed_iterations);

// Compile of the 500k-prefix IPv4 table (builder sort + expansion + copy
// into the arena); the builder is filled outside the timed region.
void BM_LpmCompileV4_500k(benchmark::State &st)
{
	const lpm_table *ref = v4_table();
	for (auto _ : st) {
		st.PauseTiming();
		dnsp_arena_t *arena = nullptr;
		dnsp_lpm_builder_t *b = nullptr;
		const dnsp_lpm_t *lpm = nullptr;
		if (dnsp_arena_create(&arena) < 0 || dnsp_lpm_builder_create(&b) < 0)
			bench_die("lpm: out of memory");
		for (size_t i = 0; i < ref->n; i++)
			if (dnsp_lpm_builder_add(b, 4, &ref->prefixes[i * 4], ref->plens[i],
						 (uint32_t)i) < 0)
				bench_die("lpm: builder_add failed");
		st.ResumeTiming();
		if (dnsp_lpm_compile(b, arena, &lpm) < 0)
			bench_die("lpm: compile failed");
		st.PauseTiming();
		dnsp_lpm_builder_destroy(b);
		dnsp_arena_destroy(arena);
		st.ResumeTiming();
	}
	add_memory_counters(st, ref);
}
BENCHMARK(BM_LpmCompileV4_500k)->Unit(benchmark::kMillisecond)->Iterations(3);

} // namespace
