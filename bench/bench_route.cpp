// Cost of a routed answer: dnsp_pipeline_process() on one zone that holds a
// simple set and one set of each routing policy, built through the real
// control-plane path (YAML config with health_checks, cidr_collections, a
// GeoLite2-style CSV geo database and a latency table written to /tmp →
// dnsp_config_load_string → dnsp_compile). Every query carries the same
// EDNS Client Subnet option (198.51.100.0/24), so the simple baseline pays
// the same parsing and echo cost as the location-based policies; the target
// is a routed answer within 1.3× the simple one. Multivalue writes eight
// records, so it is compared with a simple set of eight values as well.
// Health checks are present (a check per set) but no checker runs: every
// status stays at its initial healthy value, so the health-aware paths run
// their full checks.
//
// The reply overwrites the query buffer, so every iteration first copies the
// query back in (see BM_QueryCopy in bench_pipeline).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

const char *const dir = "/tmp/dnsplane-bench-route";

void write_file(const std::string &path, const std::string &text)
{
	FILE *f = std::fopen(path.c_str(), "w");
	if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0)
		bench_die("cannot write the routing fixtures in /tmp");
}

// Geo database: the ECS subnet 198.51.100.0/24 is Seattle, US-WA; latency
// table: it measures eu-west-1 fastest.
void write_data()
{
	mkdir(dir, 0755);
	write_file(std::string(dir) + "/GeoLite2-City-Locations-en.csv",
		   "geoname_id,locale_code,continent_code,continent_name,country_iso_code,"
		   "country_name,subdivision_1_iso_code,subdivision_1_name,city_name\n"
		   "5809844,en,NA,North America,US,United States,WA,Washington,Seattle\n"
		   "2921044,en,EU,Europe,DE,Germany,,,\n");
	write_file(std::string(dir) + "/GeoLite2-City-Blocks-IPv4.csv",
		   "network,geoname_id,registered_country_geoname_id,"
		   "represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,"
		   "postal_code,latitude,longitude,accuracy_radius\n"
		   "198.51.100.0/24,5809844,6252001,,0,0,98101,47.6062,-122.3321,20\n"
		   "203.0.113.0/24,2921044,2921044,,0,0,,51.0,9.0,100\n");
	write_file(std::string(dir) + "/latency.csv",
		   "cidr,region,rtt_ms\n"
		   "198.51.100.0/24,us-east-1,70\n"
		   "198.51.100.0/24,us-west-2,12\n"
		   "198.51.100.0/24,eu-west-1,140\n");
}

std::string set(const char *name, const char *extra, const char *value,
		const char *hc = nullptr)
{
	std::string s = "      - {Name: ";
	s += name;
	s += ".bench.example., Type: A, TTL: 60, ";
	s += extra;
	if (hc) {
		s += ", HealthCheckId: ";
		s += hc;
	}
	s += ", ResourceRecords: [{Value: ";
	s += value;
	s += "}]}\n";
	return s;
}

