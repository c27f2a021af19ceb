"""Integration test: recursion from root hints through a simulated internet.

What it is for: dnsplaned's resolver (the slow path and the fast-path
cache, issue #6) resolving iteratively against real authoritative servers
it has never heard of except through its root hints. Every server runs in
its own network namespace on one bridged segment (198.18.60.0/24):

  root   198.18.60.2  knotd  "."       (delegates test. to the TLD server;
                                        holds a.b.c.d.deep. itself, below
                                        four empty non-terminals)
  tld    198.18.60.3  nsd    "test."   (a., b., d. (glueless), evil., storm.
                                        (20 NS names, no glue), dead. (a
                                        server address nobody answers on))
  auth1  198.18.60.4  knotd  "a.test." (www, short TTL, CNAME to b.test,
                                        a 4 KB TXT that needs TCP)
  auth2  198.18.60.5  dnsplaned public "b.test." and "d.test."
  evil   198.18.60.6  a dnspython server for "evil.test." that injects an
                      out-of-bailiwick address for www.a.test
  picky  198.18.60.7  a dnspython server for "picky.test." (one address)
                      that refuses minimised questions and answers the full
                      name, and for "twin.test." (one address under two NS
                      names) that answers SERVFAIL
  res    198.18.60.10 dnsplaned resolver (root hints -> 198.18.60.2)

Each rule is one behaviour: resolution works; a second query is a cache hit
(the upstream query counter does not move, the hit counter does); TTLs
count down; negative answers are cached (RFC 2308); entries expire; a
CNAME into another zone is chased; a glueless delegation is resolved; a
name deep below one server's apex resolves with QNAME minimisation; an
out-of-bailiwick record is ignored; a server that refuses minimised
questions is asked the full name; an address listed under two NS names is
tried as one address; a truncated upstream answer is retried over TCP; a dead upstream gives SERVFAIL within the bound; a referral storm
stays within the work limits; serve-stale answers when the upstream dies.

Runs as root only (exit 77 otherwise), skips without knotd or nsd. Every
namespace and veth carries the prefix dv1<pid>; all are removed in
finally/atexit. Nothing on the real internet is contacted.
"""

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.message  # noqa: E402
import dns.rdatatype  # noqa: E402

PFX = "dv1%04x" % (os.getpid() & 0xffff)
NET = "198.18.60."
NODES = {  # role: (netns, address)
    "root": (PFX + "rt", NET + "2"),
    "tld": (PFX + "tl", NET + "3"),
    "auth1": (PFX + "a1", NET + "4"),
    "auth2": (PFX + "a2", NET + "5"),
    "evil": (PFX + "ev", NET + "6"),
    "picky": (PFX + "pk", NET + "7"),
    "res": (PFX + "rs", NET + "10"),
}
HUB = PFX + "hub"
DEAD = NET + "99"
RES_NS, RES = NODES["res"]
CTL_URL = "http://127.0.0.1:8053"
KNOTD, NSD = "/usr/sbin/knotd", "/usr/sbin/nsd"
MAX_UPSTREAM = 30
QUERY_TIMEOUT_MS = 3000

s = h.Suite("recursion: iterative resolution from root hints in network namespaces")

# ------------------------------------------------------------------ zones

ROOT_HINTS = """; root hints for the test internet (named.root format)
.                        3600000      NS    A.ROOT-SERVERS.TEST.
A.ROOT-SERVERS.TEST.     3600000      A     %(root)s
""" % {"root": NODES["root"][1]}

ROOT_ZONE = """$ORIGIN .
$TTL 86400
.       IN SOA a.root-servers.test. nstld.test. 1 1800 900 604800 86400
.       IN NS  a.root-servers.test.
test.   172800 IN NS ns1.nic.test.
ns1.nic.test. 172800 IN A %(tld)s
a.root-servers.test. 172800 IN A %(root)s
a.b.c.d.deep. 300 IN A 198.18.100.6
""" % {"tld": NODES["tld"][1], "root": NODES["root"][1]}

