"""Integration test: the AF_XDP data plane (--dataplane afxdp) on a veth pair.

What it is for: dnsplaned runs in network namespace S with its XDP program
on S's end of a veth pair (the kernel keeps its addresses there: ARP,
neighbour discovery, ICMP and TCP stay the kernel's); clients run in
namespace C on the peer end. Each rule names what it checks:
  - dig/kdig over IPv4 and IPv6 answered through AF_XDP (the XDP program's
    "redirected" counter and the AF_XDP worker's counters move, the socket
    worker's UDP counters do not);
  - an 802.1Q-tagged query answered with the same tag (on VLAN subinterfaces
    when the kernel has 802.1Q; otherwise raw tagged frames from an
    AF_PACKET socket, since XDP sees the tag either way);
  - non-DNS traffic reaches the kernel: ICMP echo answered, TCP 53 answered
    by the socket plane's kernel sockets, a TCP connect to another port
    refused with RST;
  - malformed frames (truncated IP/UDP headers, bad lengths, bad checksum)
    sent raw do no harm: counted as dropped, and the daemon keeps answering;
  - SIGHUP reloads under dnsperf load (bounded: 5 s at 3000 qps) lose nothing;
  - /metrics has dnsplane_xdp_packets_total{interface,verdict};
  - a second dnsplaned on the same interface is refused while the first runs;
  - SIGTERM detaches the XDP program; after kill -9 the program stays, and
    the next start recognises it as a stale dnsplane's (its recorded owner is
    gone), replaces it and serves.
Runs as root only (exit 77 otherwise); skips when the binary has no AF_XDP
plane. Every namespace and interface name carries the prefix dx1<pid>;
everything is removed in finally/atexit. Addresses: 198.18.44.0/24,
198.18.45.0/24 (VLAN 45), 2001:2:0:44::/64 (RFC 5180 benchmarking ranges).
"""

import atexit
import contextlib
import ctypes
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PFX = "dx1%04x" % (os.getpid() & 0xffff)
NS_S, NS_C = PFX + "s", PFX + "c"
V0, V1 = PFX + "0", PFX + "1"
VID = 45
SRV4, CLI4 = "198.18.44.2", "198.18.44.1"
SRV6, CLI6 = "2001:2:0:44::2", "2001:2:0:44::1"
VSRV4, VCLI4 = "198.18.45.2", "198.18.45.1"
CTL = "127.0.0.1:18944"
CTL_URL = "http://" + CTL

ZONE = """$ORIGIN example.com.
$TTL 300
@    IN SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300
@    IN NS  ns1.example.com.
ns1  IN A   192.0.2.1
www  IN A   192.0.2.80
www  IN AAAA 2001:db8::80
""" + "".join("h%04d IN A 10.44.%d.%d\n" % (i, i >> 8, i & 255) for i in range(300))

CONFIG = """# test_afxdp (%(variant)s)
server:
  dataplane: afxdp
  workers: 1
  interfaces: [{name: %(dev)s, queues: 1}]
  control: {listen: "%(ctl)s"}
listeners:
  - {address: %(v4)s, port: 53, role: public}
  - {address: "%(v6)s", port: 53, role: public}
  - {address: %(vv4)s, port: 53, role: public}
hosted_zones:
  - Id: ZAFXDP
    Name: example.com.
    Config: {PrivateZone: false, Comment: "%(variant)s"}
    ZoneFile: example.com.zone
"""

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def netns(name):
    """Runs the block in network namespace `name` (calling thread only)."""
    here = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(there, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(%s): %s" % (name, os.strerror(e)))
        yield
    finally:
        _libc.setns(here, CLONE_NEWNET)
        os.close(there)
        os.close(here)


def run(*cmd, check=True, timeout=30):
    p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                                    (p.stderr or p.stdout).strip()))
    return p


def in_ns(ns, *cmd, **kw):
    return run("ip", "netns", "exec", ns, *cmd, **kw)


HAVE_VLAN = False


