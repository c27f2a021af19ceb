// Cost of the DNS Firewall step (lib/firewall.c) with 0, 1k, 100k and 1M
// domain-list entries (98% exact names, 2% "*." wildcards, shaped like a
// threat feed: random labels at depths of 2 to 5 labels, so every query
// probes the table for its own name and its parents):
//
//  * BM_FwMatch_{Hit,Miss}/N — dnsp_fw_apply() alone on 64k different
//    query names cycled (so a large table is walked cold, as real traffic
//    does); Hit names are listed (BLOCK NXDOMAIN), Miss names share the
//    suffixes but are not. Miss/0 (an empty table) is the loop's own cost
//    (copying the name into the query struct).
//  * BM_FwPipeline/N — a whole dnsp_pipeline_process() of an allowed query
//    (answered from a private zone) on a snapshot built through the real
//    config path (DomainFile → dnsp_config_load_string → dnsp_compile);
//    N = 0 has no firewall at all, so BM_FwPipeline/N minus
//    BM_FwPipeline/0 is the cost the firewall adds per query (target with
//    1M: ≤ 100 ns). BM_FwPipelineCold/N does the same over 64k names.
//  * BM_FwCompile1M — builder + compile of the 1M table (target ≤ 10 s),
//    with the arena bytes of the table and the process peak RSS
//    (target ≤ 256 MiB); BM_FwLoad1M — the same list through the config
//    loader (file read, syntax check, dedupe) and dnsp_compile.
//  * BM_Hyperscan* (when libhs is found) — the same entries as Hyperscan
//    5.4 literals ("\x01name\x02", "*.x" → ".x\x02"), the layout the issue
//    suggested: compile time and scan cost per query, to show why the
//    firewall uses a name table instead (README "DNS Firewall").
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "ctrl/compile.h"
#include "ctrl/config.h"
#include "lib/firewall.h"
#include "lib/pipeline.h"
#include "lib/snapshot.h"
#include "lib/stats.h"
#include "lib/wire/name.h"
#include "lib/wire/pkt.h"
}

#ifdef DNSP_BENCH_HYPERSCAN
#include <hs.h>
#endif

#include "bench_util.h"

