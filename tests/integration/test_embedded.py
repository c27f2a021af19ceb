"""Integration test: the embedded default configuration (SPEC §3).

What it is for: `dnsplaned` with no -c must serve, on loopback port 5300, a
public example.com on 127.0.0.1 and ::1, the vpc-demo resolver on 127.0.0.2
with a private example.com (split horizon), and the control API on
127.0.0.1:8053. The checks use real clients (dig, kdig) where the rule is
"it works with the tools operators use", and dnspython elsewhere. The zone
contents are discovered through dnsplanectl (list-hosted-zones /
list-resource-record-sets) so the test does not hard-code the demo data.
Needs the fixed ports: registered is_parallel: false.
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.name  # noqa: E402
import dns.rdata  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402

PUB, PUB6, RES, PORT = "127.0.0.1", "::1", "127.0.0.2", 5300
CTL = "http://127.0.0.1:8053"

s = h.Suite("embedded default configuration (SPEC §3 Embedded default)")
d = None
zones = {}   # "public"/"private" -> list of ResourceRecordSets (or None)


def run_client(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=15)
    return p.returncode, p.stdout + p.stderr


def parse_client_output(out):
    """Extracts (status, flags set, answer count) from dig or kdig output."""
    m = re.search(r"status:\s*([A-Z]+)", out)
    f = re.search(r"flags:\s*([a-z ]*);", out, re.IGNORECASE)
    a = re.search(r"ANSWER:\s*(\d+)", out)
    if not (m and f and a):
        raise AssertionError("could not parse client output:\n" + out)
    return m.group(1), set(f.group(1).split()), int(a.group(1))


def client_query(tool, server, qname, qtype, tcp=False, v6=False):
    if tool == "dig":
        cmd = ["dig", "@" + server, "-p", str(PORT), qname, qtype, "+time=2", "+tries=1"]
        if tcp:
            cmd.append("+tcp")
        if v6:
            cmd.insert(1, "-6")
    else:
        cmd = ["kdig", "@" + server, "-p", str(PORT), qname, qtype, "+time=2", "+retry=0"]
        if tcp:
            cmd.append("+tcp")
        if v6:
            cmd.insert(1, "-6")
    rc, out = run_client(cmd)
    if rc != 0:
        raise AssertionError("%s exited %d:\n%s" % (" ".join(cmd), rc, out))
    return parse_client_output(out), out


def expect_client_soa(tool, server, tcp=False, v6=False):
    (status, flags, an), out = client_query(tool, server, "example.com", "SOA", tcp=tcp, v6=v6)
    if status != "NOERROR" or "aa" not in flags or an < 1:
        raise AssertionError("%s example.com SOA via %s%s: status %s flags %s answers %d\n%s"
                             % (tool, server, " +tcp" if tcp else "", status, sorted(flags),
                                an, out))


def norm_values(rtype, values, origin):
    out = set()
    for v in values:
        try:
            rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), v,
                                     origin=dns.name.from_text(origin), relativize=False)
            out.add(rd.to_text())
        except Exception:  # noqa: BLE001
            out.add(v)
    return out


def discover_zones():
    """Fills zones["public"/"private"] for example.com via dnsplanectl."""
    hz = d.ctl_json("list-hosted-zones").get("HostedZones")
    assert isinstance(hz, list), "list-hosted-zones has no HostedZones list"
    for z in hz:
        if z.get("Name", "").lower().rstrip(".") != "example.com":
            continue
        kind = "private" if z.get("Config", {}).get("PrivateZone") else "public"
        zid = z["Id"].split("/")[-1]
        rr = d.ctl_json("list-resource-record-sets", "--hosted-zone-id", zid)
        zones[kind] = rr.get("ResourceRecordSets", [])
    assert zones.get("public") is not None and zones.get("private") is not None, \
        "did not find a public and a private example.com in %r" % hz


def simple_sets(kind):
    """{(name lower, type): values} of simple, non-alias record sets."""
    if not zones:
        discover_zones()
    out = {}
    for rs in zones.get(kind) or []:
        if "AliasTarget" in rs or "SetIdentifier" in rs:
            continue
        key = (rs["Name"].lower().replace("\\052", "*"), rs["Type"])
        out[key] = norm_values(rs["Type"], [x["Value"] for x in rs.get("ResourceRecords", [])],
                               "example.com.")
    return out


@s.rule
def public_listener_serves_example_com_over_udp_and_tcp_with_dig():
    expect_client_soa("dig", PUB)
    expect_client_soa("dig", PUB, tcp=True)


@s.rule
def public_listener_serves_example_com_over_udp_and_tcp_with_kdig():
    expect_client_soa("kdig", PUB)
    expect_client_soa("kdig", PUB, tcp=True)


@s.rule
def public_listener_serves_on_ipv6_loopback():
    expect_client_soa("dig", PUB6, v6=True)
    expect_client_soa("dig", PUB6, v6=True, tcp=True)
    expect_client_soa("kdig", PUB6, v6=True)
    expect_client_soa("kdig", PUB6, v6=True, tcp=True)


@s.rule
def control_api_lists_public_and_private_example_com():
    discover_zones()


@s.rule
def split_horizon_private_view_answers_differently_for_the_same_name():
    # SPEC §4: private zones of the VPC take precedence over public DNS.
    pub, priv = simple_sets("public"), simple_sets("private")
    both = [k for k in pub if k in priv and pub[k] != priv[k]
            and k[1] in ("A", "AAAA", "TXT", "CNAME", "MX") and "*" not in k[0]]
    if not both:
        raise AssertionError("embedded zones have no simple name+type present in both the public "
                             "and the private example.com with different values; public=%r "
                             "private=%r" % (sorted(pub), sorted(priv)))
    name, rtype = sorted(both)[0]
    rp = h.expect(h.query(PUB, PORT, name, rtype), rcode="NOERROR", aa=True,
                  what="%s %s on public listener" % (name, rtype))
    rr = h.expect(h.query(RES, PORT, name, rtype, rd=True), rcode="NOERROR",
                  what="%s %s on resolver listener" % (name, rtype))
    vp, vr = set(h.answer_values(rp, rtype)), set(h.answer_values(rr, rtype))
    assert vp == pub[(name, rtype)], "public answer %s != public zone %s" % (
        sorted(vp), sorted(pub[(name, rtype)]))
    assert vr == priv[(name, rtype)], "private-view answer %s != private zone %s" % (
        sorted(vr), sorted(priv[(name, rtype)]))


@s.rule
def public_listener_refuses_names_outside_every_zone():
    # RFC 1035 §4.1.1 / common authoritative practice: not authoritative → REFUSED.
    r = h.query(PUB, PORT, "www.example.org.", "A")
    h.expect(r, rcode="REFUSED", what="www.example.org A on public listener")
    r = h.query(PUB, PORT, "www.example.org.", "A", tcp=True)
    h.expect(r, rcode="REFUSED", what="www.example.org A on public listener (TCP)")


@s.rule
def resolver_listener_servfails_fast_when_no_source_covers_the_name():
    # SPEC §3: recursion pointed at nothing reachable fails with SERVFAIL quickly.
    for tcp in (False, True):
        t0 = time.monotonic()
        r = h.query(RES, PORT, "nothing-local%d.dnsplane-test.org." % tcp, "A", rd=True,
                    timeout=5.0, tcp=tcp)
        el = time.monotonic() - t0
        h.expect(r, rcode="SERVFAIL", what="uncovered name on resolver listener (%s)"
                 % ("TCP" if tcp else "UDP"))
        assert el < 2.0, "SERVFAIL took %.2f s (limit 2 s)" % el


@s.rule
def demo_firewall_blocks_its_list_on_the_resolver_only():
    # SPEC §3 Embedded default: vpc-demo has a firewall block list (NXDOMAIN) that runs
    # before any answer source (SPEC §4); "*.c2.example.org" covers names below
    # c2.example.org, not the name itself; public listeners are not subject to it.
    for name in ("blocked.example.net.", "beacon.c2.example.org.", "BLOCKED.Example.NET."):
        h.expect(h.query(RES, PORT, name, "A", rd=True), rcode="NXDOMAIN", answer=0,
                 what="%s A on the vpc-demo resolver" % name)
    r = h.query(RES, PORT, "c2.example.org.", "A", rd=True, timeout=5.0)
    assert r.rcode_text() != "NXDOMAIN", "the wildcard entry blocked its own apex\n%s" % r
    h.expect(h.query(PUB, PORT, "blocked.example.net.", "A"), rcode="REFUSED",
             what="blocked.example.net on the public listener")
    series = [(lab, v) for lab, v in labelled(d.metrics(), "dnsplane_firewall_matches_total")
              if lab.get("rule_group") == "frg-demo" and lab.get("rule") == "block-demo-list"
              and lab.get("action") == "BLOCK"]
    assert series and series[0][1] >= 3, "firewall matches not counted: %r" % series


@s.rule
def private_zone_over_captures_names_only_in_the_public_zone():
    # SPEC §4: a private zone for example.com captures every name under it.
    pub, priv = simple_sets("public"), simple_sets("private")
    priv_names = {k[0] for k in priv} | {rs["Name"].lower() for rs in zones.get("private") or []}
    priv_wild = [n for n in priv_names if n.startswith("*.")]
    cand = sorted({k[0] for k in pub} - priv_names)
    cand = [n for n in cand if "*" not in n
            and not any(n.endswith(w[1:]) for w in priv_wild)
            and not any(n != p and p != "example.com." and n.endswith("." + p)
                        for p in priv_names)]
    if not cand:
        raise AssertionError("no name exists only in the public example.com (public=%r private=%r)"
                             % (sorted(pub), sorted(priv_names)))
    name = cand[0]
    rtype = sorted(t for (n, t) in pub if n == name)[0]
    h.expect(h.query(PUB, PORT, name, rtype), rcode="NOERROR", aa=True, min_answer=1,
             what="%s %s on public listener" % (name, rtype))
    h.expect(h.query(RES, PORT, name, rtype, rd=True), rcode="NXDOMAIN",
             what="%s %s (public-only name) on the private view" % (name, rtype))


@s.rule
def private_view_shadows_public_types_of_the_same_name():
    # SPEC §4: the private zone answers for every name under it, even types it lacks.
    pub, priv = simple_sets("public"), simple_sets("private")
    cand = sorted((n, t) for (n, t) in pub if (n, t) not in priv
                  and any(pn == n for (pn, _pt) in priv) and t in ("A", "AAAA", "MX", "TXT"))
    if not cand:
        raise AssertionError("no type exists only in the public zone for a name of the private "
                             "zone")
    name, rtype = cand[0]
    h.expect(h.query(PUB, PORT, name, rtype), rcode="NOERROR", min_answer=1,
             what="%s %s on the public listener" % (name, rtype))
    r = h.expect(h.query(RES, PORT, name, rtype, rd=True), rcode="NOERROR", answer=0,
                 what="%s %s (public-only type) in the private view" % (name, rtype))
    soa = r.rrsets_of("authority", "SOA")
    assert soa and soa[0].name.to_text().lower() == "example.com.", \
        "private NODATA lacks the private zone's SOA\n%s" % r


@s.rule
def private_cname_is_followed_inside_the_private_view():
    # RFC 1034 §4.3.2: the chain restarts in the same view (private www, not public www).
    priv = simple_sets("private")
    cn = sorted((n, v) for (n, t), v in priv.items() if t == "CNAME")
    if not cn:
        raise AssertionError("private zone has no CNAME to follow")
    name, target = cn[0][0], sorted(cn[0][1])[0].lower()
    want = priv.get((target, "A"))
    if want is None:
        raise AssertionError("private CNAME %s -> %s has no private A target" % (name, target))
    r = h.expect(h.query(RES, PORT, name, "A", rd=True), rcode="NOERROR",
                 what="%s A in the private view" % name)
    assert set(h.answer_values(r, "A")) == want, "%s A → %s, expected the private %s" % (
        name, h.answer_values(r, "A"), sorted(want))
    assert h.answer_values(r, "CNAME") == [target], r


@s.rule
def metrics_count_queries_and_responses():
    m0 = d.metrics()
    q0 = h.metric_sum(m0, "dnsplane_queries_total")
    r0 = h.metric_sum(m0, "dnsplane_responses_total")
    assert q0 is not None, "dnsplane_queries_total missing from /metrics"
    assert r0 is not None, "dnsplane_responses_total missing from /metrics"
    n = 25
    for i in range(n):
        h.query(PUB, PORT, "example.com.", "SOA")
    def risen():
        m = d.metrics()
        q1 = h.metric_sum(m, "dnsplane_queries_total")
        r1 = h.metric_sum(m, "dnsplane_responses_total")
        return (q1 - q0 >= n and r1 - r0 >= n) and (q1, r1)
    h.wait_until(risen, 5.0, what="queries/responses counters to rise by %d from %s/%s"
                 % (n, q0, r0))


@s.rule
def startup_prints_one_line_per_listener_and_a_dig_command_that_works():
    # SPEC §3 Embedded default: "It prints one line per listener and a dig command to try."
    log = d.log()
    for lst in ("127.0.0.1:5300", "127.0.0.2:5300", "::1]:5300"):
        assert lst in log, "no startup line names listener %s; log:\n%s" % (lst, log)
    m = re.search(r"(dig\s+@\S+[^\n]*)", log)
    assert m, "no dig command printed; log:\n%s" % log
    cmd = m.group(1).split() + ["+time=2", "+tries=1"]
    rc, out = run_client(cmd)
    status, flags, an = parse_client_output(out)
    assert rc == 0 and status == "NOERROR" and an >= 1, \
        "the printed command %r gave status %s, %d answers:\n%s" % (m.group(1), status, an, out)


def labelled(metrics, name):
    """[(labels dict, value)] for a metric."""
    out = []
    for lab, v in metrics.get(name, []):
        pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', lab)
        out.append((dict(pairs), v))
    return out


@s.rule
def metrics_carry_listener_role_qtype_and_rcode_labels():
    # SPEC §3 Metric names: dnsplane_queries_total{listener,role,qtype},
    # dnsplane_responses_total{rcode}.
    for _ in range(3):
        h.query(PUB, PORT, "nothing.example.com.", "AAAA")
        h.query(RES, PORT, "www.example.com.", "TXT", rd=True)

    def seen():
        m = d.metrics()
        q = labelled(m, "dnsplane_queries_total")
        r = labelled(m, "dnsplane_responses_total")
        okq = any(l.get("listener", "").endswith("127.0.0.1:5300") and l.get("role") == "public"
                  and l.get("qtype") == "AAAA" and v >= 3 for l, v in q)
        okr = any(l.get("listener", "").endswith("127.0.0.2:5300") and l.get("role") == "resolver"
                  and l.get("qtype") == "TXT" and v >= 3 for l, v in q)
        okn = any(l.get("rcode") == "NXDOMAIN" and v >= 3 for l, v in r)
        return (okq and okr and okn) or None
    h.wait_until(seen, 5.0, what=lambda: "labelled samples (public AAAA >= 3, resolver TXT >= 3, "
                 "rcode NXDOMAIN >= 3); have:\n%s\n%s" % (
                     labelled(d.metrics(), "dnsplane_queries_total"),
                     labelled(d.metrics(), "dnsplane_responses_total")))


def main():
    global d
    for tool in ("dig", "kdig"):
        if shutil.which(tool) is None:
            h.skip("%s not installed" % tool)
    busy = [a for a in (("127.0.0.1", 5300, "udp"), ("127.0.0.2", 5300, "udp"),
                        ("::1", 5300, "udp"), ("127.0.0.1", 8053, "tcp"))
            if h.port_busy(*a)]
    if busy:
        s.run_rules(setup_error="fixed ports already in use by another process: %r "
                    "(another dnsplaned running?)" % busy)
        s.finish()
    d = h.Daemon(config=None, probe=(PUB, PORT, "example.com.", "SOA"), ctl_url=CTL,
                 name="embedded")
    err = None
    try:
        d.start()
    except AssertionError as e:
        err = str(e)
    s.run_rules(setup_error=err)
    if d.alive() is False and err is None:
        s._fail("daemon_survives_the_test", "dnsplaned exited: %s" % d.proc.returncode)
    s.finish([d])


if __name__ == "__main__":
    main()
