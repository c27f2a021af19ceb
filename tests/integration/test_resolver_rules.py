"""Integration test: Resolver rules, endpoints and per-ENI ceilings in a
simulated hybrid network (SEMANTICS §11-12, SPEC §3 "Endpoints", "Rules",
"Which VPC a query belongs to"; guide §6.3, §12).

What it is for: dnsplaned runs as the VPC Resolver of vpc-a in its own
network namespace; an "on-premises" namespace holds the data centre's DNS
(unbound with corp.example.com as local data, the FORWARD target; knotd
authoritative for onprem.example.com, the DELEGATE target); a third
namespace holds on-premises clients and this test. The on-premises
namespace also holds the test internet, the root hints of public
recursion: a knotd for "." delegating example.com. to a knotd whose data
differs from what the private side answers; vpc-b (a resolver listener, no
private zone, no rule) shows what public DNS answers. Real DNS messages
then check that:

* an inbound endpoint serves vpc-a's view (its private zone) to a client
  whose address is outside the VPC;
* a FORWARD rule's names are answered by the on-premises resolver, the
  queries leaving from the OUTBOUND endpoint's ENI addresses (unbound
  refuses every other source and logs the source of each query);
* failover: with a dead first TargetIp the second one answers, in time;
* a SYSTEM rule carves a subtree out of the FORWARD rule (answered by the
  private zone, never forwarded) and a DELEGATE rule follows the NS
  delegation of the private zone to the delegated server (knotd);
* the delegated cut isolates its subtree: every name below it goes to the
  delegated servers alone (never public recursion, never the private zone
  above the cut, SERVFAIL when they are dead), and only in the VPCs the
  rule is associated with;
* a private zone without the name answers NXDOMAIN with its SOA, even for
  a name public DNS holds (no public fallback); autodefined reverse zones
  answer locally, and so do the EC2 private DNS domains even in a VPC
  (vpc-c) whose "." FORWARD rule sends everything else on-premises;
* a private zone's CNAME whose target lies under a FORWARD, SYSTEM or
  DELEGATE rule, or under no source (public recursion), is answered with
  the target's records from that source;
* the inbound per-ENI ceiling holds under a bounded dnsperf burst, drops
  are counted per ENI in /metrics, and the other ENI is not affected;
* the outbound per-ENI ceiling caps forwarded queries (counted per ENI).

Namespaces dv2r<pid>{a,b,c}, veths dv2r<pid>.., addresses from
198.18.0.0/15, all removed at exit. Needs root, ip, unbound, knotd and
dnsperf; exits 77 without them.
"""

import atexit
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dns.rdatatype  # noqa: E402

import harness as h  # noqa: E402

UNBOUND = "/usr/sbin/unbound"
KNOTD = "/usr/sbin/knotd"
DNSPERF = "/usr/bin/dnsperf"

TAG = "dv2r%d" % (os.getpid() % 10000)
NS_VPC, NS_ONP, NS_CLI = TAG + "a", TAG + "b", TAG + "c"

# addresses (198.18.0.0/15)
IN_A, IN_B, IN_LOAD = "198.18.0.10", "198.18.0.11", "198.18.0.12"   # inbound ENIs
OUT_A, OUT_B = "198.18.1.10", "198.18.1.11"                         # outbound ENIs
VPC_GW_C, CLI = "198.18.3.1", "198.18.3.10"                         # vpc<->client link
ONP_GW = "198.18.1.1"                                               # vpc<->on-prem link
UNB, UNB_DEAD, KNOT = "198.18.2.53", "198.18.2.99", "198.18.2.55"   # on-prem servers
PUB, PUB_EX = "198.18.2.60", "198.18.2.61"                          # test internet: ., example.com
VPC_B = "198.18.0.13"                                               # vpc-b resolver listener
VPC_C = "198.18.0.14"                                               # vpc-c ("." FORWARD)
CTL = "%s:8053" % VPC_GW_C
CTL_URL = "http://" + CTL

LOAD_QPS = 300        # ceiling of the load-test ENI
OUT_QPS = 40          # ceiling of each outbound ENI

s = h.Suite("Resolver rules, endpoints and per-ENI ceilings (netns)")

# ------------------------------------------------------------ namespaces

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_root_ns_fd = None


def sh(*cmd, check=True, **kw):
    p = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                  (p.stderr or p.stdout).strip()))
    return p


def nsx(ns, *cmd, **kw):
    return sh("ip", "netns", "exec", ns, *cmd, **kw)


def enter(ns):
    """Moves this (single-threaded) process into netns ns."""
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (ns, os.strerror(e)))
    finally:
        os.close(fd)