std::string config_text()
{
	std::string y = std::string("server: {workers: 1, control: {listen: \"127.0.0.1:18053\"}, "
				    "geo_db: ") + dir + "/GeoLite2-City-Blocks-IPv4.csv, latency_db: " +
			dir + "/latency.csv}\n"
			"listeners:\n"
			"  - {address: 127.0.0.1, port: 15300, role: public}\n"
			"health_checks:\n";
	for (int i = 1; i <= 3; i++)
		y += "  - {Id: hc" + std::to_string(i) +
		     ", HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: 9}}\n";
	y += "cidr_collections:\n"
	     "  - {Id: cc1, Name: corp, Locations: [{LocationName: office, CidrList: "
	     "[198.51.100.0/24]}, {LocationName: lab, CidrList: [10.0.0.0/8]}]}\n"
	     "hosted_zones:\n"
	     "  - Id: ZBENCH\n"
	     "    Name: bench.example.\n"
	     "    Config: {PrivateZone: false}\n"
	     "    ResourceRecordSets:\n";
	y += "      - {Name: simple.bench.example., Type: A, TTL: 60, ResourceRecords: "
	     "[{Value: 192.0.2.1}]}\n";
	y += "      - {Name: simple8.bench.example., Type: A, TTL: 60, ResourceRecords: [";
	for (int i = 1; i <= 8; i++)
		y += std::string(i > 1 ? ", " : "") + "{Value: 192.0.2." + std::to_string(i) + "}";
	y += "]}\n";
	y += set("weighted", "SetIdentifier: a, Weight: 10", "192.0.2.11");
	y += set("weighted", "SetIdentifier: b, Weight: 20", "192.0.2.12");
	y += set("weighted", "SetIdentifier: c, Weight: 70", "192.0.2.13");
	y += set("weightedhc", "SetIdentifier: a, Weight: 10", "192.0.2.11", "hc1");
	y += set("weightedhc", "SetIdentifier: b, Weight: 20", "192.0.2.12", "hc2");
	y += set("weightedhc", "SetIdentifier: c, Weight: 70", "192.0.2.13", "hc3");
	y += set("failover", "SetIdentifier: p, Failover: PRIMARY", "192.0.2.21", "hc1");
	y += set("failover", "SetIdentifier: s, Failover: SECONDARY", "192.0.2.22", "hc2");
	for (int i = 1; i <= 10; i++)
		y += set("multivalue", ("SetIdentifier: m" + std::to_string(i) +
					", MultiValueAnswer: true").c_str(),
			 ("192.0.2." + std::to_string(30 + i)).c_str(), i <= 3 ? "hc1" : nullptr);
	y += set("geolocation", "SetIdentifier: wa, GeoLocation: {CountryCode: US, "
				"SubdivisionCode: WA}", "192.0.2.41", "hc1");
	y += set("geolocation", "SetIdentifier: us, GeoLocation: {CountryCode: US}", "192.0.2.42");
	y += set("geolocation", "SetIdentifier: eu, GeoLocation: {ContinentCode: EU}", "192.0.2.43");
	y += set("geolocation", "SetIdentifier: def, GeoLocation: {CountryCode: \"*\"}", "192.0.2.44");
	y += set("geoproximity", "SetIdentifier: use1, GeoProximityLocation: {AWSRegion: "
				 "us-east-1, Bias: 20}", "192.0.2.51", "hc1");
	y += set("geoproximity", "SetIdentifier: usw2, GeoProximityLocation: {AWSRegion: "
				 "us-west-2}", "192.0.2.52", "hc2");
	y += set("geoproximity", "SetIdentifier: euw1, GeoProximityLocation: {Coordinates: "
				 "{Latitude: \"53.35\", Longitude: \"-6.26\"}, Bias: -10}", "192.0.2.53");
	y += set("latency", "SetIdentifier: use1, Region: us-east-1", "192.0.2.61", "hc1");
	y += set("latency", "SetIdentifier: usw2, Region: us-west-2", "192.0.2.62", "hc2");
	y += set("latency", "SetIdentifier: euw1, Region: eu-west-1", "192.0.2.63");
	y += set("ipbased", "SetIdentifier: office, CidrRoutingConfig: {CollectionId: cc1, "
			    "LocationName: office}", "192.0.2.71", "hc1");
	y += set("ipbased", "SetIdentifier: lab, CidrRoutingConfig: {CollectionId: cc1, "
			    "LocationName: lab}", "192.0.2.72");
	y += set("ipbased", "SetIdentifier: def, CidrRoutingConfig: {CollectionId: cc1, "
			    "LocationName: \"*\"}", "192.0.2.73");
	// alias → weighted → failover, evaluating target health all the way
	y += set("pool", "SetIdentifier: p, Failover: PRIMARY", "192.0.2.81", "hc1");
	y += set("pool", "SetIdentifier: s, Failover: SECONDARY", "192.0.2.82", "hc2");
	y += "      - {Name: tree.bench.example., Type: A, SetIdentifier: a, Weight: 50, "
	     "AliasTarget: {HostedZoneId: ZBENCH, DNSName: pool.bench.example., "
	     "EvaluateTargetHealth: true}}\n";
	y += "      - {Name: tree.bench.example., Type: A, SetIdentifier: b, Weight: 50, "
	     "AliasTarget: {HostedZoneId: ZBENCH, DNSName: weighted.bench.example., "
	     "EvaluateTargetHealth: true}}\n";
	return y;
}

struct dnsp_snapshot *snapshot()
{
	static struct dnsp_snapshot *snap = [] {
		write_data();
		std::string yaml = config_text();
		struct dnsp_config *cfg = nullptr;
		struct dnsp_snapshot *s = nullptr;
		struct dnsp_errlist errs;
		dnsp_errlist_init(&errs);
		if (dnsp_config_load_string(yaml.c_str(), yaml.size(), "bench_route.yaml", dir, &cfg,
					    &errs) < 0 ||
		    dnsp_compile(cfg, 1, &s, &errs) < 0) {
			for (size_t i = 0; i < errs.n; i++)
				std::fprintf(stderr, "%s\n", errs.msgs[i]);
			bench_die("routing fixture does not load");
		}
		dnsp_errlist_fini(&errs);
		dnsp_config_destroy(cfg);
		return s;
	}();
	return snap;
}

