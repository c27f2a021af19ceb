"""Integration test: the DNS Firewall through the real daemon (issue #5).

What it is for: every action and block response seen by real clients (dig
and dnspython), the matching semantics (exact, wildcard without its apex,
case), evaluation order across rule groups by association priority, the
walled garden of the guide (§7), which VPCs are subject to the firewall,
the fail modes (with the DNSPLANE_FIREWALL_FAULT test hook), the DGA
heuristic rule, domain files in the three formats, the domain-list verbs of
dnsplanectl (all or nothing), --check errors, counters across reloads, and
a generated 1,000,000-domain DomainFile that loads and blocks, the Profile's
FirewallFailOpen where the VPC sets none, and a CNAME target blocked in a
forwarded answer when a reload falls between the punt and the reply.
SEMANTICS §13 wins over the issue text on ALERT: the first matching rule,
ALERT included, ends inspection (rule alert_passes_the_query_and_ends_inspection).
Addresses: 127.0.47.1-4, ports 15470 (main), 15472 (fault), 15474 (1M list),
15476 (reload); control 127.0.47.1:18470 / 18471 / 18472 / 18473. The
reload daemon's FORWARD target is this script at 127.0.47.5:15477, its
outbound ENIs 127.0.47.6-7, its CIDR-classified client 127.0.47.9.
"""

import json
import os
import random
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.rrset  # noqa: E402

P = h.ports_for(47)
A, B, W, N = P["v4"], P["v4b"], P["v4c"], P["v4d"]   # vpc-a, vpc-b, vpc-walled, vpc-none
PORT, PORT_FAULT, PORT_BIG = P["port"], P["port"] + 2, P["port"] + 4
CTL = "127.0.47.1:18470"
CTL_FAULT = "127.0.47.1:18471"
CTL_BIG = "127.0.47.1:18472"
PORT_RELOAD, UP_PORT = P["port"] + 6, P["port"] + 7
CTL_RELOAD = "127.0.47.1:18473"
UPSTREAM, ENI1, ENI2, CIDR_CLIENT = "127.0.47.5", "127.0.47.6", "127.0.47.7", "127.0.47.9"
BIG_N = 1000000

ZONE = """hosted_zones:
  - Id: ZCORP
    Name: corp.example.
    Config: {PrivateZone: true}
    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}, {VPCRegion: us-east-1, VPCId: vpc-b},
           {VPCRegion: us-east-1, VPCId: vpc-walled}, {VPCRegion: us-east-1, VPCId: vpc-none}]
    ResourceRecordSets:
      - {Name: www.corp.example., Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.1}]}
      - {Name: evil.corp.example., Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.66}]}
      - {Name: alert.corp.example., Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.77}]}
      - {Name: walled.corp.example., Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.99}]}
      - {Name: v6only.corp.example., Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.6}]}
      - {Name: toevil.corp.example., Type: CNAME, TTL: 60,
         ResourceRecords: [{Value: evil.corp.example.}]}
"""

VPCS = """vpcs:
  - {VpcId: vpc-a, Cidrs: [198.18.1.0/24]}
  - {VpcId: vpc-b, Cidrs: [198.18.2.0/24]}
  - {VpcId: vpc-walled, Cidrs: [198.18.3.0/24]}
  - {VpcId: vpc-none, Cidrs: [198.18.4.0/24]}
"""


def listeners(port):
    return """listeners:
  - {address: %s, port: %d, role: resolver, vpc: vpc-a}
  - {address: %s, port: %d, role: resolver, vpc: vpc-b}
  - {address: %s, port: %d, role: resolver, vpc: vpc-walled}
  - {address: %s, port: %d, role: resolver, vpc: vpc-none}
""" % (A, port, B, port, W, port, N, port)


