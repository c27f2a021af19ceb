"""Integration test: reloads under load never drop or corrupt a query
(SPEC §1: "a reload never drops or corrupts a query").

What it is for: dnsperf (bounded: -l 15, -Q 20000, loopback only) sends
queries for existing names to dnsplaned while the test reloads the
configuration 20 times, alternating two configurations that give the same
answers (the zone from a ZoneFile, and the same records as YAML
ResourceRecordSets). Meanwhile a dnspython sampler (every fifth query over
TCP) checks that every answer it receives carries the right data. Then: dnsperf reports "Queries lost: 0"
and only NOERROR, the sampler saw no wrong answer and no timeout, and all 20
reloads were published. The daemon runs with receive coalescing on
(server.rx_coalesce_us: 500, so each worker at ~10k qps naps between
bursts): the test also checks that the workers did nap, so the napping
path is the one that lost nothing.
Addresses: 127.0.7.1 port 15070, control 127.0.7.1:18070.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

P = h.ports_for(7)
ADDR, PORT = P["v4"], P["port"]
NNAMES = 1000
RELOADS = 20
DURATION = 15

SOA = "ns1.load.test. hostmaster.load.test. 1 7200 900 1209600 300"


def addr_of(i):
    return "10.7.%d.%d" % (i >> 8, i & 255)


def zone_file():
    out = ["$ORIGIN load.test.", "$TTL 300", "@ 300 IN SOA " + SOA, "@ 300 IN NS ns1.load.test.",
           "ns1 300 IN A 192.0.2.1"]
    out += ["h%05d 300 IN A %s" % (i, addr_of(i)) for i in range(NNAMES)]
    return "\n".join(out) + "\n"


HEAD = """# test_reload_under_load (%(variant)s)
server:
  workers: 2
  rx_coalesce_us: 500
  control: {listen: "%(ctl)s"}
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
hosted_zones:
  - Id: ZLOAD
    Name: load.test.
    Config: {PrivateZone: false, Comment: "%(variant)s"}
