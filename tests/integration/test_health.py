"""Integration test: health checks (SEMANTICS §10, §17; SPEC §3).

What it is for: dnsplaned probes the endpoints that its health_checks name
from its own checker thread and reports each check's status through
GetHealthCheckStatus (`dnsplanectl get-health-check-status`), /metrics and
the status table the data plane reads. The test starts its own endpoints on
loopback -- HTTP and HTTPS servers (python http.server in threads, the
HTTPS one with a self-signed certificate made by `openssl req`) that it can
make answer 500, hang, change their body or stop listening, and a bare TCP
listener -- and checks, with bounded waits, that:

* HTTP/HTTPS checks are healthy on 2xx/3xx and fail on 5xx, on a closed
  port and on a response slower than the timeout; the Host header and SNI
  follow Route 53's rules;
* *_STR_MATCH checks search the first 5,120 bytes of the body (chunked or
  not);
* TCP checks follow the listener;
* FailureThreshold consecutive failures are needed before a check turns
  unhealthy; Inverted flips; Disabled is healthy and sends no probes;
* CALCULATED checks follow HealthThreshold over their children;
* the API-set check (Type CLOUDWATCH_METRIC) follows
  `dnsplanectl set-health-check-status`;
* list-health-checks / get-health-check print Route 53 shapes;
* a reload keeps the state of unchanged checks, adds new ones and drops
  removed ones;
* configuration errors name file, line and key (--check).
Addresses: DNS 127.0.31.1 port 15310, control 127.0.31.1:18310; endpoints
on 127.0.31.2-6.
"""

import http.server
import json
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

P = h.ports_for(31)
ADDR, PORT = P["v4"], P["port"]
HTTP_ADDR, HTTP_PORT = "127.0.31.2", 15311
HTTPS_ADDR, HTTPS_PORT = "127.0.31.3", 15312
TCP_ADDR, TCP_PORT = "127.0.31.4", 15313
DEAD_ADDR, DEAD_PORT = "127.0.31.5", 15314     # nothing ever listens here
INV_ADDR, INV_PORT = "127.0.31.6", 15315
WAIT = 10.0   # bounded waits: checks run every 100 ms


# ---------------------------------------------------------------- endpoints

class Backend:
    """An HTTP(S) server in a thread whose answers the test controls:
    status code, body, delay, chunked or not. It records the Host header
    and the TLS SNI name of the last request."""

    def __init__(self, addr, port, tls_ctx=None):
        self.addr, self.port, self.tls_ctx = addr, port, tls_ctx
        self.status, self.body, self.delay, self.chunked = 200, b"all good\n", 0.0, False
        self.last_host = None
        self.hosts = {}          # path -> Host header of its last request
        self.last_sni = None
        self.requests = 0
        self.httpd = None
        self.thread = None
        if tls_ctx is not None:
            tls_ctx.sni_callback = self._sni

    def _sni(self, sslobj, name, ctx):
        if name:
            self.last_sni = name
        return None

    def set(self, status=None, body=None, delay=None, chunked=None):
        if status is not None:
            self.status = status
        if body is not None:
            self.body = body
        if delay is not None:
            self.delay = delay
        if chunked is not None:
            self.chunked = chunked

    def start(self):
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                backend.requests += 1
                backend.last_host = self.headers.get("Host")
                backend.hosts[self.path] = backend.last_host
                if backend.delay:
                    time.sleep(backend.delay)
                body = backend.body
                try:
                    self.send_response(backend.status)
                    self.send_header("Content-Type", "text/plain")
                    if backend.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if backend.chunked:
                        # small chunks, with an extension on the first, to
                        # exercise the decoder
                        for i in range(0, len(body), 700):
                            part = body[i:i + 700]
                            ext = ";x=1" if i == 0 else ""
                            self.wfile.write(b"%x%s\r\n%s\r\n" % (len(part), ext.encode(), part))
                        self.wfile.write(b"0\r\n\r\n")
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass
                self.close_connection = True

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            allow_reuse_address = True
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.httpd = Server((self.addr, self.port), Handler)
        if self.tls_ctx is not None:
            self.httpd.socket = self.tls_ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