def teardown_net():
    if _root_ns_fd is not None:
        _libc.setns(_root_ns_fd, CLONE_NEWNET)
    for ns in (NS_VPC, NS_ONP, NS_CLI):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def setup_net():
    global _root_ns_fd
    atexit.register(teardown_net)
    _root_ns_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    for ns in (NS_VPC, NS_ONP, NS_CLI):
        sh("ip", "netns", "add", ns)
        nsx(ns, "ip", "link", "set", "lo", "up")
    # client <-> VPC
    sh("ip", "link", "add", TAG + "ca", "netns", NS_CLI, "type", "veth", "peer", "name",
       TAG + "ac", "netns", NS_VPC)
    # VPC <-> on-premises DNS
    sh("ip", "link", "add", TAG + "ab", "netns", NS_VPC, "type", "veth", "peer", "name",
       TAG + "ba", "netns", NS_ONP)
    nsx(NS_CLI, "ip", "addr", "add", CLI + "/24", "dev", TAG + "ca")
    nsx(NS_CLI, "ip", "link", "set", TAG + "ca", "up")
    nsx(NS_CLI, "ip", "route", "add", "198.18.0.0/24", "via", VPC_GW_C)
    nsx(NS_VPC, "ip", "addr", "add", VPC_GW_C + "/24", "dev", TAG + "ac")
    for a in (IN_A, IN_B, IN_LOAD, VPC_B, VPC_C):
        nsx(NS_VPC, "ip", "addr", "add", a + "/32", "dev", TAG + "ac")
    nsx(NS_VPC, "ip", "link", "set", TAG + "ac", "up")
    nsx(NS_VPC, "ip", "addr", "add", OUT_A + "/24", "dev", TAG + "ab")
    nsx(NS_VPC, "ip", "addr", "add", OUT_B + "/24", "dev", TAG + "ab")
    nsx(NS_VPC, "ip", "link", "set", TAG + "ab", "up")
    nsx(NS_VPC, "ip", "route", "add", "198.18.2.0/24", "via", ONP_GW)
    nsx(NS_ONP, "ip", "addr", "add", ONP_GW + "/24", "dev", TAG + "ba")
    for a in (UNB, KNOT, PUB, PUB_EX):
        nsx(NS_ONP, "ip", "addr", "add", a + "/32", "dev", TAG + "ba")
    nsx(NS_ONP, "ip", "link", "set", TAG + "ba", "up")
    # addresses are usable at once (no duplicate address detection for v4)
    enter(NS_CLI)


# ------------------------------------------------------------ servers

UNBOUND_CONF = """server:
    interface: %(unb)s
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    directory: "%(tmp)s"
    pidfile: "%(tmp)s/unbound.pid"
    use-syslog: no
    logfile: ""
    log-queries: yes
    verbosity: 1
    # the VPC's outbound ENIs only: a query from any other source is refused
    access-control: 0.0.0.0/0 refuse
    access-control: 198.18.1.0/24 allow
    local-zone: "corp.example.com." static
    local-data: "corp.example.com. 300 IN SOA ns1.corp.example.com. hostmaster.corp.example.com. 1 3600 600 86400 60"
    local-data: "dc01.corp.example.com. 300 IN A 10.20.0.1"
    local-data: "wiki.corp.example.com. 300 IN A 10.20.0.2"
remote-control:
    control-enable: no
"""

KNOT_CONF = h.knot_conf("%(knot)s@53", [("onprem.example.com.", "%(tmp)s/onprem.zone")],
                        user="root:root")

ONPREM_ZONE = """$ORIGIN onprem.example.com.
@ 300 SOA ns1 hostmaster 1 3600 600 86400 60
@ 300 NS ns1
ns1 300 A %s
host 300 A 10.30.0.5
""" % KNOT

# The test internet: a knotd authoritative for "." (the root hints of
# public recursion) delegating example.com. to a second knotd that holds
# public data for names the private side answers otherwise (pub_server).
PUB_ROOT_ZONE = """$ORIGIN .
.                        300 SOA a.root-servers.test. nstld.test. 1 3600 600 86400 60
.                        300 NS  a.root-servers.test.
a.root-servers.test.     300 A   %s
example.com.             300 NS  ns.example-public.test.
ns.example-public.test.  300 A   %s
""" % (PUB, PUB_EX)

PUB_EXAMPLE_ZONE = """$ORIGIN example.com.
@                   300 SOA ns.example-public.test. hostmaster 1 3600 600 86400 60
@                   300 NS  ns.example-public.test.
host.onprem         300 A   192.0.2.66
public-only.onprem  300 A   192.0.2.67
host.dark           300 A   192.0.2.68
public-only         300 A   192.0.2.70
"""

ROOT_HINTS = """.                        3600000  NS  A.ROOT-SERVERS.TEST.
A.ROOT-SERVERS.TEST.     3600000  A   %s
""" % PUB


def pub_server(name, addr, origin, zone):
    conf = h.knot_conf(addr + "@53", [(origin, "%(tmp)s/zone")], user="root:root")
    return Server(name, NS_ONP, lambda c: [KNOTD, "-c", c], "knot.conf", conf,
                  files={"zone": zone})


