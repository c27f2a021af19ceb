"""Integration test: differential answers, dnsplaned vs Knot DNS.

What it is for: one realistic zone file (generated from a fixed seed: a few
hundred names, every common type plus an RFC 3597 unknown type, wildcards
including a wildcard CNAME, a delegation with in-zone glue and a DS at the
cut, CNAME chains that end in data, in a missing name, outside the zone and
below the cut, and the fast path's edges: CNAME targets that are or are
not linked at compile time, loops, a 92-label name) is served by knotd and by dnsplaned (hosted zone with
ZoneFile). The same questions (>= 300: existing names x types, wrong
types, missing names, names below wildcards and below the delegation, CNAME
chains, the apex, DS at the cut, mixed-case names) go to both over UDP with
EDNS (bufsize 1232). Each category is one rule; a rule fails if any answer
differs in rcode, flags (QR AA TC RD RA) or any of the three sections
compared as sets of (owner lowercased, type, class, TTL, canonical rdata);
the OPT record is excluded. A subset is also asked without EDNS and over
TCP and with the DO bit; when both servers truncate (TC), only the header
is compared. Every disagreement is printed with both
answers. ANY is compared for information only: RFC 8482 lets servers pick
different minimal answers, so its differences are printed but not counted.
Addresses: dnsplaned 127.0.6.1, knotd 127.0.6.2, port 15060; control
127.0.6.1:18060. Skips (77) without /usr/sbin/knotd or root.
"""

import atexit
import base64
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.message  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402

P = h.ports_for(6)
DP, KNOT, PORT = P["v4"], P["v4b"], P["port"]
ORIGIN = "diff.test."
KNOTD = "/usr/sbin/knotd"
NHOSTS = 250
LONG = ".".join(["l"] * 90)   # 90 labels (+ diff.test: 92)

s = h.Suite("differential: dnsplaned vs knotd on one generated zone")


# ------------------------------------------------------------------ zone