class TcpListener:
    """A bare TCP listener that accepts and closes connections."""

    def __init__(self, addr, port):
        self.addr, self.port = addr, port
        self.sock = None
        self.thread = None

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.addr, self.port))
        s.listen(64)
        s.settimeout(0.1)
        self.sock = s

        def loop(sock):
            while self.sock is sock:
                try:
                    c, _ = sock.accept()
                    c.close()
                except (socket.timeout, OSError):
                    continue

        self.thread = threading.Thread(target=loop, args=(s,), daemon=True)
        self.thread.start()
        return self

    def stop(self):
        s, self.sock = self.sock, None
        if s is not None:
            s.close()
        if self.thread is not None:
            self.thread.join(2)


def make_cert(tmp):
    """Self-signed certificate for the HTTPS endpoint (openssl req)."""
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=web.example.test"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, "openssl req failed: %s" % p.stderr
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


# ---------------------------------------------------------------- config

def check(id_, conf, interval_ms=100, timeout_ms=400):
    return ("  - {Id: %s, IntervalMs: %d, TimeoutMs: %d, HealthCheckConfig: {%s}}\n"
            % (id_, interval_ms, timeout_ms, conf))


CHECKS = {
    "hc-http": "Type: HTTP, IPAddress: %s, Port: %d, ResourcePath: /health, RequestInterval: 10, "
               "FailureThreshold: 3" % (HTTP_ADDR, HTTP_PORT),
    "hc-str": "Type: HTTP_STR_MATCH, IPAddress: %s, Port: %d, ResourcePath: /body, "
              "SearchString: all good, FailureThreshold: 1" % (HTTP_ADDR, HTTP_PORT),
    "hc-https": "Type: HTTPS, IPAddress: %s, Port: %d, FullyQualifiedDomainName: web.example.test, "
                "ResourcePath: tls, FailureThreshold: 1" % (HTTPS_ADDR, HTTPS_PORT),
    "hc-https-str": "Type: HTTPS_STR_MATCH, IPAddress: %s, Port: %d, SearchString: all good, "
                    "FailureThreshold: 1" % (HTTPS_ADDR, HTTPS_PORT),
    "hc-tcp": "Type: TCP, IPAddress: %s, Port: %d, FailureThreshold: 1" % (TCP_ADDR, TCP_PORT),
    "hc-inv": "Type: HTTP, IPAddress: %s, Port: %d, Inverted: true, FailureThreshold: 1"
              % (INV_ADDR, INV_PORT),
    "hc-dis": "Type: HTTP, IPAddress: %s, Port: %d, Disabled: true" % (DEAD_ADDR, DEAD_PORT),
    "hc-dead": "Type: HTTP, IPAddress: %s, Port: %d, FailureThreshold: 1" % (DEAD_ADDR, DEAD_PORT),
    "hc-calc": "Type: CALCULATED, HealthThreshold: 2, ChildHealthChecks: [hc-str, hc-tcp, hc-https]",
    "hc-cw": "Type: CLOUDWATCH_METRIC, InsufficientDataHealthStatus: LastKnownStatus",
}


def config(ids, extra_checks=""):
    text = """# test_health
server:
  workers: 1
  control: {listen: "%(ctl)s"}
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
health_checks:
""" % {"ctl": P["ctl"], "addr": ADDR, "port": PORT}
    for i in ids:
        text += check(i, CHECKS[i])
    text += extra_checks
    text += """hosted_zones:
  - Id: ZHC
    Name: hc.test.
    Config: {PrivateZone: false}
    ResourceRecordSets:
      - {Name: www.hc.test., Type: A, TTL: 60, HealthCheckId: hc-cw, ResourceRecords: [{Value: 192.0.2.1}]}
"""
    return text


