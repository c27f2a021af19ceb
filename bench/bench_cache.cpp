// Cost of answering a resolver query from the cache on the fast path:
// dnsp_pipeline_process() on a resolver listener whose VPC has no private
// zone for the name, so the query goes through source selection to the
// cache (lib/cache.h) and is answered there — what a worker does for
// every cache hit. The snapshot is built through the real config loader
// and compiler with recursion enabled (a root hints file), and the cache
// is the process-wide one the compiler attaches, filled through
// dnsp_cache_insert() as the slow path would fill it.
//
// Shapes: one A record, a CNAME chain into another zone (2 records),
// NXDOMAIN with its SOA, a hit on one of 1M entries cycled at random (the
// table walk misses the CPU caches), the cache lookup alone, and a miss
// (the pipeline's work before it hands the query to the slow path).
// Besides ns/op, each reports instructions per query from a hardware
// counter (perf_event_open, user space only) when the kernel offers one.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" {
#include <urcu-qsbr.h>
#include "ctrl/compile.h"
#include "ctrl/config.h"
#include "ctrl/resolver.h"
#include "lib/cache.h"
#include "lib/pipeline.h"
#include "lib/snapshot.h"
#include "lib/stats.h"
}

#include "bench_util.h"

namespace {

// ------------------------------------------------------ instruction counter

struct insn_counter {
	int fd = -1;
	insn_counter()
	{
		struct perf_event_attr a;
		std::memset(&a, 0, sizeof(a));
		a.type = PERF_TYPE_HARDWARE;
		a.size = sizeof(a);
		a.config = PERF_COUNT_HW_INSTRUCTIONS;
		a.disabled = 1;
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	}
	~insn_counter()
	{
		if (fd >= 0)
			close(fd);
	}
	void start()
	{
		if (fd >= 0) {
			ioctl(fd, PERF_EVENT_IOC_RESET, 0);
			ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
		}
	}
	// Instructions since start(), or -1 without a counter.
	double stop()
	{
		uint64_t v = 0;
		if (fd < 0)
			return -1;
		ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			return -1;
		return (double)v;
	}
};

// ------------------------------------------------------------------ fixture

struct fixture {
	struct dnsp_snapshot *snap = nullptr;
	dnsp_cache_t *cache = nullptr;
};

int name_wire(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	return dnsp_name_from_text(text, std::strlen(text), nullptr, out);
}

void insert(dnsp_cache_t *c, const char *qname, uint16_t qtype, uint8_t rcode,
	    std::vector<struct dnsp_cache_rr> rrs)
{
	uint8_t n[DNSP_NAME_MAX];
	if (name_wire(qname, n) < 0)
		bench_die("bad name");
	struct dnsp_cache_key k;
	std::memset(&k, 0, sizeof(k));
	k.qname = n;
	k.qtype = qtype;
	k.qclass = 1;
	if (dnsp_cache_insert(c, &k, rcode, rrs.data(), rrs.size(), dnsp_cache_now()) != 1)
		bench_die("cache insert failed");
}

const uint8_t a_rdata[4] = {192, 0, 2, 10};
uint8_t cname_target[DNSP_NAME_MAX];
uint8_t soa_owner[DNSP_NAME_MAX];
const uint8_t soa_rdata[] = {
	3, 'n', 's', '1', 4, 't', 'e', 's', 't', 0, 4, 'h', 'o', 's', 't', 4, 't', 'e', 's', 't', 0,
	0, 0, 0, 1, 0, 0, 0x1c, 0x20, 0, 0, 0x03, 0x84, 0, 0x12, 0x75, 0, 0, 0, 0x0e, 0x10,
};

fixture *build()
{
	static fixture *fx = nullptr;
	if (fx)
		return fx;
	fx = new fixture;
	rcu_register_thread(); // the benchmark thread is a QSBR reader and the writer
	if (dnsp_cache_create(nullptr, &fx->cache) < 0)
		bench_die("cache create failed");
	struct dnsp_cache_limits l;
	dnsp_cache_limits_default(&l);
	l.max_bytes = 1ull << 30;
	l.prefetch_percent = 0;
	dnsp_cache_set_limits(fx->cache, &l);
	dnsp_resolver_set_global(nullptr, fx->cache);

	const char *hints = "/tmp/dnsplane-bench-root.hints";
	FILE *f = std::fopen(hints, "w");
	if (!f)
		bench_die("cannot write root hints in /tmp");
	std::fprintf(f, ". 3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A 198.18.0.1\n");
	std::fclose(f);
	std::string yaml = "server: {workers: 1, control: {listen: \"127.0.0.1:18053\"}}\n"
			   "listeners:\n"
			   "  - {address: 127.0.0.2, port: 15300, role: resolver, vpc: vpc-b}\n"
			   "vpcs:\n"
			   "  - {VpcId: vpc-b, Cidrs: [127.0.0.0/8]}\n"
			   "resolver:\n"
			   "  root_hints: " + std::string(hints) + "\n";
	struct dnsp_config *cfg = nullptr;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	if (dnsp_config_load_string(yaml.c_str(), yaml.size(), "bench.yaml", "/tmp", &cfg, &errs) < 0 ||
	    dnsp_compile(cfg, 1, &fx->snap, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			std::fprintf(stderr, "%s\n", errs.msgs[i]);
		bench_die("config load/compile failed");
	}
	dnsp_errlist_fini(&errs);
	dnsp_config_destroy(cfg);
	if (!fx->snap->recursion || fx->snap->recursion->cache != fx->cache)
		bench_die("snapshot has no cache attached");

	name_wire("cdn.example.net.", cname_target);
	name_wire("example.test.", soa_owner);
	insert(fx->cache, "www.example.test.", 1, 0,
	       {{nullptr, 1, 1, 3600, a_rdata, 4, DNSP_SEC_ANSWER}});
	insert(fx->cache, "alias.example.test.", 1, 0,
	       {{nullptr, 5, 1, 3600, cname_target, (uint16_t)dnsp_name_len(cname_target),
		 DNSP_SEC_ANSWER},
		{cname_target, 1, 1, 3600, a_rdata, 4, DNSP_SEC_ANSWER}});
	insert(fx->cache, "nope.example.test.", 1, 3,
	       {{soa_owner, 6, 1, 3600, soa_rdata, sizeof(soa_rdata), DNSP_SEC_AUTHORITY}});
	return fx;
}

void fill_million(fixture *fx)
{
	static bool done = false;
	if (done)
		return;
	done = true;
	for (int i = 0; i < 1000000; i++) {
		char nm[48];
		std::snprintf(nm, sizeof(nm), "h%d.example.test.", i);
		insert(fx->cache, nm, 1, 0, {{nullptr, 1, 1, 3600, a_rdata, 4, DNSP_SEC_ANSWER}});
		if ((i & 63) == 0)
			rcu_quiescent_state();
	}
	// The table grows in liburcu's call_rcu worker, a grace period per
	// step: stay offline a moment so it settles before timing.
	rcu_thread_offline();
	usleep(500000);
	rcu_thread_online();
}

// A query as a stub sends it to a resolver: RD set, EDNS(0) 1232.
std::vector<uint8_t> make_query(const char *name, uint16_t qtype)
{
	std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
	const char *p = name;
	while (*p) {
		const char *dot = std::strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : std::strlen(p);
		if (len == 0)
			break;
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

struct pipe_ctx {
	alignas(64) uint8_t buf[4096];
	struct dnsp_stats stats;
	struct dnsp_worker_ctx w;
	struct dnsp_pkt pkt;
	pipe_ctx()
	{
		std::memset(&stats, 0, sizeof(stats));
		dnsp_worker_ctx_init(&w, &stats, 0, 0x12345678);
		std::memset(&pkt, 0, sizeof(pkt));
		pkt.buf = buf;
		pkt.cap = 1232;
		pkt.family = 4;
		pkt.listener = 0;
		pkt.src_port = 40000;
		pkt.src[0] = 127;
		pkt.src[3] = 1;
	}
};

void run_hit(benchmark::State &st, const char *qname, int want_rcode, int want_records)
{
	fixture *fx = build();
	static pipe_ctx c;
	std::vector<uint8_t> q = make_query(qname, 1);
	std::memcpy(c.buf, q.data(), q.size());
	c.pkt.len = (uint16_t)q.size();
	int rlen = dnsp_pipeline_process(fx->snap, &c.pkt, &c.w);
	int nrec = rlen >= 12 ? (c.buf[6] << 8 | c.buf[7]) + (c.buf[8] << 8 | c.buf[9]) : -1;
	if (rlen < 12 || (c.buf[3] & 0xf) != want_rcode || nrec != want_records ||
	    !(c.buf[3] & 0x80)) {
		char msg[160];
		std::snprintf(msg, sizeof(msg), "%s: reply %d rcode %d records %d (want %d/%d, RA)",
			      qname, rlen, rlen >= 12 ? c.buf[3] & 0xf : -1, nrec, want_rcode,
			      want_records);
		st.SkipWithError(msg);
		return;
	}
	uint64_t hits0 = c.stats.cache_hits;
	insn_counter ic;
	ic.start();
	for (auto _ : st) {
		std::memcpy(c.buf, q.data(), q.size());
		c.pkt.len = (uint16_t)q.size();
		int n = dnsp_pipeline_process(fx->snap, &c.pkt, &c.w);
		benchmark::DoNotOptimize(n);
		benchmark::ClobberMemory();
	}
	double insn = ic.stop();
	rcu_quiescent_state();
	if (c.stats.cache_hits - hits0 != (uint64_t)st.iterations())
		st.SkipWithError("not every iteration was a cache hit");
	if (insn >= 0)
		st.counters["insn_per_query"] = insn / (double)st.iterations();
	st.counters["reply_bytes"] = rlen;
}

void BM_CacheHit_A(benchmark::State &st) { run_hit(st, "www.example.test.", 0, 1); }
void BM_CacheHit_CNAME(benchmark::State &st) { run_hit(st, "alias.example.test.", 0, 2); }
void BM_CacheHit_NXDOMAIN(benchmark::State &st) { run_hit(st, "nope.example.test.", 3, 1); }

// Hits on 64k of 1M cached names, cycled at random.
void BM_CacheHit_1M_Random(benchmark::State &st)
{
	fixture *fx = build();
	fill_million(fx);
	static pipe_ctx c;
	const size_t nq = 65536;
	std::vector<std::vector<uint8_t>> qs;
	bench_rng r(11);
	for (size_t k = 0; k < nq; k++) {
		std::string nm = "h" + std::to_string(r.next() % 1000000) + ".example.test.";
		qs.push_back(make_query(nm.c_str(), 1));
	}
	uint64_t hits0 = c.stats.cache_hits;
	size_t i = 0;
	insn_counter ic;
	ic.start();
	for (auto _ : st) {
		const std::vector<uint8_t> &q = qs[i];
		std::memcpy(c.buf, q.data(), q.size());
		c.pkt.len = (uint16_t)q.size();
		int n = dnsp_pipeline_process(fx->snap, &c.pkt, &c.w);
		benchmark::DoNotOptimize(n);
		if (++i == nq)
			i = 0;
		if ((i & 63) == 0)
			rcu_quiescent_state(); // a worker does this once per burst
	}
	double insn = ic.stop();
	rcu_quiescent_state();
	st.counters["hit_ratio"] = (double)(c.stats.cache_hits - hits0) / (double)st.iterations();
	if (insn >= 0)
		st.counters["insn_per_query"] = insn / (double)st.iterations();
}

// The cache lookup and record copy alone, without parsing or selection.
void BM_CacheLookupOnly(benchmark::State &st)
{
	fixture *fx = build();
	static pipe_ctx c;
	std::vector<uint8_t> q = make_query("www.example.test.", 1);
	std::memcpy(c.buf, q.data(), q.size());
	struct dnsp_query pq;
	if (dnsp_pkt_parse_query(c.buf, q.size(), &pq) != 0)
		bench_die("query does not parse");
	struct dnsp_cache_key k;
	std::memset(&k, 0, sizeof(k));
	k.qname = pq.qname;
	k.qtype = 1;
	k.qclass = 1;
	uint32_t now = dnsp_cache_now();
	insn_counter ic;
	ic.start();
	for (auto _ : st) {
		struct dnsp_resp r;
		dnsp_resp_init(&r, c.buf, sizeof(c.buf), 1232, &pq);
		struct dnsp_cache_result res;
		int hit = dnsp_cache_answer(fx->cache, &k, now, &r, &res);
		benchmark::DoNotOptimize(hit);
		benchmark::ClobberMemory();
	}
	double insn = ic.stop();
	rcu_quiescent_state();
	if (insn >= 0)
		st.counters["insn_per_query"] = insn / (double)st.iterations();
}

// A miss: parse, select, look up, restore the header and return PUNT (the
// ring copy is the back end's and is not included).
void BM_CacheMiss_Punt(benchmark::State &st)
{
	fixture *fx = build();
	static pipe_ctx c;
	std::vector<uint8_t> q = make_query("miss.example.test.", 1);
	insn_counter ic;
	ic.start();
	for (auto _ : st) {
		std::memcpy(c.buf, q.data(), q.size());
		c.pkt.len = (uint16_t)q.size();
		int n = dnsp_pipeline_process(fx->snap, &c.pkt, &c.w);
		if (n != DNSP_PIPELINE_PUNT) {
			st.SkipWithError("expected a punt");
			break;
		}
		benchmark::DoNotOptimize(n);
	}
	double insn = ic.stop();
	rcu_quiescent_state();
	if (insn >= 0)
		st.counters["insn_per_query"] = insn / (double)st.iterations();
}

BENCHMARK(BM_CacheHit_A);
BENCHMARK(BM_CacheHit_CNAME);
BENCHMARK(BM_CacheHit_NXDOMAIN);
BENCHMARK(BM_CacheHit_1M_Random);
BENCHMARK(BM_CacheLookupOnly);
BENCHMARK(BM_CacheMiss_Punt);

} // namespace