class Server:
    """A server process in a namespace with its own temp dir and log."""

    def __init__(self, name, ns, argv_fn, conf_name, conf_text, files=None):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="dnsplane-it-%s-%s-" % (TAG, name))
        self.conf = os.path.join(self.tmp, conf_name)
        with open(self.conf, "w") as f:
            f.write(conf_text % {"tmp": self.tmp, "unb": UNB, "knot": KNOT})
        for rel, text in (files or {}).items():
            with open(os.path.join(self.tmp, rel), "w") as f:
                f.write(text)
        self.log_path = os.path.join(self.tmp, name + ".log")
        self.argv = ["ip", "netns", "exec", ns] + argv_fn(self.conf)
        self.proc = None
        atexit.register(self.stop)

    def start(self, probe_addr, probe_name):
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.argv, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("%s exited %s" % (self.name, self.proc.returncode))
            # asked from the on-premises namespace itself (its own address)
            p = nsx(NS_ONP, "kdig", "+timeout=1", "+retry=0", "-b", ONP_GW, "@" + probe_addr,
                    probe_name, "SOA", check=False)
            return "status: NOERROR" in p.stdout or "status: REFUSED" in p.stdout
        try:
            h.wait_until(ready, 20.0, what="%s to answer" % self.name)
        except AssertionError as e:
            raise AssertionError("%s\n--- %s log ---\n%s" % (e, self.name, self.log()))

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if not os.environ.get("DNSPLANE_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------ dnsplaned

DP_CONF = """# test_resolver_rules
server:
  workers: 2
  control: {listen: "%(ctl)s"}
listeners:
  - {address: %(in_a)s, port: 53, role: inbound, endpoint: rslvr-in-1}
  - {address: %(in_b)s, port: 53, role: inbound, endpoint: rslvr-in-1}
  - {address: %(in_load)s, port: 53, role: inbound, endpoint: rslvr-in-load}
  - {address: %(vpc_b)s, port: 53, role: resolver, vpc: vpc-b}
  - {address: %(vpc_c)s, port: 53, role: resolver, vpc: vpc-c}
vpcs:
  - {VpcId: vpc-a, Cidrs: [10.1.0.0/16], EnableDnsSupport: true, EnableDnsHostnames: true}
  - {VpcId: vpc-b, Cidrs: [10.2.0.0/16], EnableDnsSupport: true, EnableDnsHostnames: true}
  - {VpcId: vpc-c, Cidrs: [10.3.0.0/16], Region: us-east-1}
hosted_zones:
  - Id: ZPRIV
    Name: example.com.
    Config: {PrivateZone: true}
    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}]
    ResourceRecordSets:
      - {Name: www.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 10.1.0.80}]}
      - {Name: onprem.example.com., Type: NS, TTL: 60, ResourceRecords: [{Value: ns1.onprem.example.com.}]}
      - {Name: ns1.onprem.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: %(knot)s}]}
      - {Name: occluded.onprem.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 10.1.0.66}]}
      - {Name: dark.example.com., Type: NS, TTL: 60, ResourceRecords: [{Value: ns1.dark.example.com.}]}
      - {Name: ns1.dark.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: %(dead)s}]}
      - {Name: to-corp.example.com., Type: CNAME, TTL: 60, ResourceRecords: [{Value: dc01.corp.example.com.}]}
      - {Name: chain.example.com., Type: CNAME, TTL: 60, ResourceRecords: [{Value: to-corp.example.com.}]}
      - {Name: to-nope.example.com., Type: CNAME, TTL: 60, ResourceRecords: [{Value: nope-cname.corp.example.com.}]}
      - {Name: to-cloud.example.com., Type: CNAME, TTL: 60, ResourceRecords: [{Value: api.aws.corp.example.com.}]}
      - {Name: to-onprem.example.com., Type: CNAME, TTL: 60, ResourceRecords: [{Value: host.onprem.example.com.}]}
      - {Name: to-internet.example.com., Type: CNAME, TTL: 60, ResourceRecords: [{Value: a.root-servers.test.}]}
  - Id: ZCLOUD
    Name: aws.corp.example.com.
    Config: {PrivateZone: true}
    VPCs: []
    ResourceRecordSets:
      - {Name: api.aws.corp.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 10.1.0.90}]}
resolver:
  root_hints: root.hints
  endpoints:
    - {Id: rslvr-in-1, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: 100000,
       IpAddresses: [{Ip: %(in_a)s}, {Ip: %(in_b)s}]}
    - {Id: rslvr-in-load, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: %(load_qps)d,
       IpAddresses: [{Ip: %(in_load)s}]}
    - {Id: rslvr-out-1, Direction: OUTBOUND, VpcId: vpc-a, QpsPerEni: %(out_qps)d,
       IpAddresses: [{Ip: %(out_a)s}, {Ip: %(out_b)s}]}
  rules:
    - {Id: rslvr-rr-corp, RuleType: FORWARD, DomainName: corp.example.com,
       ResolverEndpointId: rslvr-out-1, TargetIps: [{Ip: %(unb)s}]}
    - {Id: rslvr-rr-failover, RuleType: FORWARD, DomainName: wiki.corp.example.com,
       ResolverEndpointId: rslvr-out-1, TargetIps: [{Ip: %(dead)s}, {Ip: %(unb)s, Port: 53}]}
    - {Id: rslvr-rr-cloud, RuleType: SYSTEM, DomainName: aws.corp.example.com}
    - {Id: rslvr-rr-onprem, RuleType: DELEGATE, DelegationRecord: onprem.example.com,
       ResolverEndpointId: rslvr-out-1}
    - {Id: rslvr-rr-dark, RuleType: DELEGATE, DelegationRecord: dark.example.com,
       ResolverEndpointId: rslvr-out-1}
    - {Id: rslvr-rr-all, RuleType: FORWARD, DomainName: ".",
       ResolverEndpointId: rslvr-out-1, TargetIps: [{Ip: %(unb)s}]}
  rule_associations:
    - {ResolverRuleId: rslvr-rr-corp, VPCId: vpc-a}
    - {ResolverRuleId: rslvr-rr-failover, VPCId: vpc-a}
    - {ResolverRuleId: rslvr-rr-onprem, VPCId: vpc-a}
    - {ResolverRuleId: rslvr-rr-dark, VPCId: vpc-a}
    - {ResolverRuleId: rslvr-rr-all, VPCId: vpc-c}
profiles:
  - {Id: rp-org, Name: org, Resources: [{ResourceArn: ZCLOUD}, {ResourceArn: rslvr-rr-cloud}]}
profile_associations:
  - {ProfileId: rp-org, ResourceId: vpc-a}
firewall:
  domain_lists:
    - {Id: fdl-link, Domains: [to-corp.example.com]}
  rule_groups:
    - Id: frg-link
      FirewallRules:
        - {Name: alert-link, Priority: 1, Action: ALERT, FirewallDomainListId: fdl-link}
  rule_group_associations:
    - {FirewallRuleGroupId: frg-link, VpcId: vpc-a, Priority: 101}
"""

dp = None
unbound = None
knot = None
pub = None


class NsDaemon(h.Daemon):
    """dnsplaned started inside the VPC namespace."""

    def start(self, ready_timeout=20.0):
        wrapper = os.path.join(self.tmp, "in-netns.sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n" % (NS_VPC, h.DNSPLANED))
        os.chmod(wrapper, 0o755)
        real, h.DNSPLANED = h.DNSPLANED, wrapper
        try:
            return super().start(ready_timeout)
        finally:
            h.DNSPLANED = real


def q(addr, name, qtype="A", timeout=3.0, rd=True):
    return h.query(addr, 53, name, qtype, rd=rd, timeout=timeout)


def negative_soa(r):
    """Owner of the SOA in the authority section of a negative answer."""
    soas = r.rrsets_of("authority", "SOA")
    assert len(soas) == 1, "expected one SOA in the authority section\n%s" % r
    return soas[0].name.to_text().lower()


def public_answer(name, want):
    """What public DNS (the test internet) answers for name, as vpc-b (no
    private zone, no rule) sees it: the address the private side must not
    give."""
    r = h.expect(q(VPC_B, name, timeout=5.0), rcode="NOERROR", ra=True,
                 what="public recursion for %s from vpc-b" % name)
    assert h.answer_values(r, "A") == [want], r


def eni_metric(name, endpoint, ip):
    m = dp.metrics().get(name, [])
    for labels, v in m:
        if 'endpoint="%s"' % endpoint in labels and 'ip="%s"' % ip in labels:
            return v
    raise AssertionError("no %s{endpoint=%s,ip=%s} in /metrics" % (name, endpoint, ip))


# ------------------------------------------------------------ rules

@s.rule
def inbound_endpoint_serves_the_vpc_view_to_onpremises_clients():
    """SPEC §3: on an inbound listener the VPC is the endpoint's, whatever the
    client address (198.18.3.10 is outside vpc-a's 10.1.0.0/16)."""
    for addr in (IN_A, IN_B):
        r = h.expect(q(addr, "www.example.com"), rcode="NOERROR", ra=True,
                     what="private zone name via inbound ENI " + addr)
        assert h.answer_values(r, "A") == ["10.1.0.80"], r


@s.rule
def private_zone_without_the_name_is_nxdomain_without_public_fallback():
    """SEMANTICS §11 PHZ matching: "If a PHZ matches but holds no record for
    the name and type, Resolver returns NXDOMAIN and does not fall back to
    public DNS": public DNS holds public-only.example.com (vpc-b resolves
    it), vpc-a's private zone example.com does not, so vpc-a gets NXDOMAIN
    with that zone's SOA."""
    public_answer("public-only.example.com", "192.0.2.70")
    for name in ("public-only.example.com", "not-there.example.com"):
        r = h.expect(q(IN_A, name), rcode="NXDOMAIN", aa=True, what=name)
        assert negative_soa(r) == "example.com.", r


@s.rule
def forward_rule_is_answered_by_the_onpremises_resolver():
    """SEMANTICS §11 FORWARD: dc01.corp.example.com goes to unbound."""
    r = h.expect(q(IN_A, "dc01.corp.example.com"), rcode="NOERROR")
    assert h.answer_values(r, "A") == ["10.20.0.1"], r


@s.rule
def forwarded_queries_leave_from_the_outbound_endpoint_enis():
    """SPEC §3 "Endpoints": unbound refuses every source but 198.18.1.0/24 and
    logs each query's source: only the outbound ENI addresses appear."""
    h.expect(q(IN_B, "nope.corp.example.com"), rcode="NXDOMAIN")
    def logged():
        srcs = set(re.findall(r"info: (198\.18\.\d+\.\d+) \S+ A IN", unbound.log()))
        return srcs if srcs else None
    srcs = h.wait_until(logged, 5.0, what="unbound to log the forwarded queries")
    assert srcs <= {OUT_A, OUT_B}, "forwarded from %s, expected only %s/%s" % (
        sorted(srcs), OUT_A, OUT_B)


@s.rule
def forward_rule_fails_over_to_the_next_target_when_the_first_is_dead():
    """SEMANTICS §11 / SPEC: TargetIps in order; 198.18.2.99 never answers."""
    t0 = time.monotonic()
    r = h.expect(q(IN_A, "wiki.corp.example.com", timeout=5.0), rcode="NOERROR")
    assert h.answer_values(r, "A") == ["10.20.0.2"], r
    assert time.monotonic() - t0 < 4.0, "failover took %.1f s" % (time.monotonic() - t0)


@s.rule
def system_rule_carves_a_subtree_out_of_the_forward_rule():
    """SEMANTICS §11 SYSTEM (from the profile): aws.corp.example.com resolves
    locally (the profile's private zone), not through the FORWARD rule."""
    r = h.expect(q(IN_A, "api.aws.corp.example.com"), rcode="NOERROR", aa=True)
    assert h.answer_values(r, "A") == ["10.1.0.90"], r
    h.expect(q(IN_A, "nope.aws.corp.example.com"), rcode="NXDOMAIN", aa=True)


@s.rule
def delegate_rule_follows_the_private_zone_delegation_to_onpremises():
    """SEMANTICS §11 DELEGATE: the NS of onprem.example.com in the private
    zone (glue 198.18.2.55, knotd) answers host.onprem.example.com."""
    r = h.expect(q(IN_A, "host.onprem.example.com", timeout=5.0), rcode="NOERROR")
    assert h.answer_values(r, "A") == ["10.30.0.5"], r


@s.rule
def delegated_cut_isolates_its_subtree_from_public_dns_and_the_private_zone():
    """SEMANTICS §11 DELEGATE: "When a response contains NS records matching
    the delegation record, Resolver queries those delegated nameservers":
    every name at and below the cut onprem.example.com goes to them alone.
    A name knotd lacks is knotd's NXDOMAIN (SOA onprem.example.com.): never
    public DNS's address for it (public recursion), nor the private zone's
    data below its own cut (occluded.onprem... in ZPRIV), nor the private
    zone's NXDOMAIN (SOA example.com.)."""
    public_answer("public-only.onprem.example.com", "192.0.2.67")
    for name in ("public-only.onprem.example.com", "occluded.onprem.example.com"):
        r = h.expect(q(IN_A, name, timeout=5.0), rcode="NXDOMAIN", what=name)
        assert h.answer_values(r) == [], r
        assert negative_soa(r) == "onprem.example.com.", r
    # the cut itself: knotd's apex SOA (the private zone has none there)
    r = h.expect(q(IN_A, "onprem.example.com", "SOA", timeout=5.0), rcode="NOERROR")
    soa = h.answer_values(r, "SOA")
    assert len(soa) == 1 and soa[0].startswith("ns1.onprem.example.com. "), r


@s.rule
def delegate_rule_reaches_only_the_vpcs_it_is_associated_with():
    """SEMANTICS §11 (rules are associated with VPCs) and DELEGATE: after
    vpc-a resolved host.onprem.example.com through its DELEGATE rule
    (knotd, 10.30.0.5), vpc-b, which has no rule, still gets public DNS's
    answer (192.0.2.66): neither the delegated cut nor the answer learned
    through it leaks into public recursion or its cache."""
    r = h.expect(q(IN_A, "host.onprem.example.com", timeout=5.0), rcode="NOERROR")
    assert h.answer_values(r, "A") == ["10.30.0.5"], r
    public_answer("host.onprem.example.com", "192.0.2.66")
    r = h.expect(q(IN_A, "host.onprem.example.com", timeout=5.0), rcode="NOERROR")
    assert h.answer_values(r, "A") == ["10.30.0.5"], r


@s.rule
def delegated_subtree_with_dead_servers_is_servfail_never_public_dns():
    """SEMANTICS §11 DELEGATE: the delegated servers are the only source
    below the cut: when they do not answer (dark.example.com, glue
    198.18.2.99 where nobody listens) the query fails with SERVFAIL within
    the query deadline (3 s); it does not fall back to public recursion,
    which has host.dark.example.com (192.0.2.68)."""
    public_answer("host.dark.example.com", "192.0.2.68")
    t0 = time.monotonic()
    r = h.expect(q(IN_A, "host.dark.example.com", timeout=8.0), rcode="SERVFAIL")
    assert h.answer_values(r) == [], r
    assert time.monotonic() - t0 < 6.0, "SERVFAIL took %.1f s" % (time.monotonic() - t0)


def chain(r):
    """The answer section as (owner, type, value) in order."""
    return [(rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype), rd.to_text())
            for rrset in r.section("answer") for rd in rrset]


