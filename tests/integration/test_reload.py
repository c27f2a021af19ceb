"""Integration test: configuration reloads (SPEC §3 Binaries, §1 snapshots).

What it is for: SIGHUP and `dnsplanectl reload` load, validate, compile and
publish a new snapshot; a broken configuration (YAML or zone file) is
rejected with a logged error and the old snapshot keeps serving; the
dnsplane_snapshot_generation metric counts published snapshots; and memory
stays flat across many reloads of a mid-size zone (each snapshot lives in
its own arena that is released whole when the last reader leaves).
Addresses: 127.0.4.1 port 15040, control 127.0.4.1:18040.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

P = h.ports_for(4)
ADDR, PORT = P["v4"], P["port"]

CONFIG = """# test_reload
server:
  workers: 2
  control: {listen: "%(ctl)s"}
listeners:
  - {address: %(addr)s, port: %(port)d, role: public}
hosted_zones:
  - Id: ZRELOAD
    Name: reload.test.
    Config: {PrivateZone: false}
    ZoneFile: reload.test.zone
  - Id: ZMID
    Name: mid.test.
    Config: {PrivateZone: false}
    ZoneFile: mid.test.zone
""" % {"ctl": P["ctl"], "addr": ADDR, "port": PORT}

BROKEN_CONFIG = CONFIG.replace("    Config: {PrivateZone: false}\n    ZoneFile: reload.test.zone\n",
                               "    Config: {PrivateZone: false}\n    ZoneFile: reload.test.zone\n"
                               "    Bogus: 1\n")
BROKEN_LINE = BROKEN_CONFIG.splitlines().index("    Bogus: 1") + 1

MID_NAMES = 20000


def reload_zone(serial, addr):
    return ("$ORIGIN reload.test.\n$TTL 300\n"
            "@ IN SOA ns1.reload.test. hostmaster.reload.test. %d 7200 900 1209600 300\n"
            "@ IN NS ns1.reload.test.\nns1 IN A 192.0.2.1\nwww 300 IN A %s\n" % (serial, addr))


def mid_zone():
    out = ["$ORIGIN mid.test.", "$TTL 300",
           "@ IN SOA ns1.mid.test. hostmaster.mid.test. 1 7200 900 1209600 300",
           "@ IN NS ns1.mid.test.", "ns1 IN A 192.0.2.1"]
    for i in range(MID_NAMES):
        out.append("h%05d IN A 10.%d.%d.%d" % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255))
        if i % 4 == 0:
            out.append('h%05d IN TXT "record %d of the mid-size zone for reload memory checks"'
                       % (i, i))
    return "\n".join(out) + "\n"


s = h.Suite("configuration reloads")
d = None
state = {"serial": 1}


def www():
    r = h.query(ADDR, PORT, "www.reload.test.", "A")
    return h.answer_values(r)


def set_www(addr):
    state["serial"] += 1
    d.write_files(files={"reload.test.zone": reload_zone(state["serial"], addr)})


def wait_answer(addr, timeout=10.0):
    h.wait_until(lambda: www() == [addr], timeout,
                 what=lambda: "www.reload.test A = %s (now %s)" % (addr, www()))


def wait_generation_above(g0, timeout=15.0):
    return h.wait_until(lambda: d.generation() > g0 and d.generation(), timeout,
                        what="dnsplane_snapshot_generation > %s" % g0)


@s.rule
def sighup_with_changed_zone_serves_new_answers():
    assert www() == ["192.0.2.1"], "initial answer %s" % www()
    g0 = d.generation()
    set_www("192.0.2.2")
    d.sighup()
    wait_answer("192.0.2.2")
    g1 = wait_generation_above(g0)
    print("  info: generation %s -> %s" % (g0, g1))


@s.rule
def sighup_with_broken_config_keeps_old_answers_and_logs_the_error():
    # SPEC §3: a bad new configuration is rejected with a clear error; the old one keeps serving.
    g0 = d.generation()
    log0 = len(d.log())
    d.write_files(config=BROKEN_CONFIG)
    set_www("192.0.2.99")
    d.sighup()
    pat = re.compile(r"dnsplane\.yaml:%d: [^:]*Bogus[^:]*: \S" % BROKEN_LINE)
    try:
        h.wait_until(lambda: pat.search(d.log()[log0:]), 10.0,
                     what=lambda: "log line 'dnsplane.yaml:%d: Bogus: ...'; new log:\n%s"
                     % (BROKEN_LINE, d.log()[log0:][-2000:]))
        assert d.alive(), "dnsplaned exited on a broken config"
        assert www() == ["192.0.2.2"], "answers changed to %s after a rejected reload" % www()
        assert d.generation() == g0, "generation moved %s -> %s on a rejected reload" % (
            g0, d.generation())
    finally:
        d.write_files(config=CONFIG)
        set_www("192.0.2.2")


@s.rule
def sighup_with_broken_zone_file_keeps_old_answers():
    g0 = d.generation()
    log0 = len(d.log())
    d.write_files(files={"reload.test.zone": reload_zone(50, "192.0.2.50")
                         + "bad 300 IN A 300.1.2.3\n"})
    d.sighup()
    try:
        h.wait_until(lambda: re.search(r"reload\.test\.zone:\d+:", d.log()[log0:]), 10.0,
                     what="a log line naming reload.test.zone:LINE:")
        assert d.alive(), "dnsplaned exited on a broken zone file"
        assert www() == ["192.0.2.2"], "answers changed to %s after a rejected reload" % www()
        assert d.generation() == g0, "generation moved on a rejected reload"
    finally:
        set_www("192.0.2.2")


@s.rule
def dnsplanectl_reload_applies_changes():
    g0 = d.generation()
    set_www("192.0.2.3")
    p = d.ctl("reload")
    assert p.returncode == 0, "dnsplanectl reload exited %d\n%s%s" % (p.returncode, p.stdout,
                                                                      p.stderr)
    wait_answer("192.0.2.3")
    wait_generation_above(g0)


@s.rule
def dnsplanectl_reload_of_broken_config_fails_and_keeps_serving():
    g0 = d.generation()
    d.write_files(config=BROKEN_CONFIG)
    try:
        p = d.ctl("reload")
        out = p.stdout + p.stderr
        assert p.returncode != 0, "dnsplanectl reload of a broken config exited 0:\n%s" % out
        assert "Bogus" in out, "dnsplanectl reload error does not name the key:\n%s" % out
        assert www() == ["192.0.2.3"], "answers changed to %s" % www()
        assert d.generation() == g0, "generation moved on a rejected reload"
    finally:
        d.write_files(config=CONFIG)


def reloads(result):
    for lab, v in d.metrics().get("dnsplane_reloads_total", []):
        if 'result="%s"' % result in lab:
            return v
    raise AssertionError('no dnsplane_reloads_total{result="%s"} sample' % result)


@s.rule
def failed_reloads_are_counted_in_metrics():
    f0, k0 = reloads("failed"), reloads("ok")
    d.write_files(config=BROKEN_CONFIG)
    try:
        d.sighup()
        h.wait_until(lambda: reloads("failed") > f0, 10.0,
                     what='dnsplane_reloads_total{result="failed"} > %s' % f0)
        assert reloads("ok") == k0, "ok reloads moved on a failed reload"
    finally:
        d.write_files(config=CONFIG)


@s.rule
def reload_adds_and_removes_a_zone():
    extra = CONFIG + ("  - Id: ZADDED\n    Name: added.test.\n    Config: {PrivateZone: false}\n"
                      "    ResourceRecordSets:\n      - {Name: a.added.test., Type: A, TTL: 60,"
                      " ResourceRecords: [{Value: 192.0.2.44}]}\n")
    h.expect(h.query(ADDR, PORT, "a.added.test.", "A"), rcode="REFUSED", what="before adding")
    g0 = d.generation()
    try:
        d.write_files(config=extra)
        d.sighup()
        wait_generation_above(g0)
        r = h.expect(h.query(ADDR, PORT, "a.added.test.", "A"), rcode="NOERROR", aa=True,
                     answer=1, what="zone added by reload")
        assert h.answer_values(r) == ["192.0.2.44"], r
    finally:
        d.write_files(config=CONFIG)
    g1 = d.generation()
    d.sighup()
    wait_generation_above(g1)
    h.expect(h.query(ADDR, PORT, "a.added.test.", "A"), rcode="REFUSED", what="zone removed")


@s.rule
def snapshot_generation_increases_with_every_reload():
    gens = [d.generation()]
    for i in range(3):
        if i % 2:
            d.sighup()
        else:
            st, body = h.http_post(P["ctl_url"] + "/v1/reload")
            assert st == 200, "POST /v1/reload: %d %s" % (st, body)
        gens.append(wait_generation_above(gens[-1]))
    assert gens == sorted(gens) and len(set(gens)) == len(gens), "generations %s" % gens


@s.rule
def rss_stays_flat_across_50_reloads_of_a_mid_size_zone():
    # Design (SPEC §1): one arena per snapshot, freed whole → no growth across reloads.
    def one_reload(i):
        g = d.generation()
        if i % 2:
            d.sighup()
        else:
            st, body = h.http_post(P["ctl_url"] + "/v1/reload", timeout=30)
            assert st == 200, "POST /v1/reload: %d %s" % (st, body)
        wait_generation_above(g, 30.0)
        r = h.query(ADDR, PORT, "h%05d.mid.test." % (i * 397 % MID_NAMES), "A")
        h.expect(r, rcode="NOERROR", answer=1, what="mid.test lookup after reload %d" % i)
    for i in range(10):
        one_reload(i)
    # VmRSS after each of 50 reloads; an old snapshot may still be in its grace period
    # when sampled, so compare peaks: the first ten against the last ten.
    samples = []
    for i in range(50):
        one_reload(i)
        samples.append(d.rss_kb())
    base, final = max(samples[:10]), max(samples[-10:])
    growth = (final - base) / float(base)
    print("  info: VmRSS peak of reloads 11-20 %d kB, of reloads 51-60 %d kB, growth %.1f%%; "
          "min/max overall %d/%d kB" % (base, final, growth * 100, min(samples), max(samples)))
    assert growth < 0.20, "VmRSS grew %.1f%% (%d kB -> %d kB) across 50 reloads; samples %s" % (
        growth * 100, base, final, samples)


def main():
    global d
    d = h.Daemon(config=CONFIG, files={"reload.test.zone": reload_zone(1, "192.0.2.1"),
                                       "mid.test.zone": mid_zone()},
                 probe=(ADDR, PORT, "reload.test.", "SOA"), ctl_url=P["ctl_url"], name="reload")
    err = None
    try:
        d.start()
    except AssertionError as e:
        err = str(e)
    s.run_rules(setup_error=err)
    s.finish([d])


if __name__ == "__main__":
    main()
