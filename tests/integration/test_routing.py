"""Integration test: routing policies through the daemon (SEMANTICS §1-9).

What it is for: one dnsplaned serves a public zone with a set of every
routing policy, a small GeoLite2-style CSV geo database, a latency table, a
CIDR collection and health checks (an HTTP check against an endpoint this
test starts and stops, and API-set checks flipped through the control API),
and real DNS queries with and without EDNS Client Subnet check that:

* weighted answers follow weight/sum (chi-square over 3,000 queries at
  p = 0.001, so the check is not flaky), weight 0 is never answered while a
  nonzero weight exists, and all-zero weights answer every set;
* failover follows the HTTP endpoint's health within bounded time, and an
  API-set status flip changes the answer at the next query;
* multivalue answers at most eight distinct records, only healthy ones;
* geolocation picks subdivision > country > continent > "*" by the ECS
  address, answers NODATA without a default, and echoes the matched scope;
* the geoproximity boundary moves with Bias;
* IP-based routing takes the longest matching block of the collection;
* latency picks the lowest-RTT Region of the table, else the nearest one;
* an alias with EvaluateTargetHealth skips a branch whose failover records
  are all unhealthy (alias → weighted → failover);
* weighted answers carry ECS scope 0, location answers the matched prefix;
* ECS with source prefix 0, and any ECS to a private zone, leave the
  decision to the packet's source address with scope 0;
* `dnsplanectl test-dns-answer` returns what the data plane answers;
* routed sets added by change-resource-record-sets answer and list back;
* every routing configuration error names file, line and key (--check).
Addresses: DNS 127.0.37.1 port 15370 (public) and 127.0.37.3 port 15370 (a
VPC resolver listener), control 127.0.37.1:18370, the health endpoint
127.0.37.2:15371.
"""

import http.server
import json
import os
import re
import socketserver
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.edns  # noqa: E402

P = h.ports_for(37)
ADDR, PORT = P["v4"], P["port"]
HC_ADDR, HC_PORT = "127.0.37.2", 15371
VPC_ADDR = "127.0.37.3"      # resolver listener of vpc-r (private zone priv.test.)
ZONE = "route.test."
WAIT = 10.0

GEO_LOCATIONS = """geoname_id,locale_code,continent_code,continent_name,country_iso_code,\
country_name,subdivision_1_iso_code,subdivision_1_name,city_name
5809844,en,NA,North America,US,United States,WA,Washington,Seattle
6252001,en,NA,North America,US,United States,,,
2921044,en,EU,Europe,DE,Germany,,,
1850147,en,AS,Asia,JP,Japan,,,Tokyo
2400553,en,AF,Africa,GA,Gabon,,,
"""

GEO_BLOCKS = """network,geoname_id,registered_country_geoname_id,\
represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider,postal_code,\
latitude,longitude,accuracy_radius
198.51.100.0/24,5809844,6252001,,0,0,98101,47.6062,-122.3321,20
198.51.101.0/24,6252001,6252001,,0,0,,37.751,-97.822,1000
203.0.113.0/24,2921044,2921044,,0,0,,51.2993,9.491,500
192.0.2.0/24,1850147,1850147,,0,0,,35.6895,139.6917,50
100.64.1.0/24,2400553,2400553,,0,0,,0.0,0.0,10
100.64.2.0/24,2400553,2400553,,0,0,,0.0,4.0,10
100.64.3.0/24,2400553,2400553,,0,0,,0.0,6.0,10
"""

LATENCY = """# cidr,region,rtt_ms
cidr,region,rtt_ms
198.51.100.0/24,us-east-1,80
198.51.100.0/24,eu-west-1,20
198.51.100.0/24,ap-northeast-1,150
"""


def rr(name, extra, value, hc=None):
    s = "      - {Name: %s.%s, Type: A, TTL: 30, %s" % (name, ZONE, extra)
    if hc:
        s += ", HealthCheckId: %s" % hc
    return s + ", ResourceRecords: [{Value: %s}]}\n" % value


def alias(name, extra, target):
    return ("      - {Name: %s.%s, Type: A, %s, AliasTarget: {HostedZoneId: ZR, "
            "DNSName: %s.%s, EvaluateTargetHealth: true}}\n" % (name, ZONE, extra, target, ZONE))


def api_check(hid):
    return ("  - {Id: %s, HealthCheckConfig: {Type: CLOUDWATCH_METRIC, AlarmIdentifier: "
            "{Region: us-east-1, Name: %s}, InsufficientDataHealthStatus: Healthy}}\n" % (hid, hid))


