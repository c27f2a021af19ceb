// Benchmarks of the geo table a snapshot carries (ctrl/geodb.c into
// lib/route_data.h): a synthetic GeoLite2-City CSV pair of 500k networks
// (450k IPv4 with a city-database length mix, 50k IPv6 /32../64) over 60k
// locations is loaded through the real loader, then dnsp_geo_lookup() (LPM
// walk + location fetch, what a geolocation/geoproximity decision costs) is
// timed on a cold working set (1M addresses, most inside a network) and a
// hot one (1k addresses). Counters: prefixes, locations, load seconds and
// arena bytes per prefix (LPM tables + result array + location array).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "ctrl/geodb.h"
}

#include "bench_util.h"

namespace {

constexpr size_t kV4 = 450000, kV6 = 50000, kLocations = 60000;

struct geo_table {
	dnsp_arena_t *arena = nullptr;
	dnsp_route_data rd{};
	std::vector<uint8_t> v4, v6; // network addresses, for "inside" lookups
	std::vector<int> v4_plen, v6_plen;
	size_t prefixes = 0, arena_bytes = 0;
	size_t v4_bytes = 0, v6_bytes = 0;   // LPM of each family loaded alone
	double load_s = 0;
};

// Length mix of a city database's IPv4 networks (per mille): mostly /20../24
// with long tails both ways.
const int v4_lengths[][2] = {
	{16, 20}, {17, 15}, {18, 25}, {19, 40}, {20, 70}, {21, 90}, {22, 150}, {23, 150},
	{24, 330}, {25, 30}, {26, 25}, {27, 20}, {28, 15}, {29, 10}, {30, 5}, {32, 5},
};

int pick_v4_plen(bench_rng &r)
{
	int x = (int)(r.next() % 1000);
	for (const auto &l : v4_lengths) {
		if (x < l[1])
			return l[0];
		x -= l[1];
	}
	return 24;
}

void mask(uint8_t *a, size_t alen, int plen)
{
	for (size_t bit = (size_t)plen; bit < alen * 8; bit++)
		a[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
}

std::string text_prefix(int family, const uint8_t *a, int plen)
{
	char buf[64];
	if (family == 4) {
		std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%d", a[0], a[1], a[2], a[3], plen);
	} else {
		std::snprintf(buf, sizeof(buf), "%x:%x:%x:%x::/%d", a[0] << 8 | a[1], a[2] << 8 | a[3],
			      a[4] << 8 | a[5], a[6] << 8 | a[7], plen);
	}
	return buf;
}

geo_table *build()
{
	static const char *const countries[][2] = {
		{"NA", "US"}, {"EU", "DE"}, {"EU", "GB"}, {"AS", "JP"}, {"SA", "BR"},
		{"OC", "AU"}, {"AF", "ZA"}, {"AS", "IN"}, {"EU", "FR"}, {"NA", "CA"},
	};
	geo_table *t = new geo_table;
	bench_rng r(0x6e0);
	std::string loc = "geoname_id,locale_code,continent_code,continent_name,country_iso_code,"
			  "country_name,subdivision_1_iso_code\n";
	for (size_t i = 0; i < kLocations; i++) {
		const char *const *c = countries[i % 10];
		char line[96];
		std::snprintf(line, sizeof(line), "%zu,en,%s,x,%s,x,S%zu\n", 1000 + i, c[0], c[1],
			      i % 100);
		loc += line;
	}
	const char *hdr = "network,geoname_id,registered_country_geoname_id,"
			  "represented_country_geoname_id,is_anonymous_proxy,"
			  "is_satellite_provider,postal_code,latitude,longitude,accuracy_radius\n";
	std::string b4 = hdr, b6 = hdr;
	t->v4.resize(kV4 * 4);
	t->v6.resize(kV6 * 16);
	for (size_t i = 0; i < kV4 + kV6; i++) {
		bool four = i < kV4;
		uint8_t *a = four ? &t->v4[i * 4] : &t->v6[(i - kV4) * 16];
		size_t alen = four ? 4 : 16;
		uint64_t x = r.next(), y = r.next();
		std::memcpy(a, &x, alen < 8 ? alen : 8);
		if (!four)
			std::memcpy(a + 8, &y, 8);
		int plen;
		if (four) {
			a[0] = (uint8_t)(1 + a[0] % 223);
			plen = pick_v4_plen(r);
			t->v4_plen.push_back(plen);
		} else {
			a[0] = 0x20;
			a[1] = (uint8_t)(a[1] & 0x0f);
			plen = 32 + (int)(r.next() % 33);
			t->v6_plen.push_back(plen);
		}
		mask(a, alen, plen);
		// Coordinates belong to the location (city), as in GeoLite2 where
		// networks of one city share them.
		char rest[96];
		uint64_t g = r.next() % kLocations;
		std::snprintf(rest, sizeof(rest), ",%llu,,,0,0,,%.4f,%.4f,100\n",
			      (unsigned long long)(1000 + g), (double)(g * 7919 % 17000) / 100.0 - 85.0,
			      (double)(g * 104729 % 35000) / 100.0 - 175.0);
		(four ? b4 : b6) += text_prefix(four ? 4 : 6, a, plen) + rest;
	}
	dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	if (dnsp_arena_create(&t->arena) < 0)
		bench_die("geo: out of memory");
	size_t before = dnsp_arena_used(t->arena);
	double t0 = bench_now();
	int n = dnsp_geodb_parse_csv(loc.data(), loc.size(), "L.csv", b4.data(), b4.size(), "B4.csv",
				     b6.data(), b6.size(), "B6.csv", "server.geo_db", t->arena,
				     &t->rd, &errs);
	t->load_s = bench_now() - t0;
	if (n < 0) {
		for (size_t i = 0; i < errs.n && i < 5; i++)
			std::fprintf(stderr, "%s\n", errs.msgs[i]);
		bench_die("geo: load failed");
	}
	t->prefixes = (size_t)n;
	t->arena_bytes = dnsp_arena_used(t->arena) - before;
	// Each family alone, for its own bytes per prefix.
	for (int fam = 4; fam <= 6; fam += 2) {
		dnsp_arena_t *a;
		dnsp_route_data rd{};
		if (dnsp_arena_create(&a) < 0)
			bench_die("geo: out of memory");
		const std::string &b = fam == 4 ? b4 : b6;
		if (dnsp_geodb_parse_csv(loc.data(), loc.size(), "L.csv", fam == 4 ? b.data() : nullptr,
					 b.size(), "B4.csv", fam == 6 ? b.data() : nullptr, b.size(),
					 "B6.csv", "server.geo_db", a, &rd, &errs) < 0)
			bench_die("geo: load failed");
		(fam == 4 ? t->v4_bytes : t->v6_bytes) = dnsp_lpm_memory(rd.geo);
		dnsp_arena_destroy(a);
	}
	dnsp_errlist_fini(&errs);
	return t;
}

geo_table *table()
{
	static geo_table *t = build();
	return t;
}

// Addresses: 3 in 4 inside a random network (host bits random), the rest
// uniformly random (mostly misses for IPv6, as real v6 space is sparse).
std::vector<uint8_t> addresses(const geo_table *t, int family, size_t count)
{
	const size_t alen = family == 4 ? 4 : 16;
	const auto &nets = family == 4 ? t->v4 : t->v6;
	const auto &plens = family == 4 ? t->v4_plen : t->v6_plen;
	std::vector<uint8_t> out(count * alen);
	bench_rng r(7);
	for (size_t i = 0; i < count; i++) {
		uint8_t *a = &out[i * alen];
		for (size_t j = 0; j < alen; j++)
			a[j] = (uint8_t)r.next();
		if (i % 4 != 3) {
			size_t k = (size_t)(r.next() % plens.size());
			const uint8_t *p = &nets[k * alen];
			for (size_t bit = 0; bit < (size_t)plens[k]; bit++) {
				uint8_t m = (uint8_t)(0x80u >> (bit % 8));
				a[bit / 8] = (uint8_t)((a[bit / 8] & ~m) | (p[bit / 8] & m));
			}
		}
	}
	return out;
}

void counters(benchmark::State &state, const geo_table *t, size_t hits, size_t lookups)
{
	state.counters["prefixes"] = (double)t->prefixes;
	state.counters["locations"] = (double)t->rd.ngeo_locs;
	state.counters["load_s"] = t->load_s;
	state.counters["bytes_per_prefix"] = (double)t->arena_bytes / (double)t->prefixes;
	state.counters["lpm_bytes_per_prefix"] =
		(double)dnsp_lpm_memory(t->rd.geo) / (double)t->prefixes;
	state.counters["v4_lpm_bytes_per_prefix"] = (double)t->v4_bytes / (double)kV4;
	state.counters["v6_lpm_bytes_per_prefix"] = (double)t->v6_bytes / (double)kV6;
	state.counters["hit_ratio"] = lookups ? (double)hits / (double)lookups : 0;
}

void run(benchmark::State &state, int family, size_t count)
{
	const geo_table *t = table();
	const size_t alen = family == 4 ? 4 : 16;
	std::vector<uint8_t> addr = addresses(t, family, count);
	size_t i = 0, hits = 0, lookups = 0;
	for (auto _ : state) {
		int plen;
		const dnsp_geo_loc *l = dnsp_geo_lookup(&t->rd, family, &addr[i * alen], &plen);
		benchmark::DoNotOptimize(l);
		hits += l != nullptr;
		lookups++;
		if (++i == count)
			i = 0;
	}
	counters(state, t, hits, lookups);
}

void BM_GeoLookupV4Cold(benchmark::State &state) { run(state, 4, 1u << 20); }
void BM_GeoLookupV4Hot(benchmark::State &state) { run(state, 4, 1024); }
void BM_GeoLookupV6Cold(benchmark::State &state) { run(state, 6, 1u << 20); }
void BM_GeoLookupV6Hot(benchmark::State &state) { run(state, 6, 1024); }

} // namespace

BENCHMARK(BM_GeoLookupV4Cold);
BENCHMARK(BM_GeoLookupV4Hot);
BENCHMARK(BM_GeoLookupV6Cold);
BENCHMARK(BM_GeoLookupV6Hot);