def gen_zone(seed=20240606):
    """Returns (zone text, facts) where facts lists names and their types."""
    rnd = random.Random(seed)
    L = ["$ORIGIN %s" % ORIGIN, "$TTL 3600"]
    types = {}

    def add(owner, ttl, rtype, rdata):
        L.append("%-28s %6d IN %-10s %s" % (owner, ttl, rtype, rdata))
        fq = ORIGIN if owner == "@" else (owner if owner.endswith(".") else owner + "." + ORIGIN)
        types.setdefault(fq.lower(), set()).add(rtype.upper())

    def b64(n):
        return base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(n))).decode()

    def hexs(n):
        return "".join("%02X" % rnd.getrandbits(8) for _ in range(n))

    add("@", 3600, "SOA", "ns1.diff.test. hostmaster.diff.test. 2024060601 7200 900 1209600 600")
    add("@", 3600, "NS", "ns1.diff.test.")
    add("@", 3600, "NS", "ns2.diff.test.")
    add("ns1", 3600, "A", "192.0.2.1")
    add("ns1", 3600, "AAAA", "2001:db8::1")
    add("ns2", 3600, "A", "192.0.2.2")
    add("@", 300, "A", "192.0.2.100")
    add("@", 300, "AAAA", "2001:db8::100")
    add("@", 3600, "MX", "10 mail.diff.test.")
    add("@", 3600, "MX", "20 mail2.diff.test.")
    add("mail", 3600, "A", "192.0.2.25")
    add("mail2", 3600, "AAAA", "2001:db8::25")
    add("@", 3600, "TXT", '"v=spf1 mx -all"')
    add("@", 3600, "TXT", '"google-site-verification=abc123" "second string"')
    add("@", 3600, "CAA", '0 issue "letsencrypt.org"')
    add("@", 3600, "CAA", '128 iodef "mailto:security@diff.test"')
    add("@", 3600, "DNSKEY", "257 3 13 " + b64(64))
    add("@", 3600, "DNSKEY", "256 3 13 " + b64(64))
    add("@", 3600, "TYPE65280", r"\# 4 0A000001")
    # hosts
    wrong_pool = ["A", "AAAA", "MX", "TXT", "SRV", "CAA", "NAPTR", "PTR", "HINFO", "SSHFP"]
    for i in range(NHOSTS):
        n = "h%03d" % i
        ttl = rnd.choice([60, 300, 3600, 86400])
        kinds = rnd.sample(["A", "AAAA", "TXT", "MX", "CAA", "PTR", "NAPTR", "UNK"],
                           rnd.randint(1, 3))
        for k in kinds:
            if k == "A":
                for j in range(rnd.randint(1, 3)):
                    add(n, ttl, "A", "198.51.100.%d" % ((i * 3 + j) % 254 + 1))
            elif k == "AAAA":
                for j in range(rnd.randint(1, 2)):
                    add(n, ttl, "AAAA", "2001:db8:%x::%x" % (i, j + 1))
            elif k == "TXT":
                choice = rnd.randint(0, 3)
                if choice == 0:
                    add(n, ttl, "TXT", '"host %d"' % i)
                elif choice == 1:
                    add(n, ttl, "TXT", '"say \\"hi\\"" "a;b c"')
                elif choice == 2:
                    add(n, ttl, "TXT", '"%s"' % ("x" * 255))
                else:
                    add(n, ttl, "TXT", '"k=%d"' % i)
                    add(n, ttl, "TXT", '"k2=%d"' % i)
            elif k == "MX":
                add(n, ttl, "MX", "%d h%03d.diff.test." % (rnd.randint(0, 50), (i + 1) % NHOSTS))
            elif k == "CAA":
                add(n, ttl, "CAA", '0 issuewild "ca%d.example.net"' % i)
            elif k == "PTR":
                add(n, ttl, "PTR", "h%03d.diff.test." % ((i * 7) % NHOSTS))
            elif k == "NAPTR":
                add(n, ttl, "NAPTR", '100 10 "U" "E2U+sip" "!^.*$!sip:h%d@diff.test!" .' % i)
            elif k == "UNK":
                add(n, ttl, "TYPE65280", r"\# 6 %s" % hexs(6))
    # services
    add("_sip._tcp", 3600, "SRV", "10 60 5060 h001.diff.test.")
    add("_sip._tcp", 3600, "SRV", "20 40 5061 h002.diff.test.")
    add("_ldap._tcp", 3600, "SRV", "0 0 389 h003.diff.test.")
    add("naptr", 3600, "NAPTR", '102 10 "S" "SIP+D2U" "" _sip._udp.diff.test.')
    add("unknown", 3600, "TYPE65280", r"\# 0")
    add("rfc3597a", 3600, "TYPE1", r"\# 4 C0000263")
    # wildcards
    add("*.wild", 300, "A", "192.0.2.200")
    add("*.wild", 300, "TXT", '"wildcard"')
    add("exists.wild", 300, "A", "192.0.2.201")
    add("*.cw", 300, "CNAME", "h001.diff.test.")
    # delegation with glue and a DS at the cut
    add("deleg", 3600, "NS", "ns1.deleg.diff.test.")
    add("deleg", 3600, "NS", "ns2.deleg.diff.test.")
    add("deleg", 3600, "NS", "ns.other-provider.example.")
    add("ns1.deleg", 3600, "A", "192.0.2.53")
    add("ns2.deleg", 3600, "AAAA", "2001:db8::53")
    add("deleg", 3600, "DS", "12345 13 2 " + hexs(32))
    # CNAME chains
    add("c1", 300, "CNAME", "c2.diff.test.")
    add("c2", 300, "CNAME", "c3.diff.test.")
    add("c3", 300, "CNAME", "h005.diff.test.")
    add("c4", 300, "CNAME", "c5.diff.test.")
    add("c5", 300, "CNAME", "missing-target.diff.test.")
    add("c6", 300, "CNAME", "www.example.org.")
    add("c7", 300, "CNAME", "c6.diff.test.")
    add("c8", 300, "CNAME", "host.deleg.diff.test.")
    add("c9", 300, "CNAME", "something.wild.diff.test.")
    for i in range(8):   # > 1232 bytes: truncated over UDP even with EDNS
        add("bigtxt", 300, "TXT", '"%d%s"' % (i, chr(ord("a") + i) * 199))
    for i in range(3):   # > 512 bytes: truncated over UDP without EDNS
        add("midtxt", 300, "TXT", '"%d%s"' % (i, chr(ord("k") + i) * 199))
    # RFC 1035 §5.1 master-file syntax that real zone files use
    def raw(text, owners):
        L.extend(text.strip("\n").split("\n"))
        for o, t in owners:
            types.setdefault(o, set()).add(t)
    raw(r"""
multi   300 IN TXT ( "first part"   ; a comment inside parentheses
                     "second part" )
        300 IN A 192.0.2.93          ; blank owner: same as the line above
esc\.dot 300 IN A 192.0.2.90
sp\032ace 300 IN TXT "space in the owner"
ttlunit 1h IN A 192.0.2.91
nottl   IN A 192.0.2.92
classless 300 A 192.0.2.94
swapped IN 300 A 192.0.2.95
lower   300 in a 192.0.2.96
bare    300 IN TXT word
at-rdata 300 IN CNAME @
rel     300 IN MX 5 mail
""", [("multi.diff.test.", "TXT"), ("multi.diff.test.", "A"), ("esc\\.dot.diff.test.", "A"),
      ("sp\\032ace.diff.test.", "TXT"), ("ttlunit.diff.test.", "A"), ("nottl.diff.test.", "A"),
      ("classless.diff.test.", "A"), ("swapped.diff.test.", "A"), ("lower.diff.test.", "A"),
      ("bare.diff.test.", "TXT"), ("at-rdata.diff.test.", "CNAME"), ("rel.diff.test.", "MX")])
    add("MiXeD", 300, "A", "192.0.2.77")
    add("deep.ent.sub", 300, "A", "192.0.2.78")
    # CNAME targets the compiler links to their node, and the ones it must
    # not (an empty non-terminal, glue below the cut, the cut itself, a
    # wildcard or a name it covers, RFC 4592 §2.2.2's blocking empty
    # non-terminal), loops, and a name of more labels than the compression
    # index keeps for the question (64)
    add("fp-ent", 300, "CNAME", "ent.sub.diff.test.")
    add("fp-occ", 300, "CNAME", "ns1.deleg.diff.test.")
    add("fp-cut", 300, "CNAME", "deleg.diff.test.")
    add("fp-wnode", 300, "CNAME", "*.wild.diff.test.")
    add("fp-wexist", 300, "CNAME", "exists.wild.diff.test.")
    add("*.e2", 300, "A", "192.0.2.210")
    add("a.b.e2", 300, "A", "192.0.2.211")
    add("fp-e2", 300, "CNAME", "c.b.e2.diff.test.")
    add("fp-e2w", 300, "CNAME", "c.e2.diff.test.")
    add("fp-loop1", 300, "CNAME", "fp-loop2.diff.test.")
    add("fp-loop2", 300, "CNAME", "fp-loop1.diff.test.")
    add("fp-self", 300, "CNAME", "fp-self.diff.test.")
    add(LONG, 300, "CNAME", "h001.diff.test.")
    add("fp-long", 300, "CNAME", LONG + ".diff.test.")
    return "\n".join(L) + "\n", types, wrong_pool