def topology_down():
    for ns in (NS_S, NS_C):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def topology_up():
    global HAVE_VLAN
    for ns in (NS_S, NS_C):
        run("ip", "netns", "add", ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
    run("ip", "link", "add", V0, "netns", NS_S, "type", "veth", "peer", "name", V1,
        "netns", NS_C)
    run("ip", "-n", NS_S, "addr", "add", SRV4 + "/24", "dev", V0)
    run("ip", "-n", NS_S, "addr", "add", SRV6 + "/64", "dev", V0, "nodad")
    run("ip", "-n", NS_C, "addr", "add", CLI4 + "/24", "dev", V1)
    run("ip", "-n", NS_C, "addr", "add", CLI6 + "/64", "dev", V1, "nodad")
    run("ip", "-n", NS_S, "link", "set", V0, "up")
    run("ip", "-n", NS_C, "link", "set", V1, "up")
    # VLAN subinterfaces need CONFIG_VLAN_8021Q; without it the VLAN rule
    # sends raw tagged frames, and the VLAN listener address sits on V0.
    p = run("ip", "-n", NS_S, "link", "add", "link", V0, "name", V0 + "v", "type", "vlan",
            "id", str(VID), check=False)
    if p.returncode == 0:
        HAVE_VLAN = True
        run("ip", "-n", NS_C, "link", "add", "link", V1, "name", V1 + "v", "type", "vlan",
            "id", str(VID))
        run("ip", "-n", NS_S, "addr", "add", VSRV4 + "/24", "dev", V0 + "v")
        run("ip", "-n", NS_C, "addr", "add", VCLI4 + "/24", "dev", V1 + "v")
        run("ip", "-n", NS_S, "link", "set", V0 + "v", "up")
        run("ip", "-n", NS_C, "link", "set", V1 + "v", "up")
    else:
        run("ip", "-n", NS_S, "addr", "add", VSRV4 + "/32", "dev", V0)


def mac_of(ns, dev):
    out = run("ip", "-n", ns, "link", "show", dev).stdout
    m = re.search(r"link/ether ([0-9a-f:]{17})", out)
    assert m, "no MAC for %s: %s" % (dev, out)
    return bytes.fromhex(m.group(1).replace(":", ""))


def xdp_prog_on(ns, dev):
    """(id, name) of the XDP program attached to dev, or None."""
    out = run("ip", "-n", ns, "-d", "link", "show", dev).stdout
    m = re.search(r"prog/xdp\w* id (\d+)(?: name (\S+))?", out)
    return (int(m.group(1)), m.group(2)) if m else None


class NsDaemon(h.Daemon):
    """dnsplaned started (and its control API asked) inside namespace S."""

    def start(self, ready_timeout=30.0):
        with netns(NS_S):
            return super().start(ready_timeout)

    def metrics(self):
        with netns(NS_S):
            return super().metrics()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        if self in h._live:
            h._live.remove(self)


def make_daemon(variant):
    conf = CONFIG % {"variant": variant, "dev": V0, "ctl": CTL, "v4": SRV4, "v6": SRV6,
                     "vv4": VSRV4}
    d = NsDaemon(config=conf, files={"example.com.zone": ZONE}, ctl_url=CTL_URL,
                 name="afxdp-" + variant)
    try:
        d.start()
    except AssertionError:
        log = d.log()
        d.cleanup()
        if "no AF_XDP data plane" in log:
            h.skip("dnsplaned was built without the AF_XDP plane (meson -Dafxdp)")
        raise
    return d


def query_from_client(addr, qname, qtype="A", tcp=False, timeout=2.0):
    with netns(NS_C):
        return h.query(addr, 53, qname, qtype, tcp=tcp, timeout=timeout)


def metric_where(m, name, **labels):
    """Sum of the samples of `name` whose labels include every `labels` pair
    (m as parsed by harness.parse_metrics)."""
    return sum(v for lab, v in m.get(name, [])
               if all('%s="%s"' % kv in lab for kv in labels.items()))


def has_series(m, name, **labels):
    return any(all('%s="%s"' % kv in lab for kv in labels.items()) for lab, _ in m.get(name, []))


# ------------------------------------------------------------ raw frames

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def dns_query(qid, name=b"\x03www\x07example\x03com\x00"):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + b"\x00\x01\x00\x01"


def ip4_udp(src, dst, payload, sport, dport=53, ulen=None, tot=None, good_csum=True):
    ulen = 8 + len(payload) if ulen is None else ulen
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    tot = 20 + len(udp) if tot is None else tot
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0x1234, 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(hdr) if good_csum else 0xbad0
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + udp


def eth(dst, src, etype, body, vlan=None):
    if vlan is None:
        return dst + src + struct.pack("!H", etype) + body
    return dst + src + struct.pack("!HHH", 0x8100, vlan, etype) + body


PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4


class Raw:
    """An AF_PACKET socket on the client's veth end; PACKET_AUXDATA gives the
    VLAN tag of received frames (the kernel moves it out of the data)."""

    def __init__(self):
        with netns(NS_C):
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
            self.s.bind((V1, 0))
        self.s.setsockopt(263, PACKET_AUXDATA, 1)   # SOL_PACKET

    def send(self, frame):
        self.s.send(frame)

    def recv_udp_from_53(self, sport, seconds, first=True):
        """[(vlan or None, udp payload)] of UDP replies from port 53 to sport:
        the first one (first=True), or all within `seconds`."""
        out = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                continue
            data, anc, _, addr = self.s.recvmsg(4096, socket.CMSG_SPACE(32))
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            vlan = None
            for lvl, typ, val in anc:
                if lvl == 263 and typ == PACKET_AUXDATA and len(val) >= 20:
                    status, = struct.unpack_from("I", val, 0)
                    tci, = struct.unpack_from("H", val, 16)
                    if status & TP_STATUS_VLAN_VALID:
                        vlan = tci & 0xfff
            off = 14
            etype, = struct.unpack_from("!H", data, 12)
            if etype == 0x8100:     # tag still inline
                vlan = struct.unpack_from("!H", data, 14)[0] & 0xfff
                etype, = struct.unpack_from("!H", data, 16)
                off = 18
            if etype != 0x0800 or len(data) < off + 28 or data[off + 9] != 17:
                continue
            ihl = (data[off] & 15) * 4
            sp, dp = struct.unpack_from("!HH", data, off + ihl)
            if sp == 53 and dp == sport:
                out.append((vlan, data[off + ihl + 8:]))
                if first:
                    return out

    def close(self):
        self.s.close()


# ------------------------------------------------------------ rules

s = h.Suite("AF_XDP data plane in network namespaces")
d = None
state = {}


def xdp(verdict):
    return metric_where(d.metrics(), "dnsplane_xdp_packets_total", interface=V0,
                        verdict=verdict)


def afxdp_worker_rx():
    # worker 0 is the socket plane's (TCP); worker 1 is the AF_XDP worker
    return metric_where(d.metrics(), "dnsplane_worker_packets_total", worker="1",
                        direction="rx")


@s.rule
def dig_over_ipv4_answered_through_af_xdp():
    red0, rx0 = xdp("redirected"), afxdp_worker_rx()
    out = in_ns(NS_C, "dig", "+tries=1", "+time=2", "+short", "@" + SRV4, "www.example.com",
                "A", check=False).stdout.split()
    assert out == ["192.0.2.80"], "dig answered %r" % out
    assert xdp("redirected") > red0, "the XDP program redirected nothing"
    assert afxdp_worker_rx() > rx0, "the AF_XDP worker received nothing"


@s.rule
def kdig_over_ipv4_answered():
    out = in_ns(NS_C, "kdig", "+retry=0", "+timeout=2", "+short", "@" + SRV4,
                "ns1.example.com", "A", check=False).stdout.split()
    assert out == ["192.0.2.1"], "kdig answered %r" % out


@s.rule
def kdig_over_ipv6_answered_through_af_xdp():
    red0 = xdp("redirected")
    out = in_ns(NS_C, "kdig", "+retry=0", "+timeout=2", "+short", "@" + SRV6,
                "www.example.com", "AAAA", check=False).stdout.split()
    assert out == ["2001:db8::80"], "kdig -6 answered %r" % out
    assert xdp("redirected") > red0, "the XDP program redirected nothing"


@s.rule
def many_names_answered_correctly():
    for i in range(0, 300, 7):
        r = query_from_client(SRV4, "h%04d.example.com." % i)
        h.expect(r, rcode=0, aa=True)
        assert h.answer_values(r) == ["10.44.%d.%d" % (i >> 8, i & 255)], \
            "h%04d: %s" % (i, h.answer_values(r))


@s.rule
def vlan_tagged_query_answered_on_its_vlan():
    if HAVE_VLAN:
        out = in_ns(NS_C, "kdig", "+retry=0", "+timeout=2", "+short", "@" + VSRV4,
                    "www.example.com", "A", check=False).stdout.split()
        assert out == ["192.0.2.80"], "kdig over VLAN %d answered %r" % (VID, out)
        return
    # No 802.1Q in this kernel: a raw tagged frame; XDP sees the tag inline.
    raw = Raw()
    try:
        q = dns_query(0x4545)
        frame = eth(state["srv_mac"], state["cli_mac"], 0x0800,
                    ip4_udp(VCLI4, VSRV4, q, 40445), vlan=VID)
        raw.send(frame)
        got = raw.recv_udp_from_53(40445, 3.0)
    finally:
        raw.close()
    assert got, "no reply to a VLAN %d tagged query" % VID
    vlan, payload = got[0]
    assert vlan == VID, "reply carried VLAN %r, not %d" % (vlan, VID)
    r = h.Reply(payload)
    assert r.id == 0x4545 and r.rcode == 0, "reply id %#x rcode %s" % (r.id, r.rcode_text())
    assert h.answer_values(r) == ["192.0.2.80"], h.answer_values(r)


@s.rule
def tcp_53_served_by_kernel_sockets():
    out = in_ns(NS_C, "dig", "+tcp", "+tries=1", "+time=2", "+short", "@" + SRV4,
                "www.example.com", "A", check=False).stdout.split()
    assert out == ["192.0.2.80"], "dig +tcp answered %r" % out


@s.rule
def tcp_to_other_port_gets_rst_from_kernel():
    with netns(NS_C):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(2.0)
        try:
            t0 = time.monotonic()
            rc = c.connect_ex((SRV4, 5399))
            dt = time.monotonic() - t0
        finally:
            c.close()
    assert rc == 111, "connect to port 5399: %s (ECONNREFUSED expected)" % os.strerror(rc)
    assert dt < 1.0, "RST took %.2f s" % dt


@s.rule
def icmp_echo_answered_by_kernel():
    passed0 = xdp("passed")
    with netns(NS_C):
        sk = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        sk.settimeout(2.0)
        body = struct.pack("!BBHHH", 8, 0, 0, 0x4444, 1) + b"dnsplane"
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        sk.sendto(body, (SRV4, 0))
        deadline = time.monotonic() + 2.0
        ok = False
        while time.monotonic() < deadline and not ok:
            data, addr = sk.recvfrom(2048)
            ihl = (data[0] & 15) * 4
            ok = addr[0] == SRV4 and data[ihl] == 0 and data[ihl + 4:ihl + 6] == b"\x44\x44"
    finally:
        sk.close()
    assert ok, "no ICMP echo reply from %s" % SRV4
    assert xdp("passed") > passed0, "the XDP program did not count the ICMP frames as passed"


@s.rule
def malformed_frames_do_no_harm():
    m0 = d.metrics()
    drop0 = metric_where(m0, "dnsplane_xdp_packets_total", interface=V0, verdict="dropped")
    wdrop0 = metric_where(m0, "dnsplane_worker_dropped_total", worker="1")
    smac, cmac = state["srv_mac"], state["cli_mac"]
    q = dns_query(0x5151)
    good = ip4_udp(CLI4, SRV4, q, 40551)
    frames = {
        "truncated IPv4 header": eth(smac, cmac, 0x0800, good[:12]),
        "truncated UDP header": eth(smac, cmac, 0x0800, good[:24]),
        "IPv4 total length beyond the frame": eth(smac, cmac, 0x0800,
                                                  ip4_udp(CLI4, SRV4, q, 40551, tot=1400)),
        "UDP length beyond the IP payload": eth(smac, cmac, 0x0800,
                                                ip4_udp(CLI4, SRV4, q, 40551, ulen=900)),
        "UDP length below 8": eth(smac, cmac, 0x0800, ip4_udp(CLI4, SRV4, q, 40551, ulen=3)),
        "bad IPv4 header checksum": eth(smac, cmac, 0x0800,
                                        ip4_udp(CLI4, SRV4, q, 40551, good_csum=False)),
        "DNS header cut short": eth(smac, cmac, 0x0800, ip4_udp(CLI4, SRV4, q[:7], 40551)),
        "IPv6 header cut short": eth(smac, cmac, 0x86dd, b"\x60" + b"\0" * 20),
    }
    raw = Raw()
    try:
        for _ in range(20):
            for f in frames.values():
                raw.send(f)
        replies = raw.recv_udp_from_53(40551, 1.0, first=False)
    finally:
        raw.close()
    for _, payload in replies:   # only FORMERR may come back (the cut DNS header)
        assert len(payload) >= 12 and (payload[3] & 15) == 1, \
            "a malformed frame got a reply that is not FORMERR: %r" % payload[:16]
    assert d.alive(), "dnsplaned died:\n" + d.log_tail()
    r = query_from_client(SRV4, "www.example.com.")
    h.expect(r, rcode=0, aa=True)
    m1 = d.metrics()
    assert metric_where(m1, "dnsplane_xdp_packets_total", interface=V0,
                        verdict="dropped") >= drop0 + 60, "XDP drops did not move"
    assert metric_where(m1, "dnsplane_worker_dropped_total", worker="1") >= wdrop0 + 20, \
        "the worker did not count the bad-checksum frames as dropped"


@s.rule
def reload_under_dnsperf_load_loses_nothing():
    if shutil.which("dnsperf") is None:
        raise AssertionError("dnsperf not installed")
    qfile = d.path("queries.txt")
    with open(qfile, "w") as f:
        for i in range(300):
            f.write("h%04d.example.com A\n" % i)
    g0 = d.generation()
    perf = subprocess.Popen(["ip", "netns", "exec", NS_C, "dnsperf", "-s", SRV4, "-d", qfile,
                             "-l", "5", "-Q", "3000", "-c", "2", "-t", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        t0 = time.monotonic()
        for i in range(6):
            while time.monotonic() < t0 + 0.5 + i * 0.6:
                time.sleep(0.02)
            d.sighup()
            gen = g0 + i + 1
            h.wait_until(lambda: d.generation() >= gen, 10.0,
                         what="reload %d to publish" % (i + 1))
        out, _ = perf.communicate(timeout=40)
    finally:
        if perf.poll() is None:
            perf.kill()
            perf.wait(5)
    sent = re.search(r"Queries sent:\s+(\d+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    assert sent and lost, "dnsperf output:\n" + out
    assert int(sent.group(1)) > 5000, "dnsperf sent only %s" % sent.group(1)
    assert lost.group(1) == "0", "lost %s of %s queries:\n%s" % (lost.group(1),
                                                                sent.group(1), out)
    assert re.search(r"Response codes:\s+NOERROR \d+ \(100", out), out


@s.rule
def metrics_show_xdp_verdicts_per_interface():
    m = d.metrics()
    for v in ("redirected", "passed", "dropped", "unbound"):
        assert has_series(m, "dnsplane_xdp_packets_total", interface=V0, verdict=v), \
            "no dnsplane_xdp_packets_total{interface=%s,verdict=%s}" % (V0, v)
    assert has_series(m, "dnsplane_afxdp_socket_drops_total", interface=V0,
                      reason="rx_ring_full"), "no dnsplane_afxdp_socket_drops_total"


@s.rule
def second_daemon_on_the_same_interface_refused():
    conf = CONFIG % {"variant": "second", "dev": V0, "ctl": "127.0.0.1:18945", "v4": SRV4,
                     "v6": SRV6, "vv4": VSRV4}
    path = d.path("second.yaml")
    with open(path, "w") as f:
        f.write(conf)
    p = in_ns(NS_S, h.DNSPLANED, "--foreground", "-c", path, check=False, timeout=30)
    out = p.stdout + p.stderr
    assert p.returncode != 0, "a second dnsplaned started on %s:\n%s" % (V0, out)
    assert "is serving this interface" in out, out
    r = query_from_client(SRV4, "www.example.com.")
    h.expect(r, rcode=0, aa=True)


@s.rule
def sigterm_detaches_the_xdp_program():
    assert xdp_prog_on(NS_S, V0) is not None, "no XDP program attached while serving"
    rc = d.stop()
    assert rc in (0, -signal.SIGTERM) and not d.killed, "dnsplaned exit status %s" % rc
    assert xdp_prog_on(NS_S, V0) is None, "XDP program still attached after SIGTERM: %s" % (
        xdp_prog_on(NS_S, V0),)
    # the kernel serves TCP no more, but ARP/ICMP still work: nothing blocks
    assert "stopping" in d.log()


@s.rule
def after_kill9_next_start_replaces_stale_program():
    global d
    d = make_daemon("crash")
    d.kill9()
    stale = xdp_prog_on(NS_S, V0)
    assert stale is not None and stale[1] == "dnsplane_xdp", \
        "after kill -9 expected dnsplane's program to stay attached, found %s" % (stale,)
    d.cleanup()
    d = make_daemon("restart")
    assert "removed a stale dnsplane XDP program" in d.log(), d.log_tail()
    now = xdp_prog_on(NS_S, V0)
    assert now is not None and now[0] != stale[0], "program not replaced: %s" % (now,)
    r = query_from_client(SRV4, "www.example.com.")
    h.expect(r, rcode=0, aa=True)


def main():
    global d
    if os.geteuid() != 0:
        h.skip("needs root (network namespaces, XDP, AF_XDP)")
    for tool in ("dig", "kdig", "ip"):
        if shutil.which(tool) is None:
            h.skip("%s not installed" % tool)
    atexit.register(topology_down)
    setup_error = None
    try:
        topology_up()
        state["srv_mac"] = mac_of(NS_S, V0)
        state["cli_mac"] = mac_of(NS_C, V1)
        d = make_daemon("main")
        print("# VLAN subinterfaces: %s" % ("yes" if HAVE_VLAN else
                                           "no (kernel without 802.1Q): raw tagged frames"))
    except AssertionError as e:
        setup_error = str(e)
    try:
        s.run_rules(setup_error)
    finally:
        s.finish([d])
        topology_down()


if __name__ == "__main__":
    main()