def config():
    y = """# test_routing
server:
  workers: 2
  control: {listen: "%(ctl)s"}
  geo_db: geo/GeoLite2-City-Blocks-IPv4.csv
  latency_db: latency.csv
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
  - {address: %(vpc_addr)s, port: %(port)d, role: resolver, vpc: vpc-r}
vpcs:
  - {VpcId: vpc-r, Cidrs: [127.0.37.0/24]}
health_checks:
  - Id: hc-web
    IntervalMs: 100
    TimeoutMs: 500
    HealthCheckConfig: {Type: HTTP, IPAddress: %(hc_addr)s, Port: %(hc_port)d,
                        ResourcePath: /health, RequestInterval: 10, FailureThreshold: 1}
""" % {"ctl": P["ctl"], "addr": ADDR, "port": PORT, "hc_addr": HC_ADDR, "hc_port": HC_PORT,
       "vpc_addr": VPC_ADDR}
    for hid in ("hc-a", "hc-b", "hc-c", "hc-d"):
        y += api_check(hid)
    y += """cidr_collections:
  - Id: cc1
    Name: corp
    Locations:
      - {LocationName: corp, CidrList: [10.0.0.0/8]}
      - {LocationName: lab, CidrList: [10.1.0.0/16]}
hosted_zones:
  - Id: ZR
    Name: %s
    Config: {PrivateZone: false}
    ResourceRecordSets:
      - {Name: simple.%s, Type: A, TTL: 30, ResourceRecords: [{Value: 192.0.2.250}]}
""" % (ZONE, ZONE)
    y += rr("w", "SetIdentifier: one, Weight: 1", "192.0.2.11")
    y += rr("w", "SetIdentifier: two, Weight: 2", "192.0.2.12")
    y += rr("w", "SetIdentifier: seven, Weight: 7", "192.0.2.13")
    y += rr("wz", "SetIdentifier: zero, Weight: 0", "192.0.2.14")
    y += rr("wz", "SetIdentifier: one, Weight: 1", "192.0.2.15")
    y += rr("wa", "SetIdentifier: a, Weight: 0", "192.0.2.16")
    y += rr("wa", "SetIdentifier: b, Weight: 0", "192.0.2.17")
    y += rr("f", "SetIdentifier: p, Failover: PRIMARY", "192.0.2.21", "hc-web")
    y += rr("f", "SetIdentifier: s, Failover: SECONDARY", "192.0.2.22")
    y += rr("fa", "SetIdentifier: p, Failover: PRIMARY", "192.0.2.23", "hc-d")
    y += rr("fa", "SetIdentifier: s, Failover: SECONDARY", "192.0.2.24")
    for i in range(1, 13):
        y += rr("m", "SetIdentifier: m%d, MultiValueAnswer: true" % i, "192.0.2.%d" % (100 + i),
                "hc-c" if i == 1 else None)
    y += rr("g", "SetIdentifier: wa, GeoLocation: {CountryCode: US, SubdivisionCode: WA}",
            "192.0.2.31")
    y += rr("g", "SetIdentifier: us, GeoLocation: {CountryCode: US}", "192.0.2.32")
    y += rr("g", "SetIdentifier: eu, GeoLocation: {ContinentCode: EU}", "192.0.2.33")
    y += rr("g", "SetIdentifier: def, GeoLocation: {CountryCode: \"*\"}", "192.0.2.39")
    y += rr("gnd", "SetIdentifier: us, GeoLocation: {CountryCode: US}", "192.0.2.34")
    for name, bias in (("gp", 0), ("gpb", 50)):
        y += rr(name, "SetIdentifier: a, GeoProximityLocation: {Coordinates: {Latitude: \"0\", "
                "Longitude: \"0\"}}", "192.0.2.41")
        y += rr(name, "SetIdentifier: b, GeoProximityLocation: {Coordinates: {Latitude: \"0\", "
                "Longitude: \"10\"}, Bias: %d}" % bias, "192.0.2.42")
    y += rr("ip", "SetIdentifier: corp, CidrRoutingConfig: {CollectionId: cc1, "
            "LocationName: corp}", "192.0.2.51")
    y += rr("ip", "SetIdentifier: lab, CidrRoutingConfig: {CollectionId: cc1, "
            "LocationName: lab}", "192.0.2.52")
    y += rr("ip", "SetIdentifier: def, CidrRoutingConfig: {CollectionId: cc1, "
            "LocationName: \"*\"}", "192.0.2.59")
    y += rr("lat", "SetIdentifier: use1, Region: us-east-1", "192.0.2.61")
    y += rr("lat", "SetIdentifier: apne1, Region: ap-northeast-1", "192.0.2.62")
    y += rr("lat", "SetIdentifier: euw1, Region: eu-west-1", "192.0.2.63")
    y += rr("pool-a", "SetIdentifier: p, Failover: PRIMARY", "192.0.2.71", "hc-a")
    y += rr("pool-a", "SetIdentifier: s, Failover: SECONDARY", "192.0.2.72", "hc-b")
    y += "      - {Name: pool-b.%s, Type: A, TTL: 30, ResourceRecords: [{Value: 192.0.2.73}]}\n" % ZONE
    y += alias("tree", "SetIdentifier: a, Weight: 1", "pool-a")
    y += alias("tree", "SetIdentifier: b, Weight: 1", "pool-b")
    y += """  - Id: ZP
    Name: priv.test.
    Config: {PrivateZone: true}
    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-r}]
    ResourceRecordSets:
      - {Name: g.priv.test., Type: A, TTL: 30, SetIdentifier: us, GeoLocation: {CountryCode: US},
         ResourceRecords: [{Value: 192.0.2.91}]}
      - {Name: g.priv.test., Type: A, TTL: 30, SetIdentifier: def, GeoLocation: {CountryCode: "*"},
         ResourceRecords: [{Value: 192.0.2.92}]}
"""
    return y