def gen_questions(types, wrong_pool, seed=7):
    """Returns [(category, qname, qtype, rd)]; categories starting "tcp" go
    over TCP, "no_edns" over UDP without OPT, the rest over UDP with EDNS."""
    rnd = random.Random(seed)
    qs = []
    for name in sorted(types):
        if name.startswith("*") or "deleg" in name:
            continue
        for t in sorted(types[name]):
            if t in ("TYPE1",):
                t = "A"
            cat = "apex" if name == ORIGIN else (
                "cname_chain" if "CNAME" in types[name] else "existing")
            qs.append((cat, name, t, False))
        wrong = [w for w in wrong_pool if w not in types[name]]
        cat = "apex" if name == ORIGIN else "wrong_type"
        qs.append((cat, name, rnd.choice(wrong), False))
    for t in ("SOA", "NS", "DS", "DNSKEY", "CAA", "SRV", "TYPE65280", "CNAME", "RRSIG", "NSEC"):
        qs.append(("apex", ORIGIN, t, False))
    for i in range(30):
        qs.append(("missing", "missing-%d.%s" % (i, ORIGIN), rnd.choice(["A", "AAAA", "TXT"]),
                   False))
    for n in ("below.h001.", "a.b.h002.", "ent.sub.", "sub.", "x.ent.sub.", "nope.deep.ent.sub."):
        for t in ("A", "TXT"):
            qs.append(("missing", n + ORIGIN, t, False))
    for i in range(12):
        for t in ("A", "AAAA", "TXT", "MX"):
            qs.append(("wildcard", "r%d.wild.%s" % (i, ORIGIN), t, False))
    for n in ("a.b.wild.", "wild.", "exists.wild.", "x.exists.wild.", "x.cw.", "a.b.cw.", "cw."):
        for t in ("A", "AAAA", "TXT", "CNAME"):
            qs.append(("wildcard", n + ORIGIN, t, False))
    for n in ("deleg.", "host.deleg.", "a.b.host.deleg.", "ns1.deleg.", "ns2.deleg."):
        for t in ("A", "AAAA", "NS", "DS", "TXT", "SOA"):
            qs.append(("delegation", n + ORIGIN, t, False))
    for i in range(1, 10):
        for t in ("A", "AAAA", "CNAME", "TXT", "MX"):
            qs.append(("cname_chain", "c%d.%s" % (i, ORIGIN), t, False))
    plain = [n for n in sorted(types) if not n.startswith("*")]
    for n in rnd.sample(plain, 40):
        mixed = "".join(c.upper() if rnd.random() < 0.5 else c for c in n)
        t = sorted(types[n])[0]
        t = "A" if t == "TYPE1" else t
        qs.append(("mixed_case", mixed, t, True))
    for n in ("r1.wild.", "x.cw.", "c1.", "host.deleg.", "MIXED.", "h010."):
        qs.append(("mixed_case", (n + ORIGIN).upper(), "A", True))
    sample = [(n, sorted(types[n])[0]) for n in rnd.sample(plain, 30)]
    sample += [("bigtxt." + ORIGIN, "TXT"), ("midtxt." + ORIGIN, "TXT"), (ORIGIN, "NS"),
               (ORIGIN, "MX"), ("c1." + ORIGIN, "A"), ("host.deleg." + ORIGIN, "A"),
               ("nope." + ORIGIN, "A"), ("r1.wild." + ORIGIN, "A")]
    for n, t in sample:
        t = "A" if t == "TYPE1" else t
        qs.append(("no_edns_udp", n, t, False))
        qs.append(("tcp", n, t, False))
        qs.append(("dnssec_ok", n, t, False))
    qs.append(("truncation_with_edns", "bigtxt." + ORIGIN, "TXT", False))
    fp = [n for n in sorted(types) if n.startswith("fp-")]
    fp += ["c.b.e2." + ORIGIN, "b.e2." + ORIGIN, "zz.e2." + ORIGIN, "x.y.%s.%s" % (LONG, ORIGIN),
           "%s.%s" % (LONG, ORIGIN)]
    for n in fp:
        for t in ("A", "AAAA", "DS", "NS"):
            qs.append(("fast_path", n, t, False))
        qs.append(("fast_path", "".join(c.upper() if rnd.random() < 0.5 else c for c in n),
                   "A", True))
    for n in (ORIGIN, "h001." + ORIGIN, "c1." + ORIGIN, "x.wild." + ORIGIN, "deleg." + ORIGIN):
        qs.append(("any", n, "ANY", False))
    return qs