namespace {

const size_t kQueries = 65536;

const char *const kTlds[] = {"com", "net", "org", "info", "ru", "xyz", "top", "io"};

// Entry i of the synthetic feed (normal form): a random label with a
// number, under 2 to 5 labels in all (a feed lists registered domains and
// hosts at several depths), one in 50 a "*." wildcard.
std::string entry(size_t i)
{
	bench_rng r(i * 2654435761u + 17);
	char label[8];
	for (int k = 0; k < 6; k++)
		label[k] = (char)('a' + r.next() % 26);
	label[6] = 0;
	const char *tld = kTlds[(i / 4) % 8];
	const char *star = i % 50 == 0 ? "*." : "";
	char buf[96];
	switch (i % 4) {
	case 0:
		std::snprintf(buf, sizeof(buf), "%s%s%zu.%s", star, label, i, tld);
		break;
	case 1:
		std::snprintf(buf, sizeof(buf), "%s%s%zu.d%zu.%s", star, label, i, i % 997, tld);
		break;
	case 2:
		std::snprintf(buf, sizeof(buf), "%s%s%zu.d%zu.threat.%s", star, label, i, i % 997, tld);
		break;
	default:
		std::snprintf(buf, sizeof(buf), "%sx.%s%zu.d%zu.threat.%s", star, label, i, i % 997,
			      tld);
		break;
	}
	return buf;
}

// A query name for entry i: the name itself, or one below a wildcard.
std::string hit_name(size_t i)
{
	std::string e = entry(i);
	return e[0] == '*' ? "www" + e.substr(1) : e;
}

// A name of 3 or 4 labels that no entry lists.
std::string miss_name(size_t i)
{
	char buf[96];
	if (i % 2)
		std::snprintf(buf, sizeof(buf), "www.q%07zu.%s", i, kTlds[i % 8]);
	else
		std::snprintf(buf, sizeof(buf), "www.q%07zu.d%zu.%s", i, i % 997, kTlds[i % 8]);
	return buf;
}

struct table {
	dnsp_arena_t *arena = nullptr;
	const struct dnsp_fw *fw = nullptr;
	double compile_s = 0;
	size_t n = 0;
};

table *build_table(size_t n)
{
	table *t = new table;
	dnsp_fw_builder_t *b = nullptr;
	if (dnsp_arena_create(&t->arena) < 0 || dnsp_fw_builder_create(&b) < 0)
		bench_die("out of memory");
	struct dnsp_fw_rule rule = {};
	rule.action = DNSP_FW_BLOCK;
	rule.block = DNSP_FW_BLOCK_NXDOMAIN;
	rule.counter = DNSP_FW_SLOT_RULES;
	rule.group_id = "frg-bench";
	rule.name = "block-feed";
	rule.list_id = "fdl-bench";
	double t0 = bench_now();
	if (dnsp_fw_builder_add_rule(b, &rule) != 0)
		bench_die("add_rule");
	for (size_t i = 0; i < n; i++) {
		std::string e = entry(i);
		if (dnsp_fw_builder_add_domain(b, 0, e.c_str(), e.size()) != 0)
			bench_die("add_domain");
	}
	struct dnsp_fw_counters *ctr = nullptr;
	if (dnsp_fw_counters_create(t->arena, 1, DNSP_FW_SLOT_RULES + 1, &ctr) < 0 ||
	    dnsp_fw_compile(b, ctr, true, t->arena, &t->fw) < 0)
		bench_die("compile");
	t->compile_s = bench_now() - t0;
	t->n = n;
	dnsp_fw_builder_destroy(b);
	return t;
}

table *table_of(size_t n)
{
	static std::map<size_t, table *> cache;
	table *&t = cache[n];
	if (!t)
		t = build_table(n);
	return t;
}

// Query names in wire form, 64 bytes each (a compact, sequential array, so
// walking it costs next to nothing); each iteration copies one into a hot
// struct dnsp_query as the parser would have left it.
struct wire_name {
	uint8_t b[64];
};

std::vector<wire_name> *queries(bool hit, size_t n)
{
	static std::map<std::pair<bool, size_t>, std::vector<wire_name> *> cache;
	auto *&v = cache[{hit, n}];
	if (v)
		return v;
	v = new std::vector<wire_name>(kQueries);
	bench_rng r(hit ? 11 : 13);
	for (size_t k = 0; k < kQueries; k++) {
		size_t i = n ? (size_t)(r.next() % n) : k;
		std::string name = hit ? hit_name(i) : miss_name(r.next() % 10000000);
		uint8_t w[DNSP_NAME_MAX];
		int len = dnsp_name_from_text(name.c_str(), name.size(), (const uint8_t *)"", w);
		if (len < 0 || len > 64)
			bench_die("query name");
		std::memset((*v)[k].b, 0, 64);
		std::memcpy((*v)[k].b, w, (size_t)len);
	}
	return v;
}

void run_match(benchmark::State &st, bool hit)
{
	size_t n = (size_t)st.range(0);
	if (hit && n == 0) {
		st.SkipWithError("no entries to hit");
		return;
	}
	table *t = table_of(n);
	std::vector<wire_name> &qs = *queries(hit, n);
	alignas(64) static uint8_t buf[512];
	alignas(64) static struct dnsp_query q;
	std::memset(&q, 0, sizeof(q));
	q.qtype = DNSP_T_A;
	q.qclass = DNSP_CLASS_IN;
	struct dnsp_resp r;
	std::memset(&r, 0, sizeof(r));
	r.buf = buf;
	r.cap = r.limit = sizeof(buf);
	size_t i = 0, blocked = 0;
	for (auto _ : st) {
		std::memcpy(q.qname, qs[i].b, 64);
		struct dnsp_decision d;
		d.fw_action = 0;
		int rc = dnsp_fw_apply(t->fw, false, &q, &r, 0, &d);
		blocked += rc == DNSP_RCODE_NXDOMAIN;
		benchmark::DoNotOptimize(rc);
		if (++i == kQueries)
			i = 0;
	}
	double ratio = (double)blocked / (double)st.iterations();
	if ((hit && ratio < 0.999) || (!hit && ratio > 0))
		st.SkipWithError("wrong decisions");
	st.counters["entries"] = (double)n;
	st.counters["blocked_ratio"] = ratio;
	st.counters["table_MiB"] = (double)t->fw->bytes / (1024.0 * 1024.0);
}

void BM_FwMatch_Hit(benchmark::State &st) { run_match(st, true); }
void BM_FwMatch_Miss(benchmark::State &st) { run_match(st, false); }
BENCHMARK(BM_FwMatch_Hit)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_FwMatch_Miss)->Arg(0)->Arg(1000)->Arg(100000)->Arg(1000000);

// ---- through the real config path and the whole pipeline ----

