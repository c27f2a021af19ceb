"""Integration test: dnsplanectl and the Route 53-shaped control API.

What it is for: dnsplanectl's hosted-zone verbs print JSON in the AWS CLI's
response shapes, and change-resource-record-sets behaves as Route 53's
ChangeResourceRecordSets: CREATE fails when the set exists ("... but it
already exists"), UPSERT replaces, DELETE needs the exact current values,
and a batch is atomic (one bad change → nothing changes). Every accepted
change is visible in DNS answers right away.
Addresses: 127.0.5.1 port 15050, control 127.0.5.1:18050.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.rcode  # noqa: E402

P = h.ports_for(5)
ADDR, PORT = P["v4"], P["port"]
ZID = "ZAPI"

CONFIG = """# test_api
server:
  workers: 1
  control: {listen: "%(ctl)s"}
  import_dir: .
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
hosted_zones:
  - Id: ZAPI
    Name: api.test.
    Config: {PrivateZone: false, Comment: api test zone}
    ResourceRecordSets:
      - Name: www.api.test.
        Type: A
        TTL: 300
        ResourceRecords: [{Value: 192.0.2.1}]
      - Name: txt.api.test.
        Type: TXT
        TTL: 300
        ResourceRecords: [{Value: '"hello world"'}]
  - Id: ZOTHER
    Name: other.test.
    Config: {PrivateZone: false}
firewall:
  domain_lists:
    - {Id: fdl-api, Domains: [keep.example, "*.keep.example"]}
