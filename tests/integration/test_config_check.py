"""Integration test: `dnsplaned --check -c FILE` (SPEC §3 "Errors from --check").

What it is for: each bad configuration must make --check print at least one
line exactly of the form `FILE:LINE: KEY: message` naming the file, the
line of the offending object and the offending key, and exit non-zero
without serving; a good configuration (and the embedded default) exits 0.

Fixture configs are built here from one good base: the line a problem is
on is marked with a trailing YAML comment `#@` (the error must name that
line), or an object is bracketed by `#@begin` / `#@end` (the error may name
any line in it: contradictions between two record sets can reasonably be
reported on either). KEY may be the bare key or a path ending in it
(`hosted_zones[0].Bogus`); the test accepts both and prints what it saw.
"""

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

s = h.Suite("dnsplaned --check error reporting")
TMP = tempfile.mkdtemp(prefix="dnsplane-it-check-")
atexit.register(shutil.rmtree, TMP, True)

HEAD = """server:
  workers: 1
  control:
    listen: "127.0.3.1:18030"
listeners:
  - address: 127.0.3.1
    port: 15030
    role: public
  - address: 127.0.3.2
    port: 15030
    role: resolver
    vpc: %(listener_vpc)s
vpcs:
  - VpcId: vpc-a
    Cidrs: [127.0.3.0/24]
    EnableDnsSupport: true
hosted_zones:
  - Id: ZGOOD
    Name: example.com.
    Config:
      PrivateZone: false
%(zone_extra)s    ResourceRecordSets:
      - Name: www.example.com.
        Type: A
        TTL: 300
        ResourceRecords:
          - Value: 192.0.2.1
%(rrsets)s  - Id: ZPRIV
    Name: corp.example.
    Config:
      PrivateZone: true
    VPCs:
      - VPCRegion: us-east-1
        VPCId: %(zone_vpc)s
    ResourceRecordSets: []
"""


def make(listener_vpc="vpc-a", zone_extra="", rrsets="", zone_vpc="vpc-a"):
    return HEAD % {"listener_vpc": listener_vpc, "zone_extra": zone_extra, "rrsets": rrsets,
                   "zone_vpc": zone_vpc}


def marks(text):
    """Returns (exact lines marked #@, list of (begin, end) ranges)."""
    exact, ranges, begin = set(), [], None
    for i, line in enumerate(text.splitlines(), 1):
        if line.rstrip().endswith("#@"):
            exact.add(i)
        if "#@begin" in line:
            begin = i
        if "#@end" in line:
            ranges.append((begin, i))
    return exact, ranges


LINE_RE = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+): (?P<key>[^:]+): (?P<msg>\S.*)$")


def run_check(fname, text, extra_files=None):
    path = os.path.join(TMP, fname)
    with open(path, "w") as f:
        f.write(text)
    for rel, body in (extra_files or {}).items():
        with open(os.path.join(TMP, rel), "w") as f:
            f.write(body)
    p = subprocess.run([h.DNSPLANED, "--check", "-c", fname], cwd=TMP, capture_output=True,
                       text=True, timeout=20)
    return p.returncode, (p.stdout + p.stderr)


def key_matches(got, want):
    """got is the bare key or a path ending in it ("a[0].B.Key"); a path
    ending in a list element ("...ResourceRecordSets[1]") names that list."""
    if got == want:
        return True
    got = re.sub(r"\[\d+\]$", "", got)
    last = re.split(r"[.\[\]/]+", got.strip(".[]/"))
    return bool(last) and last[-1] == want


def expect_error(fname, text, keys, lines=None, file_shown=None, extra_files=None):
    """Runs --check; asserts non-zero exit and an error line on one of
    `lines` (default: the #@ marks / #@begin..#@end ranges) whose key is one
    of `keys`. Returns the matching line."""
    rc, out = run_check(fname, text, extra_files)
    if lines is None:
        exact, ranges = marks(text)
        lines = set(exact)
        for b, e in ranges:
            lines |= set(range(b, e + 1))
    shown = file_shown or fname
    files_ok = {shown, os.path.join(TMP, shown)}
    parsed = [LINE_RE.match(x) for x in out.splitlines()]
    good = [m for m in parsed if m and m.group("file") in files_ok
            and int(m.group("line")) in lines and any(key_matches(m.group("key"), k) for k in keys)]
    if rc == 0 or not good:
        raise AssertionError(
            "--check -c %s: exit %d; wanted a line '%s:<one of %s>: <%s>: message'; output:\n%s"
            % (fname, rc, shown, sorted(lines), "|".join(keys), out.rstrip() or "(nothing)"))
    print("  saw: %s" % good[0].group(0))
    return good[0].group(0)