@s.rule
def cname_targets_are_resolved_by_the_vpcs_most_specific_source():
    """SEMANTICS §11 ("the most specific domain wins" across rules and
    private zones; SYSTEM carves out of FORWARD; DELEGATE; no match ⇒
    public recursion), for a CNAME target: the private zone example.com
    answers the CNAME and its target is resolved like a query of its own,
    not looked up in example.com (NXDOMAIN there). Asked twice: the second
    time the target comes from the cache."""
    corp = [("to-corp.example.com.", "CNAME", "dc01.corp.example.com."),
            ("dc01.corp.example.com.", "A", "10.20.0.1")]
    for _ in range(2):
        r = h.expect(q(IN_A, "to-corp.example.com"), rcode="NOERROR", ra=True,
                     what="FORWARD target (unbound)")
        assert chain(r) == corp, r
        r = h.expect(q(IN_A, "chain.example.com"), rcode="NOERROR", what="two local links")
        assert chain(r) == [("chain.example.com.", "CNAME", "to-corp.example.com.")] + corp, r
    r = h.expect(q(IN_A, "to-nope.example.com"), rcode="NXDOMAIN", what="forwarded NXDOMAIN")
    assert chain(r) == [("to-nope.example.com.", "CNAME", "nope-cname.corp.example.com.")], r
    assert negative_soa(r) == "corp.example.com.", r
    r = h.expect(q(IN_A, "to-cloud.example.com"), rcode="NOERROR", aa=True,
                 what="SYSTEM target (the profile's private zone)")
    assert chain(r) == [("to-cloud.example.com.", "CNAME", "api.aws.corp.example.com."),
                        ("api.aws.corp.example.com.", "A", "10.1.0.90")], r
    r = h.expect(q(IN_A, "to-onprem.example.com", timeout=5.0), rcode="NOERROR",
                 what="DELEGATE target (knotd)")
    assert chain(r) == [("to-onprem.example.com.", "CNAME", "host.onprem.example.com."),
                        ("host.onprem.example.com.", "A", "10.30.0.5")], r
    r = h.expect(q(IN_A, "to-internet.example.com", timeout=5.0), rcode="NOERROR",
                 what="target for public recursion")
    assert chain(r) == [("to-internet.example.com.", "CNAME", "a.root-servers.test."),
                        ("a.root-servers.test.", "A", PUB)], r
    # the chain is vpc-a's private data: public recursion (vpc-b) has none
    h.expect(q(VPC_B, "to-internet.example.com", timeout=5.0), rcode="NXDOMAIN",
             what="vpc-b: the public example.com")