TLD_ZONE = """$ORIGIN test.
$TTL 3600
@        IN SOA ns1.nic.test. hostmaster.nic.test. 1 3600 600 86400 300
@        IN NS  ns1.nic.test.
ns1.nic  IN A   %(tld)s
a        IN NS  ns.a
ns.a     IN A   %(a1)s
b        IN NS  ns.b
ns.b     IN A   %(a2)s
d        IN NS  ns1.d-hosting.b.test.
evil     IN NS  ns.evil
ns.evil  IN A   %(ev)s
dead     IN NS  ns.dead
ns.dead  IN A   %(dead)s
picky    IN NS  ns.picky
ns.picky IN A   %(pk)s
twin     IN NS  ns1.twin
twin     IN NS  ns2.twin
ns1.twin IN A   %(pk)s
ns2.twin IN A   %(pk)s
""" % {"tld": NODES["tld"][1], "a1": NODES["auth1"][1], "a2": NODES["auth2"][1],
       "ev": NODES["evil"][1], "dead": DEAD, "pk": NODES["picky"][1]} + "".join(
    "storm    IN NS  n%d.storm-ns.b.test.\n" % i for i in range(1, 21))

BIG_TXT = "".join('big IN TXT "%s"\n' % (("%02d" % i) * 100) for i in range(20))

A_ZONE = """$ORIGIN a.test.
$TTL 300
@      IN SOA ns.a.test. hostmaster.a.test. 1 3600 600 86400 60
@      IN NS  ns
ns     IN A   %(a1)s
www    300 IN A 198.18.100.1
short  2   IN A 198.18.100.2
pf     10  IN A 198.18.100.5
alias  300 IN CNAME www.b.test.
""" % {"a1": NODES["auth1"][1]} + BIG_TXT

AUTH2_CONF = """# test_recursion: authoritative b.test and d.test
server:
  workers: 1
  control: {listen: "127.0.0.1:8053"}
listeners:
  - {address: %(a2)s, port: 53, role: public}
hosted_zones:
  - Id: ZBTEST
    Name: b.test.
    Config: {PrivateZone: false}
    ResourceRecordSets:
      - {Name: b.test., Type: SOA, TTL: 3600, ResourceRecords: [{Value: "ns.b.test. hostmaster.b.test. 1 3600 600 86400 60"}]}
      - {Name: b.test., Type: NS, TTL: 3600, ResourceRecords: [{Value: ns.b.test.}]}
      - {Name: ns.b.test., Type: A, TTL: 3600, ResourceRecords: [{Value: %(a2)s}]}
      - {Name: www.b.test., Type: A, TTL: 300, ResourceRecords: [{Value: 198.18.100.3}]}
      - {Name: ns1.d-hosting.b.test., Type: A, TTL: 3600, ResourceRecords: [{Value: %(a2)s}]}
  - Id: ZDTEST
    Name: d.test.
    Config: {PrivateZone: false}
    ResourceRecordSets:
      - {Name: d.test., Type: SOA, TTL: 3600, ResourceRecords: [{Value: "ns1.d-hosting.b.test. hostmaster.d.test. 1 3600 600 86400 60"}]}
      - {Name: d.test., Type: NS, TTL: 3600, ResourceRecords: [{Value: ns1.d-hosting.b.test.}]}
      - {Name: www.d.test., Type: A, TTL: 300, ResourceRecords: [{Value: 198.18.100.4}]}
""" % {"a2": NODES["auth2"][1]}

RES_CONF = """# test_recursion: the resolver under test
server:
  workers: 2
  control: {listen: "127.0.0.1:8053"}
listeners:
  - {address: %(res)s, port: 53, role: resolver, vpc: vpc-r}
vpcs:
  - {VpcId: vpc-r, Cidrs: [198.18.0.0/15], EnableDnsSupport: true, EnableDnsHostnames: true}
resolver:
  root_hints: root.hints
  query_timeout_ms: %(qt)d
  upstream_timeout_ms: 300
  limits: {max_referrals: 10, max_cname_chain: 8, max_upstream_queries: %(maxq)d, max_ns_lookups: 4}
  cache: {max_size_mb: 16, serve_stale: true, stale_ttl: 3600, prefetch: true}
  ecs_upstream: [{vpc: vpc-r, ipv4_prefix: 24}]
  endpoints:
    - {Id: rslvr-out-1, Direction: OUTBOUND, VpcId: vpc-r, IpAddresses: [{Ip: %(o1)s}, {Ip: %(o2)s}]}
  rules:
    - {Id: rslvr-rr-fwd, RuleType: FORWARD, DomainName: fwd.test, ResolverEndpointId: rslvr-out-1,
       TargetIps: [{Ip: %(dead)s, Port: 53}, {Ip: %(ev)s, Port: 53}]}
  rule_associations: [{ResolverRuleId: rslvr-rr-fwd, VPCId: vpc-r}]
""" % {"res": RES, "qt": QUERY_TIMEOUT_MS, "maxq": MAX_UPSTREAM, "o1": NET + "11",
       "o2": NET + "12", "dead": NET + "98", "ev": NET + "6"}