std::string list_file(size_t n)
{
	std::string path = "/tmp/dnsplane-bench-fw-" + std::to_string(n) + ".txt";
	struct stat sb;
	if (stat(path.c_str(), &sb) == 0)
		return path;
	std::string tmp = path + ".tmp." + std::to_string(getpid());
	FILE *f = std::fopen(tmp.c_str(), "w");
	if (!f)
		bench_die("cannot write the list in /tmp");
	std::fprintf(f, "# dnsplane bench feed, %zu entries\n", n);
	for (size_t i = 0; i < n; i++)
		std::fprintf(f, "%s\n", entry(i).c_str());
	if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0)
		bench_die("cannot write the list in /tmp");
	return path;
}

std::string config_yaml(size_t n)
{
	std::string y = "server: {workers: 1, control: {listen: \"127.0.0.1:18053\"}}\n"
			"listeners:\n"
			"  - {address: 127.0.0.2, port: 15300, role: resolver, vpc: vpc-bench}\n"
			"vpcs:\n"
			"  - {VpcId: vpc-bench, Cidrs: [127.0.0.0/8]}\n"
			"hosted_zones:\n"
			"  - Id: ZPRIV\n"
			"    Name: corp.example.\n"
			"    Config: {PrivateZone: true}\n"
			"    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-bench}]\n"
			"    ResourceRecordSets:\n"
			"      - {Name: www.corp.example., Type: A, TTL: 60,"
			" ResourceRecords: [{Value: 10.0.0.1}]}\n"
			"      - {Name: \"*.w.corp.example.\", Type: A, TTL: 60,"
			" ResourceRecords: [{Value: 10.0.0.2}]}\n";
	if (n == 0)
		return y;
	y += "firewall:\n"
	     "  domain_lists: [{Id: fdl-bench, DomainFile: " + list_file(n) + "}]\n"
	     "  rule_groups:\n"
	     "    - Id: frg-bench\n"
	     "      FirewallRules:\n"
	     "        - {Name: block-feed, Priority: 100, Action: BLOCK,"
	     " FirewallDomainListId: fdl-bench, BlockResponse: NXDOMAIN}\n"
	     "  rule_group_associations:\n"
	     "    - {FirewallRuleGroupId: frg-bench, VpcId: vpc-bench, Priority: 101}\n";
	return y;
}

struct snapfix {
	struct dnsp_snapshot *snap = nullptr;
	double load_s = 0, compile_s = 0;
};

snapfix *build_snap(size_t n)
{
	snapfix *fx = new snapfix;
	std::string y = config_yaml(n);
	struct dnsp_config *cfg = nullptr;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	double t0 = bench_now();
	int rc = dnsp_config_load_string(y.c_str(), y.size(), "bench.yaml", "/tmp", &cfg, &errs);
	double t1 = bench_now();
	if (rc == 0)
		rc = dnsp_compile(cfg, 1, &fx->snap, &errs);
	fx->load_s = t1 - t0;
	fx->compile_s = bench_now() - t1;
	for (size_t i = 0; i < errs.n; i++)
		std::fprintf(stderr, "%s\n", errs.msgs[i]);
	if (rc < 0)
		bench_die("config");
	dnsp_errlist_fini(&errs);
	dnsp_config_destroy(cfg);
	return fx;
}

snapfix *snap_of(size_t n)
{
	static std::map<size_t, snapfix *> cache;
	snapfix *&s = cache[n];
	if (!s)
		s = build_snap(n);
	return s;
}