def alert_link_matches():
    for lab, v in dp.metrics().get("dnsplane_firewall_matches_total", []):
        if 'rule="alert-link"' in lab:
            return v
    return 0


@s.rule
def chain_target_leaving_the_zones_counts_each_local_link_once():
    """SEMANTICS §13 FirewallDomainRedirectionAction INSPECT_REDIRECTION_DOMAIN
    and SPEC §3 dnsplane_firewall_matches_total: chain.example.com's local
    link to-corp.example.com (ALERT in vpc-a) leads to dc01.corp.example.com,
    which the FORWARD rule answers, so the query goes to the slow path. The
    link is inspected once per query, counted once, not by the worker before
    the punt and again by the resolver thread."""
    q(IN_A, "chain.example.com")  # the target in the cache: one path only
    before = alert_link_matches()
    for _ in range(3):
        r = h.expect(q(IN_A, "chain.example.com"), rcode="NOERROR", what="ALERT passes")
        assert chain(r)[0] == ("chain.example.com.", "CNAME", "to-corp.example.com."), r
    h.wait_until(lambda: alert_link_matches() >= before + 3, 5.0,
                 what="the three matches to be counted")
    assert alert_link_matches() == before + 3, (before, alert_link_matches())


@s.rule
def autodefined_reverse_zones_answer_locally():
    """SEMANTICS §11: RFC 6303 zones (here 10.in-addr.arpa) → NXDOMAIN at once."""
    r = h.expect(q(IN_A, "4.3.2.10.in-addr.arpa", "PTR"), rcode="NXDOMAIN", aa=True)
    assert r.elapsed < 1.0