ALL = list(CHECKS)

# ---------------------------------------------------------------- helpers

s = h.Suite("health checks")
d = None
tmp = tempfile.mkdtemp(prefix="dnsplane-it-health-")
http_be = https_be = inv_be = None
tcp_l = None


def status_of(id_):
    """StatusReport.Status through the API (fast, for waits)."""
    st, text = h.http_get(P["ctl_url"] + "/2013-04-01/healthcheck/%s/status" % id_)
    assert st == 200, "status %d: %s" % (st, text)
    obs = json.loads(text)["HealthCheckObservations"]
    return obs[0]["StatusReport"]["Status"]


def wait_status(id_, prefix, timeout=WAIT):
    return h.wait_until(lambda: status_of(id_).startswith(prefix) and status_of(id_), timeout,
                        what=lambda: "%s status starting %r (now %r)" % (id_, prefix,
                                                                           status_of(id_)))


def metric(name, **labels):
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for lab, v in d.metrics().get(name, []):
        got = ",".join(sorted(lab.strip("{}").split(","))) if lab else ""
        if got == want:
            return v
    return None


def probes(id_, result):
    return metric("dnsplane_health_check_probes_total", id=id_, result=result) or 0


# ---------------------------------------------------------------- rules

@s.rule
def checker_runs_in_its_own_thread():
    names = set()
    for t in os.listdir("/proc/%d/task" % d.pid):
        try:
            with open("/proc/%d/task/%s/comm" % (d.pid, t)) as f:
                names.add(f.read().strip())
        except OSError:
            pass
    assert "dnsp-health" in names, "no dnsp-health thread among %s" % sorted(names)


@s.rule
def get_health_check_status_prints_aws_shape():
    wait_status("hc-http", "Success: HTTP Status Code 200, OK")
    out = d.ctl_json("get-health-check-status", "--health-check-id", "hc-http")
    obs = out["HealthCheckObservations"]
    assert len(obs) == 1, out
    o = obs[0]
    assert o["Region"] == "local", o
    assert o["IPAddress"] == "127.0.0.1", o   # the probe's source address
    assert o["StatusReport"]["Status"].startswith("Success: HTTP Status Code 200"), o
    assert o["StatusReport"]["CheckedTime"].endswith("Z") and "T" in o["StatusReport"]["CheckedTime"], o
    assert http_be.hosts["/health"] == HTTP_ADDR + ":" + str(HTTP_PORT), http_be.hosts
    assert metric("dnsplane_health_check_status", id="hc-http") == 1


@s.rule
def http_check_needs_failure_threshold_failures():
    # SEMANTICS §10: FailureThreshold (3) consecutive failures flip the view
    http_be.set(status=500)
    try:
        wait_status("hc-http", "Failure: HTTP Status Code 500, Internal Server Error")
        fails = probes("hc-http", "failure")
        assert fails >= 3, "unhealthy after %d failed probes, FailureThreshold is 3" % fails
        assert metric("dnsplane_health_check_status", id="hc-http") == 0
    finally:
        http_be.set(status=200)
    wait_status("hc-http", "Success: HTTP Status Code 200")


@s.rule
def http_3xx_is_healthy():
    http_be.set(status=302)
    try:
        h.wait_until(lambda: http_be.requests and probes("hc-http", "success") and
                     "302" in status_of("hc-http"), WAIT, what="a 302 probe")
        assert status_of("hc-http").startswith("Success: HTTP Status Code 302, Found")
    finally:
        http_be.set(status=200)


@s.rule
def http_check_fails_when_endpoint_stops_listening():
    http_be.stop()
    try:
        st = wait_status("hc-http", "Failure: ")
        assert "Connection refused" in st, st
    finally:
        http_be.start()
    wait_status("hc-http", "Success: ")