MAIN = """# test_firewall main
server: {workers: 2, control: {listen: "%(ctl)s"}, import_dir: imports}
%(listeners)s%(vpcs)s%(zone)s
firewall:
  domain_lists:
    - {Id: fdl-nx, Name: nx, Domains: [nx.corp.example, "*.nx.example"]}
    - {Id: fdl-nodata, Domains: [nodata.corp.example]}
    - {Id: fdl-override, Domains: [override.corp.example]}
    - {Id: fdl-alert, Domains: [alert.corp.example]}
    - {Id: fdl-evil, Domains: [evil.corp.example]}
    - {Id: fdl-v6, Domains: [v6only.corp.example]}
    - {Id: fdl-trusted, Domains: [corp.example, "*.corp.example"]}
    - {Id: fdl-all, Domains: ["*"]}
    - {Id: fdl-hosts, DomainFile: lists/hosts.txt}
    - {Id: fdl-rpz, DomainFile: lists/feed.rpz}
    - {Id: fdl-api, Domains: [api-a.example]}
  rule_groups:
    - Id: frg-main
      Name: main
      FirewallRules:
        - {Name: block-nx, Priority: 10, Action: BLOCK, FirewallDomainListId: fdl-nx,
           BlockResponse: NXDOMAIN}
        - {Name: block-nodata, Priority: 20, Action: BLOCK, FirewallDomainListId: fdl-nodata,
           BlockResponse: NODATA}
        - {Name: block-override, Priority: 30, Action: BLOCK,
           FirewallDomainListId: fdl-override, BlockResponse: OVERRIDE,
           BlockOverrideDomain: walled.corp.example, BlockOverrideDnsType: CNAME,
           BlockOverrideTtl: 30}
        - {Name: alert-first, Priority: 40, Action: ALERT, FirewallDomainListId: fdl-alert}
        - {Name: block-after-alert, Priority: 41, Action: BLOCK, FirewallDomainListId: fdl-alert,
           BlockResponse: NXDOMAIN}
        - {Name: block-aaaa, Priority: 50, Action: BLOCK, FirewallDomainListId: fdl-v6,
           BlockResponse: NXDOMAIN, Qtype: AAAA}
        - {Name: block-hosts, Priority: 60, Action: BLOCK, FirewallDomainListId: fdl-hosts,
           BlockResponse: NXDOMAIN}
        - {Name: block-rpz, Priority: 70, Action: BLOCK, FirewallDomainListId: fdl-rpz,
           BlockResponse: NXDOMAIN}
        - {Name: block-api, Priority: 80, Action: BLOCK, FirewallDomainListId: fdl-api,
           BlockResponse: NXDOMAIN}
        - {Name: block-dga, Priority: 90, Action: BLOCK, DnsThreatProtection: DGA,
           ConfidenceThreshold: HIGH, BlockResponse: NXDOMAIN}
    - Id: frg-allow
      FirewallRules:
        - {Name: allow-evil, Priority: 1, Action: ALLOW, FirewallDomainListId: fdl-evil}
    - Id: frg-block
      FirewallRules:
        - {Name: block-evil, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-evil,
           BlockResponse: NXDOMAIN}
    - Id: frg-walled
      Name: walled-garden
      FirewallRules:
        - {Name: block-all, Priority: 200, Action: BLOCK, FirewallDomainListId: fdl-all,
           BlockResponse: NXDOMAIN}
        - {Name: allow-trusted, Priority: 100, Action: ALLOW, FirewallDomainListId: fdl-trusted}
  rule_group_associations:
    - {FirewallRuleGroupId: frg-main, VpcId: vpc-a, Priority: 101}
    - {FirewallRuleGroupId: frg-block, VpcId: vpc-a, Priority: 300}
    - {FirewallRuleGroupId: frg-allow, VpcId: vpc-a, Priority: 200}
    - {FirewallRuleGroupId: frg-allow, VpcId: vpc-b, Priority: 500}
    - {FirewallRuleGroupId: frg-block, VpcId: vpc-b, Priority: 400}
    - {FirewallRuleGroupId: frg-walled, VpcId: vpc-walled, Priority: 101}
  configs:
    - {ResourceId: vpc-a, FirewallFailOpen: ENABLED}
""" % {"ctl": CTL, "listeners": listeners(PORT), "vpcs": VPCS, "zone": ZONE}

HOSTS = """# hosts-file feed
127.0.0.1 localhost
0.0.0.0 ads.hosts.example tracker.hosts.example
"""

RPZ = """$TTL 300
@ SOA localhost. root.localhost. 1 3600 600 86400 300
  NS localhost.
bad.rpz.example CNAME .
*.wild.rpz.example CNAME .
ok.rpz.example CNAME rpz-passthru.
"""

FAULT = """# test_firewall fault (run with DNSPLANE_FIREWALL_FAULT=1)
server: {workers: 1, control: {listen: "%(ctl)s"}}
%(listeners)s%(vpcs)s%(zone)s
firewall:
  domain_lists: [{Id: fdl-x, Domains: [evil.corp.example]}]
  rule_groups:
    - Id: frg-x
      FirewallRules:
        - {Name: block-x, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-x,
           BlockResponse: NXDOMAIN}
  rule_group_associations:
    - {FirewallRuleGroupId: frg-x, VpcId: vpc-a, Priority: 101}
    - {FirewallRuleGroupId: frg-x, VpcId: vpc-b, Priority: 101}
    - {FirewallRuleGroupId: frg-x, VpcId: vpc-walled, Priority: 101}
  configs:
    - {ResourceId: vpc-a, FirewallFailOpen: ENABLED}
    - {ResourceId: vpc-b, FirewallFailOpen: DISABLED}
profiles:
  - {Id: rp-open, Name: fail-open}
  - {Id: rp-local, Name: defers}
profile_associations:
  - {ProfileId: rp-open, ResourceId: vpc-walled, FirewallFailOpen: ENABLED}
  - {ProfileId: rp-open, ResourceId: vpc-b, FirewallFailOpen: ENABLED}
  - {ProfileId: rp-local, ResourceId: vpc-a, FirewallFailOpen: USE_LOCAL_RESOURCE_SETTING}
""" % {"ctl": CTL_FAULT, "listeners": listeners(PORT_FAULT), "vpcs": VPCS, "zone": ZONE}

