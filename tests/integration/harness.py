"""Shared harness for dnsplane integration tests.

What it is for: every integration test starts a real dnsplaned (and sometimes
a peer server such as knotd), talks to it with real DNS messages over
UDP/TCP on loopback, and checks one named behaviour rule per check function.
This module owns the boring parts so the tests read as a list of rules:

* Daemon: writes a config (and any zone files) to a temp dir, starts
  dnsplaned in the foreground with its output in a log file, waits until it
  answers a DNS query and its control API answers (bounded, 20 s), and stops
  it (SIGTERM, bounded wait, SIGKILL fallback) from finally/atexit.
* Raw transports (udp_raw / tcp_raw) and dnspython-level helpers (query) so
  tests can send well-formed and malformed messages alike.
* Prometheus /metrics parsing, dnsplanectl invocation, /proc RSS reads.
* Suite: runs named checks, prints "ok <name>" or "FAIL <name>: <why>", and
  ends with the summary line "N passed, M failed"; exit 0 / 1, or 77 (skip).

Conventions: only loopback addresses are used; each test picks its own
127.0.<n>.x addresses and a per-test port range (ports_for(n)), so tests run
in parallel. Nothing sleeps blindly: every wait polls a condition with a
bounded deadline. Use Debian's /usr/bin/python3 (it has dnspython).
"""

import atexit
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SRCROOT = os.path.dirname(os.path.dirname(HERE))


def _default_bin(name):
    """Without DNSPLANED/DNSPLANECTL in the environment (a run outside meson
    test), look in the usual build folders: build/<name> (SPEC §3)."""
    found = [os.path.join(SRCROOT, b, sub, name) for b in ("build", "build-g")
             for sub in ("", "ctrl")]
    found = [p for p in found if os.path.exists(p)]
    if not found:
        return os.path.join(SRCROOT, "build", name)
    return max(found, key=os.path.getmtime)   # the most recently built one


DNSPLANED = os.environ.get("DNSPLANED") or _default_bin("dnsplaned")
DNSPLANECTL = os.environ.get("DNSPLANECTL") or _default_bin("dnsplanectl")


def skip(msg):
    print("SKIP: " + msg)
    sys.stdout.flush()
    sys.exit(SKIP)


def ports_for(n):
    """Per-test addresses and ports: test n uses 127.0.n.x and ports
    15000+10n .. 15009+10n (DNS) and 18000+10n (control API)."""
    return {
        "v4": "127.0.%d.1" % n,
        "v4b": "127.0.%d.2" % n,
        "v4c": "127.0.%d.3" % n,
        "v4d": "127.0.%d.4" % n,
        "port": 15000 + 10 * n,
        "port6": 15001 + 10 * n,
        "ctl": "127.0.%d.1:%d" % (n, 18000 + 10 * n),
        "ctl_url": "http://127.0.%d.1:%d" % (n, 18000 + 10 * n),
    }