@s.rule
def http_check_fails_on_slow_response():
    # TimeoutMs 400 replaces Route 53's 2 s response timeout
    http_be.set(delay=1.0)
    try:
        st = wait_status("hc-http", "Failure: ", timeout=20)
        assert "Timeout" in st or "timed out" in st, st
    finally:
        http_be.set(delay=0.0)
    wait_status("hc-http", "Success: ", timeout=20)


@s.rule
def str_match_searches_first_5120_bytes_of_body():
    wait_status("hc-str", "Success: HTTP Status Code 200, OK. Search string found")
    http_be.set(body=b"nothing to see\n")
    st = wait_status("hc-str", "Failure: ")
    assert "not found" in st, st
    # the string starting at byte 5115 does not fit entirely in 5,120 bytes
    http_be.set(body=b"x" * 5115 + b"all good")
    wait_status("hc-str", "Failure: ")
    http_be.set(body=b"x" * 5112 + b"all good" + b"y" * 10000)
    wait_status("hc-str", "Success: ")
    # chunked transfer encoding is decoded before searching
    http_be.set(body=b"x" * 3000 + b"all good" + b"z" * 3000, chunked=True)
    before = http_be.requests
    h.wait_until(lambda: http_be.requests > before + 2, WAIT, what="chunked probes")
    assert status_of("hc-str").startswith("Success: "), status_of("hc-str")
    http_be.set(body=b"x" * 6000 + b"all good", chunked=True)
    wait_status("hc-str", "Failure: ")
    http_be.set(body=b"all good\n", chunked=False)
    wait_status("hc-str", "Success: ")


@s.rule
def https_check_without_certificate_validation_sends_host_and_sni():
    wait_status("hc-https", "Success: HTTP Status Code 200")
    # SEMANTICS §10: non-default port → Host: FQDN:port; EnableSNI defaults
    # to true for HTTPS and sends the FQDN
    # ResourcePath "tls" gets its leading "/"
    h.wait_until(lambda: https_be.hosts.get("/tls"), WAIT, what="an HTTPS request for /tls")
    assert https_be.hosts["/tls"] == "web.example.test:%d" % HTTPS_PORT, https_be.hosts
    # without FullyQualifiedDomainName the Host is the IP address (and port)
    h.wait_until(lambda: https_be.hosts.get("/"), WAIT, what="an HTTPS request for /")
    assert https_be.hosts["/"] == "%s:%d" % (HTTPS_ADDR, HTTPS_PORT), https_be.hosts
    assert https_be.last_sni == "web.example.test", https_be.last_sni
    wait_status("hc-https-str", "Success: ")
    https_be.set(status=503)
    try:
        wait_status("hc-https", "Failure: HTTP Status Code 503, Service Unavailable")
    finally:
        https_be.set(status=200)
    wait_status("hc-https", "Success: ")


@s.rule
def https_str_match_fails_when_body_changes():
    https_be.set(body=b"degraded\n")
    try:
        wait_status("hc-https-str", "Failure: ")
    finally:
        https_be.set(body=b"all good\n")
    wait_status("hc-https-str", "Success: ")


@s.rule
def tcp_check_follows_listener():
    wait_status("hc-tcp", "Success: TCP connection established")
    tcp_l.stop()
    try:
        wait_status("hc-tcp", "Failure: Connection refused")
    finally:
        tcp_l.start()
    wait_status("hc-tcp", "Success: ")


@s.rule
def inverted_check_is_unhealthy_while_endpoint_is_up():
    st = wait_status("hc-inv", "Failure: ")
    assert "HTTP Status Code 200" in st and "Inverted" in st, st
    assert metric("dnsplane_health_check_status", id="hc-inv") == 0
    inv_be.stop()
    try:
        wait_status("hc-inv", "Success: ")
        assert metric("dnsplane_health_check_status", id="hc-inv") == 1
    finally:
        inv_be.start()
    wait_status("hc-inv", "Failure: ")