NSD_CONF = """server:
    ip-address: %(addr)s@53
    zonesdir: "%(tmp)s"
    pidfile: "%(tmp)s/nsd.pid"
    database: ""
    xfrdfile: "%(tmp)s/xfrd.state"
    zonelistfile: "%(tmp)s/zone.list"
    username: ""
    chroot: ""
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: test.
    zonefile: "%(tmp)s/test.zone"
"""

# An authoritative server for evil.test that answers every question with a
# CNAME into a.test plus a forged address for the target (out of its
# bailiwick) and forged glue: what a poisoning attempt looks like.
EVIL_SERVER = r"""
import socket, sys
import dns.message, dns.rrset, dns.flags, dns.rcode, dns.edns
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    data, peer = s.recvfrom(4096)
    try:
        q = dns.message.from_wire(data)
    except Exception:
        continue
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    name = q.question[0].name
    qt = q.question[0].rdtype
    ecs = [o for o in q.options if isinstance(o, dns.edns.ECSOption)]
    if name.to_text().lower().endswith("fwd.test."):
        # a forward target: tells who asked (source address, RD flag)
        r.answer.append(dns.rrset.from_text(name, 300, "IN", "TXT", '"%s" "rd=%d"'
                        % (peer[0], 1 if q.flags & dns.flags.RD else 0)))
    elif name.to_text().lower() == "geo.evil.test." and ecs:
        # ECS (RFC 7871): an answer per client /24, scoped to it
        b = ecs[0].address.split(".")
        r.answer.append(dns.rrset.from_text(name, 300, "IN", "A", "10.%s.%s.1" % (b[1], b[2])))
        r.use_edns(0, options=[dns.edns.ECSOption(ecs[0].address, ecs[0].srclen, 24)])
    elif name.to_text().lower() == "www.evil.test.":
        r.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", "www.a.test."))
        r.answer.append(dns.rrset.from_text("www.a.test.", 300, "IN", "A", "6.6.6.6"))
        r.additional.append(dns.rrset.from_text("ns.a.test.", 300, "IN", "A", "6.6.6.6"))
    elif qt == 6 or name.to_text().lower() != "evil.test.":
        r.authority.append(dns.rrset.from_text("evil.test.", 300, "IN", "SOA",
                           "ns.evil.test. h.evil.test. 1 2 3 4 60"))
    else:
        r.answer.append(dns.rrset.from_text("evil.test.", 300, "IN", "NS", "ns.evil.test."))
    s.sendto(r.to_wire(), peer)
"""

PICKY_FULL = "www.x.y.picky.test."

# A server that mishandles QNAME minimisation (RFC 9156 §4): REFUSED to
# every question but the full name, which it answers; SERVFAIL to anything
# in twin.test. Each question it gets is logged ("q <name> <type>").
PICKY_SERVER = r"""
import socket, sys
import dns.message, dns.rrset, dns.flags, dns.rcode, dns.rdatatype
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    data, peer = s.recvfrom(4096)
    try:
        q = dns.message.from_wire(data)
    except Exception:
        continue
    name = q.question[0].name.to_text().lower()
    qt = q.question[0].rdtype
    print("q %%s %%s" %% (name, dns.rdatatype.to_text(qt)), flush=True)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    if name == "%s" and qt == dns.rdatatype.A:
        r.answer.append(dns.rrset.from_text(q.question[0].name, 300, "IN", "A",
                                            "198.18.100.7"))
    elif name.endswith("twin.test."):
        r.set_rcode(dns.rcode.SERVFAIL)
    else:
        r.set_rcode(dns.rcode.REFUSED)
    s.sendto(r.to_wire(), peer)
""" % PICKY_FULL