std::vector<uint8_t> make_query(const std::string &name)
{
	std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
	uint8_t w[DNSP_NAME_MAX];
	int len = dnsp_name_from_text(name.c_str(), name.size(), (const uint8_t *)"", w);
	if (len < 0)
		bench_die("query name");
	q.insert(q.end(), w, w + len);
	const uint8_t tail[] = {0, 1, 0, 1, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
	q.insert(q.end(), tail, tail + sizeof(tail));
	return q;
}

void run_pipeline(benchmark::State &st, bool cold)
{
	size_t n = (size_t)st.range(0);
	snapfix *fx = snap_of(n);
	std::vector<std::vector<uint8_t>> qs;
	bench_rng r(3);
	for (size_t k = 0; k < (cold ? kQueries : 1); k++)
		qs.push_back(make_query(cold ? "h" + std::to_string(r.next() % 10000000) + ".w.corp.example"
					     : std::string("www.corp.example")));
	alignas(64) static uint8_t buf[4096];
	static struct dnsp_stats stats;
	struct dnsp_worker_ctx w;
	std::memset(&w, 0, sizeof(w));
	dnsp_worker_ctx_init(&w, &stats, 0, 0x12345678);
	struct dnsp_pkt pkt;
	std::memset(&pkt, 0, sizeof(pkt));
	pkt.buf = buf;
	pkt.cap = 1232;
	pkt.family = 4;
	pkt.src[0] = 127;
	pkt.src[3] = 1;
	size_t i = 0, answered = 0;
	for (auto _ : st) {
		const std::vector<uint8_t> &q = qs[i];
		std::memcpy(buf, q.data(), q.size());
		pkt.len = (uint16_t)q.size();
		int len = dnsp_pipeline_process(fx->snap, &pkt, &w);
		answered += len > 12 && (buf[3] & 0xf) == 0 && (buf[6] << 8 | buf[7]) == 1;
		benchmark::DoNotOptimize(len);
		if (++i == qs.size())
			i = 0;
	}
	if (answered != (size_t)st.iterations())
		st.SkipWithError("queries not answered from the private zone");
	st.counters["entries"] = (double)n;
	st.counters["load_s"] = fx->load_s;
	st.counters["compile_s"] = fx->compile_s;
}

void BM_FwPipeline(benchmark::State &st) { run_pipeline(st, false); }
void BM_FwPipelineCold(benchmark::State &st) { run_pipeline(st, true); }
BENCHMARK(BM_FwPipeline)->Arg(0)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_FwPipelineCold)->Arg(0)->Arg(1000)->Arg(100000)->Arg(1000000);

// ---- compile time and memory ----

long vm_kb(const char *field)
{
	FILE *f = std::fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t fl = std::strlen(field);
	while (f && std::fgets(line, sizeof(line), f))
		if (std::strncmp(line, field, fl) == 0)
			v = std::atol(line + fl + 1);
	if (f)
		std::fclose(f);
	return v;
}

void BM_FwCompile1M(benchmark::State &st)
{
	const size_t n = 1000000;
	std::vector<std::string> es(n);
	for (size_t i = 0; i < n; i++)
		es[i] = entry(i);
	size_t bytes = 0;
	long rss0 = vm_kb("VmRSS:");
	for (auto _ : st) {
		dnsp_arena_t *a = nullptr;
		dnsp_fw_builder_t *b = nullptr;
		if (dnsp_arena_create(&a) < 0 || dnsp_fw_builder_create(&b) < 0)
			bench_die("oom");
		struct dnsp_fw_rule rule = {};
		rule.action = DNSP_FW_BLOCK;
		rule.block = DNSP_FW_BLOCK_NXDOMAIN;
		rule.name = "r";
		rule.group_id = "g";
		if (dnsp_fw_builder_add_rule(b, &rule) != 0)
			bench_die("rule");
		for (size_t i = 0; i < n; i++)
			if (dnsp_fw_builder_add_domain(b, 0, es[i].c_str(), es[i].size()) != 0)
				bench_die("entry");
		const struct dnsp_fw *fw = nullptr;
		if (dnsp_fw_compile(b, nullptr, true, a, &fw) < 0)
			bench_die("compile");
		bytes = fw->bytes;
		st.counters["peak_build_RSS_delta_MiB"] = (double)(vm_kb("VmRSS:") - rss0) / 1024.0;
		st.PauseTiming();
		dnsp_fw_builder_destroy(b);
		dnsp_arena_destroy(a);
		st.ResumeTiming();
	}
	st.counters["entries"] = (double)n;
	st.counters["table_MiB"] = (double)bytes / (1024.0 * 1024.0);
	st.counters["table_bytes_per_entry"] = (double)bytes / (double)n;
}
BENCHMARK(BM_FwCompile1M)->Unit(benchmark::kMillisecond)->Iterations(2);