def port_busy(addr, port, proto="udp"):
    """True if addr:port cannot be bound (someone else serves there)."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
    try:
        if proto == "tcp":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns a truthy value or timeout seconds pass.
    Returns the value; raises AssertionError naming `what` (a string, or a
    callable giving one, evaluated at the timeout) on timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - the predicate may fail while waiting
            last_exc = e
        if time.monotonic() >= deadline:
            if callable(what):
                what = what()
            msg = "timed out after %.1f s waiting for %s" % (timeout, what)
            if last_exc is not None:
                msg += " (last error: %r)" % (last_exc,)
            raise AssertionError(msg)
        time.sleep(interval)


# ---------------------------------------------------------------- transports

def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_raw(wire, addr, port, timeout=2.0, expect_reply=True):
    """Sends one datagram and returns the reply bytes (or None on timeout
    when expect_reply is False). Raises socket.timeout otherwise."""
    s = socket.socket(_family(addr), socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(wire, (addr, port))
        try:
            data, _ = s.recvfrom(65535)
            return data
        except socket.timeout:
            if expect_reply:
                raise
            return None
    finally:
        s.close()


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def tcp_raw(wire, addr, port, timeout=3.0):
    """Sends one length-prefixed message over a new TCP connection and
    returns the reply message bytes."""
    s = socket.socket(_family(addr), socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect((addr, port))
        s.sendall(struct.pack("!H", len(wire)) + wire)
        (n,) = struct.unpack("!H", _recv_exact(s, 2))
        return _recv_exact(s, n)
    finally:
        s.close()


def knot_conf(listen, zones, tmp="%(tmp)s", user=None):
    """A knotd configuration: one listen address ("addr@port"), zones as
    (origin, zone file) pairs, rundir and storage in tmp (left as the
    %(tmp)s placeholder by default, for callers that format it later),
    info logs to stderr, semantic checks off (test zones are odd on
    purpose), and an optional user ("root:root")."""
    text = "server:\n    listen: %s\n    rundir: %s\n" % (listen, tmp)
    if user:
        text += "    user: %s\n" % user
    text += ("log:\n  - target: stderr\n    any: info\n"
             "database:\n    storage: %s\n"
             "template:\n  - id: default\n    storage: %s\n    semantic-checks: off\n"
             "zone:\n" % (tmp, tmp))
    for origin, zonefile in zones:
        text += "  - domain: %s\n    file: %s\n" % (origin, zonefile)
    return text


def make_query(qname, qtype="A", edns=0, payload=1232, options=None, rd=False,
               want_dnssec=False, qid=None):
    """Builds a query. edns=None → no OPT record; edns=N → EDNS version N."""
    flags = dns.flags.RD if rd else 0
    q = dns.message.make_query(qname, qtype, use_edns=False, flags=flags, id=qid)
    if edns is not None:
        # set explicitly: make_query(use_edns=1) silently builds version 0
        q.use_edns(edns, ednsflags=dns.flags.DO if want_dnssec else 0, payload=payload,
                   options=options or [])
    return q


class Reply:
    """A reply: raw bytes, header fields from the raw bytes (always
    available), and the dnspython message when it parses (else msg is None
    and parse_error says why)."""

    def __init__(self, wire, elapsed=0.0):
        self.wire = wire
        self.elapsed = elapsed
        if len(wire) < 12:
            raise AssertionError("reply shorter than a DNS header (%d bytes)" % len(wire))
        (self.id, self.hflags, self.qdcount, self.ancount, self.nscount,
         self.arcount) = struct.unpack("!HHHHHH", wire[:12])
        self.msg = None
        self.parse_error = None
        try:
            self.msg = dns.message.from_wire(wire, ignore_trailing=False)
        except Exception as e:  # noqa: BLE001
            self.parse_error = repr(e)

    @property
    def rcode(self):
        """Full rcode (with the extended bits from OPT when parsed)."""
        if self.msg is not None:
            return self.msg.rcode()
        return self.hflags & 0xF

    @property
    def opcode(self):
        return (self.hflags >> 11) & 0xF

    def flag(self, name):
        bit = {"QR": 0x8000, "AA": 0x0400, "TC": 0x0200, "RD": 0x0100,
               "RA": 0x0080, "AD": 0x0020, "CD": 0x0010}[name]
        return bool(self.hflags & bit)

    def flags_text(self):
        return " ".join(f for f in ("QR", "AA", "TC", "RD", "RA", "AD", "CD") if self.flag(f))

    def rcode_text(self):
        try:
            return dns.rcode.to_text(self.rcode)
        except Exception:  # noqa: BLE001
            return str(self.rcode)

    def section(self, which):
        assert self.msg is not None, "reply did not parse: %s" % self.parse_error
        return {"answer": self.msg.answer, "authority": self.msg.authority,
                "additional": self.msg.additional}[which]

    def rrs(self, which):
        """Set of (owner lowercased, type text, ttl, rdata text) of a section."""
        out = set()
        for rrset in self.section(which):
            for rd in rrset:
                out.add((rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype),
                         rrset.ttl, rd.to_text()))
        return out

    def rrsets_of(self, which, rdtype):
        t = dns.rdatatype.from_text(rdtype) if isinstance(rdtype, str) else rdtype
        return [r for r in self.section(which) if r.rdtype == t]

    def __str__(self):
        if self.msg is not None:
            return str(self.msg)
        return "<unparsed %d bytes: rcode=%d flags=%s qd=%d an=%d ns=%d ar=%d; %s>" % (
            len(self.wire), self.hflags & 0xF, self.flags_text(), self.qdcount,
            self.ancount, self.nscount, self.arcount, self.parse_error)


def query(addr, port, qname, qtype="A", tcp=False, edns=0, payload=1232, options=None,
          rd=False, timeout=2.0, q=None):
    """Sends a dnspython-built query (or q as given) and returns a Reply.
    Asserts the reply id matches and QR is set."""
    if q is None:
        q = make_query(qname, qtype, edns=edns, payload=payload, options=options, rd=rd)
    wire = q.to_wire() if hasattr(q, "to_wire") else q
    qid = struct.unpack("!H", wire[:2])[0]
    t0 = time.monotonic()
    data = tcp_raw(wire, addr, port, timeout) if tcp else udp_raw(wire, addr, port, timeout)
    r = Reply(data, time.monotonic() - t0)
    assert r.id == qid, "reply id %d != query id %d" % (r.id, qid)
    assert r.flag("QR"), "reply without QR flag"
    return r


def expect(r, rcode=None, aa=None, tc=None, ra=None, answer=None, min_answer=None, what=""):
    """Asserts on a Reply; on failure the message includes the reply."""
    def fail(why):
        raise AssertionError("%s%s\n--- reply ---\n%s" % ((what + ": ") if what else "", why, r))
    if rcode is not None:
        want = dns.rcode.from_text(rcode) if isinstance(rcode, str) else rcode
        if r.rcode != want:
            fail("rcode %s, expected %s" % (r.rcode_text(), dns.rcode.to_text(want)))
    for fl, v in (("AA", aa), ("TC", tc), ("RA", ra)):
        if v is not None and r.flag(fl) != v:
            fail("%s flag is %s, expected %s" % (fl, r.flag(fl), v))
    if answer is not None or min_answer is not None:
        if r.msg is None:
            fail("reply did not parse: %s" % r.parse_error)
        n = sum(len(x) for x in r.msg.answer)
        if answer is not None and n != answer:
            fail("%d answer records, expected %d" % (n, answer))
        if min_answer is not None and n < min_answer:
            fail("%d answer records, expected at least %d" % (n, min_answer))
    return r


def answer_values(r, rdtype=None):
    """Sorted rdata texts of the answer section (optionally of one type)."""
    out = []
    for rrset in r.section("answer"):
        if rdtype is None or rrset.rdtype == dns.rdatatype.from_text(rdtype):
            out.extend(rd.to_text() for rd in rrset)
    return sorted(out)


# ---------------------------------------------------------------- HTTP / metrics

def http_get(url, timeout=3.0):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def http_post(url, body=b"", timeout=10.0):
    req = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


_METRIC_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def parse_metrics(text):
    """Returns {name: [(labels_text, value), ...]} from Prometheus text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _METRIC_RE.match(line)
        if not m:
            continue
        try:
            v = float(m.group(3))
        except ValueError:
            continue
        out.setdefault(m.group(1), []).append((m.group(2) or "", v))
    return out