BIG = """# test_firewall 1M list
server: {workers: 1, control: {listen: "%(ctl)s"}}
%(listeners)s%(vpcs)s%(zone)s
firewall:
  domain_lists: [{Id: fdl-big, Name: big, DomainFile: big.txt}]
  rule_groups:
    - Id: frg-big
      FirewallRules:
        - {Name: block-big, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-big,
           BlockResponse: NODATA}
  rule_group_associations:
    - {FirewallRuleGroupId: frg-big, VpcId: vpc-a, Priority: 101}
""" % {"ctl": CTL_BIG, "listeners": listeners(PORT_BIG), "vpcs": VPCS, "zone": ZONE}

# vpc-x is classified by the first listener's vpc: and, on the second, by
# the client's address (CIDR_CLIENT); vpc-new, when present, comes first and
# shifts vpc-x's index. The FORWARD target is this script (UPSTREAM).
RELOAD = """# test_firewall reload between punt and reply
server: {workers: 1, control: {listen: "%(ctl)s"}}
listeners:
  - {address: %(a)s, port: %(port)d, role: resolver, vpc: vpc-x}
  - {address: %(b)s, port: %(port)d, role: resolver}
vpcs:
%(extra)s  - {VpcId: vpc-x, Cidrs: [127.0.47.8/29]}
resolver:
  query_timeout_ms: 30000
  upstream_timeout_ms: 10000
  endpoints:
    - {Id: rslvr-out-x, Direction: OUTBOUND, VpcId: vpc-x,
       IpAddresses: [{Ip: %(eni1)s}, {Ip: %(eni2)s}]}
  rules:
    - {Id: rslvr-rr-fwd, RuleType: FORWARD, DomainName: fwd.example,
       ResolverEndpointId: rslvr-out-x, TargetIps: [{Ip: %(up)s, Port: %(up_port)d}]}
  rule_associations:
    - {ResolverRuleId: rslvr-rr-fwd, VPCId: vpc-x}
firewall:
  domain_lists: [{Id: fdl-bad, Domains: [bad.fwd.example]}]
  rule_groups:
    - Id: frg-bad
      FirewallRules:
        - {Name: block-bad, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-bad,
           BlockResponse: NXDOMAIN}
  rule_group_associations:
    - {FirewallRuleGroupId: frg-bad, VpcId: vpc-x, Priority: 101}
"""


def reload_config(shifted):
    return RELOAD % {"ctl": CTL_RELOAD, "a": A, "b": B, "port": PORT_RELOAD,
                     "eni1": ENI1, "eni2": ENI2, "up": UPSTREAM, "up_port": UP_PORT,
                     "extra": "  - {VpcId: vpc-new, Cidrs: [198.18.47.0/24]}\n"
                     if shifted else ""}


s = h.Suite("DNS Firewall (issue #5, SEMANTICS §13)")
d = None
dfault = None
dbig = None
dreload = None
reload_shifted = False
big_names = []


def q(addr, name, rtype="A", port=PORT, tcp=False):
    return h.query(addr, port, name, rtype, rd=True, tcp=tcp, timeout=3.0)


def a_values(r):
    return h.answer_values(r, "A")


def fw_series(daemon):
    """{(rule_group, rule, action): value} of dnsplane_firewall_matches_total."""
    out = {}
    for lab, v in daemon.metrics().get("dnsplane_firewall_matches_total", []):
        pairs = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', lab))
        out[(pairs.get("rule_group"), pairs.get("rule"), pairs.get("action"))] = v
    return out