""" % {"ctl": P["ctl"], "addr": ADDR, "port": PORT}

s = h.Suite("dnsplanectl / control API (Route 53 shapes)")
d = None
batch_no = [0]


def rrset(name, rtype, ttl, values):
    return {"Name": name, "Type": rtype, "TTL": ttl,
            "ResourceRecords": [{"Value": v} for v in values]}


def change(*changes, zone=ZID):
    """Runs change-resource-record-sets with the given (Action, rrset)
    pairs; returns the CompletedProcess."""
    batch_no[0] += 1
    path = d.path("batch%d.json" % batch_no[0])
    with open(path, "w") as f:
        json.dump({"Comment": "integration test",
                   "Changes": [{"Action": a, "ResourceRecordSet": r} for a, r in changes]}, f)
    return d.ctl("change-resource-record-sets", "--hosted-zone-id", zone,
                 "--change-batch", "file://" + path)


def ok(p, what):
    assert p.returncode == 0, "%s: dnsplanectl exited %d\nstdout: %s\nstderr: %s" % (
        what, p.returncode, p.stdout, p.stderr)
    try:
        js = json.loads(p.stdout)
    except ValueError:
        raise AssertionError("%s: output is not JSON:\n%s" % (what, p.stdout)) from None
    ci = js.get("ChangeInfo")
    assert isinstance(ci, dict) and {"Id", "Status", "SubmittedAt"} <= set(ci), \
        "%s: output lacks ChangeInfo{Id,Status,SubmittedAt}: %s" % (what, p.stdout)
    assert ci["Status"] in ("PENDING", "INSYNC"), "%s: ChangeInfo.Status %r" % (what, ci["Status"])
    return js


def err(p, what, needle=None):
    out = p.stdout + p.stderr
    assert p.returncode != 0, "%s: dnsplanectl exited 0, expected an error:\n%s" % (what, out)
    if needle:
        assert needle in out, "%s: error output lacks %r:\n%s" % (what, needle, out)
    print("  saw (%s): %s" % (what, " ".join(out.split())[:200]))
    return out


def values(qname, rtype="A"):
    r = h.query(ADDR, PORT, qname, rtype)
    return r.rcode_text(), h.answer_values(r)


def wait_values(qname, want, rtype="A"):
    h.wait_until(lambda: values(qname, rtype) == want, 5.0,
                 what=lambda: "%s %s → %s (now %s)" % (qname, rtype, want, values(qname, rtype)))


def listed(zone=ZID):
    return d.ctl_json("list-resource-record-sets", "--hosted-zone-id", zone)["ResourceRecordSets"]


@s.rule
def list_hosted_zones_prints_aws_shape():
    js = d.ctl_json("list-hosted-zones")
    hz = js.get("HostedZones")
    assert isinstance(hz, list), "no HostedZones list: %s" % js
    byid = {z.get("Id", "").split("/")[-1]: z for z in hz}
    assert set(byid) >= {"ZAPI", "ZOTHER"}, "zones listed: %s" % sorted(byid)
    z = byid["ZAPI"]
    assert z.get("Id") in ("ZAPI", "/hostedzone/ZAPI"), "Id %r" % z.get("Id")
    assert z.get("Name") == "api.test.", "Name %r" % z.get("Name")
    assert isinstance(z.get("Config"), dict) and z["Config"].get("PrivateZone") is False, \
        "Config %r" % z.get("Config")
    assert isinstance(z.get("ResourceRecordSetCount"), int), \
        "ResourceRecordSetCount missing or not an integer: %r" % z
    missing = [k for k in ("CallerReference",) if k not in z]
    if missing:
        print("  info: HostedZone lacks optional AWS fields %s" % missing)


@s.rule
def list_resource_record_sets_prints_aws_shape():
    sets = listed()
    assert isinstance(sets, list) and sets, "empty ResourceRecordSets"
    for rs in sets:
        assert isinstance(rs.get("Name"), str) and rs["Name"].endswith("."), "Name in %r" % rs
        assert isinstance(rs.get("Type"), str), "Type in %r" % rs
        if "AliasTarget" in rs:
            assert {"HostedZoneId", "DNSName", "EvaluateTargetHealth"} <= set(rs["AliasTarget"]), rs
        else:
            assert isinstance(rs.get("TTL"), int), "TTL not an integer in %r" % rs
            rr = rs.get("ResourceRecords")
            assert isinstance(rr, list) and rr and all(isinstance(x.get("Value"), str) for x in rr), \
                "ResourceRecords in %r" % rs
    types = {(x["Name"], x["Type"]) for x in sets}
    assert {("api.test.", "SOA"), ("api.test.", "NS")} <= types, \
        "generated SOA/NS missing (SPEC §3 Hosted zones): %s" % sorted(types)
    www = [x for x in sets if x["Name"] == "www.api.test." and x["Type"] == "A"]
    assert www and www[0]["TTL"] == 300 and www[0]["ResourceRecords"] == [{"Value": "192.0.2.1"}], \
        "www.api.test A listed as %r" % www
    txt = [x for x in sets if x["Name"] == "txt.api.test."]
    assert txt and txt[0]["ResourceRecords"] == [{"Value": '"hello world"'}], \
        "TXT value not round-tripped in Route 53 form: %r" % txt


@s.rule
def create_adds_a_record_set_that_answers():
    ok(change(("CREATE", rrset("new.api.test.", "A", 60, ["192.0.2.10"]))), "CREATE new")
    wait_values("new.api.test.", ("NOERROR", ["192.0.2.10"]))
    assert any(x["Name"] == "new.api.test." for x in listed()), "new set not listed"


@s.rule
def create_of_an_existing_set_fails_with_already_exists():
    # Route 53 InvalidChangeBatch: "Tried to create resource record set ... but it already exists"
    err(change(("CREATE", rrset("new.api.test.", "A", 60, ["192.0.2.12"]))), "CREATE again",
        "but it already exists")
    assert values("new.api.test.") == ("NOERROR", ["192.0.2.10"]), values("new.api.test.")


@s.rule
def upsert_replaces_the_answer():
    ok(change(("UPSERT", rrset("new.api.test.", "A", 60, ["192.0.2.11"]))), "UPSERT")
    wait_values("new.api.test.", ("NOERROR", ["192.0.2.11"]))
    ok(change(("UPSERT", rrset("fresh.api.test.", "A", 60, ["192.0.2.30"]))), "UPSERT new name")
    wait_values("fresh.api.test.", ("NOERROR", ["192.0.2.30"]))


@s.rule
def delete_with_values_that_do_not_match_fails():
    # Route 53: "... but the values provided do not match the current values"
    err(change(("DELETE", rrset("new.api.test.", "A", 60, ["192.0.2.99"]))), "DELETE wrong value")
    err(change(("DELETE", rrset("new.api.test.", "A", 61, ["192.0.2.11"]))), "DELETE wrong TTL")
    assert values("new.api.test.") == ("NOERROR", ["192.0.2.11"]), values("new.api.test.")


@s.rule
def delete_removes_the_name():
    ok(change(("DELETE", rrset("new.api.test.", "A", 60, ["192.0.2.11"]))), "DELETE")
    wait_values("new.api.test.", ("NXDOMAIN", []))
    assert not any(x["Name"] == "new.api.test." for x in listed()), "deleted set still listed"


@s.rule
def delete_of_a_missing_set_fails():
    err(change(("DELETE", rrset("never.api.test.", "A", 60, ["192.0.2.1"]))), "DELETE missing")


@s.rule
def batch_with_one_bad_change_changes_nothing():
    # ChangeResourceRecordSets is atomic: all changes or none.
    err(change(("CREATE", rrset("atomic.api.test.", "A", 60, ["192.0.2.20"])),
               ("UPSERT", rrset("www.api.test.", "A", 300, ["192.0.2.21"])),
               ("DELETE", rrset("never.api.test.", "A", 60, ["192.0.2.1"]))),
        "batch with a bad DELETE")
    assert values("atomic.api.test.") == ("NXDOMAIN", []), \
        "atomic.api.test answers %s after a failed batch" % (values("atomic.api.test."),)
    assert values("www.api.test.") == ("NOERROR", ["192.0.2.1"]), \
        "www.api.test answers %s after a failed batch" % (values("www.api.test."),)
    # a batch whose result is invalid (CNAME beside other data) also changes nothing
    err(change(("CREATE", rrset("atomic.api.test.", "A", 60, ["192.0.2.20"])),
               ("CREATE", rrset("www.api.test.", "CNAME", 60, ["atomic.api.test."]))),
        "batch adding a CNAME beside an A")
    assert values("atomic.api.test.") == ("NXDOMAIN", []), values("atomic.api.test.")
    assert not any(x["Name"] == "atomic.api.test." for x in listed()), "atomic set listed"


@s.rule
def create_alias_answers_with_the_target_records():
    # SEMANTICS §9: alias to a record in the same zone answers as the target type and TTL.
    alias = {"Name": "alias.api.test.", "Type": "A",
             "AliasTarget": {"HostedZoneId": ZID, "DNSName": "www.api.test.",
                             "EvaluateTargetHealth": False}}
    ok(change(("CREATE", alias)), "CREATE alias")
    wait_values("alias.api.test.", ("NOERROR", ["192.0.2.1"]))
    r = h.query(ADDR, PORT, "alias.api.test.", "A")
    assert r.rrsets_of("answer", "A")[0].ttl == 300, "alias TTL is not the target's\n%s" % r
    got = [x for x in listed() if x["Name"] == "alias.api.test."]
    assert got and got[0].get("AliasTarget", {}).get("DNSName") == "www.api.test.", \
        "alias listed as %r" % got


@s.rule
def record_outside_the_zone_is_rejected():
    # Route 53: "... is not permitted in zone ..." (InvalidChangeBatch)
    err(change(("CREATE", rrset("www.elsewhere.test.", "A", 60, ["192.0.2.1"]))),
        "CREATE outside the zone")


@s.rule
def cname_loop_created_through_the_api_does_not_hang_the_server():
    p = change(("CREATE", rrset("loop1.api.test.", "CNAME", 60, ["loop2.api.test."])),
               ("CREATE", rrset("loop2.api.test.", "CNAME", 60, ["loop1.api.test."])))
    if p.returncode != 0:
        print("  info: loop rejected: %s" % " ".join((p.stdout + p.stderr).split())[:200])
        return
    for tcp in (False, True):
        r = h.query(ADDR, PORT, "loop1.api.test.", "A", tcp=tcp, timeout=2.0)
        assert r.rcode in (dns.rcode.NOERROR, dns.rcode.SERVFAIL), r
        assert r.ancount <= 20, "CNAME loop answered with %d records" % r.ancount
    assert d.alive(), "dnsplaned died on a CNAME loop"


@s.rule
def malformed_change_batch_is_rejected():
    path = d.path("broken.json")
    with open(path, "w") as f:
        f.write('{"Changes": [{"Action": "CREATE", "ResourceRecordSet": ')
    p = d.ctl("change-resource-record-sets", "--hosted-zone-id", ZID,
              "--change-batch", "file://" + path)
    err(p, "truncated JSON batch")
    p = change(("EXPLODE", rrset("x.api.test.", "A", 60, ["192.0.2.1"])))
    err(p, "unknown Action")


@s.rule
def bad_firewall_domain_updates_are_refused_and_change_nothing():
    # A refused UpdateFirewallDomains / ImportFirewallDomains call (malformed
    # JSON, unknown or mistyped member, bad entry, unknown list) answers 4xx
    # with an AWS error and leaves the list and the snapshot as they were. A
    # mistyped DomainFileUrl next to Domains used to REPLACE with Domains.
    base = P["ctl_url"] + "/v1/firewall/domain-lists/"
    before = d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-api")
    assert before == {"Domains": ["keep.example", "*.keep.example"]}, before
    gen = d.generation()
    bad = [
        ("fdl-api/domains", b'{"Operation": "REPLACE", "Domains": ["x.example"'),
        ("fdl-api/domains", b'["x.example"]'),
        ("fdl-api/domains", b'{"Operation": "REPLACE", "Domains": "x.example"}'),
        ("fdl-api/domains", b'{"Operation": 1, "Domains": ["x.example"]}'),
        ("fdl-api/domains", b'{"Operation": "REPLACE", "Domains": ["x.example", 5]}'),
        ("fdl-api/domains", b'{"Operation": "REPLACE", "Domains": ["x.example", "b d"]}'),
        ("fdl-api/domains", b'{"Operation": "REPLACE", "Domain": ["x.example"]}'),
        ("fdl-api/domains", b'{"Operation": "REPLACE", "Domains": ["x.example"], "X": 1}'),
        ("fdl-api/import", b'{"Operation": "REPLACE", "DomainFileUrl": 5, '
                           b'"Domains": ["x.example"]}'),
        ("fdl-api/import", b'{"Operation": "REPLACE", "DomainFileUrl": "file:///nonexistent"}'),
        ("fdl-api/import", b'{"Operation": "REPLACE", "FirewallDomainListId": "fdl-other", '
                           b'"Domains": ["x.example"]}'),
        ("fdl-nope/domains", b'{"Operation": "REPLACE", "Domains": ["x.example"]}'),
    ]
    for path, body in bad:
        st, text = h.http_post(base + path, body)
        assert 400 <= st < 500, "%s %s: HTTP %d %s" % (path, body, st, text)
        e = json.loads(text).get("Error", {})
        assert e.get("Code") and e.get("Message"), "%s %s: no AWS error: %s" % (path, body, text)
        now = d.ctl_json("list-firewall-domains", "--firewall-domain-list-id", "fdl-api")
        assert now == before, "%s %s changed the list to %s" % (path, body, now)
        assert d.generation() == gen, "%s %s published a snapshot" % (path, body)


@s.rule
def import_from_a_file_never_echoes_its_lines():
    # ImportFirewallDomains reads DomainFileUrl with the server's rights: a
    # file that is not a domain list is refused naming the line, never
    # quoting it (else the API would read out any file the daemon can).
    secret = d.path("not-a-list.txt")
    with open(secret, "w") as f:
        f.write("root:$6$s3cr3tHASHvalue:19000:0:99999:7:::\n")
    gen = d.generation()
    body = json.dumps({"Operation": "REPLACE", "DomainFileUrl": "file://" + secret}).encode()
    st, text = h.http_post(P["ctl_url"] + "/v1/firewall/domain-lists/fdl-api/import", body)
    assert st == 400, "HTTP %d %s" % (st, text)
    assert "s3cr3t" not in text and "root:" not in text, "file contents echoed: %s" % text
    assert "not-a-list.txt:1" in text, "the failing line is not named: %s" % text
    assert d.generation() == gen, "a refused import published a snapshot"


@s.rule
def list_of_unknown_zone_fails_with_no_such_hosted_zone():
    p = d.ctl("list-resource-record-sets", "--hosted-zone-id", "ZNOPE")
    err(p, "list unknown zone", "NoSuchHostedZone")


@s.rule
def stats_verb_prints_json():
    js = d.ctl_json("stats")
    assert isinstance(js, dict) and js, "stats printed %r" % js


@s.rule
def unreachable_server_fails_fast_with_an_error():
    import subprocess
    import time
    t0 = time.monotonic()
    p = subprocess.run([h.DNSPLANECTL, "--server", "http://127.0.5.9:9", "list-hosted-zones"],
                       capture_output=True, text=True, timeout=30)
    el = time.monotonic() - t0
    assert p.returncode != 0, "exit 0 against a closed port:\n%s" % p.stdout
    assert (p.stderr + p.stdout).strip(), "no error message"
    assert el < 10, "took %.1f s to fail" % el


@s.rule
def change_to_unknown_zone_fails_with_no_such_hosted_zone():
    err(change(("CREATE", rrset("x.api.test.", "A", 60, ["192.0.2.1"])), zone="ZNOPE"),
        "unknown zone", "NoSuchHostedZone")


def main():
    global d
    d = h.Daemon(config=CONFIG, probe=(ADDR, PORT, "api.test.", "SOA"), ctl_url=P["ctl_url"],
                 name="api")
    if not os.path.exists(h.DNSPLANECTL):
        h.skip("dnsplanectl not built at %s" % h.DNSPLANECTL)
    e = None
    try:
        d.start()
    except AssertionError as ex:
        e = str(ex)
    s.run_rules(setup_error=e)
    s.finish([d])


if __name__ == "__main__":
    main()