def metric_sum(metrics, name):
    """Sum of every sample of a metric, or None if absent."""
    if name not in metrics:
        return None
    return sum(v for _, v in metrics[name])


# ---------------------------------------------------------------- daemon

_live = []


def _cleanup_all():
    for d in list(_live):
        try:
            d.cleanup()
        except Exception:  # noqa: BLE001
            pass


atexit.register(_cleanup_all)


def _sig_exit(signum, _frame):
    _cleanup_all()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _sig_exit)


class Daemon:
    """One dnsplaned process with its own temp dir, config and log.

    config: YAML text (None → no -c, the embedded default)
    files:  {relative name: text} written beside the config (zone files)
    probe:  (addr, port, qname, qtype) asked until any reply arrives
    ctl_url: control API base URL (waited on until /metrics answers)
    """

    def __init__(self, config=None, files=None, probe=None, ctl_url=None, args=None,
                 name="dnsplaned", workers=None):
        if not os.path.exists(DNSPLANED):
            skip("dnsplaned not built at %s" % DNSPLANED)
        self.tmp = tempfile.mkdtemp(prefix="dnsplane-it-%s-" % name)
        self.config_text = config
        self.config_path = os.path.join(self.tmp, "dnsplane.yaml") if config is not None else None
        self.files = files or {}
        self.probe = probe
        self.ctl_url = ctl_url
        self.args = args or []
        self.workers = workers
        self.proc = None
        self.killed = False          # SIGTERM was not enough: SIGKILL after the timeout
        self.stopped_by_us = False   # it was running until our SIGTERM
        self.log_path = os.path.join(self.tmp, "daemon.log")
        self._logf = None
        self.write_files(config, self.files)

    def write_files(self, config=None, files=None):
        if config is not None:
            with open(self.config_path, "w") as f:
                f.write(config)
        for rel, text in (files or {}).items():
            p = os.path.join(self.tmp, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)

    def path(self, rel):
        return os.path.join(self.tmp, rel)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n=40):
        lines = self.log().splitlines()
        return "\n".join(lines[-n:])

    def start(self, ready_timeout=20.0):
        if self.probe and port_busy(self.probe[0], self.probe[1]):
            raise AssertionError("%s port %d is already in use by another process"
                                 % (self.probe[0], self.probe[1]))
        cmd = [DNSPLANED, "--foreground"]
        if self.config_path:
            cmd += ["-c", self.config_path]
        if self.workers:
            cmd += ["--workers", str(self.workers)]
        cmd += self.args
        self._logf = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.tmp)
        _live.append(self)
        try:
            self.wait_ready(ready_timeout)
        except AssertionError as e:
            raise AssertionError("dnsplaned did not become ready: %s\ncommand: %s\n--- log ---\n%s"
                                 % (e, " ".join(cmd), self.log_tail())) from None
        return self

    def _check_alive(self):
        if not self.alive():
            rc = self.proc.returncode if self.proc else None
            raise AssertionError("dnsplaned exited (status %s)" % rc)

    def wait_ready(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        if self.probe:
            addr, port, qname, qtype = self.probe
            wire = make_query(qname, qtype).to_wire()
            while True:
                self._check_alive()
                try:
                    udp_raw(wire, addr, port, timeout=0.2)
                    break
                except (socket.timeout, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("no DNS reply from %s port %d" % (addr, port))
        if self.ctl_url:
            while True:
                self._check_alive()
                try:
                    st, _ = http_get(self.ctl_url + "/metrics", timeout=0.5)
                    if st == 200:
                        break
                except (OSError, urllib.error.URLError):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("control API %s/metrics does not answer" % self.ctl_url)
                time.sleep(0.05)

    def stop(self, timeout=10.0):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
                self.stopped_by_us = True
            except subprocess.TimeoutExpired:
                self.killed = True
                self.proc.kill()
                self.proc.wait(5)
        rc = self.proc.returncode
        if self in _live:
            _live.remove(self)
        if self._logf:
            self._logf.close()
            self._logf = None
        return rc

    def cleanup(self):
        self.stop()
        if os.environ.get("DNSPLANE_KEEP_TMP"):
            print("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- control helpers
    def metrics(self):
        st, text = http_get(self.ctl_url + "/metrics")
        assert st == 200, "GET /metrics status %d" % st
        return parse_metrics(text)

    def metric(self, name):
        return metric_sum(self.metrics(), name)

    def generation(self):
        v = self.metric("dnsplane_snapshot_generation")
        assert v is not None, "metric dnsplane_snapshot_generation missing"
        return v

    def sighup(self):
        self._check_alive()
        os.kill(self.proc.pid, signal.SIGHUP)

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc/%d/status" % self.proc.pid)

    def ctl(self, *args, timeout=20.0):
        """Runs dnsplanectl --server <ctl_url> args; returns CompletedProcess."""
        if not os.path.exists(DNSPLANECTL):
            raise AssertionError("dnsplanectl not built at %s" % DNSPLANECTL)
        cmd = [DNSPLANECTL, "--server", self.ctl_url] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.tmp)

    def ctl_json(self, *args):
        p = self.ctl(*args)
        assert p.returncode == 0, "dnsplanectl %s exited %d\nstdout: %s\nstderr: %s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr)
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise AssertionError("dnsplanectl %s printed non-JSON (%s):\n%s"
                                 % (" ".join(args), e, p.stdout)) from None


# ---------------------------------------------------------------- suite

class Suite:
    """Runs named checks. A check is a function; its name is the rule."""

    def __init__(self, title):
        self.title = title
        self.rules = []
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.daemons = []
        print("# %s" % title)
        sys.stdout.flush()

    def rule(self, fn):
        """Decorator: registers fn as a check; run_rules() runs them in order."""
        self.rules.append(fn)
        return fn

    def run_rules(self, setup_error=None):
        """Runs every registered rule, or fails each with setup_error."""
        if setup_error is not None:
            self.fail_all([f.__name__ for f in self.rules], setup_error)
            return
        for fn in self.rules:
            self.check(fn)

    def check(self, fn, *args, **kw):
        name = fn.__name__
        try:
            fn(*args, **kw)
        except AssertionError as e:
            self._fail(name, str(e))
            return False
        except Exception:  # noqa: BLE001
            self._fail(name, "unexpected exception:\n" + traceback.format_exc())
            return False
        self.passed += 1
        print("ok %s" % name)
        sys.stdout.flush()
        return True

    def _fail(self, name, why):
        self.failed += 1
        self.failures.append((name, why))
        print("FAIL %s: %s" % (name, why))
        sys.stdout.flush()

    def fail_all(self, names, why):
        for n in names:
            self._fail(n, why)

    SANITIZER_RE = re.compile(r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:")

    def finish(self, daemons=()):
        for d in daemons:
            if d is None:
                continue
            rc = d.stop()
            if d.killed:
                self._fail("daemon_stops_on_sigterm", "dnsplaned ignored SIGTERM for 10 s "
                           "and was killed")
            elif d.stopped_by_us and rc not in (0, -signal.SIGTERM):
                self._fail("daemon_stops_on_sigterm", "dnsplaned exited with status %s on "
                           "SIGTERM (0 expected; 23 is LeakSanitizer, negative is a signal)"
                           % rc)
            log = d.log()
            m = self.SANITIZER_RE.search(log)
            if m:
                # a sanitizer build (-Db_sanitize=...) reported a bug in the daemon
                start = max(0, log.rfind("\n", 0, max(0, m.start() - 200)))
                self._fail("daemon_log_has_no_sanitizer_reports",
                           "%s:\n%s" % (d.log_path, log[start:start + 3000]))
            if self.failed:
                print("--- %s log tail (%s) ---" % (os.path.basename(d.tmp), d.log_path))
                print(d.log_tail(30))
            d.cleanup()
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.stdout.flush()
        sys.exit(0 if self.failed == 0 else 1)


def rng(seed):
    return random.Random(seed)