# ---------------------------------------------------------------- netns

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def netns(name):
    """Runs the block (sockets, children) in network namespace `name`."""
    cur = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
        yield
    finally:
        _libc.setns(cur, CLONE_NEWNET)
        os.close(fd)
        os.close(cur)


def sh(*cmd, check=True, timeout=20):
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                                    (p.stderr or p.stdout).strip()))
    return p.stdout


def topology_down():
    for ns, _ in NODES.values():
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    subprocess.run(["ip", "netns", "del", HUB], capture_output=True)


def topology_up():
    """One bridge in the hub namespace; each node a veth pair onto it."""
    sh("ip", "netns", "add", HUB)
    sh("ip", "-n", HUB, "link", "add", PFX + "br", "type", "bridge")
    sh("ip", "-n", HUB, "link", "set", PFX + "br", "up")
    for i, (role, (ns, addr)) in enumerate(sorted(NODES.items())):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        n, p = PFX + "n%d" % i, PFX + "h%d" % i
        sh("ip", "link", "add", n, "netns", ns, "type", "veth", "peer", "name", p,
           "netns", HUB)
        sh("ip", "-n", HUB, "link", "set", p, "master", PFX + "br")
        sh("ip", "-n", HUB, "link", "set", p, "up")
        sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", n)
        if role == "res":
            # outbound ENIs, and client addresses in two other /24s (ECS)
            for extra in (NET + "11/24", NET + "12/24", "198.18.61.5/32",
                          "198.18.61.77/32", "198.18.62.5/32"):
                sh("ip", "-n", ns, "addr", "add", extra, "dev", n)
        sh("ip", "-n", ns, "link", "set", n, "up")