# ------------------------------------------------------------------ compare

def canon(r):
    """{section: set of (owner, type, class, ttl, canonical rdata hex)} + text map."""
    out, text = {}, {}
    for sec in ("answer", "authority", "additional"):
        items = set()
        for rrset in r.section(sec):
            for rd in rrset:
                try:
                    c = rd.to_digestable().hex()
                except Exception:  # noqa: BLE001
                    c = rd.to_text().lower()
                key = (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype),
                       dns.rdataclass.to_text(rrset.rdclass), rrset.ttl, c)
                items.add(key)
                text[key] = rd.to_text()
        out[sec] = items
    return out, text


def describe(r):
    if r is None:
        return "    (no reply)"
    if isinstance(r, str):
        return "    " + r
    return "\n".join("    " + line for line in str(r).splitlines())


def compare(kn, dp):
    """Returns a list of differences (strings); [] if equal."""
    if isinstance(kn, str) or isinstance(dp, str):
        return ["knot: %s / dnsplaned: %s" % (kn if isinstance(kn, str) else "reply",
                                               dp if isinstance(dp, str) else "reply")]
    diffs = []
    if kn.flag("TC") and dp.flag("TC"):
        # both truncated: what fits is each server's choice (RFC 2181 §9); compare the header
        if kn.rcode != dp.rcode:
            diffs.append("rcode %s vs %s (both TC)" % (kn.rcode_text(), dp.rcode_text()))
        return diffs
    if kn.rcode != dp.rcode:
        diffs.append("rcode %s vs %s" % (kn.rcode_text(), dp.rcode_text()))
    for f in ("QR", "AA", "TC", "RD", "RA"):
        if kn.flag(f) != dp.flag(f):
            diffs.append("flag %s %s vs %s" % (f, kn.flag(f), dp.flag(f)))
    if kn.msg is None or dp.msg is None:
        diffs.append("parse: knot=%s dnsplaned=%s" % (kn.parse_error, dp.parse_error))
        return diffs
    ck, tk = canon(kn)
    cd, td = canon(dp)
    for sec in ("answer", "authority", "additional"):
        only_k = ck[sec] - cd[sec]
        only_d = cd[sec] - ck[sec]
        for key in sorted(only_k):
            diffs.append("%s only from knot: %s %d %s %s %s" % (sec, key[0], key[3], key[2],
                                                                 key[1], tk[key]))
        for key in sorted(only_d):
            diffs.append("%s only from dnsplaned: %s %d %s %s %s" % (sec, key[0], key[3],
                                                                      key[2], key[1], td[key]))
    return diffs


