// End-to-end cost of answering one query from a compiled snapshot, with no
// I/O: dnsp_pipeline_process() on a UDP-sized buffer, for the four answer
// shapes that dominate authoritative traffic (a plain hit, NXDOMAIN, a
// two-hop CNAME chain and a wildcard), on a small zone and on a zone of one
// million records (generated into /tmp once and reused). The snapshot is
// built in-process through the real control-plane path (YAML config →
// dnsp_config_load_string → dnsp_compile), so the numbers include whatever
// layout the compiler produces. Also reports config-load and compile time of
// the 1M-record zone and snapshot-arena bytes per record.
//
// The reply overwrites the query buffer, so every iteration first copies the
// query back in (memcpy of ~40 bytes); BM_QueryCopy measures that copy alone
// so it can be subtracted.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "ctrl/compile.h"
#include "ctrl/config.h"
#include "lib/pipeline.h"
#include "lib/snapshot.h"
#include "lib/stats.h"
}

#include "bench_util.h"

namespace {

const char *const apex = "bench.example.";

// Writes a zone file for bench.example. with the four fixture names and
// filler A/AAAA records up to total records (SOA and NS included). Written to
// a temporary name and renamed, so a half-written file is never reused.
void write_zone(const std::string &path, size_t total)
{
	std::string tmp = path + ".tmp." + std::to_string(getpid());
	FILE *f = std::fopen(tmp.c_str(), "w");
	size_t n = 0;

	if (!f)
		bench_die("cannot write zone file in /tmp");
	std::fprintf(f, "$ORIGIN %s\n$TTL 300\n", apex);
	std::fprintf(f, "@ IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n");
	std::fprintf(f, "@ IN NS ns1\nns1 IN A 192.0.2.1\n");
	std::fprintf(f, "www IN A 192.0.2.10\n");
	std::fprintf(f, "c1 IN CNAME c2\nc2 IN CNAME www\n"); // two hops to www
	std::fprintf(f, "*.wild IN A 192.0.2.20\n");
	n = 7;
	for (size_t i = 0; n < total; i++) {
		std::fprintf(f, "h%zu IN A 10.%zu.%zu.%zu\n", i, (i >> 16) & 255, (i >> 8) & 255,
			     i & 255);
		n++;
		if (i % 10 == 9 && n < total) {
			std::fprintf(f, "h%zu IN AAAA 2001:db8::%zx\n", i, i & 0xffff);
			n++;
		}
	}
	if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0)
		bench_die("cannot write zone file in /tmp");
}

std::string zone_file(size_t records)
{
	std::string path = "/tmp/dnsplane-bench-" + std::to_string(records) + ".zone";
	struct stat sb;

	if (stat(path.c_str(), &sb) != 0)
		write_zone(path, records);
	return path;
}

struct fixture {
	struct dnsp_snapshot *snap = nullptr;
	size_t records = 0;
	double load_s = 0, compile_s = 0;
};

struct dnsp_config *load_config(const std::string &zpath)
{
	std::string yaml = "server: {workers: 1, control: {listen: \"127.0.0.1:18053\"}}\n"
			   "listeners:\n"
			   "  - {address: 127.0.0.1, port: 15300, role: public}\n"
			   "hosted_zones:\n"
			   "  - Id: ZBENCH\n"
			   "    Name: bench.example.\n"
			   "    Config: {PrivateZone: false}\n"
			   "    ZoneFile: " + zpath + "\n";
	struct dnsp_config *cfg = nullptr;
	struct dnsp_errlist errs;

	dnsp_errlist_init(&errs);
	if (dnsp_config_load_string(yaml.c_str(), yaml.size(), "bench.yaml", "/tmp", &cfg, &errs) <
	    0) {
		for (size_t i = 0; i < errs.n; i++)
			std::fprintf(stderr, "%s\n", errs.msgs[i]);
		bench_die("config load failed");
	}
	dnsp_errlist_fini(&errs);
	return cfg;
}

struct dnsp_snapshot *compile_config(const struct dnsp_config *cfg)
{
	struct dnsp_snapshot *snap = nullptr;
	struct dnsp_errlist errs;