"""


def config(variant):
    text = HEAD % {"variant": variant, "ctl": P["ctl"], "addr": ADDR, "port": PORT}
    if variant == "zonefile":
        return text + "    ZoneFile: load.test.zone\n"
    rr = ["    ResourceRecordSets:",
          "      - {Name: load.test., Type: SOA, TTL: 300, ResourceRecords: [{Value: \"%s\"}]}"
          % SOA,
          "      - {Name: load.test., Type: NS, TTL: 300, ResourceRecords: [{Value: ns1.load.test.}]}",
          "      - {Name: ns1.load.test., Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.1}]}"]
    rr += ["      - {Name: h%05d.load.test., Type: A, TTL: 300, ResourceRecords: [{Value: %s}]}"
           % (i, addr_of(i)) for i in range(NNAMES)]
    return text + "\n".join(rr) + "\n"


s = h.Suite("reloads under dnsperf load")
d = None
res = {}


def write_config_atomically(text):
    tmp = d.config_path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, d.config_path)


def sampler(stop, stats):
    i = 0
    while not stop.is_set():
        n = (i * 7919) % NNAMES
        i += 1
        try:
            r = h.query(ADDR, PORT, "h%05d.load.test." % n, "A", timeout=1.0,
                        tcp=(i % 5 == 0))   # every 5th over TCP
        except OSError as e:
            stats["timeouts"] += 1
            stats["errors"].append("h%05d: %s" % (n, e.__class__.__name__))
            continue
        except AssertionError as e:
            stats["wrong"] += 1
            stats["errors"].append("h%05d: %s" % (n, e))
            continue
        vals = h.answer_values(r) if r.msg is not None else None
        if r.rcode != 0 or vals != [addr_of(n)]:
            stats["wrong"] += 1
            if len(stats["errors"]) < 20:
                stats["errors"].append("h%05d: rcode %s answer %s" % (n, r.rcode_text(), vals))
        else:
            stats["ok"] += 1


def generation_or_none():
    try:
        return d.generation()
    except (AssertionError, OSError) as e:
        res["generation_error"] = str(e)
        return None


def run_load():
    qfile = d.path("queries.txt")
    with open(qfile, "w") as f:
        for i in range(NNAMES):
            f.write("h%05d.load.test A\n" % i)
    perf_out = d.path("dnsperf.out")
    cmd = ["dnsperf", "-s", ADDR, "-p", str(PORT), "-d", qfile, "-l", str(DURATION),
           "-Q", "20000", "-c", "4", "-t", "3"]
    stats = {"ok": 0, "wrong": 0, "timeouts": 0, "errors": []}
    stop = threading.Event()
    th = threading.Thread(target=sampler, args=(stop, stats), daemon=True)
    g0 = generation_or_none()
    with open(perf_out, "w") as pf:
        perf = subprocess.Popen(cmd, stdout=pf, stderr=subprocess.STDOUT)
    th.start()
    reload_errors = []
    try:
        t0 = time.monotonic()
        gen = g0
        for i in range(RELOADS):
            # pace the reloads over the first ~12 s of the run
            target = t0 + 1.0 + i * 0.55
            while time.monotonic() < target and perf.poll() is None:
                time.sleep(0.02)
            write_config_atomically(config("records" if i % 2 == 0 else "zonefile"))
            d.sighup()
            if gen is None:
                continue
            try:
                gen = h.wait_until(lambda: d.generation() > gen and d.generation(), 10.0,
                                   what="reload %d to publish (generation > %s)" % (i + 1, gen))
            except AssertionError as e:
                reload_errors.append(str(e))
        perf.wait(DURATION + 30)
    finally:
        if perf.poll() is None:
            perf.kill()
            perf.wait(5)
        stop.set()
        th.join(5)
    res["perf"] = open(perf_out).read()
    res["perf_rc"] = perf.returncode
    res["stats"] = stats
    res["reload_errors"] = reload_errors
    res["generations"] = (g0, generation_or_none())
    print("# dnsperf exit %s; sampler ok=%d wrong=%d timeouts=%d; generation %s -> %s" % (
        perf.returncode, stats["ok"], stats["wrong"], stats["timeouts"], g0, res["generations"][1]))
    for line in res["perf"].splitlines():
        if re.match(r"\s+(Queries|Response codes|Run time|Average Latency)", line):
            print("#" + line)


def perf_field(name):
    m = re.search(r"^\s*%s:\s*(.*)$" % re.escape(name), res["perf"], re.M)
    assert m, "dnsperf output lacks '%s':\n%s" % (name, res["perf"])
    return m.group(1).strip()


@s.rule
def dnsperf_loses_no_queries_during_reloads():
    assert res["perf_rc"] == 0, "dnsperf exited %s:\n%s" % (res["perf_rc"], res["perf"])
    sent = int(perf_field("Queries sent").split()[0])
    assert sent > 1000, "dnsperf sent only %d queries" % sent
    lost = perf_field("Queries lost")
    assert lost.split()[0] == "0", "Queries lost: %s (sent %d)" % (lost, sent)


@s.rule
def dnsperf_sees_only_noerror_during_reloads():
    codes = perf_field("Response codes")
    parts = [p.strip().split()[0] for p in codes.split(",") if p.strip()]
    assert parts == ["NOERROR"], "Response codes: %s" % codes


@s.rule
def every_sampled_answer_during_reloads_is_correct():
    st = res["stats"]
    assert st["ok"] > 100, "sampler got only %d answers" % st["ok"]
    assert st["wrong"] == 0 and st["timeouts"] == 0, \
        "sampler: %d ok, %d wrong, %d timeouts; first problems: %s" % (
            st["ok"], st["wrong"], st["timeouts"], st["errors"][:10])


@s.rule
def every_reload_is_published():
    g0, g1 = res["generations"]
    assert g0 is not None and g1 is not None, "cannot read the generation metric: %s" % (
        res.get("generation_error"),)
    assert not res["reload_errors"], "; ".join(res["reload_errors"][:5])
    assert g1 - g0 >= RELOADS, "generation %s -> %s after %d reloads" % (g0, g1, RELOADS)


@s.rule
def workers_napped_under_coalescing():
    """server.rx_coalesce_us (dataplane/coalesce.h): at ~10k qps per worker
    a 500 us nap gathers about five queries, so the workers nap; every
    other rule of this test then holds with naps in the serving loop."""
    naps = d.metric("dnsplane_worker_coalesce_naps_total")
    assert naps > 100, "only %s coalescing naps under 20k qps" % naps


@s.rule
def daemon_still_serves_after_the_run():
    assert d.alive(), "dnsplaned exited (%s)" % d.proc.returncode
    r = h.expect(h.query(ADDR, PORT, "h00042.load.test.", "A"), rcode="NOERROR", aa=True,
                 answer=1, what="after the run")
    assert h.answer_values(r) == [addr_of(42)], r


def main():
    global d
    if shutil.which("dnsperf") is None:
        h.skip("dnsperf not installed")
    d = h.Daemon(config=config("zonefile"), files={"load.test.zone": zone_file()},
                 probe=(ADDR, PORT, "load.test.", "SOA"), ctl_url=P["ctl_url"], name="load")
    err = None
    try:
        d.start()
        run_load()
    except AssertionError as e:
        err = str(e)
    s.run_rules(setup_error=err)
    s.finish([d])


if __name__ == "__main__":
    main()