def ask(addr, wire, tcp=False):
    try:
        if tcp:
            return h.Reply(h.tcp_raw(wire, addr, PORT, timeout=3.0))
        return h.Reply(h.udp_raw(wire, addr, PORT, timeout=2.0))
    except OSError as e:
        return "no reply (%s)" % e.__class__.__name__


results = {}


def run_all(questions):
    for cat, qn, qt, rd in questions:
        q = h.make_query(qn, qt, edns=None if cat == "no_edns_udp" else 0, payload=1232, rd=rd,
                         want_dnssec=(cat == "dnssec_ok"))
        wire = q.to_wire()
        tcp = cat.startswith("tcp")
        kn = ask(KNOT, wire, tcp)
        dp = ask(DP, wire, tcp)
        results.setdefault(cat, []).append((qn, qt, rd, kn, dp, compare(kn, dp)))


def category_rule(cat, counted=True):
    def fn():
        rows = results.get(cat, [])
        assert rows, "no questions in category %s" % cat
        bad = [r for r in rows if r[5]]
        for qn, qt, rd, kn, dp, diffs in bad:
            print("  DIFF %s %s%s:" % (qn, qt, " +rd" if rd else ""))
            for x in diffs:
                print("    - " + x)
            print("   knot answer:\n%s\n   dnsplaned answer:\n%s" % (describe(kn), describe(dp)))
        print("  %s: %d questions, %d disagree" % (cat, len(rows), len(bad)))
        if counted:
            assert not bad, "%d of %d %s questions disagree with knotd (details above)" % (
                len(bad), len(rows), cat)
    fn.__name__ = ("answers_match_knot_for_" + cat) if counted else \
        ("any_differences_are_informational_only_rfc8482")
    return fn