	dnsp_errlist_init(&errs);
	if (dnsp_compile(cfg, 1, &snap, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			std::fprintf(stderr, "%s\n", errs.msgs[i]);
		bench_die("compile failed");
	}
	dnsp_errlist_fini(&errs);
	return snap;
}

fixture *build_fixture(size_t records)
{
	fixture *fx = new fixture;
	std::string zpath = zone_file(records);
	double t0 = bench_now();
	struct dnsp_config *cfg = load_config(zpath);
	double t1 = bench_now();

	fx->snap = compile_config(cfg);
	fx->compile_s = bench_now() - t1;
	fx->load_s = t1 - t0;
	fx->records = records;
	dnsp_config_destroy(cfg);
	return fx;
}

fixture *small_zone()
{
	static fixture *fx = build_fixture(100);
	return fx;
}

fixture *big_zone()
{
	static fixture *fx = build_fixture(1000000);
	return fx;
}

// A query as a stub or resolver sends it: RD clear, one question, EDNS(0)
// OPT with a 1232-byte buffer (RFC 6891) — 11 bytes of OPT after the name.
std::vector<uint8_t> make_query(const char *name, uint16_t qtype)
{
	std::vector<uint8_t> q = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
	const char *p = name;

	while (*p) {
		const char *dot = std::strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : std::strlen(p);
		q.push_back((uint8_t)len);
		q.insert(q.end(), p, p + len);
		p += len + (dot ? 1 : 0);
	}
	q.push_back(0);
	q.push_back((uint8_t)(qtype >> 8));
	q.push_back((uint8_t)qtype);
	q.push_back(0);
	q.push_back(1);
	const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
	q.insert(q.end(), opt, opt + sizeof(opt));
	return q;
}

struct expect {
	int rcode;
	int ancount;
};

void run_query(benchmark::State &st, fixture *fx, const char *qname, expect want)
{
	std::vector<uint8_t> query = make_query(qname, 1 /* A */);
	alignas(64) static uint8_t buf[4096];
	static struct dnsp_stats stats;
	static struct dnsp_worker_ctx wctx = {&stats, 0, 0x12345678};
	struct dnsp_pkt pkt;

	std::memset(&pkt, 0, sizeof(pkt));
	pkt.buf = buf;
	pkt.cap = 1232;
	pkt.family = 4;
	pkt.listener = 0;
	pkt.src_port = 40000;
	pkt.src[0] = 127;
	pkt.src[3] = 1;

	// Check once that the path measured is the path named.
	std::memcpy(buf, query.data(), query.size());
	pkt.len = (uint16_t)query.size();
	int rlen = dnsp_pipeline_process(fx->snap, &pkt, &wctx);
	if (rlen < 12 || (buf[3] & 0x0f) != want.rcode || (buf[6] << 8 | buf[7]) != want.ancount) {
		char msg[160];
		std::snprintf(msg, sizeof(msg), "%s: reply len %d rcode %d ancount %d, want rcode %d ancount %d",
			      qname, rlen, rlen >= 12 ? buf[3] & 0x0f : -1,
			      rlen >= 12 ? buf[6] << 8 | buf[7] : -1, want.rcode, want.ancount);
		st.SkipWithError(msg);
		return;
	}

	for (auto _ : st) {
		std::memcpy(buf, query.data(), query.size());
		pkt.len = (uint16_t)query.size();
		int n = dnsp_pipeline_process(fx->snap, &pkt, &wctx);
		benchmark::DoNotOptimize(n);
		benchmark::ClobberMemory();
	}
	st.counters["reply_bytes"] = rlen;
	st.counters["zone_records"] = (double)fx->records;
}

const expect hit = {0, 1}, nxdomain = {3, 0}, cname2 = {0, 3}, wildcard = {0, 1};

void BM_Small_Hit(benchmark::State &st) { run_query(st, small_zone(), "www.bench.example", hit); }
void BM_Small_NXDOMAIN(benchmark::State &st) { run_query(st, small_zone(), "nope.bench.example", nxdomain); }
void BM_Small_CNAME2(benchmark::State &st) { run_query(st, small_zone(), "c1.bench.example", cname2); }
void BM_Small_Wildcard(benchmark::State &st) { run_query(st, small_zone(), "x.wild.bench.example", wildcard); }
void BM_1M_Hit(benchmark::State &st) { run_query(st, big_zone(), "www.bench.example", hit); }
void BM_1M_HitFiller(benchmark::State &st) { run_query(st, big_zone(), "h654321.bench.example", hit); }
void BM_1M_NXDOMAIN(benchmark::State &st) { run_query(st, big_zone(), "nope.bench.example", nxdomain); }
void BM_1M_CNAME2(benchmark::State &st) { run_query(st, big_zone(), "c1.bench.example", cname2); }
void BM_1M_Wildcard(benchmark::State &st) { run_query(st, big_zone(), "x.wild.bench.example", wildcard); }
// Hits on 64k different names of the 1M zone, cycled, so the trie walk
// misses the caches the way real traffic over a large zone does.
void BM_1M_HitRandomName(benchmark::State &st)
{
	fixture *fx = big_zone();
	const size_t nq = 65536;
	std::vector<std::vector<uint8_t>> queries;
	alignas(64) static uint8_t buf[4096];
	static struct dnsp_stats stats;
	static struct dnsp_worker_ctx wctx = {&stats, 0, 0x12345678};
	struct dnsp_pkt pkt;
	bench_rng r(7);
	size_t i = 0, answered = 0;

	for (size_t k = 0; k < nq; k++) {
		std::string name = "h" + std::to_string(r.next() % 900000) + ".bench.example";
		queries.push_back(make_query(name.c_str(), 1));
	}
	std::memset(&pkt, 0, sizeof(pkt));
	pkt.buf = buf;
	pkt.cap = 1232;
	pkt.family = 4;
	pkt.src[0] = 127;
	pkt.src[3] = 1;
	for (auto _ : st) {
		const std::vector<uint8_t> &q = queries[i];
		std::memcpy(buf, q.data(), q.size());
		pkt.len = (uint16_t)q.size();
		int n = dnsp_pipeline_process(fx->snap, &pkt, &wctx);
		answered += n > 12 && (buf[6] << 8 | buf[7]) == 1;
		benchmark::DoNotOptimize(n);
		if (++i == nq)
			i = 0;
	}
	st.counters["answered_ratio"] = (double)answered / (double)st.iterations();
	st.counters["distinct_names"] = (double)nq;
}

BENCHMARK(BM_Small_Hit)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Small_NXDOMAIN)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Small_CNAME2)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Small_Wildcard)->Apply(bench_fixed_iterations);
BENCHMARK(BM_1M_Hit)->Apply(bench_fixed_iterations);
BENCHMARK(BM_1M_HitFiller)->Apply(bench_fixed_iterations);
BENCHMARK(BM_1M_NXDOMAIN)->Apply(bench_fixed_iterations);
BENCHMARK(BM_1M_CNAME2)->Apply(bench_fixed_iterations);
BENCHMARK(BM_1M_Wildcard)->Apply(bench_fixed_iterations);
BENCHMARK(BM_1M_HitRandomName)->Apply(bench_fixed_iterations);