@s.rule
def dot_forward_rule_does_not_forward_autodefined_ec2_domains():
    """SEMANTICS §11 "A custom "." FORWARD rule still does not forward the
    autodefined domains": vpc-c (Region us-east-1) forwards "." to the
    on-premises unbound, yet us-east-1.compute.internal and ec2.internal
    names are NXDOMAIN at once from the autodefined zone (AA, its SOA in
    the authority section) and never reach unbound."""
    # the "." rule is in force: unbound's local data comes back through it
    r = h.expect(q(VPC_C, "dc01.corp.example.com", timeout=5.0), rcode="NOERROR",
                 what="vpc-c: a name under the \".\" rule")
    assert h.answer_values(r, "A") == ["10.20.0.1"], r
    for name, apex in (("ip-10-3-0-5.us-east-1.compute.internal", "us-east-1.compute.internal."),
                       ("ip-10-3-0-5.ec2.internal", "ec2.internal.")):
        r = h.expect(q(VPC_C, name), rcode="NXDOMAIN", aa=True, what="vpc-c: " + name)
        assert r.elapsed < 1.0, "%s took %.2f s" % (name, r.elapsed)
        assert negative_soa(r) == apex, r
    assert ".internal" not in unbound.log(), "an autodefined name was forwarded:\n" + \
        unbound.log()