def dig(addr, port, name, rtype="A"):
    p = subprocess.run(["dig", "@" + addr, "-p", str(port), name, rtype, "+time=2",
                        "+tries=1", "+norecurse"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0, "dig failed: %s%s" % (p.stdout, p.stderr)
    return p.stdout


# ---------------------------------------------------------------- actions

@s.rule
def block_nxdomain_answers_nxdomain_without_records():
    # SEMANTICS §13 BlockResponse NXDOMAIN; no SOA: the firewall is not authoritative
    r = h.expect(q(A, "nx.corp.example."), rcode="NXDOMAIN", answer=0)
    assert not r.section("authority"), "authority section not empty:\n%s" % r
    out = dig(A, PORT, "nx.corp.example")
    assert "status: NXDOMAIN" in out, out


@s.rule
def block_nodata_answers_noerror_without_records():
    # SEMANTICS §13 BlockResponse NODATA: "query was successful, but no response"
    r = h.expect(q(A, "nodata.corp.example."), rcode="NOERROR", answer=0)
    assert not r.section("authority"), "authority section not empty:\n%s" % r


@s.rule
def block_override_answers_a_cname_with_the_override_ttl():
    # SEMANTICS §13 OVERRIDE: CNAME to BlockOverrideDomain, BlockOverrideTtl; the target
    # is not chased (README: the client asks for it next, through the firewall)
    r = h.expect(q(A, "override.corp.example."), rcode="NOERROR", answer=1)
    rrs = r.rrs("answer")
    assert rrs == {("override.corp.example.", "CNAME", 30, "walled.corp.example.")}, rrs
    out = dig(A, PORT, "override.corp.example", "AAAA")
    assert re.search(r"override\.corp\.example\.\s+30\s+IN\s+CNAME\s+walled\.corp\.example\.",
                     out), out
    h.expect(q(A, "walled.corp.example."), rcode="NOERROR", answer=1)


@s.rule
def alert_passes_the_query_and_ends_inspection():
    # SEMANTICS §13 (wins over the issue text "ALERT ... continues"): ALERT lets the
    # query through and is the deciding rule: the BLOCK rule after it never sees it
    before = fw_series(d)
    r = h.expect(q(A, "alert.corp.example."), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.77"], r
    after = fw_series(d)
    k_alert = ("frg-main", "alert-first", "ALERT")
    k_block = ("frg-main", "block-after-alert", "BLOCK")
    assert after.get(k_alert, 0) == before.get(k_alert, 0) + 1, (before, after)
    assert after.get(k_block, 0) == before.get(k_block, 0), (before, after)


@s.rule
def allow_passes_the_query_to_the_private_zone():
    r = h.expect(q(A, "evil.corp.example."), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.66"], r


@s.rule
def qtype_filter_applies_the_rule_to_that_type_only():
    # SEMANTICS §13 Qtype
    h.expect(q(A, "v6only.corp.example.", "AAAA"), rcode="NXDOMAIN")
    r = h.expect(q(A, "v6only.corp.example.", "A"), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.6"], r


# ---------------------------------------------------------------- matching

@s.rule
def wildcard_matches_names_below_but_not_its_apex():
    # SPEC §3: "*.example.com" matches every name below it, not example.com itself
    for name in ("a.nx.example.", "deep.er.nx.example."):
        h.expect(q(A, name), rcode="NXDOMAIN", what=name)
    r = q(A, "nx.example.")
    assert r.rcode_text() != "NXDOMAIN", "the apex of *.nx.example was blocked\n%s" % r


@s.rule
def matching_is_case_insensitive():
    h.expect(q(A, "NX.Corp.EXAMPLE."), rcode="NXDOMAIN")
    h.expect(q(A, "X.Nx.Example."), rcode="NXDOMAIN")


@s.rule
def hosts_and_rpz_domain_files_block_their_entries():
    # SPEC §3: DomainFile is a domain list, a hosts file or an RPZ zone (detected)
    for name in ("ads.hosts.example.", "tracker.hosts.example.", "bad.rpz.example.",
                 "x.wild.rpz.example."):
        h.expect(q(A, name), rcode="NXDOMAIN", what=name)
    for name in ("localhost.", "ok.rpz.example.", "wild.rpz.example."):
        r = q(A, name)
        assert r.rcode_text() != "NXDOMAIN", "%s blocked\n%s" % (name, r)


@s.rule
def dga_rule_blocks_generated_names_only():
    # README "DNS Firewall": DnsThreatProtection DGA at HIGH confidence
    h.expect(q(A, "xjwqkzpvbnmtrd.com."), rcode="NXDOMAIN")
    r = h.expect(q(A, "www.corp.example."), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.1"], r


# ---------------------------------------------------------------- order and scope

@s.rule
def association_priority_orders_rule_groups():
    # SEMANTICS §13: vpc-a has frg-allow (200) before frg-block (300); vpc-b the reverse
    r = h.expect(q(A, "evil.corp.example."), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.66"], r
    h.expect(q(B, "evil.corp.example."), rcode="NXDOMAIN")


@s.rule
def walled_garden_allows_trusted_and_blocks_everything_else():
    # Guide §7: ALLOW trusted (priority 100), then BLOCK "*" (200), whatever the file order
    r = h.expect(q(W, "www.corp.example."), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.1"], r
    h.expect(q(W, "corp.example.", "SOA"), rcode="NOERROR", answer=1)
    for name in ("example.org.", "www.example.com.", "corp.example.evil."):
        h.expect(q(W, name), rcode="NXDOMAIN", what=name)


@s.rule
def cname_targets_are_inspected_with_the_vpc_order():
    # SEMANTICS §13 FirewallDomainRedirectionAction INSPECT_REDIRECTION_DOMAIN (the
    # default): the target of a private-zone CNAME goes through the VPC's rules. vpc-a
    # ALLOWs evil.corp.example before it BLOCKs it, vpc-b the reverse; the query name
    # toevil.corp.example is listed nowhere.
    r = h.expect(q(A, "toevil.corp.example."), rcode="NOERROR", answer=2)
    assert a_values(r) == ["10.0.0.66"], r
    before = fw_series(d)
    h.expect(q(B, "toevil.corp.example."), rcode="NXDOMAIN", answer=0)
    after = fw_series(d)
    k = ("frg-block", "block-evil", "BLOCK")
    assert after.get(k, 0) == before.get(k, 0) + 1, (before, after)
    r = h.expect(q(N, "toevil.corp.example."), rcode="NOERROR", answer=2)  # no firewall


@s.rule
def vpcs_without_association_are_not_inspected():
    # SEMANTICS §13: enforced only for VPCs with at least one rule-group association
    r = h.expect(q(N, "nx.corp.example."), rcode="NXDOMAIN")  # the private zone's own
    assert r.section("authority"), "expected the private zone's SOA\n%s" % r
    r = h.expect(q(N, "evil.corp.example."), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.66"], r


@s.rule
def firewall_runs_over_tcp_too():
    h.expect(q(A, "nx.corp.example.", tcp=True), rcode="NXDOMAIN")


# ---------------------------------------------------------------- metrics and reload

@s.rule
def metrics_count_matches_by_rule_group_rule_and_action():
    # SPEC §3: dnsplane_firewall_matches_total{rule_group,rule,action}
    before = fw_series(d)
    for _ in range(5):
        q(A, "nodata.corp.example.")
    after = fw_series(d)
    k = ("frg-main", "block-nodata", "BLOCK")
    assert after.get(k, 0) == before.get(k, 0) + 5, (before.get(k), after.get(k))


@s.rule
def counters_survive_a_reload():
    k = ("frg-main", "block-nx", "BLOCK")
    q(A, "nx.corp.example.")
    before = fw_series(d).get(k, 0)
    gen = d.generation()
    d.sighup()
    h.wait_until(lambda: d.generation() > gen, 20, what="reload")
    assert fw_series(d).get(k, 0) >= before, "counter went back after reload"
    q(A, "nx.corp.example.")
    assert fw_series(d).get(k, 0) == before + 1


# ---------------------------------------------------------------- dnsplanectl

@s.rule
def dnsplanectl_lists_domain_lists_and_domains():
    js = d.ctl_json("list-firewall-domain-lists")
    ids = {x["Id"] for x in js["FirewallDomainLists"]}
    assert {"fdl-nx", "fdl-hosts", "fdl-rpz"} <= ids, ids
    js = d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-nx")
    assert js == {"Domains": ["nx.corp.example", "*.nx.example"]}, js
    js = d.ctl_json("get-firewall-domain-list", "--firewall-domain-list-id", "fdl-hosts")
    assert js["FirewallDomainList"]["DomainCount"] == 2, js


@s.rule
def dnsplanectl_update_add_remove_replace_apply_at_once():
    # SEMANTICS §13: updates are ADD | REMOVE | REPLACE
    h.expect(q(A, "api-b.example."), rcode="SERVFAIL")  # no source, not blocked
    js = d.ctl_json("update-firewall-domains", "--firewall-domain-list-id", "fdl-api",
                    "--operation", "ADD", "--domains", "api-b.example,API-C.example.")
    assert js["DomainCount"] == 3 and js["Status"] == "COMPLETE", js
    h.expect(q(A, "api-b.example."), rcode="NXDOMAIN")
    h.expect(q(A, "api-c.example."), rcode="NXDOMAIN")
    d.ctl_json("update-firewall-domains", "--firewall-domain-list-id", "fdl-api",
               "--operation", "REMOVE", "--domains", "api-a.example")
    h.expect(q(A, "api-a.example."), rcode="SERVFAIL")
    listed = d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-api")
    assert listed["Domains"] == ["api-b.example", "api-c.example"], listed
    path = d.path("imports/import.txt")
    with open(path, "w") as f:
        f.write("# imported\napi-z.example\n*.api-wild.example\n")
    js = d.ctl_json("import-firewall-domains", "--firewall-domain-list-id", "fdl-api",
                    "--operation", "REPLACE", "--domain-file-url", "file://" + path)
    assert js["DomainCount"] == 2, js
    h.expect(q(A, "api-z.example."), rcode="NXDOMAIN")
    h.expect(q(A, "x.api-wild.example."), rcode="NXDOMAIN")
    h.expect(q(A, "api-b.example."), rcode="SERVFAIL")


@s.rule
def dnsplanectl_bad_domain_changes_nothing():
    before = d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-nx")
    gen = d.generation()
    p = d.ctl("update-firewall-domains", "--firewall-domain-list-id", "fdl-nx",
              "--operation", "ADD", "--domains", "fine.example,bad_one.example")
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "ValidationException" in p.stderr and "bad_one.example" in p.stderr, p.stderr
    assert d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-nx") == before
    assert d.generation() == gen, "a refused update published a snapshot"
    r = q(A, "fine.example.")
    assert r.rcode_text() != "NXDOMAIN", r
    path = d.path("imports/bad-import.txt")
    with open(path, "w") as f:
        f.write("ok.example\nnot ok\n")
    p = d.ctl("import-firewall-domains", "--firewall-domain-list-id", "fdl-nx",
              "--operation", "REPLACE", "--domain-file-url", "file://" + path)
    assert p.returncode == 1 and "bad-import.txt:2" in p.stderr, (p.stdout, p.stderr)
    p = d.ctl("list-firewall-domains", "--firewall-domain-list-id", "fdl-nope")
    assert p.returncode == 1 and "ResourceNotFoundException" in p.stderr, p.stderr


def import_url(daemon, list_id, url):
    """POSTs ImportFirewallDomains (REPLACE) with DomainFileUrl url; returns
    (HTTP status, parsed body)."""
    body = json.dumps({"Operation": "REPLACE", "DomainFileUrl": url}).encode()
    st, text = h.http_post(daemon.ctl_url + "/v1/firewall/domain-lists/%s/import" % list_id,
                           body)
    return st, json.loads(text)


@s.rule
def import_reads_only_files_inside_import_dir():
    # README server.import_dir: DomainFileUrl must resolve (after '..' and
    # symlinks) to a file inside it; anything else is a ValidationException
    # that changes neither the list nor the snapshot, whether or not the file
    # outside exists.
    outside = d.path("outside.txt")
    with open(outside, "w") as f:
        f.write("outside.example\n")
    link = d.path("imports/link-out.txt")
    if not os.path.lexists(link):
        os.symlink(outside, link)
    dirlink = d.path("imports/up")
    if not os.path.lexists(dirlink):
        os.symlink("..", dirlink)
    before = d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-nodata")
    gen = d.generation()
    for url, what in [
            ("file://" + d.path("imports/../outside.txt"), "'..' out of the folder"),
            ("file://" + link, "a symlink inside pointing outside"),
            ("file://" + d.path("imports/up/outside.txt"), "a symlinked folder pointing up"),
            ("file://" + outside, "a file outside"),
            ("file://" + d.path("imports/../nonexistent.txt"), "a missing file outside"),
            ("file://" + d.path("imports"), "the folder itself"),
            ("file:///etc/passwd", "a system file")]:
        st, js = import_url(d, "fdl-nodata", url)
        e = js.get("Error", {})
        assert st == 400 and e.get("Code") == "ValidationException", (what, st, js)
        assert "import_dir" in e.get("Message", ""), (what, js)
        assert "outside.example" not in json.dumps(js), (what, js)
    assert d.ctl_json("list-firewall-domains", "--firewall-domain-list-id",
                      "fdl-nodata") == before, "a refused import changed the list"
    assert d.generation() == gen, "a refused import published a snapshot"
    # inside the folder: by absolute path, through '..' that stays inside,
    # and through dnsplanectl with a path relative to its working folder
    st, js = import_url(d, "fdl-nodata", "file://" + d.path("imports/seed.txt"))
    assert st == 200 and js["DomainCount"] == 1, (st, js)
    assert d.ctl_json("list-firewall-domains", "--firewall-domain-list-id",
                      "fdl-nodata") == {"Domains": ["seed.example"]}
    with open(d.path("imports/two.txt"), "w") as f:
        f.write("seed.example\nseed2.example\n")
    st, js = import_url(d, "fdl-nodata", "file://" + d.path("imports/up/imports/two.txt"))
    assert st == 200 and js["DomainCount"] == 2, (st, js)
    with open(d.path("imports/restore.txt"), "w") as f:
        f.write("\n".join(before["Domains"]) + "\n")
    js = d.ctl_json("import-firewall-domains", "--firewall-domain-list-id", "fdl-nodata",
                    "--operation", "REPLACE", "--domain-file-url", "file://imports/restore.txt")
    assert js["DomainCount"] == len(before["Domains"]), js
    assert d.ctl_json("list-firewall-domains", "--firewall-domain-list-id",
                      "fdl-nodata") == before, "the list did not come back"
    h.expect(q(A, "nodata.corp.example."), rcode="NOERROR", answer=0)
    # a missing file inside the folder is named as such
    st, js = import_url(d, "fdl-nodata", "file://" + d.path("imports/missing.txt"))
    assert st == 400 and "No such file" in js["Error"]["Message"], (st, js)
    # a FIFO inside the folder is refused at once, not waited on
    os.mkfifo(d.path("imports/fifo"))
    st, js = import_url(d, "fdl-nodata", "file://" + d.path("imports/fifo"))
    assert st == 400 and "regular file" in js["Error"]["Message"], (st, js)


@s.rule
def import_without_import_dir_is_refused():
    # README server.import_dir: unset, the API reads no files at all
    path = dfault.path("list.txt")
    with open(path, "w") as f:
        f.write("other.example\n")
    st, js = import_url(dfault, "fdl-x", "file://" + path)
    e = js.get("Error", {})
    assert st == 400 and e.get("Code") == "ValidationException", (st, js)
    assert "server.import_dir" in e.get("Message", ""), js
    js = dfault.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-x")
    assert js == {"Domains": ["evil.corp.example"]}, js


@s.rule
def import_refusal_quoting_a_cut_non_ascii_path_is_still_a_validation_error():
    # SPEC §3 bad input gets a clear error: the refusal quotes the path cut
    # to 300 bytes; cut inside a UTF-8 character it must still be the 400
    # ValidationException with its JSON body, not a 500
    for pad in ("", "x"):
        url = "file:///" + pad + "\u00e9" * 200 + "/list.txt"
        st, js = import_url(d, "fdl-nodata", url)
        e = js.get("Error", {})
        assert st == 400 and e.get("Code") == "ValidationException", (pad, st, js)
        assert "import_dir" in e.get("Message", ""), (pad, js)


# ---------------------------------------------------------------- --check

@s.rule
def check_reports_firewall_errors_with_file_line_and_key():
    # SPEC §3: errors name FILE:LINE: KEY; dangling ids, bad domain entries (with the
    # domain file's own line), BLOCK without BlockResponse
    cfg = d.path("bad.yaml")
    with open(d.path("bad-list.txt"), "w") as f:
        f.write("good.example\nbad!.example\n")
    with open(cfg, "w") as f:
        f.write("listeners: [{address: 127.0.47.1, port: 15479, role: resolver, vpc: v}]\n"
                "vpcs: [{VpcId: v, Cidrs: [198.18.9.0/24]}]\n"
                "firewall:\n"
                "  domain_lists:\n"
                "    - {Id: l1, DomainFile: bad-list.txt}\n"
                "  rule_groups:\n"
                "    - Id: g1\n"
                "      FirewallRules:\n"
                "        - {Name: r1, Priority: 1, Action: BLOCK, FirewallDomainListId: nope}\n"
                "  rule_group_associations:\n"
                "    - {FirewallRuleGroupId: g1, VpcId: v, Priority: 50}\n")
    p = subprocess.run([h.DNSPLANED, "--check", "-c", cfg], capture_output=True, text=True,
                       timeout=30)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    for want in ("bad-list.txt:2: firewall.domain_lists[0].DomainFile: list l1: 'bad!.example'",
                 "bad.yaml:9: firewall.rule_groups[0].FirewallRules[0].FirewallDomainListId:",
                 "bad.yaml:9: firewall.rule_groups[0].FirewallRules[0].BlockResponse:",
                 "bad.yaml:11: firewall.rule_group_associations[0].Priority:"):
        assert want in out, "missing %r in:\n%s" % (want, out)


# ---------------------------------------------------------------- fail modes

@s.rule
def cannot_evaluate_fails_closed_by_default_and_open_when_enabled():
    # SEMANTICS §13: SERVFAIL without a verdict unless FirewallFailOpen is ENABLED;
    # VPCs without an association are not affected
    h.expect(q(B, "www.corp.example.", port=PORT_FAULT), rcode="SERVFAIL")
    r = h.expect(q(A, "evil.corp.example.", port=PORT_FAULT), rcode="NOERROR", answer=1)
    assert a_values(r) == ["10.0.0.66"], r
    r = h.expect(q(N, "www.corp.example.", port=PORT_FAULT), rcode="NOERROR", answer=1)
    fails = {}
    for lab, v in dfault.metrics().get("dnsplane_firewall_failures_total", []):
        fails[re.search(r'mode="(\w+)"', lab).group(1)] = v
    assert fails.get("open", 0) >= 1 and fails.get("closed", 0) >= 1, fails


@s.rule
def profile_fail_mode_applies_where_the_vpc_sets_none():
    # SEMANTICS §12: a Profile can manage FirewallFailOpen or leave it to the
    # VPC; as with DnssecValidation (SPEC §3 "VPCs"), the Profile's value
    # applies where the VPC's own firewall config sets none.
    # vpc-walled: no own setting, its Profile ENABLED -> fail open.
    # vpc-b: its own DISABLED is kept over its Profile's ENABLED -> closed.
    # vpc-a: the Profile defers (USE_LOCAL_RESOURCE_SETTING) -> its own ENABLED.
    r = h.expect(q(W, "www.corp.example.", port=PORT_FAULT), rcode="NOERROR", answer=1,
                 what="profile ENABLED, VPC unset")
    assert a_values(r) == ["10.0.0.1"], r
    h.expect(q(B, "www.corp.example.", port=PORT_FAULT), rcode="SERVFAIL",
             what="VPC DISABLED kept over profile ENABLED")
    r = h.expect(q(A, "www.corp.example.", port=PORT_FAULT), rcode="NOERROR", answer=1,
                 what="profile defers to VPC ENABLED")
    assert a_values(r) == ["10.0.0.1"], r


# ---------------------------------------------------------------- reload between punt and reply

def blocked_target_after_reload_between_punt_and_reply(listen, client_src, qname):
    """Sends qname (a FORWARD rule's name) from client_src to the reload
    daemon's listener `listen`; this script is the upstream: it takes the
    forwarded query (so the worker punted under the current generation),
    reloads dnsplaned with vpc-x at another index, waits until /metrics shows
    the new generation, and only then answers qname CNAME bad.fwd.example, A.
    The client must get vpc-x's block response for the target."""
    global reload_shifted
    k = ("frg-bad", "block-bad", "BLOCK")
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        up.bind((UPSTREAM, UP_PORT))
        cli.bind((client_src, 0))
        gen = dreload.generation()
        blocks = fw_series(dreload).get(k, 0)
        query = h.make_query(qname, "A", rd=True)
        cli.sendto(query.to_wire(), (listen, PORT_RELOAD))
        up.settimeout(20.0)
        try:
            pending = [up.recvfrom(4096)]
        except socket.timeout:
            raise AssertionError("the forwarded query never reached the upstream") from None
        reload_shifted = not reload_shifted
        dreload.write_files(config=reload_config(reload_shifted))
        dreload.sighup()
        h.wait_until(lambda: dreload.generation() > gen, 20, what="the reload")
        up.setblocking(False)
        while True:  # retransmissions, if any: answer each
            try:
                pending.append(up.recvfrom(4096))
            except BlockingIOError:
                break
        for data, peer in pending:
            fq = dns.message.from_wire(data)
            resp = dns.message.make_response(fq)
            resp.flags |= dns.flags.RA
            name = fq.question[0].name
            resp.answer.append(dns.rrset.from_text(name, 60, "IN", "CNAME", "bad.fwd.example."))
            resp.answer.append(dns.rrset.from_text("bad.fwd.example.", 60, "IN", "A",
                                                   "192.0.2.66"))
            up.sendto(resp.to_wire(), peer)
        cli.settimeout(20.0)
        try:
            wire, _ = cli.recvfrom(65535)
        except socket.timeout:
            raise AssertionError("no reply to the client") from None
        r = h.Reply(wire)
        assert r.id == query.id, r
        h.expect(r, rcode="NXDOMAIN", answer=0, what="CNAME target bad.fwd.example")
        assert fw_series(dreload).get(k, 0) == blocks + 1, "block-bad was not counted"
    finally:
        up.close()
        cli.close()


@s.rule
def chain_target_blocked_when_a_reload_falls_between_punt_and_reply_fixed_vpc():
    # SEMANTICS §13 INSPECT_REDIRECTION_DOMAIN: the slow path's answer is inspected
    # by the client's VPC in the new snapshot (the listener names vpc-x)
    blocked_target_after_reload_between_punt_and_reply(A, "127.0.0.1", "go1.fwd.example.")


@s.rule
def chain_target_blocked_when_a_reload_falls_between_punt_and_reply_by_cidr():
    # SPEC §3 "Which VPC a query belongs to": on a listener without vpc:, the
    # client address finds vpc-x again in the new snapshot
    blocked_target_after_reload_between_punt_and_reply(B, CIDR_CLIENT, "go2.fwd.example.")


# ---------------------------------------------------------------- 1M list

@s.rule
def million_domain_file_loads_and_blocks():
    # issue #5: a generated 1,000,000-domain DomainFile loads and blocks correctly
    rnd = random.Random(5)
    for name in [big_names[0], big_names[-1]] + rnd.sample(big_names, 40):
        probe = name[2:] if name.startswith("*.") else name
        if name.startswith("*."):
            probe = "sub." + probe
        r = h.expect(q(A, probe + ".", port=PORT_BIG), rcode="NOERROR", answer=0,
                     what="listed %s" % name)
        assert not r.section("authority"), r
    for name in ("zz-not-listed.threat.example.", "www.corp.example."):
        r = q(A, name, port=PORT_BIG)
        assert not (r.rcode_text() == "NOERROR" and not r.section("answer")), \
            "%s was blocked\n%s" % (name, r)
    js = dbig.ctl_json("get-firewall-domain-list", "--firewall-domain-list-id", "fdl-big")
    assert js["FirewallDomainList"]["DomainCount"] == BIG_N, js


def big_list():
    """1,000,000 distinct entries, one in 50 a wildcard, mixed case."""
    rnd = random.Random(1)
    names = []
    for i in range(BIG_N):
        label = "%s%06d" % ("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)), i)
        base = "%s.d%d.threat.example" % (label, i % 997)
        names.append("*." + base if i % 50 == 0 else base)
    return names


def main():
    global d, dfault, dbig, dreload, big_names
    if not os.path.exists(h.DNSPLANED):
        h.skip("dnsplaned not built")
    err = None
    try:
        d = h.Daemon(MAIN, files={"lists/hosts.txt": HOSTS, "lists/feed.rpz": RPZ,
                                  "imports/seed.txt": "seed.example\n"},
                     probe=(A, PORT, "www.corp.example.", "A"),
                     ctl_url="http://" + CTL, name="fw-main")
        d.start()
        os.environ["DNSPLANE_FIREWALL_FAULT"] = "1"
        try:
            dfault = h.Daemon(FAULT, probe=(N, PORT_FAULT, "www.corp.example.", "A"),
                              ctl_url="http://" + CTL_FAULT, name="fw-fault")
            dfault.start()
        finally:
            del os.environ["DNSPLANE_FIREWALL_FAULT"]
        dreload = h.Daemon(reload_config(False),
                           probe=(A, PORT_RELOAD, "probe.example.", "A"),
                           ctl_url="http://" + CTL_RELOAD, name="fw-reload")
        dreload.start()
        big_names = big_list()
        text = "# generated threat feed\n" + "\n".join(
            n.upper() if i % 7 == 0 else n for i, n in enumerate(big_names)) + "\n"
        dbig = h.Daemon(BIG, files={"big.txt": text},
                        probe=(N, PORT_BIG, "www.corp.example.", "A"),
                        ctl_url="http://" + CTL_BIG, name="fw-big")
        t0 = time.monotonic()
        dbig.start(ready_timeout=120.0)
        print("# 1M-domain list: ready in %.1f s, RSS %d MiB"
              % (time.monotonic() - t0, dbig.rss_kb() // 1024))
    except AssertionError as e:
        err = str(e)
    s.run_rules(setup_error=err)
    s.finish([d, dfault, dbig, dreload])


if __name__ == "__main__":
    main()