@s.rule
def disabled_check_is_healthy_and_sends_no_probes():
    wait_status("hc-dead", "Failure: ")     # same endpoint, enabled: fails
    assert status_of("hc-dis").startswith("Success: "), status_of("hc-dis")
    assert probes("hc-dis", "success") == 0 and probes("hc-dis", "failure") == 0
    assert metric("dnsplane_health_check_status", id="hc-dis") == 1


@s.rule
def calculated_check_follows_health_threshold():
    wait_status("hc-calc", "Success: 3 of 3 child health checks are healthy")
    tcp_l.stop()
    try:
        wait_status("hc-calc", "Success: 2 of 3")
        http_be.set(body=b"broken")           # hc-str (threshold 1) fails
        wait_status("hc-calc", "Failure: 1 of 3 child health checks are healthy "
                               "(HealthThreshold 2)")
        assert metric("dnsplane_health_check_status", id="hc-calc") == 0
    finally:
        http_be.set(body=b"all good\n")
        tcp_l.start()
    wait_status("hc-calc", "Success: 3 of 3")


@s.rule
def api_set_check_follows_set_health_check_status():
    assert status_of("hc-cw").startswith("Success: Insufficient data"), status_of("hc-cw")
    out = d.ctl_json("set-health-check-status", "--health-check-id", "hc-cw", "--status",
                     "Unhealthy")
    assert out == {"HealthCheckId": "hc-cw", "Status": "Unhealthy"}, out
    assert status_of("hc-cw") == "Failure: Status set through the control API: Unhealthy"
    assert metric("dnsplane_health_check_status", id="hc-cw") == 0
    d.ctl_json("set-health-check-status", "--health-check-id", "hc-cw", "--status",
               "InsufficientData")
    assert status_of("hc-cw").startswith("Failure: "), "LastKnownStatus keeps Unhealthy"
    d.ctl_json("set-health-check-status", "--health-check-id", "hc-cw", "--status", "Healthy")
    assert status_of("hc-cw").startswith("Success: ")
    # leave it unhealthy: the reload rule checks that the state survives
    d.ctl_json("set-health-check-status", "--health-check-id", "hc-cw", "--status",
               "Unhealthy")
    p = d.ctl("set-health-check-status", "--health-check-id", "hc-http", "--status", "Healthy")
    assert p.returncode == 1 and "InvalidInput" in p.stderr, (p.returncode, p.stderr)
    p = d.ctl("set-health-check-status", "--health-check-id", "hc-cw", "--status", "Maybe")
    assert p.returncode == 2, (p.returncode, p.stderr)


@s.rule
def unknown_health_check_is_no_such_health_check():
    p = d.ctl("get-health-check-status", "--health-check-id", "hc-nope")
    assert p.returncode == 1 and "NoSuchHealthCheck" in p.stderr, (p.returncode, p.stderr)
    p = d.ctl("set-health-check-status", "--health-check-id", "hc-nope", "--status", "Healthy")
    assert p.returncode == 1 and "NoSuchHealthCheck" in p.stderr, (p.returncode, p.stderr)


@s.rule
def list_and_get_health_checks_print_route53_shapes():
    out = d.ctl_json("list-health-checks")
    ids = [c["Id"] for c in out["HealthChecks"]]
    assert ids == ALL, ids
    byid = {c["Id"]: c for c in out["HealthChecks"]}
    c = byid["hc-http"]["HealthCheckConfig"]
    assert c["Type"] == "HTTP" and c["IPAddress"] == HTTP_ADDR and c["Port"] == HTTP_PORT, c
    assert c["RequestInterval"] == 10 and c["FailureThreshold"] == 3, c
    assert c["ResourcePath"] == "/health" and c["Inverted"] is False, c
    assert byid["hc-https"]["HealthCheckConfig"]["EnableSNI"] is True
    assert byid["hc-calc"]["HealthCheckConfig"]["ChildHealthChecks"] == ["hc-str", "hc-tcp",
                                                                         "hc-https"]
    one = d.ctl_json("get-health-check", "--health-check-id", "hc-tcp")
    assert one["HealthCheck"]["HealthCheckConfig"]["Type"] == "TCP", one