@s.rule
def inbound_eni_ceiling_holds_under_load_and_drops_are_counted():
    """SPEC §3 "Endpoints": QpsPerEni %d with a burst of one second's worth;
    a bounded dnsperf burst at ~4x the ceiling: admitted = ceiling x run time
    + burst (within 5 %%), the rest dropped and counted on that ENI only."""
    qfile = os.path.join(dp.tmp, "queries.txt")
    with open(qfile, "w") as f:
        f.write("www.example.com A\n")
    q0 = eni_metric("dnsplane_eni_queries_total", "rslvr-in-load", IN_LOAD)
    d0 = eni_metric("dnsplane_eni_dropped_total", "rslvr-in-load", IN_LOAD)
    other0 = eni_metric("dnsplane_eni_dropped_total", "rslvr-in-1", IN_A)
    # -q: enough outstanding queries that dropped ones (which time out) do
    # not throttle the offered rate
    p = sh(DNSPERF, "-s", IN_LOAD, "-p", "53", "-d", qfile, "-l", "3", "-Q",
           str(LOAD_QPS * 4), "-c", "4", "-q", "20000", "-t", "1", timeout=30)
    run = float(re.search(r"Run time \(s\):\s+([\d.]+)", p.stdout).group(1))
    sent = int(re.search(r"Queries sent:\s+(\d+)", p.stdout).group(1))
    done = int(re.search(r"Queries completed:\s+(\d+)", p.stdout).group(1))
    def settled():
        return eni_metric("dnsplane_eni_queries_total", "rslvr-in-load", IN_LOAD) - q0 >= sent
    h.wait_until(settled, 5.0, what="the ENI counters to see every query")
    q1 = eni_metric("dnsplane_eni_queries_total", "rslvr-in-load", IN_LOAD)
    d1 = eni_metric("dnsplane_eni_dropped_total", "rslvr-in-load", IN_LOAD)
    admitted = (q1 - q0) - (d1 - d0)
    # the bucket was full at the start (idle ENI): burst + rate x time
    expected = LOAD_QPS + LOAD_QPS * run
    print("  offered %d in %.2f s (%.0f qps), admitted %d (expected %.0f), dropped %d, "
          "completed %d" % (sent, run, sent / run, admitted, expected, d1 - d0, done))
    assert sent / run > LOAD_QPS * 2, "dnsperf offered only %.0f qps" % (sent / run)
    assert abs(admitted - expected) <= 0.05 * expected, \
        "admitted %d, expected %.0f +- 5 %%" % (admitted, expected)
    assert d1 - d0 == sent - admitted
    assert abs(done - admitted) <= 0.02 * expected + 5, \
        "dnsperf completed %d but %d were admitted" % (done, admitted)
    assert eni_metric("dnsplane_eni_dropped_total", "rslvr-in-1", IN_A) == other0
    assert eni_metric("dnsplane_eni_qps_limit", "rslvr-in-load", IN_LOAD) == LOAD_QPS


inbound_eni_ceiling_holds_under_load_and_drops_are_counted.__doc__ %= LOAD_QPS


@s.rule
def outbound_eni_ceiling_caps_forwarded_queries():
    """SPEC §3 "Endpoints" / issue 6: forwarded queries are limited per
    outbound ENI (QpsPerEni %d each); unique names (no cache hits) at ~5x
    the two ENIs' ceiling: each ENI admits at most burst + rate x time and
    the drops are counted per outbound ENI."""
    qfile = os.path.join(dp.tmp, "fwd.txt")
    with open(qfile, "w") as f:
        for i in range(4000):
            f.write("u%d-%d.corp.example.com A\n" % (os.getpid(), i))
    before = {ip: (eni_metric("dnsplane_eni_queries_total", "rslvr-out-1", ip),
                   eni_metric("dnsplane_eni_dropped_total", "rslvr-out-1", ip))
              for ip in (OUT_A, OUT_B)}
    p = sh(DNSPERF, "-s", IN_A, "-p", "53", "-d", qfile, "-l", "2", "-Q", str(OUT_QPS * 10),
           "-c", "2", "-q", "20000", "-t", "2", timeout=30)
    run = float(re.search(r"Run time \(s\):\s+([\d.]+)", p.stdout).group(1))
    def totals():
        return {ip: (eni_metric("dnsplane_eni_queries_total", "rslvr-out-1", ip) - before[ip][0],
                     eni_metric("dnsplane_eni_dropped_total", "rslvr-out-1", ip) - before[ip][1])
                for ip in (OUT_A, OUT_B)}
    h.wait_until(lambda: sum(v[1] for v in totals().values()) > 0, 5.0,
                 what="outbound drops to be counted")
    t = totals()
    for ip, (qn, dn) in t.items():
        # a query over one ENI's ceiling is offered to the other ENI, so
        # "queries" counts attempts; admitted ones are what left the ENI
        admitted = qn - dn
        floor = OUT_QPS + OUT_QPS * run
        cap = OUT_QPS + OUT_QPS * (run + 3.0)  # + the slow path's deadline after the run
        print("  %s: %d forwarded-query attempts, %d admitted (%.0f..%.0f), %d dropped" % (
            ip, qn, admitted, floor * 0.9, cap, dn))
        assert admitted <= cap * 1.02, "%s admitted %d > %.0f" % (ip, admitted, cap)
        assert admitted >= floor * 0.9, "%s admitted only %d" % (ip, admitted)
        assert dn > 0, "%s dropped nothing" % ip


