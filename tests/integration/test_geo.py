"""Integration test: location data through the daemon (SPEC §3 geo_db and
latency_db; SEMANTICS §5-8, §15).

What it is for: one dnsplaned loads a MaxMind DB that the test writes at
start with libmaxmind-db-writer-perl (tests/fixtures/geo/gen_mmdb.pl, the
same fixture the unit tests use), a latency table and a CIDR collection, and
serves a zone with geolocation, geoproximity, latency and IP-based sets plus
a Traffic Flow policy instance. Real queries with EDNS Client Subnet check:

* geolocation precedence subdivision > country > continent > "*" with the
  location read from the MaxMind DB (IPv4 and IPv6 ECS), Route 53's own
  continent lists (a country the database files under another continent),
  a country-less network, NODATA without a default, the matched ECS scope;
* the geoproximity boundary moves with Bias (either sign), with Region and
  LocalZoneGroup coordinates from the built-in tables;
* latency takes the longest matching prefix of the table, then the lowest
  RTT; a client outside the table goes to the nearest Region by distance;
  a reload with a changed table changes the answer;
* IP-based routing takes the longest block no longer than the ECS prefix;
* a traffic policy instance answers like its rules (geo → failover driven
  by an API-set health status; default location; the instance's TTL);
* bad geo_db / latency_db files and bad traffic policy documents are
  rejected by --check with file, line and key.
Addresses: DNS 127.0.41.1 port 15410, control 127.0.41.1:18410.
"""

import json
import math
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.edns  # noqa: E402

P = h.ports_for(41)
ADDR, PORT = P["v4"], P["port"]
ZONE = "geo.test."
GEN = os.path.join(h.SRCROOT, "tests", "fixtures", "geo", "gen_mmdb.pl")

LATENCY = """# test_geo latency table: client prefix -> Region -> RTT
cidr,region,rtt_ms
198.18.0.0/15,us-east-1,50
198.18.0.0/15,eu-west-1,90
198.18.3.0/24,eu-west-1,10
198.18.3.0/24,us-east-1,100
2001:db8::/32,ap-northeast-1,5
"""

# the same table, with 198.18.0.0/15 now closer to eu-west-1
LATENCY2 = LATENCY.replace("198.18.0.0/15,eu-west-1,90", "198.18.0.0/15,eu-west-1,20")

TP_DOC = {
    "AWSPolicyFormatVersion": "2015-10-01",
    "RecordType": "A",
    "StartRule": "by-geo",
    "Endpoints": {
        "us1": {"Type": "value", "Value": "192.0.2.71"},
        "us2": {"Type": "value", "Value": "192.0.2.72"},
        "eu": {"Type": "value", "Value": "192.0.2.73"},
        "rest": {"Type": "value", "Value": "192.0.2.79"},
    },
    "Rules": {
        "by-geo": {"RuleType": "geo", "Locations": [
            {"RuleReference": "us-failover", "Country": "US"},
            {"EndpointReference": "eu", "Continent": "EU"},
            {"EndpointReference": "rest", "IsDefault": True},
        ]},
        "us-failover": {"RuleType": "failover",
                        "Primary": {"EndpointReference": "us1", "HealthCheck": "hc-tf"},
                        "Secondary": {"EndpointReference": "us2"}},
    },
}


def rr(name, extra, value):
    return ("      - {Name: %s.%s, Type: A, TTL: 30, %s, ResourceRecords: [{Value: %s}]}\n"
            % (name, ZONE, extra, value))