// The per-iteration query copy alone (subtract from the numbers above).
void BM_QueryCopy(benchmark::State &st)
{
	std::vector<uint8_t> query = make_query("www.bench.example", 1);
	alignas(64) static uint8_t buf[4096];

	for (auto _ : st) {
		std::memcpy(buf, query.data(), query.size());
		benchmark::DoNotOptimize(buf);
		benchmark::ClobberMemory();
	}
	st.counters["query_bytes"] = (double)query.size();
}
BENCHMARK(BM_QueryCopy)->Apply(bench_fixed_iterations);

// Config load (YAML + zone file parse) and compile of the 1M-record zone,
// measured once each (the fixture build), plus snapshot-arena bytes per
// record. The loop body is a repeat compile of the same config.
void BM_1M_Compile(benchmark::State &st)
{
	fixture *fx = big_zone();
	std::string zpath = zone_file(fx->records);
	struct dnsp_config *cfg = load_config(zpath);
	size_t used = dnsp_arena_used(fx->snap->arena);
	uint64_t nrec = fx->snap->nrecords ? fx->snap->nrecords : fx->records;

	for (auto _ : st) {
		struct dnsp_snapshot *s = compile_config(cfg);
		st.PauseTiming();
		dnsp_snapshot_destroy(s);
		st.ResumeTiming();
	}
	dnsp_config_destroy(cfg);
	st.counters["records"] = (double)nrec;
	st.counters["first_load_s"] = fx->load_s;
	st.counters["first_compile_s"] = fx->compile_s;
	st.counters["arena_MiB"] = (double)used / (1024.0 * 1024.0);
	st.counters["bytes_per_record"] = (double)used / (double)nrec;
}
BENCHMARK(BM_1M_Compile)->Unit(benchmark::kMillisecond)->Iterations(2);

} // namespace