s = h.Suite("routing policies through the daemon")
d = None


# ---------------------------------------------------------------- helpers

class Endpoint:
    """The HTTP health endpoint: 200 on /health while up; stop() closes it."""

    def __init__(self):
        self.httpd = None

    def start(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "3")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"ok\n")

        socketserver.TCPServer.allow_reuse_address = True
        self.httpd = socketserver.ThreadingTCPServer((HC_ADDR, HC_PORT), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


endpoint = Endpoint()


def ask(label, ecs=None, prefix=24):
    """Answer values (sorted) and the reply for label.route.test A, with ECS
    ecs/prefix when given."""
    opts = [dns.edns.ECSOption(ecs, prefix)] if ecs else None
    r = h.query(ADDR, PORT, "%s.%s" % (label, ZONE), "A", options=opts)
    h.expect(r, rcode="NOERROR", aa=True, what=label)
    return h.answer_values(r, "A"), r


def one(label, ecs=None, prefix=24):
    vals, _ = ask(label, ecs, prefix)
    assert len(vals) == 1, "%s: %d answers, expected 1: %s" % (label, len(vals), vals)
    return vals[0]


def scope(r):
    for o in r.msg.options:
        if isinstance(o, dns.edns.ECSOption):
            return o.scopelen
    raise AssertionError("reply has no ECS option:\n%s" % r)


def set_status(hid, status):
    st, body = h.http_post("%s/v1/healthcheck/%s/status" % (P["ctl_url"], hid),
                           json.dumps({"Status": status}).encode())
    assert st == 200, "setting %s to %s: HTTP %d %s" % (hid, status, st, body)


def counts(label, n):
    c = {}
    for _ in range(n):
        v = one(label)
        c[v] = c.get(v, 0) + 1
    return c


# ---------------------------------------------------------------- rules

@s.rule
def weighted_answers_follow_weight_over_sum():
    n = 3000
    c = counts("w", n)
    want = {"192.0.2.11": 0.1, "192.0.2.12": 0.2, "192.0.2.13": 0.7}
    assert set(c) <= set(want), "unexpected answers %s" % c
    chi = sum((c.get(v, 0) - n * p) ** 2 / (n * p) for v, p in want.items())
    # 2 degrees of freedom, p = 0.001
    assert chi < 13.82, "chi-square %.2f ≥ 13.82 for counts %s" % (chi, c)


@s.rule
def weight_zero_is_never_answered():
    c = counts("wz", 200)
    assert c == {"192.0.2.15": 200}, c


@s.rule
def all_zero_weights_answer_every_set():
    c = counts("wa", 400)
    assert set(c) == {"192.0.2.16", "192.0.2.17"} and min(c.values()) > 120, c


@s.rule
def weighted_answer_has_ecs_scope_zero():
    _, r = ask("w", ecs="198.51.100.0")
    assert scope(r) == 0, "scope %d" % scope(r)


@s.rule
def failover_follows_the_health_endpoint():
    h.wait_until(lambda: one("f") == "192.0.2.21", WAIT, what="primary while the endpoint is up")
    endpoint.stop()
    h.wait_until(lambda: one("f") == "192.0.2.22", WAIT, what="secondary once the endpoint is down")
    endpoint.start()
    h.wait_until(lambda: one("f") == "192.0.2.21", WAIT, what="primary again after recovery")


@s.rule
def failover_follows_an_api_set_status_at_the_next_query():
    assert one("fa") == "192.0.2.23"
    set_status("hc-d", "Unhealthy")
    try:
        assert one("fa") == "192.0.2.24"
    finally:
        set_status("hc-d", "Healthy")
    assert one("fa") == "192.0.2.23"


@s.rule
def multivalue_answers_at_most_eight_healthy_records():
    seen = set()
    for _ in range(60):
        vals, _ = ask("m")
        assert len(vals) == 8 and len(set(vals)) == 8, vals
        seen |= set(vals)
    assert len(seen) == 12, "only %d of 12 sets ever answered" % len(seen)
    set_status("hc-c", "Unhealthy")
    try:
        for _ in range(40):
            vals, _ = ask("m")
            assert "192.0.2.101" not in vals, "unhealthy set answered: %s" % vals
    finally:
        set_status("hc-c", "Healthy")


@s.rule
def geolocation_most_specific_location_wins_by_ecs():
    assert one("g", "198.51.100.0") == "192.0.2.31"    # US-WA
    assert one("g", "198.51.101.0") == "192.0.2.32"    # US, no state
    assert one("g", "203.0.113.0") == "192.0.2.33"     # DE → EU
    assert one("g", "192.0.2.0") == "192.0.2.39"       # JP → "*"
    assert one("g", "8.8.8.0") == "192.0.2.39"         # unknown → "*"
    _, r = ask("g", ecs="198.51.100.0")
    assert scope(r) == 24, "scope %d" % scope(r)


@s.rule
def geolocation_without_match_or_default_is_nodata():
    vals, r = ask("gnd", ecs="192.0.2.0")
    assert vals == [], vals
    assert r.nscount == 1, "no SOA in authority:\n%s" % r
    assert one("gnd", "198.51.101.0") == "192.0.2.34"


@s.rule
def geoproximity_boundary_moves_with_bias():
    assert one("gp", "100.64.2.0") == "192.0.2.41"     # 4° from a, 6° from b
    assert one("gpb", "100.64.2.0") == "192.0.2.42"    # b's +50 bias: 3° < 4°
    assert one("gpb", "100.64.1.0") == "192.0.2.41"    # at a itself
    assert one("gp", "100.64.3.0") == "192.0.2.42"     # 6° from a, 4° from b


@s.rule
def ip_based_routing_takes_the_longest_block():
    _, r = ask("ip", ecs="10.1.2.0")
    assert h.answer_values(r, "A") == ["192.0.2.52"] and scope(r) == 16, r
    _, r = ask("ip", ecs="10.2.0.0")
    assert h.answer_values(r, "A") == ["192.0.2.51"] and scope(r) == 8, r
    assert one("ip", "10.1.0.0", 12) == "192.0.2.51"   # /12 query: the /16 does not match
    assert one("ip", "192.0.2.0") == "192.0.2.59"


@s.rule
def latency_picks_the_lowest_rtt_region_else_the_nearest():
    assert one("lat", "198.51.100.0") == "192.0.2.63"  # eu-west-1 20 ms
    assert one("lat", "192.0.2.0") == "192.0.2.62"     # Tokyo, not in the table


@s.rule
def alias_evaluate_target_health_skips_an_unhealthy_branch():
    c = counts("tree", 200)
    assert set(c) == {"192.0.2.71", "192.0.2.73"}, c
    set_status("hc-a", "Unhealthy")
    try:
        c = counts("tree", 200)
        assert set(c) == {"192.0.2.72", "192.0.2.73"}, c   # the secondary carries pool-a
        set_status("hc-b", "Unhealthy")
        c = counts("tree", 100)
        assert c == {"192.0.2.73": 100}, c
    finally:
        set_status("hc-a", "Healthy")
        set_status("hc-b", "Healthy")


@s.rule
def simple_answer_has_ecs_scope_zero():
    _, r = ask("simple", ecs="198.51.100.0")
    assert scope(r) == 0


@s.rule
def ecs_source_prefix_zero_locates_the_resolver_with_scope_zero():
    # RFC 7871 §7.1.2: /0 carries no client information; the packet source
    # (127.0.37.x, in no table) decides, and the answer is for everyone.
    vals, r = ask("g", ecs="0.0.0.0", prefix=0)
    assert vals == ["192.0.2.39"] and scope(r) == 0, r


@s.rule
def private_zone_ignores_ecs():
    # SEMANTICS §5: ECS does not apply to private hosted zones.
    r = h.query(VPC_ADDR, PORT, "g.priv.test.", "A",
                options=[dns.edns.ECSOption("198.51.101.0", 24)])
    h.expect(r, rcode="NOERROR", what="private zone")
    assert h.answer_values(r, "A") == ["192.0.2.92"] and scope(r) == 0, r


@s.rule
def test_dns_answer_returns_what_the_data_plane_answers():
    js = d.ctl_json("test-dns-answer", "--hosted-zone-id", "ZR", "--record-name",
                    "g." + ZONE, "--record-type", "A", "--resolver-ip", "192.0.2.53",
                    "--edns0-client-subnet-ip", "203.0.113.7", "--edns0-client-subnet-mask", "24")
    assert js.get("RecordData") == ["192.0.2.33"], js
    assert js.get("ResponseCode") == "NOERROR" and js.get("Protocol") == "UDP", js
    assert js.get("RecordType") == "A" and js.get("Nameserver"), js
    js = d.ctl_json("test-dns-answer", "--hosted-zone-id", "ZR", "--record-name",
                    "g." + ZONE, "--record-type", "A", "--resolver-ip", "198.51.101.9")
    assert js.get("RecordData") == ["192.0.2.32"], js      # resolver address located
    js = d.ctl_json("test-dns-answer", "--hosted-zone-id", "ZR", "--record-name",
                    "nope." + ZONE, "--record-type", "A")
    assert js.get("ResponseCode") == "NXDOMAIN" and js.get("RecordData") == [], js
    p = d.ctl("test-dns-answer", "--hosted-zone-id", "ZNOPE", "--record-name", "x.", "--record-type", "A")
    assert p.returncode != 0 and "NoSuchHostedZone" in (p.stdout + p.stderr), p


@s.rule
def routed_sets_added_by_a_change_batch_answer():
    sets = [{"Name": "cb." + ZONE, "Type": "A", "TTL": 30, "SetIdentifier": sid, "Weight": w,
             "ResourceRecords": [{"Value": v}]}
            for sid, w, v in (("a", 1, "192.0.2.81"), ("b", 0, "192.0.2.82"))]
    path = d.path("batch-routed.json")
    with open(path, "w") as f:
        json.dump({"Changes": [{"Action": "UPSERT", "ResourceRecordSet": r} for r in sets]}, f)
    p = d.ctl("change-resource-record-sets", "--hosted-zone-id", "ZR", "--change-batch",
              "file://" + path)
    assert p.returncode == 0, p.stdout + p.stderr
    h.wait_until(lambda: one("cb") == "192.0.2.81", WAIT, what="the weighted set to answer")
    assert counts("cb", 50) == {"192.0.2.81": 50}
    js = d.ctl_json("list-resource-record-sets", "--hosted-zone-id", "ZR")
    listed = [r for r in js["ResourceRecordSets"] if r["Name"] == "cb." + ZONE]
    assert sorted((r.get("SetIdentifier"), r.get("Weight")) for r in listed) == \
        [("a", 1), ("b", 0)], listed


# ---------------------------------------------------------------- --check errors

BASE = """server: {workers: 1, control: {listen: "127.0.37.1:18379"}}
listeners:
  - {address: 127.0.37.1, port: 15379, role: public}
vpcs:
  - {VpcId: vpc-r, Cidrs: [127.0.37.0/24]}
cidr_collections:
  - {Id: cc1, Name: corp, Locations: [{LocationName: corp, CidrList: [10.0.0.0/8]}]}
hosted_zones:
  - Id: ZC
    Name: check.test.
    Config: {PrivateZone: %(private)s}
%(vpcs)s    ResourceRecordSets:
      - {Name: ok.check.test., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}
%(sets)s"""


def check_error(sets, key, private=False, what=None):
    """--check on BASE with sets added: the first line of sets (marked by its
    position) must be named with key."""
    text = BASE % {"private": "true" if private else "false",
                   "vpcs": "    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-r}]\n" if private else "",
                   "sets": sets}
    path = d.path("check-%d.yaml" % abs(hash(sets)))
    with open(path, "w") as f:
        f.write(text)
    bad = text.count("\n", 0, text.index(sets)) + 1
    p = subprocess.run([h.DNSPLANED, "--check", "-c", path], capture_output=True, text=True,
                       timeout=30)
    out = p.stdout + p.stderr
    lines = range(bad, bad + sets.count("\n") + 1)
    pat = re.compile(r"^%s:(%s): (\S*%s): " % (re.escape(path), "|".join(map(str, lines)),
                                               re.escape(key)), re.M)
    assert p.returncode != 0 and pat.search(out), \
        "%s: wanted '%s:<%d..>: ...%s: message'; exit %d, output:\n%s" % (
            what or key, path, bad, key, p.returncode, out)


def S(extra, name="x", value="192.0.2.9"):
    return "      - {Name: %s.check.test., Type: A, TTL: 60, %s, ResourceRecords: [{Value: %s}]}\n" % (
        name, extra, value)


@s.rule
def config_errors_name_file_line_and_key():
    check_error(S("Weight: 5"), "SetIdentifier", what="weighted set without SetIdentifier")
    check_error(S("SetIdentifier: a, Weight: 1") + S("SetIdentifier: b, Failover: PRIMARY"),
                "", what="mixed policies in one name and type")
    check_error(S("SetIdentifier: a, Weight: 256"), "Weight", what="weight above 255")
    check_error(S("SetIdentifier: a, Weight: -1"), "Weight", what="negative weight")
    check_error(S("SetIdentifier: a, GeoProximityLocation: {AWSRegion: us-east-1, Bias: 100}"),
                "Bias", what="bias above 99")
    check_error(S("SetIdentifier: a, GeoProximityLocation: {AWSRegion: us-east-1, Bias: -100}"),
                "Bias", what="bias below -99")
    check_error(S("SetIdentifier: a, Region: mars-north-1"), "Region", what="unknown Region")
    check_error(S("SetIdentifier: a, GeoProximityLocation: {AWSRegion: mars-north-1}"),
                "AWSRegion", what="unknown geoproximity Region")
    check_error(S("SetIdentifier: a, GeoLocation: {SubdivisionCode: WA}"), "SubdivisionCode",
                what="subdivision without CountryCode US")
    check_error(S("SetIdentifier: a, GeoLocation: {ContinentCode: EU, CountryCode: DE}"),
                "ContinentCode", what="continent with country")
    check_error(S("SetIdentifier: a, Failover: PRIMARY") + S("SetIdentifier: b, Failover: PRIMARY"),
                "Failover", what="two PRIMARY sets")
    check_error(S("SetIdentifier: a, Weight: 1") + S("SetIdentifier: a, Weight: 2", value="192.0.2.8"),
                "SetIdentifier", what="duplicate SetIdentifier")
    check_error(S("SetIdentifier: a, CidrRoutingConfig: {CollectionId: nope, LocationName: corp}"),
                "CollectionId", what="unknown CIDR collection")
    check_error(S("SetIdentifier: a, CidrRoutingConfig: {CollectionId: cc1, LocationName: corp}"),
                "CidrRoutingConfig", private=True, what="IP-based routing in a private zone")
    check_error("      - {Name: fa.check.test., Type: A, SetIdentifier: p, Failover: PRIMARY, "
                "AliasTarget: {HostedZoneId: ZC, DNSName: ok.check.test., "
                "EvaluateTargetHealth: false}}\n", "EvaluateTargetHealth",
                what="failover alias without EvaluateTargetHealth")
    check_error(S("SetIdentifier: a, Weight: 1, HealthCheckId: hc-missing"), "HealthCheckId",
                what="undefined health check")


def main():
    global d
    if not os.path.exists(h.DNSPLANECTL):
        h.skip("dnsplanectl not built at %s" % h.DNSPLANECTL)
    d = h.Daemon(config=config(), files={
        "geo/GeoLite2-City-Locations-en.csv": GEO_LOCATIONS,
        "geo/GeoLite2-City-Blocks-IPv4.csv": GEO_BLOCKS,
        "latency.csv": LATENCY,
    }, probe=(ADDR, PORT, ZONE, "SOA"), ctl_url=P["ctl_url"], name="routing")
    e = None
    try:
        endpoint.start()
        d.start()
    except (AssertionError, OSError) as ex:
        e = str(ex)
    try:
        s.run_rules(setup_error=e)
    finally:
        endpoint.stop()
    s.finish([d])


if __name__ == "__main__":
    main()