def existing_questions_get_data_from_knot():
    """Self-check of the generator: knotd answers every 'existing' question
    with data, so agreement there is not agreement on errors."""
    rows = results.get("existing", [])
    empty = [(qn, qt, kn if isinstance(kn, str) else kn.rcode_text())
             for qn, qt, _rd, kn, _dp, _diff in rows
             if isinstance(kn, str) or kn.rcode != 0
             or (kn.ancount == 0 and not kn.flag("TC"))]
    assert rows and not empty, "%d existing questions without data from knotd: %s" % (
        len(empty), empty[:10])


# ------------------------------------------------------------------ servers



DP_CONF = """# test_differential
server:
  workers: 2
  control: {listen: "%(ctl)s"}
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
hosted_zones:
  - Id: ZDIFF
    Name: %(origin)s
    Config: {PrivateZone: false}
    ZoneFile: diff.test.zone
"""


class Knot:
    def __init__(self, tmp, zonefile):
        self.tmp = os.path.join(tmp, "knot")
        os.makedirs(self.tmp, exist_ok=True)
        self.conf = os.path.join(self.tmp, "knot.conf")
        with open(self.conf, "w") as f:
            f.write(h.knot_conf("%s@%d" % (KNOT, PORT), [(ORIGIN, zonefile)], tmp=self.tmp))
        self.log_path = os.path.join(self.tmp, "knotd.log")
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([KNOTD, "-c", self.conf], stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wire = h.make_query(ORIGIN, "SOA").to_wire()

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("knotd exited %s" % self.proc.returncode)
            try:
                r = h.Reply(h.udp_raw(wire, KNOT, PORT, timeout=0.2))
            except OSError:
                return False
            return r.rcode == 0 and r.flag("AA")
        try:
            h.wait_until(ready, 20.0, what="knotd to serve %s" % ORIGIN)
        except AssertionError as e:
            raise AssertionError("%s\n--- knotd log ---\n%s" % (e, open(self.log_path).read()))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc:
            self.logf.close()


def main():
    if not os.path.exists(KNOTD):
        h.skip("%s not installed" % KNOTD)
    if os.geteuid() != 0:
        h.skip("knotd needs root here")
    zone, types, wrong_pool = gen_zone()
    questions = gen_questions(types, wrong_pool)
    cats = []
    for c, *_ in questions:
        if c not in cats:
            cats.append(c)
    s.rule(existing_questions_get_data_from_knot)
    for c in cats:
        s.rule(category_rule(c, counted=(c != "any")))
    print("# %d names, %d questions" % (len(types), len(questions)))

    d = h.Daemon(config=DP_CONF % {"ctl": P["ctl"], "addr": DP, "port": PORT, "origin": ORIGIN},
                 files={"diff.test.zone": zone}, probe=(DP, PORT, ORIGIN, "SOA"),
                 ctl_url=P["ctl_url"], name="differential")
    knot = Knot(d.tmp, d.path("diff.test.zone"))
    atexit.register(knot.stop)    # also on SIGTERM from meson's timeout (harness exits)
    err = None
    try:
        try:
            knot.start()
        except AssertionError as e:
            err = "knotd setup: %s" % e
        if err is None:
            try:
                d.start()
            except AssertionError as e:
                err = str(e)
        if err is None:
            t0 = time.monotonic()
            run_all(questions)
            print("# asked %d questions to each server in %.1f s" % (len(questions),
                                                                       time.monotonic() - t0))
        s.run_rules(setup_error=err)
        if err is None and not d.alive():
            s._fail("dnsplaned_survives_the_questions", "dnsplaned exited %s" % d.proc.returncode)
    finally:
        knot.stop()
    s.finish([d])


if __name__ == "__main__":
    main()