@s.rule
def good_config_passes_check_with_exit_0():
    rc, out = run_check("good.yaml", make())
    assert rc == 0, "--check on a good config exited %d:\n%s" % (rc, out)


@s.rule
def good_config_with_zone_file_passes_check():
    zf = ("$ORIGIN example.net.\n$TTL 300\n"
          "@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 900 1209600 300\n"
          "@ IN NS ns1.example.net.\nns1 IN A 192.0.2.1\n")
    extra = "    ZoneFile: zf_good.zone\n"
    text = make().replace("  - Id: ZPRIV", "  - Id: ZNET\n    Name: example.net.\n"
                          "    Config: {PrivateZone: false}\n" + extra + "  - Id: ZPRIV")
    rc, out = run_check("good_zf.yaml", text, {"zf_good.zone": zf})
    assert rc == 0, "--check on a good config with a ZoneFile exited %d:\n%s" % (rc, out)


@s.rule
def embedded_default_passes_check():
    p = subprocess.run([h.DNSPLANED, "--check"], cwd=TMP, capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 0, "dnsplaned --check (embedded default) exited %d:\n%s" % (
        p.returncode, p.stdout + p.stderr)


@s.rule
def unknown_key_in_zone_is_an_error():
    expect_error("unknown_key.yaml", make(zone_extra="    Bogus: 1 #@\n"), ["Bogus"])


@s.rule
def unknown_key_in_record_set_is_an_error():
    rr = ("      - Name: api.example.com.\n        Type: A\n        Tll: 300 #@\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n")
    expect_error("unknown_rr_key.yaml", make(rrsets=rr), ["Tll"])


@s.rule
def unknown_top_level_section_is_an_error():
    expect_error("unknown_section.yaml", make() + "frobnicate: {} #@\n", ["frobnicate"])


@s.rule
def wrong_type_is_an_error():
    rr = ("      - Name: api.example.com.\n        Type: A\n        TTL: three hundred #@\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n")
    expect_error("wrong_type.yaml", make(rrsets=rr), ["TTL"])


@s.rule
def wrong_type_sequence_for_scalar_is_an_error():
    text = make().replace("  workers: 1\n", "  workers: [1, 2] #@\n")
    expect_error("wrong_type_seq.yaml", text, ["workers"])


@s.rule
def import_dir_that_is_not_a_directory_is_an_error():
    # README server.import_dir: an existing directory, relative to the config's folder
    text = make().replace("  workers: 1\n", "  workers: 1\n  import_dir: plain.txt #@\n")
    line = expect_error("import_dir_file.yaml", text, ["server.import_dir", "import_dir"],
                        extra_files={"plain.txt": "not a folder\n"})
    assert "plain.txt" in line and "directory" in line, line
    text = make().replace("  workers: 1\n", "  workers: 1\n  import_dir: no-such-dir #@\n")
    expect_error("import_dir_missing.yaml", text, ["server.import_dir", "import_dir"])
    os.makedirs(os.path.join(TMP, "imports"), exist_ok=True)
    rc, out = run_check("import_dir_ok.yaml",
                        make().replace("  workers: 1\n", "  workers: 1\n  import_dir: imports\n"))
    assert rc == 0, "--check with an existing import_dir exited %d:\n%s" % (rc, out)


@s.rule
def cname_at_apex_is_an_error():
    rr = ("      - Name: example.com. #@begin\n        Type: CNAME\n        TTL: 300\n"
          "        ResourceRecords: [{Value: www.example.com.}] #@end\n")
    expect_error("cname_apex.yaml", make(rrsets=rr), ["Name", "Type", "CNAME",
                                                      "ResourceRecordSets"])


@s.rule
def cname_beside_other_data_is_an_error():
    rr = ("      - Name: www.example.com. #@begin\n        Type: CNAME\n        TTL: 300\n"
          "        ResourceRecords: [{Value: other.example.net.}] #@end\n")
    text = make(rrsets=rr)
    # the error may name the CNAME or the A set it collides with (lines 23-27)
    exact, ranges = marks(text)
    lines = set(range(ranges[0][0], ranges[0][1] + 1)) | set(range(23, 28))
    expect_error("cname_beside.yaml", text, ["Name", "Type", "CNAME", "ResourceRecordSets"],
                 lines=lines)


@s.rule
def weight_outside_0_255_is_an_error():
    rr = ("      - Name: w.example.com.\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: w1\n        Weight: 300 #@\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n")
    expect_error("weight300.yaml", make(rrsets=rr), ["Weight"])


@s.rule
def bias_outside_minus99_99_is_an_error():
    rr = ("      - Name: g.example.com.\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: g1\n        GeoProximityLocation:\n"
          "          AWSRegion: us-east-1\n          Bias: 100 #@\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n")
    expect_error("bias100.yaml", make(rrsets=rr), ["Bias"])


@s.rule
def weighted_set_without_set_identifier_is_an_error():
    rr = ("      - Name: w.example.com. #@begin\n        Type: A\n        TTL: 60\n"
          "        Weight: 10\n        ResourceRecords: [{Value: 192.0.2.9}] #@end\n")
    expect_error("no_setid.yaml", make(rrsets=rr), ["SetIdentifier", "Weight", "Name"])


@s.rule
def mixed_routing_policies_in_one_set_is_an_error():
    rr = ("      - Name: m.example.com. #@begin\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: m1\n        Weight: 10\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n"
          "      - Name: m.example.com.\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: m2\n        Region: us-east-1\n"
          "        ResourceRecords: [{Value: 192.0.2.10}] #@end\n")
    expect_error("mixed.yaml", make(rrsets=rr), ["Weight", "Region", "SetIdentifier", "Name",
                                                 "Type", "ResourceRecordSets"])


@s.rule
def dangling_vpc_id_in_private_zone_is_an_error():
    text = make(zone_vpc="vpc-missing #@")
    expect_error("dangling_zone_vpc.yaml", text, ["VPCId"])


@s.rule
def dangling_vpc_id_in_listener_is_an_error():
    text = make(listener_vpc="vpc-nope #@")
    expect_error("dangling_listener_vpc.yaml", text, ["vpc"])


@s.rule
def zone_file_error_names_the_zone_file_and_line():
    zf = ("$ORIGIN example.net.\n$TTL 300\n"
          "@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 900 1209600 300\n"
          "www IN A 999.1.1.1\n")
    text = make().replace("  - Id: ZPRIV", "  - Id: ZNET\n    Name: example.net.\n"
                          "    Config: {PrivateZone: false}\n    ZoneFile: zf_bad.zone\n"
                          "  - Id: ZPRIV")
    rc, out = run_check("zf_bad.yaml", text, {"zf_bad.zone": zf})
    parsed = [LINE_RE.match(x) for x in out.splitlines()]
    good = [m for m in parsed if m and os.path.basename(m.group("file")) == "zf_bad.zone"
            and m.group("line") == "4"]
    assert rc != 0 and good, ("--check with a bad zone file: exit %d; wanted a line "
                              "'<path>/zf_bad.zone:4: KEY: message'; output:\n%s" % (rc, out))
    print("  saw: %s" % good[0].group(0))


@s.rule
def duplicate_set_identifier_is_an_error():
    rr = ("      - Name: w.example.com. #@begin\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: same\n        Weight: 10\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n"
          "      - Name: w.example.com.\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: same\n        Weight: 20\n"
          "        ResourceRecords: [{Value: 192.0.2.10}] #@end\n")
    expect_error("dup_setid.yaml", make(rrsets=rr), ["SetIdentifier", "Name",
                                                     "ResourceRecordSets"])


@s.rule
def alias_with_ttl_is_an_error():
    # Route 53 API: omit TTL (and ResourceRecords) for an alias record set.
    rr = ("      - Name: al.example.com. #@begin\n        Type: A\n        TTL: 60\n"
          "        AliasTarget: {HostedZoneId: ZGOOD, DNSName: www.example.com., "
          "EvaluateTargetHealth: false} #@end\n")
    expect_error("alias_ttl.yaml", make(rrsets=rr), ["TTL", "AliasTarget", "ResourceRecordSets"])


@s.rule
def value_that_does_not_parse_for_its_type_is_an_error():
    rr = ("      - Name: bad.example.com.\n        Type: A\n        TTL: 60\n"
          "        ResourceRecords:\n          - Value: not-an-address #@\n")
    text = make(rrsets=rr)
    exact, _ = marks(text)
    n = max(exact)          # the Value line, or the ResourceRecords line above it
    expect_error("bad_value.yaml", text, ["Value", "ResourceRecords"], lines={n - 1, n})


@s.rule
def record_name_outside_the_zone_is_an_error():
    rr = ("      - Name: www.example.org. #@\n        Type: A\n        TTL: 60\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n")
    expect_error("outside.yaml", make(rrsets=rr), ["Name"])


@s.rule
def missing_required_key_is_an_error():
    text = make().replace("  - Id: ZPRIV\n    Name: corp.example.\n",
                          "  - Id: ZPRIV #@\n")
    expect_error("missing_name.yaml", text, ["Name", "hosted_zones"])


@s.rule
def listener_port_out_of_range_is_an_error():
    text = make().replace("    port: 15030\n    role: public\n",
                          "    port: 70000 #@\n    role: public\n")
    expect_error("port.yaml", text, ["port"])


@s.rule
def yaml_syntax_error_names_the_line():
    text = make().replace("    Cidrs: [127.0.3.0/24]\n", "    Cidrs: [127.0.3.0/24\n", 1)
    rc, out = run_check("syntax.yaml", text)
    m = [LINE_RE.match(x) for x in out.splitlines()]
    m = [x for x in m if x and x.group("file") in ("syntax.yaml", os.path.join(TMP, "syntax.yaml"))]
    assert rc != 0 and m, "--check on a YAML syntax error: exit %d; wanted " \
        "'syntax.yaml:LINE: KEY: message'; output:\n%s" % (rc, out)
    ln = int(m[0].group("line"))
    assert 14 <= ln <= 20, "syntax error reported at line %d (the bracket opens on line 15)" % ln
    print("  saw: %s" % m[0].group(0))


@s.rule
def duplicate_key_is_an_error():
    # A repeated key silently overriding the first is the kind of mistake --check is for.
    text = make().replace("    EnableDnsSupport: true\n",
                          "    EnableDnsSupport: true\n    EnableDnsSupport: false #@\n")
    exact, _ = marks(text)
    n = max(exact)          # the repeated key, or the first occurrence above it
    expect_error("dup_key.yaml", text, ["EnableDnsSupport"], lines={n - 1, n})


@s.rule
def every_error_is_reported_not_just_the_first():
    rr = ("      - Name: w.example.com.\n        Type: A\n        TTL: 60\n"
          "        SetIdentifier: w1\n        Weight: 300 #@\n"
          "        ResourceRecords: [{Value: 192.0.2.9}]\n")
    text = make(zone_extra="    Bogus: 1 #@\n", rrsets=rr, zone_vpc="vpc-missing #@")
    rc, out = run_check("many.yaml", text)
    exact, _ = marks(text)
    lines = {int(m.group("line")) for m in (LINE_RE.match(x) for x in out.splitlines())
             if m and m.group("file") in ("many.yaml", os.path.join(TMP, "many.yaml"))}
    missing = exact - lines
    assert rc != 0 and not missing, "--check: exit %d; lines %s not reported; output:\n%s" % (
        rc, sorted(missing), out)


@s.rule
def check_does_not_serve():
    # SPEC §3: --check validates and serves nothing (exits by itself).
    path = os.path.join(TMP, "good.yaml")
    with open(path, "w") as f:
        f.write(make())
    p = subprocess.run([h.DNSPLANED, "--check", "-c", path], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 0, "exit %d: %s" % (p.returncode, p.stdout + p.stderr)
    assert not h.port_busy("127.0.3.1", 15030), "something still holds 127.0.3.1:15030"


def check_bounded(args, seconds=15):
    """Runs dnsplaned --check with a bound: a hang is a failure, not a stuck suite."""
    try:
        p = subprocess.run([h.DNSPLANED, "--check"] + args, cwd=TMP, capture_output=True,
                           text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        raise AssertionError("dnsplaned --check %s still running after %ds: it blocked"
                             % (" ".join(args), seconds))
    return p.returncode, p.stdout + p.stderr


def fifo(name):
    path = os.path.join(TMP, name)
    if not os.path.exists(path):
        os.mkfifo(path, 0o600)
    return path


@s.rule
def fifos_named_by_the_config_are_refused_without_blocking():
    # SPEC §3 "Errors from --check": bad input gets a clear error, never a
    # hang. A ZoneFile, a zone file's $INCLUDE and a firewall DomainFile that
    # name a FIFO (no writer ever comes) are each refused at once, with
    # FILE:LINE: KEY: message lines saying what they are.
    fifo("zf_fifo.zone")
    fifo("inc_fifo.zone")
    fifo("dl_fifo.txt")
    with open(os.path.join(TMP, "zf_inc.zone"), "w") as f:
        f.write("$ORIGIN example.org.\n$TTL 300\n"
                "@ IN SOA ns1.example.org. hostmaster.example.org. 1 7200 900 1209600 300\n"
                "@ IN NS ns1.example.org.\nns1 IN A 192.0.2.1\n$INCLUDE inc_fifo.zone\n")
    text = make().replace("  - Id: ZPRIV",
                          "  - Id: ZNET\n    Name: example.net.\n"
                          "    Config: {PrivateZone: false}\n    ZoneFile: zf_fifo.zone #@\n"
                          "  - Id: ZORG\n    Name: example.org.\n"
                          "    Config: {PrivateZone: false}\n    ZoneFile: zf_inc.zone\n"
                          "  - Id: ZPRIV")
    text += "firewall:\n  domain_lists:\n    - {Id: fdl-fifo, DomainFile: dl_fifo.txt}\n"
    with open(os.path.join(TMP, "fifos.yaml"), "w") as f:
        f.write(text)
    rc, out = check_bounded(["-c", "fifos.yaml"])
    parsed = [m for m in (LINE_RE.match(x) for x in out.splitlines()) if m]
    want_line = min(marks(text)[0])

    def seen(pred, what):
        got = [m.group(0) for m in parsed if pred(m)]
        assert got, "--check -c fifos.yaml: exit %d; no line for %s; output:\n%s" % (
            rc, what, out.rstrip() or "(nothing)")
        print("  saw: %s" % got[0])

    assert rc != 0, "--check with FIFOs exited 0:\n%s" % out
    seen(lambda m: m.group("file") == "fifos.yaml" and int(m.group("line")) == want_line
         and key_matches(m.group("key"), "ZoneFile")
         and "not a regular file (a FIFO)" in m.group("msg"), "the ZoneFile FIFO")
    seen(lambda m: os.path.basename(m.group("file")) == "zf_inc.zone"
         and m.group("line") == "6" and "inc_fifo.zone: not a regular file (a FIFO)"
         in m.group("msg"), "the $INCLUDE FIFO")
    seen(lambda m: os.path.basename(m.group("file")) == "dl_fifo.txt"
         and key_matches(m.group("key"), "DomainFile")
         and "not a regular file (a FIFO)" in m.group("msg"), "the DomainFile FIFO")


@s.rule
def config_file_that_is_a_fifo_is_refused_without_blocking():
    # SPEC §3: -c naming a FIFO (or a directory) is an error, not a wait.
    fifo("cfg_fifo.yaml")
    rc, out = check_bounded(["-c", "cfg_fifo.yaml"])
    assert rc != 0 and "cfg_fifo.yaml:1: config: cannot read: not a regular file (a FIFO)" in out, (
        "exit %d; output:\n%s" % (rc, out))
    rc, out = check_bounded(["-c", TMP])
    assert rc != 0 and "not a regular file (a directory)" in out, (
        "exit %d; output:\n%s" % (rc, out))


def main():
    if not os.path.exists(h.DNSPLANED):
        h.skip("dnsplaned not built at %s" % h.DNSPLANED)
    s.run_rules()
    s.finish()


if __name__ == "__main__":
    main()