def config():
    y = """# test_geo
server:
  workers: 2
  control: {listen: "%(ctl)s"}
  geo_db: geo/city.mmdb
  latency_db: latency.csv
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
health_checks:
  - {Id: hc-tf, HealthCheckConfig: {Type: CLOUDWATCH_METRIC, AlarmIdentifier: {Region: us-east-1,
     Name: hc-tf}, InsufficientDataHealthStatus: Healthy}}
cidr_collections:
  - Id: cc-geo
    Name: geo
    Locations:
      - {LocationName: wide, CidrList: [198.18.0.0/15, "2001:db8::/32"]}
      - {LocationName: narrow, CidrList: [198.18.2.0/24, "2001:db8:1::/48"]}
traffic_policies:
  - Id: tp-geo
    Name: geo then failover
    Document: '%(doc)s'
traffic_policy_instances:
  - {Id: tpi-1, HostedZoneId: ZG, Name: tf.%(zone)s, TTL: 45, TrafficPolicyId: tp-geo,
     TrafficPolicyVersion: 1}
hosted_zones:
  - Id: ZG
    Name: %(zone)s
    Config: {PrivateZone: false}
    ResourceRecordSets:
""" % {"ctl": P["ctl"], "addr": ADDR, "port": PORT, "zone": ZONE, "doc": json.dumps(TP_DOC)}
    y += rr("g", "SetIdentifier: wa, GeoLocation: {CountryCode: US, SubdivisionCode: WA}",
            "192.0.2.31")
    y += rr("g", "SetIdentifier: us, GeoLocation: {CountryCode: US}", "192.0.2.32")
    y += rr("g", "SetIdentifier: eu, GeoLocation: {ContinentCode: EU}", "192.0.2.33")
    y += rr("g", "SetIdentifier: def, GeoLocation: {CountryCode: \"*\"}", "192.0.2.39")
    y += rr("gnd", "SetIdentifier: us, GeoLocation: {CountryCode: US}", "192.0.2.34")
    for name, bias_a, bias_b in (("gp", 0, 0), ("gpa", 30, 0), ("gpb", 0, -30)):
        y += rr(name, "SetIdentifier: a, GeoProximityLocation: {AWSRegion: us-east-1, Bias: %d}"
                % bias_a, "192.0.2.41")
        y += rr(name, "SetIdentifier: b, GeoProximityLocation: {AWSRegion: eu-west-1, Bias: %d}"
                % bias_b, "192.0.2.42")
    y += rr("gpl", "SetIdentifier: bos, GeoProximityLocation: {LocalZoneGroup: us-east-1-bos-1}",
            "192.0.2.43")
    y += rr("gpl", "SetIdentifier: mia, GeoProximityLocation: {LocalZoneGroup: us-east-1-mia-1}",
            "192.0.2.44")
    y += rr("lat", "SetIdentifier: use1, Region: us-east-1", "192.0.2.61")
    y += rr("lat", "SetIdentifier: euw1, Region: eu-west-1", "192.0.2.62")
    y += rr("lat", "SetIdentifier: apne1, Region: ap-northeast-1", "192.0.2.63")
    y += rr("ip", "SetIdentifier: wide, CidrRoutingConfig: {CollectionId: cc-geo, "
            "LocationName: wide}", "192.0.2.51")
    y += rr("ip", "SetIdentifier: narrow, CidrRoutingConfig: {CollectionId: cc-geo, "
            "LocationName: narrow}", "192.0.2.52")
    y += rr("ip", "SetIdentifier: def, CidrRoutingConfig: {CollectionId: cc-geo, "
            "LocationName: \"*\"}", "192.0.2.59")
    return y


s = h.Suite("location data (MaxMind DB, latency table, CIDR collections, Traffic Flow)")
d = None


def ask(label, ecs=None, prefix=24):
    opts = [dns.edns.ECSOption(ecs, prefix)] if ecs else None
    r = h.query(ADDR, PORT, "%s.%s" % (label, ZONE), "A", options=opts)
    h.expect(r, rcode="NOERROR", aa=True, what=label)
    return h.answer_values(r, "A"), r


def one(label, ecs=None, prefix=24):
    vals, _ = ask(label, ecs, prefix)
    assert len(vals) == 1, "%s (ECS %s/%s): %d answers, expected 1: %s" % (
        label, ecs, prefix, len(vals), vals)
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