outbound_eni_ceiling_caps_forwarded_queries.__doc__ %= OUT_QPS


@s.rule
def eni_counters_survive_a_reload():
    """SPEC §3 metrics are counters: a SIGHUP reload compiles a new snapshot
    but the ENI buckets and counters (outside snapshots) carry on."""
    before = eni_metric("dnsplane_eni_queries_total", "rslvr-in-1", IN_A)
    gen = dp.generation()
    dp.sighup()
    h.wait_until(lambda: dp.generation() > gen, 10.0, what="the reload")
    h.expect(q(IN_A, "www.example.com"), rcode="NOERROR")
    after = eni_metric("dnsplane_eni_queries_total", "rslvr-in-1", IN_A)
    assert after == before + 1, "queries_total %s -> %s across a reload" % (before, after)


@s.rule
def bad_resolver_config_is_rejected_with_file_line_and_key():
    """SPEC §3 --check: every error as FILE:LINE: KEY: message."""
    bad = os.path.join(dp.tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("listeners: [{address: 198.18.0.10, role: inbound, endpoint: rslvr-in-9}]\n"
                "vpcs: [{VpcId: vpc-a}]\n"
                "resolver:\n"
                "  rules: [{Id: r, RuleType: SYSTEM, DomainName: a.example, TargetIps: [{Ip: 198.18.2.1}]}]\n")
    p = sh(h.DNSPLANED, "--check", "-c", bad, check=False)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out
    for want in ("%s:1: listeners[0].endpoint: endpoint \"rslvr-in-9\" is not defined" % bad,
                 "%s:4: resolver.rules[0].TargetIps: only FORWARD rules have TargetIps" % bad):
        assert want in out, "missing %r in:\n%s" % (want, out)


def main():
    global dp, unbound, knot, pub
    if os.geteuid() != 0:
        h.skip("needs root for network namespaces")
    for tool in ("/usr/sbin/ip", UNBOUND, KNOTD, DNSPERF, "/usr/bin/kdig"):
        if not os.path.exists(tool):
            h.skip("%s is not installed" % tool)
    setup_error = None
    try:
        setup_net()
        unbound = Server("unbound", NS_ONP, lambda c: [UNBOUND, "-d", "-c", c],
                         "unbound.conf", UNBOUND_CONF)
        knot = Server("knotd", NS_ONP, lambda c: [KNOTD, "-c", c], "knot.conf", KNOT_CONF,
                      files={"onprem.zone": ONPREM_ZONE})
        pub = [pub_server("knotd-root", PUB, ".", PUB_ROOT_ZONE),
               pub_server("knotd-example", PUB_EX, "example.com.", PUB_EXAMPLE_ZONE)]
        unbound.start(UNB, "corp.example.com")
        knot.start(KNOT, "onprem.example.com")
        pub[0].start(PUB, ".")
        pub[1].start(PUB_EX, "example.com")
        dp = NsDaemon(DP_CONF % {"ctl": CTL, "in_a": IN_A, "in_b": IN_B, "in_load": IN_LOAD,
                                 "out_a": OUT_A, "out_b": OUT_B, "unb": UNB, "dead": UNB_DEAD,
                                 "knot": KNOT, "load_qps": LOAD_QPS, "out_qps": OUT_QPS,
                                 "vpc_b": VPC_B, "vpc_c": VPC_C},
                      files={"root.hints": ROOT_HINTS}, ctl_url=CTL_URL, name="resolver-rules")
        dp.start()
        h.wait_until(lambda: q(IN_A, "www.example.com", timeout=0.3), 10.0,
                     what="dnsplaned to answer on the inbound endpoint")
    except AssertionError as e:
        setup_error = str(e)
    s.run_rules(setup_error)
    if s.failed and unbound:
        print("--- unbound log tail ---\n" + "\n".join(unbound.log().splitlines()[-15:]))
    for srv in [unbound, knot] + (pub or []):
        if srv:
            srv.stop()
    s.finish([dp])


if __name__ == "__main__":
    main()