class Proc:
    """A server process started in a namespace, with its own log."""

    def __init__(self, ns, name, cmd, tmp):
        self.ns, self.name, self.cmd = ns, name, cmd
        self.log_path = os.path.join(tmp, name + ".log")
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "w")
        with netns(self.ns):
            self.proc = subprocess.Popen(self.cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def log(self):
        try:
            return open(self.log_path).read()
        except OSError:
            return ""


class NsDaemon(h.Daemon):
    """dnsplaned in a namespace; its control API is on that namespace's
    loopback."""

    def __init__(self, ns, **kw):
        super().__init__(**kw)
        self.ns = ns

    def start(self, ready_timeout=30.0):
        with netns(self.ns):
            return super().start(ready_timeout)

    def metrics(self):
        with netns(self.ns):
            return super().metrics()


def ask(qname, qtype="A", tcp=False, timeout=5.0, payload=1232):
    with netns(RES_NS):
        return h.query(RES, 53, qname, qtype, tcp=tcp, rd=True, timeout=timeout,
                       payload=payload)


def ask_from(role, addr, qname, qtype="A", timeout=1.0):
    with netns(NODES[role][0]):
        return h.query(addr, 53, qname, qtype, timeout=timeout)


def metric(d, name, label=None):
    m = d.metrics()
    if label is None:
        return h.metric_sum(m, name) or 0
    return sum(v for lab, v in m.get(name, []) if label in lab)


def upstream_sent(d):
    return metric(d, "dnsplane_resolver_upstream_queries_total", 'result="sent"')


def first_ttl(r, section="answer"):
    return r.section(section)[0].ttl


# ---------------------------------------------------------------- rules

RESOLVER = None  # the dnsplaned resolver daemon


@s.rule
def resolution_from_root_hints_works():
    r = h.expect(ask("www.a.test."), rcode="NOERROR", ra=True, aa=False,
                 what="www.a.test A")
    assert h.answer_values(r, "A") == ["198.18.100.1"], r


@s.rule
def second_query_is_a_cache_hit():
    ask("www.a.test.")
    sent, hits = upstream_sent(RESOLVER), metric(RESOLVER, "dnsplane_cache_hits_total")
    r = h.expect(ask("www.a.test."), rcode="NOERROR", ra=True)
    assert h.answer_values(r, "A") == ["198.18.100.1"], r
    assert upstream_sent(RESOLVER) == sent, "a cache hit sent upstream queries"
    assert metric(RESOLVER, "dnsplane_cache_hits_total") == hits + 1, "hit not counted"
    assert metric(RESOLVER, "dnsplane_cache_entries") >= 1, "no cache entries reported"


@s.rule
def ttl_counts_down_in_cached_answers():
    t0 = first_ttl(ask("www.a.test."))
    assert t0 <= 300, "TTL %d above the zone's 300" % t0
    h.wait_until(lambda: first_ttl(ask("www.a.test.")) < t0, 4.0,
                 what="the cached TTL to drop below %d" % t0)


@s.rule
def negative_answers_are_cached_rfc2308():
    r = h.expect(ask("nx.a.test."), rcode="NXDOMAIN", answer=0)
    soa = r.rrsets_of("authority", "SOA")
    assert soa and soa[0].ttl <= 60, "NXDOMAIN without SOA (TTL <= MINIMUM 60): %s" % r
    sent = upstream_sent(RESOLVER)
    r2 = h.expect(ask("nx.a.test."), rcode="NXDOMAIN", answer=0)
    assert r2.rrsets_of("authority", "SOA"), "cached NXDOMAIN lost its SOA"
    assert upstream_sent(RESOLVER) == sent, "a cached NXDOMAIN went upstream again"
    # NODATA too
    h.expect(ask("www.a.test.", "AAAA"), rcode="NOERROR", answer=0)
    sent = upstream_sent(RESOLVER)
    h.expect(ask("www.a.test.", "AAAA"), rcode="NOERROR", answer=0)
    assert upstream_sent(RESOLVER) == sent, "a cached NODATA went upstream again"


@s.rule
def cached_entries_expire():
    h.expect(ask("short.a.test."), rcode="NOERROR", answer=1)
    sent = upstream_sent(RESOLVER)
    # TTL 2: within a few seconds the entry is gone and the name is asked
    # upstream again.
    h.wait_until(lambda: (ask("short.a.test."), upstream_sent(RESOLVER) > sent)[1], 6.0,
                 interval=0.25, what="short.a.test to be asked upstream again")


@s.rule
def cname_into_another_zone_is_chased():
    r = h.expect(ask("alias.a.test."), rcode="NOERROR")
    assert h.answer_values(r, "CNAME") == ["www.b.test."], r
    assert h.answer_values(r, "A") == ["198.18.100.3"], r


@s.rule
def glueless_delegation_is_resolved():
    r = h.expect(ask("www.d.test."), rcode="NOERROR")
    assert h.answer_values(r, "A") == ["198.18.100.4"], r


@s.rule
def deep_name_on_one_server_address_resolves_with_qname_minimisation():
    # RFC 9156 §2.3: a.b.c.d.deep. lives in the root zone itself, below the
    # empty non-terminals deep., d.deep., c.d.deep. and b.c.d.deep., and the
    # root has one address. Each minimised question gets NOERROR/NODATA from
    # that address and one more label is asked: five queries to the same
    # address. An answer is not a failed try: the per-address retry bound
    # must not end the lookup (it did after two queries: SERVFAIL).
    sent = upstream_sent(RESOLVER)
    r = h.expect(ask("a.b.c.d.deep."), rcode="NOERROR", ra=True,
                 what="a.b.c.d.deep A (four empty non-terminals, one server address)")
    assert h.answer_values(r, "A") == ["198.18.100.6"], r
    used = upstream_sent(RESOLVER) - sent
    assert 5 <= used <= MAX_UPSTREAM, \
        "%d upstream queries: not one per minimised label (or beyond the budget)" % used


@s.rule
def out_of_bailiwick_record_is_ignored():
    dropped = metric(RESOLVER, "dnsplane_resolver_bailiwick_dropped_total")
    r = h.expect(ask("www.evil.test."), rcode="NOERROR")
    assert h.answer_values(r, "CNAME") == ["www.a.test."], r
    assert h.answer_values(r, "A") == ["198.18.100.1"], \
        "the forged 6.6.6.6 from evil.test's server was used: %s" % r
    assert metric(RESOLVER, "dnsplane_resolver_bailiwick_dropped_total") > dropped
    r = ask("www.a.test.")
    assert h.answer_values(r, "A") == ["198.18.100.1"], "cache poisoned: %s" % r


def picky_queries(name=None):
    """(name, type) of each question the picky server got, in order."""
    out = []
    for line in SERVERS["picky"].log().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "q" and (name is None or parts[1] == name):
            out.append((parts[1], parts[2]))
    return out


@s.rule
def refused_minimised_question_falls_back_to_the_full_name_at_the_same_address():
    # RFC 9156 §2.3 (relaxed) and §4: picky.test's only server refuses the
    # minimised y.picky.test and answers www.x.y.picky.test. The refusal
    # must not use up that address: the full name is asked there once (it
    # was not: no address left, SERVFAIL).
    r = h.expect(ask(PICKY_FULL), rcode="NOERROR", ra=True,
                 what="%s A (minimised questions refused)" % PICKY_FULL)
    assert h.answer_values(r, "A") == ["198.18.100.7"], r
    seen = picky_queries()
    assert ("y.picky.test.", "A") in seen, "no minimised question was asked: %s" % seen
    assert seen.count((PICKY_FULL, "A")) >= 1, "the full name was never asked: %s" % seen
    # one fallback: the full name after the refused minimised question
    i = seen.index(("y.picky.test.", "A"))
    assert (PICKY_FULL, "A") in seen[i + 1:], seen


@s.rule
def an_address_under_two_ns_names_is_tried_as_one_address():
    # twin.test has NS ns1.twin and ns2.twin, both at the picky server's one
    # address, which answers SERVFAIL: that address is done after one error
    # answer, whichever name listed it (tries count per address, not per
    # NS listing: it was asked once per name).
    h.expect(ask("www.twin.test."), rcode="SERVFAIL")
    n = len(picky_queries("www.twin.test."))
    assert n == 1, "the SERVFAIL address was asked %d times for one question" % n


@s.rule
def truncated_upstream_answer_is_retried_over_tcp():
    tcp = metric(RESOLVER, "dnsplane_resolver_upstream_queries_total", 'result="tcp"')
    r = h.expect(ask("big.a.test.", "TXT", tcp=True), rcode="NOERROR")
    assert sum(len(x) for x in r.section("answer")) == 20, r
    assert metric(RESOLVER, "dnsplane_resolver_upstream_queries_total", 'result="tcp"') > tcp
    # Over UDP the 4 KB answer does not fit the client's 1232 bytes: TC.
    h.expect(ask("big.a.test.", "TXT"), rcode="NOERROR", tc=True)


@s.rule
def dead_upstream_gives_servfail_within_the_bound():
    t0 = time.monotonic()
    r = ask("www.dead.test.", timeout=QUERY_TIMEOUT_MS / 1000 + 3)
    took = time.monotonic() - t0
    h.expect(r, rcode="SERVFAIL")
    assert took <= QUERY_TIMEOUT_MS / 1000 + 0.5, "SERVFAIL after %.2f s" % took
    # The server is now backed off: the next client fails fast.
    t0 = time.monotonic()
    h.expect(ask("other.dead.test."), rcode="SERVFAIL")
    assert time.monotonic() - t0 < 1.0, "backed-off server still waited on"


@s.rule
def referral_storm_stays_within_work_limits():
    sent = upstream_sent(RESOLVER)
    t0 = time.monotonic()
    r = ask("www.storm.test.", timeout=QUERY_TIMEOUT_MS / 1000 + 3)
    took = time.monotonic() - t0
    h.expect(r, rcode="SERVFAIL")
    used = upstream_sent(RESOLVER) - sent
    assert used <= MAX_UPSTREAM, "%d upstream queries for one client query" % used
    assert took <= QUERY_TIMEOUT_MS / 1000 + 0.5, "took %.2f s" % took


def ask_as(src, qname, qtype="A", timeout=5.0):
    """A query from client address src (in the resolver's namespace)."""
    q = h.make_query(qname, qtype, rd=True)
    with netns(RES_NS):
        so = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            so.bind((src, 0))
            so.settimeout(timeout)
            so.sendto(q.to_wire(), (RES, 53))
            data, _ = so.recvfrom(65535)
        finally:
            so.close()
    return h.Reply(data)


@s.rule
def ecs_upstream_is_truncated_and_cached_by_scope():
    # RFC 7871: the VPC sends its clients' /24 upstream; the answer, scoped
    # to that /24, serves that subnet only.
    r1 = h.expect(ask_as("198.18.61.5", "geo.evil.test."), rcode="NOERROR")
    assert h.answer_values(r1, "A") == ["10.18.61.1"], r1
    r2 = h.expect(ask_as("198.18.62.5", "geo.evil.test."), rcode="NOERROR")
    assert h.answer_values(r2, "A") == ["10.18.62.1"], "another /24 got %s" % r2
    sent = upstream_sent(RESOLVER)
    r3 = h.expect(ask_as("198.18.61.77", "geo.evil.test."), rcode="NOERROR")
    assert h.answer_values(r3, "A") == ["10.18.61.1"], r3
    assert upstream_sent(RESOLVER) == sent, "same /24 was not answered from the cache"


@s.rule
def forward_rule_fails_over_and_sends_from_the_outbound_enis():
    # FORWARD to [dead, live]: the first target times out, the second
    # answers; the query leaves from an ENI of the outbound endpoint with RD.
    t0 = time.monotonic()
    r = h.expect(ask("who.fwd.test.", "TXT", timeout=QUERY_TIMEOUT_MS / 1000 + 3),
                 rcode="NOERROR")
    assert time.monotonic() - t0 < QUERY_TIMEOUT_MS / 1000, "failover too slow"
    txt = r.section("answer")[0][0].strings
    src = txt[0].decode()
    assert src in (NET + "11", NET + "12"), "forwarded from %s, not an outbound ENI" % src
    assert txt[1] == b"rd=1", "forwarded without RD"
    # the dead target is now backed off: the next name goes straight on
    t0 = time.monotonic()
    h.expect(ask("who2.fwd.test.", "TXT"), rcode="NOERROR")
    assert time.monotonic() - t0 < 0.25, "dead target still tried first"


@s.rule
def upstream_and_cache_metrics_are_exported():
    m = RESOLVER.metrics()
    for name in ("dnsplane_cache_hits_total", "dnsplane_cache_misses_total",
                 "dnsplane_cache_entries", "dnsplane_resolver_upstream_queries_total",
                 "dnsplane_resolver_servfail_total"):
        assert name in m, "metric %s missing" % name
    assert h.metric_sum(m, "dnsplane_resolver_servfail_total") >= 2
    assert h.metric_sum(m, "dnsplane_cache_misses_total") >= 1


@s.rule
def prefetch_refreshes_a_popular_entry_before_it_expires():
    # TTL 10: a hit with less than 10 % left is answered from the cache and
    # refreshed in the background, so the name never misses.
    h.expect(ask("pf.a.test."), rcode="NOERROR", answer=1)
    pf0 = metric(RESOLVER, "dnsplane_resolver_requests_total", 'kind="prefetch"')
    misses = metric(RESOLVER, "dnsplane_cache_misses_total")

    def refreshed():
        r = ask("pf.a.test.")
        return metric(RESOLVER, "dnsplane_resolver_requests_total",
                      'kind="prefetch"') > pf0 and first_ttl(r) >= 8
    h.wait_until(refreshed, 14.0, interval=0.25, what="a prefetch of pf.a.test")
    assert metric(RESOLVER, "dnsplane_cache_misses_total") == misses, \
        "pf.a.test missed the cache instead of being prefetched"


@s.rule
def serve_stale_when_the_upstream_dies():
    # short.a.test (TTL 2) is cached; its server goes away; once the entry
    # has expired the resolver fails upstream and answers the stale record
    # with TTL 30 (RFC 8767 §4).
    h.expect(ask("short.a.test."), rcode="NOERROR", answer=1)
    SERVERS["auth1"].stop()
    t0 = time.monotonic()

    def stale():
        r = ask("short.a.test.", timeout=QUERY_TIMEOUT_MS / 1000 + 3)
        return r if r.rcode == 0 and r.msg.answer and first_ttl(r) == 30 else None
    r = h.wait_until(stale, 12.0, interval=0.2, what="a stale answer for short.a.test")
    assert h.answer_values(r, "A") == ["198.18.100.2"], r
    assert time.monotonic() - t0 < 12
    assert metric(RESOLVER, "dnsplane_resolver_answers_total", 'kind="stale"') >= 1


SERVERS = {}


def main():
    if os.geteuid() != 0:
        h.skip("needs root (network namespaces)")
    for b in (KNOTD, NSD):
        if not os.path.exists(b):
            h.skip("%s not installed" % b)
    tmp = tempfile.mkdtemp(prefix="dnsplane-it-recursion-")
    atexit.register(shutil.rmtree, tmp, True)
    atexit.register(topology_down)
    atexit.register(lambda: [p.stop() for p in SERVERS.values()])
    global RESOLVER
    auth2 = None
    err = None
    try:
        topology_down()
        topology_up()
        for role, origin, zone in (("root", ".", ROOT_ZONE), ("auth1", "a.test.", A_ZONE)):
            ktmp = os.path.join(tmp, role)
            os.makedirs(ktmp)
            zf = os.path.join(ktmp, "zone")
            open(zf, "w").write(zone)
            conf = os.path.join(ktmp, "knot.conf")
            open(conf, "w").write(h.knot_conf(NODES[role][1] + "@53", [(origin, zf)], tmp=ktmp))
            SERVERS[role] = Proc(NODES[role][0], role, [KNOTD, "-c", conf], tmp).start()
        ntmp = os.path.join(tmp, "nsd")
        os.makedirs(ntmp)
        open(os.path.join(ntmp, "test.zone"), "w").write(TLD_ZONE)
        open(os.path.join(ntmp, "nsd.conf"), "w").write(
            NSD_CONF % {"addr": NODES["tld"][1], "tmp": ntmp})
        SERVERS["tld"] = Proc(NODES["tld"][0], "tld",
                              [NSD, "-d", "-c", os.path.join(ntmp, "nsd.conf")], tmp).start()
        evil = os.path.join(tmp, "evil.py")
        open(evil, "w").write(EVIL_SERVER)
        SERVERS["evil"] = Proc(NODES["evil"][0], "evil",
                               ["/usr/bin/python3", evil, NODES["evil"][1]], tmp).start()
        picky = os.path.join(tmp, "picky.py")
        open(picky, "w").write(PICKY_SERVER)
        SERVERS["picky"] = Proc(NODES["picky"][0], "picky",
                                ["/usr/bin/python3", picky, NODES["picky"][1]], tmp).start()
        auth2 = NsDaemon(NODES["auth2"][0], config=AUTH2_CONF, ctl_url=CTL_URL, name="rec-auth")
        auth2.start()
        # every upstream answers before the resolver starts
        for role, name in (("root", "test."), ("tld", "a.test."), ("auth1", "www.a.test."),
                           ("auth2", "www.b.test."), ("evil", "evil.test."),
                           ("picky", "picky.test.")):
            h.wait_until(lambda: ask_from("res", NODES[role][1], name, "NS" if role != "auth1"
                                          else "A", timeout=0.5), 15.0,
                         what="%s (%s) to answer" % (role, NODES[role][1]))
        RESOLVER = NsDaemon(RES_NS, config=RES_CONF, files={"root.hints": ROOT_HINTS},
                            ctl_url=CTL_URL, name="rec-res")
        RESOLVER.start()
    except AssertionError as e:
        err = "setup: %s\n%s" % (e, "\n".join("--- %s ---\n%s" % (k, p.log()[-1500:])
                                             for k, p in SERVERS.items()))
    except OSError as e:
        err = "setup: %r" % (e,)
    s.run_rules(err)
    for p in SERVERS.values():
        p.stop()
    s.finish([RESOLVER, auth2])


if __name__ == "__main__":
    main()