def km(lat1, lon1, lat2, lon2):
    """Haversine, mean Earth radius 6371 km (as lib/regions.c)."""
    p = math.pi / 180
    a = (math.sin((lat2 - lat1) * p / 2) ** 2 +
         math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def biased(dist, bias):
    """SEMANTICS §6."""
    return dist * (1 - bias / 100.0) if bias >= 0 else dist / (1 + bias / 100.0)


# ---------------------------------------------------------------- rules

@s.rule
def geolocation_precedence_from_the_maxmind_db():
    assert one("g", "192.0.2.0") == "192.0.2.31"        # US-WA: the subdivision
    assert one("g", "198.51.100.0") == "192.0.2.32"     # US without a state: the country
    assert one("g", "198.18.1.0") == "192.0.2.32"       # US-MA has no set: the country
    assert one("g", "203.0.113.0") == "192.0.2.33"      # DE: the continent EU
    assert one("g", "10.0.0.0", 8) == "192.0.2.39"      # BR: nothing for SA → "*"
    assert one("g", "233.252.0.0") == "192.0.2.39"      # continent AF only → "*"
    assert one("g", "8.8.8.0") == "192.0.2.39"          # not in the database → "*"
    assert one("g") == "192.0.2.39"                     # source 127.0.41.x, unknown → "*"


@s.rule
def geolocation_uses_route53_continents_and_registered_country():
    # RU is filed under AS in the fixture database; Route 53 lists it in Europe
    assert one("g", "100.65.0.0", 16) == "192.0.2.33"
    # a network with only registered_country JP: Asia, no set → "*"
    assert one("g", "100.64.0.0", 16) == "192.0.2.39"


@s.rule
def geolocation_with_ipv6_ecs():
    assert one("g", "2001:db8:5::", 48) == "192.0.2.33"   # FR → EU
    assert one("g", "2001:db8:1::", 48) == "192.0.2.39"   # AU → "*"


@s.rule
def geolocation_scope_is_the_matched_network():
    _, r = ask("g", "203.0.113.200", 32)                 # GB network is a /25
    assert scope(r) == 25, "scope %d" % scope(r)
    _, r = ask("g", "192.0.2.0", 24)
    assert scope(r) == 24, "scope %d" % scope(r)


@s.rule
def geolocation_without_match_or_default_is_nodata():
    vals, r = ask("gnd", "203.0.113.0")
    assert vals == [] and r.nscount == 1, r
    assert one("gnd", "192.0.2.0") == "192.0.2.34"


@s.rule
def geoproximity_boundary_moves_with_bias():
    use1, euw1 = (39.04, -77.49), (53.35, -6.26)
    mid = (48.0, -40.0)                                    # 198.18.2.0/24 in the fixture
    da, db = km(*mid, *use1), km(*mid, *euw1)
    assert db < da < biased(db, -30) and biased(da, 30) < db, (da, db)   # the fixture's premise
    assert one("gp", "198.18.2.0") == "192.0.2.42"       # unbiased: eu-west-1 is nearer
    assert one("gpa", "198.18.2.0") == "192.0.2.41"      # +30 on us-east-1 pulls it west
    assert one("gpb", "198.18.2.0") == "192.0.2.41"      # -30 on eu-west-1 pushes it west
    for name in ("gp", "gpa", "gpb"):                    # far from the boundary: unchanged
        assert one(name, "198.18.1.0") == "192.0.2.41", name
        assert one(name, "198.18.3.0") == "192.0.2.42", name


@s.rule
def geoproximity_local_zone_groups_use_their_coordinates():
    assert one("gpl", "198.18.1.0") == "192.0.2.43"      # (40, -70): Boston is nearer
    assert one("gpl", "10.0.0.0", 8) == "192.0.2.44"     # Sao Paulo: Miami is nearer


@s.rule
def latency_longest_prefix_then_lowest_rtt():
    assert one("lat", "198.18.1.0") == "192.0.2.61"      # /15 row: us-east-1 50 < 90
    assert one("lat", "198.18.3.0") == "192.0.2.62"      # /24 row: eu-west-1 10
    assert one("lat", "2001:db8:7::", 48) == "192.0.2.63"
    _, r = ask("lat", "198.18.3.0")
    assert scope(r) == 24, "scope %d" % scope(r)


@s.rule
def latency_outside_the_table_takes_the_nearest_region():
    assert one("lat", "203.0.113.0") == "192.0.2.62"     # Frankfurt → Dublin
    assert one("lat", "192.0.2.0") == "192.0.2.61"       # Seattle → N. Virginia


@s.rule
def ip_based_longest_block_no_longer_than_the_query():
    _, r = ask("ip", "198.18.2.0", 24)
    assert h.answer_values(r, "A") == ["192.0.2.52"] and scope(r) == 24, r
    _, r = ask("ip", "198.18.1.0", 24)
    assert h.answer_values(r, "A") == ["192.0.2.51"] and scope(r) == 15, r
    assert one("ip", "198.18.2.0", 20) == "192.0.2.51"   # /20 query: the /24 does not apply
    assert one("ip", "198.18.0.0", 14) == "192.0.2.59"   # shorter than every block: "*"
    assert one("ip", "2001:db8:1::", 56) == "192.0.2.52"
    assert one("ip", "2001:db8:1::", 40) == "192.0.2.51"
    assert one("ip", "192.0.2.0") == "192.0.2.59"


@s.rule
def traffic_policy_instance_answers_like_its_rules():
    vals, r = ask("tf", "192.0.2.0")
    assert vals == ["192.0.2.71"], vals                  # US → failover primary
    assert r.section("answer")[0].ttl == 45, r           # the instance's TTL
    assert scope(r) == 24, "scope %d" % scope(r)
    assert one("tf", "203.0.113.0") == "192.0.2.73"      # EU
    assert one("tf", "100.64.0.0", 16) == "192.0.2.79"   # JP → the default location
    set_status("hc-tf", "Unhealthy")
    try:
        assert one("tf", "192.0.2.0") == "192.0.2.72"    # the secondary, at the next query
    finally:
        set_status("hc-tf", "Healthy")
    assert one("tf", "192.0.2.0") == "192.0.2.71"


@s.rule
def reload_picks_up_a_changed_latency_table():
    assert one("lat", "198.18.1.0") == "192.0.2.61"
    gen = d.generation()
    d.write_files(files={"latency.csv": LATENCY2})
    p = d.ctl("reload")
    assert p.returncode == 0, "reload: %s %s" % (p.stdout, p.stderr)
    h.wait_until(lambda: d.generation() > gen, 10.0, what="a new snapshot generation")
    assert one("lat", "198.18.1.0") == "192.0.2.62"      # eu-west-1 now 20 < 50
    d.write_files(files={"latency.csv": LATENCY})


# ---------------------------------------------------------------- --check errors

CHECK_BASE = """server:
  control: {listen: "127.0.41.1:18419"}
%(server)slisteners:
  - {address: 127.0.41.1, port: 15419, role: public}
hosted_zones:
  - {Id: ZC, Name: check.test., ResourceRecordSets: [{Name: www.check.test., Type: A, TTL: 60,
     ResourceRecords: [{Value: 192.0.2.1}]}]}
%(extra)s"""


def check(name, server="", extra="", files=None):
    """Runs --check on a config named name; returns (exit status, output, path)."""
    for rel, text in (files or {}).items():
        with open(d.path(rel), "w") as f:
            f.write(text)
    path = d.path(name)
    with open(path, "w") as f:
        f.write(CHECK_BASE % {"server": server, "extra": extra})
    p = subprocess.run([h.DNSPLANED, "--check", "-c", path], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout + p.stderr, path


def want(rc, out, pattern):
    assert rc != 0 and re.search(pattern, out, re.M), "wanted /%s/; exit %d:\n%s" % (
        pattern, rc, out)


@s.rule
def bad_latency_file_names_its_line():
    rc, out, _ = check("c1.yaml", "  latency_db: bad-latency.csv\n",
                       files={"bad-latency.csv": "cidr,region,rtt_ms\n10.0.0.0/8,us-east-1,5\n"
                              "10.0.0.0/33,us-east-1,5\n10.0.0.0/8,mars-1,5\n"})
    want(rc, out, r"bad-latency\.csv:3: server\.latency_db: cidr: ")
    want(rc, out, r"bad-latency\.csv:4: server\.latency_db: region: ")


@s.rule
def bad_geo_db_is_reported_at_the_config_line():
    rc, out, path = check("c2.yaml", "  geo_db: junk.mmdb\n", files={"junk.mmdb": "not a db\n"})
    want(rc, out, r"^%s:3: server\.geo_db: cannot open .*junk\.mmdb" % re.escape(path))
    rc, out, path = check("c3.yaml", "  geo_db: X-Blocks-IPv4.csv\n",
                          files={"X-Blocks-IPv4.csv": "network,geoname_id\n10.0.0.0/8,1\n"})
    want(rc, out, r"^%s:3: server\.geo_db: .*X-Locations-en\.csv" % re.escape(path))


@s.rule
def bad_traffic_policy_documents_name_file_line_and_key():
    doc = dict(TP_DOC)
    doc["Rules"] = {"by-geo": {"RuleType": "geo", "Locations": [
        {"EndpointReference": "nope", "Country": "US"}]}}
    rc, out, path = check("c4.yaml", extra="traffic_policies:\n  - Id: tp\n    Name: x\n"
                          "    Document: '%s'\n" % json.dumps(doc))
    want(rc, out, r"^%s:11: traffic_policies\[0\]\.Document\.Rules\.by-geo\.Locations\[0\]"
         r"\.EndpointReference: no endpoint \"nope\"" % re.escape(path))
    rc, out, path = check("c5.yaml", extra="traffic_policies:\n  - Id: tp\n    Name: x\n"
                          "    Document: '%s'\ntraffic_policy_instances:\n  - {Id: i, "
                          "HostedZoneId: ZC, Name: www.check.test., TTL: 5, TrafficPolicyId: tp, "
                          "TrafficPolicyVersion: 1}\n" % json.dumps(TP_DOC).replace("hc-tf", "hc-x"))
    want(rc, out, r"^%s:11: traffic_policies\[0\]\.Document\.Rules\.us-failover\.HealthCheck: "
         % re.escape(path))
    want(rc, out, r"^%s:13: traffic_policy_instances\[0\]\.Name: .*already exists"
         % re.escape(path))


def main():
    global d
    if not os.path.exists(h.DNSPLANECTL):
        h.skip("dnsplanectl not built at %s" % h.DNSPLANECTL)
    d = h.Daemon(config=config(), files={"latency.csv": LATENCY},
                 probe=(ADDR, PORT, ZONE, "SOA"), ctl_url=P["ctl_url"], name="geo")
    os.makedirs(d.path("geo"), exist_ok=True)
    p = subprocess.run(["perl", GEN, d.path("geo/city.mmdb"), "6"], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        d.cleanup()
        h.skip("cannot write the MaxMind DB fixture (libmaxmind-db-writer-perl): %s"
               % p.stderr.strip())
    e = None
    try:
        d.start()
    except (AssertionError, OSError) as ex:
        e = str(ex)
    s.run_rules(setup_error=e)
    s.finish([d])


if __name__ == "__main__":
    main()