// A resolver's query: one question, EDNS(0) with a 1232-byte buffer and
// ECS 198.51.100.0/24 (RFC 7871 §6).
std::vector<uint8_t> make_query(const char *name)
{
	std::vector<uint8_t> q = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
	for (const char *p = name; *p;) {
		const char *dot = std::strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : std::strlen(p);
		q.push_back((uint8_t)len);
		q.insert(q.end(), p, p + len);
		p += len + (dot ? 1 : 0);
	}
	const uint8_t tail[] = {0, 0, 1, 0, 1,                         // root, A, IN
				0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 11,  // OPT, rdlen 11
				0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100};   // ECS /24
	q.insert(q.end(), tail, tail + sizeof(tail));
	return q;
}

void run(benchmark::State &st, const char *label, int ancount)
{
	std::string qname = std::string(label) + ".bench.example";
	std::vector<uint8_t> query = make_query(qname.c_str());
	alignas(64) static uint8_t buf[4096];
	static struct dnsp_stats stats;
	static struct dnsp_worker_ctx wctx;
	struct dnsp_snapshot *snap = snapshot();
	struct dnsp_pkt pkt;

	dnsp_worker_ctx_init(&wctx, &stats, 0, 0x12345678);
	std::memset(&pkt, 0, sizeof(pkt));
	pkt.buf = buf;
	pkt.cap = 1232;
	pkt.family = 4;
	pkt.src_port = 40000;
	pkt.src[0] = 192;
	pkt.src[1] = 0;
	pkt.src[2] = 2;
	pkt.src[3] = 53;

	std::memcpy(buf, query.data(), query.size());
	pkt.len = (uint16_t)query.size();
	int rlen = dnsp_pipeline_process(snap, &pkt, &wctx);
	if (rlen < 12 || (buf[3] & 0x0f) != 0 || (buf[6] << 8 | buf[7]) != ancount) {
		char msg[160];
		std::snprintf(msg, sizeof(msg), "%s: reply len %d rcode %d ancount %d, want %d",
			      qname.c_str(), rlen, rlen >= 12 ? buf[3] & 0x0f : -1,
			      rlen >= 12 ? buf[6] << 8 | buf[7] : -1, ancount);
		st.SkipWithError(msg);
		return;
	}
	for (auto _ : st) {
		std::memcpy(buf, query.data(), query.size());
		pkt.len = (uint16_t)query.size();
		int n = dnsp_pipeline_process(snap, &pkt, &wctx);
		benchmark::DoNotOptimize(n);
		benchmark::ClobberMemory();
	}
	st.counters["reply_bytes"] = rlen;
}

void BM_Simple(benchmark::State &st) { run(st, "simple", 1); }
void BM_Simple8(benchmark::State &st) { run(st, "simple8", 8); }
void BM_Weighted(benchmark::State &st) { run(st, "weighted", 1); }
void BM_WeightedHealth(benchmark::State &st) { run(st, "weightedhc", 1); }
void BM_Failover(benchmark::State &st) { run(st, "failover", 1); }
void BM_Multivalue(benchmark::State &st) { run(st, "multivalue", 8); }
void BM_Geolocation(benchmark::State &st) { run(st, "geolocation", 1); }
void BM_Geoproximity(benchmark::State &st) { run(st, "geoproximity", 1); }
void BM_Latency(benchmark::State &st) { run(st, "latency", 1); }
void BM_IPBased(benchmark::State &st) { run(st, "ipbased", 1); }
void BM_AliasTreeETH(benchmark::State &st) { run(st, "tree", 1); }

BENCHMARK(BM_Simple)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Simple8)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Weighted)->Apply(bench_fixed_iterations);
BENCHMARK(BM_WeightedHealth)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Failover)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Multivalue)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Geolocation)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Geoproximity)->Apply(bench_fixed_iterations);
BENCHMARK(BM_Latency)->Apply(bench_fixed_iterations);
BENCHMARK(BM_IPBased)->Apply(bench_fixed_iterations);
BENCHMARK(BM_AliasTreeETH)->Apply(bench_fixed_iterations);

} // namespace