// The 1M list through the config path (DomainFile read, AWS syntax check,
// dedupe) and dnsp_compile; peak RSS of the process (VmHWM) after it.
void BM_FwLoad1M(benchmark::State &st)
{
	const size_t n = 1000000;
	std::string y = config_yaml(n);
	double load = 0, comp = 0;
	for (auto _ : st) {
		struct dnsp_config *cfg = nullptr;
		struct dnsp_snapshot *s = nullptr;
		struct dnsp_errlist errs;
		dnsp_errlist_init(&errs);
		double t0 = bench_now();
		if (dnsp_config_load_string(y.c_str(), y.size(), "bench.yaml", "/tmp", &cfg, &errs) < 0)
			bench_die("load");
		double t1 = bench_now();
		if (dnsp_compile(cfg, 1, &s, &errs) < 0)
			bench_die("compile");
		double t2 = bench_now();
		load = t1 - t0;
		comp = t2 - t1;
		st.PauseTiming();
		dnsp_snapshot_destroy(s);
		dnsp_config_destroy(cfg);
		dnsp_errlist_fini(&errs);
		st.ResumeTiming();
	}
	st.counters["load_s"] = load;
	st.counters["compile_s"] = comp;
	st.counters["VmHWM_MiB"] = (double)vm_kb("VmHWM:") / 1024.0;
}
BENCHMARK(BM_FwLoad1M)->Unit(benchmark::kMillisecond)->Iterations(2);

#ifdef DNSP_BENCH_HYPERSCAN
// ---- the Hyperscan layout, for comparison ----

struct hsfix {
	hs_database_t *db = nullptr;
	hs_scratch_t *scratch = nullptr;
	double compile_s = 0;
	size_t db_bytes = 0;
};

hsfix *hs_of(size_t n)
{
	static std::map<size_t, hsfix *> cache;
	hsfix *&h = cache[n];
	if (h)
		return h;
	h = new hsfix;
	std::vector<std::string> lits(n);
	std::vector<const char *> ptrs(n);
	std::vector<size_t> lens(n);
	std::vector<unsigned> ids(n), flags(n, HS_FLAG_SINGLEMATCH);
	for (size_t i = 0; i < n; i++) {
		std::string e = entry(i);
		lits[i] = e[0] == '*' ? e.substr(1) + "\x02" : "\x01" + e + "\x02";
		ptrs[i] = lits[i].data();
		lens[i] = lits[i].size();
		ids[i] = (unsigned)i; // one id per literal: shared ids compile far slower
	}
	hs_compile_error_t *err = nullptr;
	double t0 = bench_now();
	if (hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(), (unsigned)n,
				 HS_MODE_BLOCK, nullptr, &h->db, &err) != HS_SUCCESS)
		bench_die("hs_compile_lit_multi");
	h->compile_s = bench_now() - t0;
	hs_database_size(h->db, &h->db_bytes);
	if (hs_alloc_scratch(h->db, &h->scratch) != HS_SUCCESS)
		bench_die("hs_alloc_scratch");
	return h;
}

int on_hs_match(unsigned id, unsigned long long, unsigned long long, unsigned, void *ctx)
{
	unsigned *best = (unsigned *)ctx;
	if (id < *best)
		*best = id;
	return 0;
}

void run_hs(benchmark::State &st, bool hit)
{
	size_t n = (size_t)st.range(0);
	hsfix *h = hs_of(n);
	std::vector<std::string> bufs;
	bench_rng r(hit ? 11 : 13);
	for (size_t k = 0; k < 4096; k++) {
		std::string name = hit ? hit_name(r.next() % n) : miss_name(r.next() % 10000000);
		bufs.push_back("\x01" + name + "\x02");
	}
	size_t i = 0, matched = 0;
	for (auto _ : st) {
		unsigned best = ~0u;
		hs_scan(h->db, bufs[i].data(), (unsigned)bufs[i].size(), 0, h->scratch, on_hs_match,
			&best);
		matched += best != ~0u;
		benchmark::DoNotOptimize(best);
		if (++i == bufs.size())
			i = 0;
	}
	st.counters["entries"] = (double)n;
	st.counters["hs_compile_s"] = h->compile_s;
	st.counters["hs_db_MiB"] = (double)h->db_bytes / (1024.0 * 1024.0);
	st.counters["matched_ratio"] = (double)matched / (double)st.iterations();
}

void BM_HyperscanScan_Hit(benchmark::State &st) { run_hs(st, true); }
void BM_HyperscanScan_Miss(benchmark::State &st) { run_hs(st, false); }
// 1M entries only on request (DNSP_BENCH_HS_1M=1): the compile takes about a
// minute and 2.4 GiB at its peak on the development VM.
void hs_sizes(benchmark::internal::Benchmark *b)
{
	b->Arg(1000)->Arg(10000)->Arg(100000);
	if (std::getenv("DNSP_BENCH_HS_1M"))
		b->Arg(1000000);
}
BENCHMARK(BM_HyperscanScan_Hit)->Apply(hs_sizes);
BENCHMARK(BM_HyperscanScan_Miss)->Apply(hs_sizes);
#endif

} // namespace