@s.rule
def reload_keeps_adds_and_removes_checks():
    before = probes("hc-http", "success")
    ids = [i for i in ALL if i not in ("hc-dead",)]
    extra = check("hc-new", "Type: TCP, IPAddress: %s, Port: %d, FailureThreshold: 1, "
                            "Inverted: true" % (TCP_ADDR, TCP_PORT))
    d.write_files(config(ids, extra))
    out = d.ctl_json("reload")
    assert out.get("Reloaded") is True, out
    # kept: the API-set status and the probe counters survive the reload
    assert status_of("hc-cw").startswith("Failure: "), status_of("hc-cw")
    assert probes("hc-http", "success") >= before
    # removed
    p = d.ctl("get-health-check-status", "--health-check-id", "hc-dead")
    assert p.returncode == 1 and "NoSuchHealthCheck" in p.stderr, p.stderr
    assert metric("dnsplane_health_check_status", id="hc-dead") is None
    # added: an inverted TCP check against a live listener turns unhealthy
    wait_status("hc-new", "Failure: TCP connection established")
    ids2 = [c["Id"] for c in d.ctl_json("list-health-checks")["HealthChecks"]]
    assert "hc-new" in ids2 and "hc-dead" not in ids2, ids2


@s.rule
def records_must_name_defined_checks():
    path = os.path.join(tmp, "dangling.yaml")
    text = config(["hc-http"]).replace("HealthCheckId: hc-cw", "HealthCheckId: hc-missing")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([h.DNSPLANED, "--check", "-c", path], capture_output=True, text=True,
                       timeout=30)
    line = [i + 1 for i, l in enumerate(text.splitlines()) if "hc-missing" in l][0]
    want = "%s:%d: hosted_zones[0].ResourceRecordSets[0].HealthCheckId: health check " \
           "\"hc-missing\" is not defined" % (path, line)
    assert p.returncode != 0 and want in p.stdout + p.stderr, (p.returncode, p.stdout, p.stderr)


@s.rule
def bad_health_check_fields_name_file_line_and_key():
    path = os.path.join(tmp, "bad.yaml")
    text = config(["hc-cw"], check("hc-bad", "Type: HTTP, IPAddress: 127.0.0.1, "
                                             "FailureThreshold: 20"))
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([h.DNSPLANED, "--check", "-c", path], capture_output=True, text=True,
                       timeout=30)
    line = [i + 1 for i, l in enumerate(text.splitlines()) if "hc-bad" in l][0]
    want = "%s:%d: health_checks[1].HealthCheckConfig.FailureThreshold: 20 is out of range " \
           "1..10" % (path, line)
    assert p.returncode != 0 and want in p.stdout + p.stderr, (p.returncode, p.stdout, p.stderr)


# ---------------------------------------------------------------- main

setup_error = None
try:
    tls_ctx = make_cert(tmp)
    http_be = Backend(HTTP_ADDR, HTTP_PORT).start()
    https_be = Backend(HTTPS_ADDR, HTTPS_PORT, tls_ctx).start()
    inv_be = Backend(INV_ADDR, INV_PORT).start()
    tcp_l = TcpListener(TCP_ADDR, TCP_PORT).start()
    d = h.Daemon(config(ALL), probe=(ADDR, PORT, "www.hc.test.", "A"), ctl_url=P["ctl_url"],
                 name="health")
    d.start()
except Exception as e:  # noqa: BLE001
    setup_error = "setup failed: %s" % e

try:
    s.run_rules(setup_error)
finally:
    for x in (http_be, https_be, inv_be, tcp_l):
        if x is not None:
            try:
                x.stop()
            except Exception:  # noqa: BLE001
                pass
    shutil.rmtree(tmp, ignore_errors=True)
    s.finish([d])
