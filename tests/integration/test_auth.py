"""Integration test: authoritative answers of a public listener, and the
VPC resolver listener's private-zone rules.

What it is for: one dnsplaned with its own config (a zone from a ZoneFile
merged with YAML ResourceRecordSets, a second zone whose SOA TTL is below
its MINIMUM, a private zone for a VPC, a VPC with EnableDnsSupport: false)
answers real DNS messages; each check names the RFC rule it verifies:
AA, negative answers (RFC 2308), CNAME chains and wildcards (RFC 1034,
4592), referrals, case preservation, truncation (RFC 1035 §4.2.1), EDNS
(RFC 6891), ECS (RFC 7871), opcodes, RFC 8482 ANY, alias records, private
zones, IPv6, and robustness against garbage packets.
Addresses: 127.0.2.1-3 and ::1, ports 15020/15021, control 127.0.2.1:18020.
"""

import os
import random
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import dns.edns  # noqa: E402
import dns.name  # noqa: E402
import dns.message  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rcode  # noqa: E402

P = h.ports_for(2)
PUB, PRES, POFF, PORT, PORT6 = P["v4"], P["v4b"], P["v4c"], P["port"], P["port6"]
PUB6 = "::1"

BIG_TXT = ["%d%s" % (i, chr(ord("a") + i) * 199) for i in range(5)]      # ~1.05 kB
HUGE_TXT = ["%d%s" % (i, chr(ord("a") + i) * 199) for i in range(8)]     # ~1.7 kB
MID_TXT = "m" * 250                                                      # ~300 B reply

ZONEFILE = """$ORIGIN example.com.
$TTL 3600
@       900  IN SOA  ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 300
@       3600 IN NS   ns1.example.com.
@       3600 IN NS   ns2.example.com.
@       3600 IN MX   10 mail.example.com.
ns1     3600 IN A    192.0.2.1
ns2     3600 IN A    192.0.2.2
www     120  IN A    192.0.2.80
www     120  IN A    192.0.2.81
www     120  IN AAAA 2001:db8::80
mail    3600 IN A    192.0.2.25
"""

CONFIG = """# test_auth: public zone (ZoneFile + record sets), private zones, VPCs
server:
  workers: 2
  control:
    listen: "%(ctl)s"
listeners:
  - {address: %(pub)s, port: %(port)d, role: public}
  - {address: "::1", port: %(port6)d, role: public}
  - {address: %(pres)s, port: %(port)d, role: resolver, vpc: vpc-a}
  - {address: %(poff)s, port: %(port)d, role: resolver, vpc: vpc-off}
vpcs:
  - {VpcId: vpc-a, Cidrs: [127.0.2.0/24], EnableDnsSupport: true, EnableDnsHostnames: true}
  - {VpcId: vpc-off, Cidrs: [10.99.0.0/16], EnableDnsSupport: false, EnableDnsHostnames: true}
hosted_zones:
  - Id: ZAUTH
    Name: example.com.
    Config: {PrivateZone: false}
    ZoneFile: example.com.zone
    ResourceRecordSets:
      - Name: example.com.
        Type: A
        AliasTarget: {HostedZoneId: ZAUTH, DNSName: www.example.com., EvaluateTargetHealth: false}
      - Name: a.example.com.
        Type: CNAME
        TTL: 300
        ResourceRecords: [{Value: b.example.com.}]
      - Name: b.example.com.
        Type: CNAME
        TTL: 300
        ResourceRecords: [{Value: c.example.com.}]
      - Name: c.example.com.
        Type: A
        TTL: 300
        ResourceRecords: [{Value: 192.0.2.3}]
      - Name: "*.wild.example.com."
        Type: A
        TTL: 60
        ResourceRecords: [{Value: 192.0.2.10}]
      - Name: sub.example.com.
        Type: NS
        TTL: 3600
        ResourceRecords: [{Value: ns1.sub.example.com.}, {Value: ns2.sub.example.com.}]
      - Name: ns1.sub.example.com.
        Type: A
        TTL: 3600
        ResourceRecords: [{Value: 192.0.2.53}]
      - Name: ns2.sub.example.com.
        Type: AAAA
        TTL: 3600
        ResourceRecords: [{Value: "2001:db8::53"}]
      - Name: big.example.com.
        Type: TXT
        TTL: 300
        ResourceRecords:
%(bigtxt)s
      - Name: huge.example.com.
        Type: TXT
        TTL: 300
        ResourceRecords:
%(hugetxt)s
      - Name: mid.example.com.
        Type: TXT
        TTL: 300
        ResourceRecords: [{Value: '"%(midtxt)s"'}]
  - Id: ZNEG
    Name: neg.test.
    Config: {PrivateZone: false}
    ResourceRecordSets:
      - Name: neg.test.
        Type: SOA
        TTL: 60
        ResourceRecords: [{Value: "ns1.neg.test. hostmaster.neg.test. 7 7200 900 1209600 3600"}]
      - Name: neg.test.
        Type: NS
        TTL: 3600
        ResourceRecords: [{Value: ns1.neg.test.}]
      - Name: ns1.neg.test.
        Type: A
        TTL: 3600
        ResourceRecords: [{Value: 192.0.2.7}]
  - Id: ZPRIVEX
    Name: example.com.
    Config: {PrivateZone: true}
    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}]
    ResourceRecordSets:
      - Name: www.example.com.
        Type: A
        TTL: 30
        ResourceRecords: [{Value: 10.1.1.1}]
  - Id: ZPRIVTEST
    Name: private.test.
    Config: {PrivateZone: true}
    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}, {VPCRegion: us-east-1, VPCId: vpc-off}]
    ResourceRecordSets:
      - Name: host.private.test.
        Type: A
        TTL: 30
        ResourceRecords: [{Value: 10.0.0.1}]
""" % {
    "ctl": P["ctl"], "pub": PUB, "pres": PRES, "poff": POFF, "port": PORT, "port6": PORT6,
    "bigtxt": "\n".join("          - Value: '\"%s\"'" % t for t in BIG_TXT),
    "hugetxt": "\n".join("          - Value: '\"%s\"'" % t for t in HUGE_TXT),
    "midtxt": MID_TXT,
}

s = h.Suite("authoritative answers and resolver-listener rules")
d = None


def soa_of(r):
    soas = r.rrsets_of("authority", "SOA")
    assert len(soas) == 1, "expected one SOA RRset in authority\n%s" % r
    return soas[0]


def expect_negative(r, rcode, zone, ttl, what):
    h.expect(r, rcode=rcode, aa=True, answer=0, what=what)
    soa = soa_of(r)
    assert soa.name.to_text().lower() == zone, "%s: SOA owner %s, expected %s\n%s" % (
        what, soa.name, zone, r)
    assert soa.ttl == ttl, "%s: SOA TTL %d in authority, expected min(SOA TTL, MINIMUM) = %d\n%s" \
        % (what, soa.ttl, ttl, r)


@s.rule
def authoritative_answer_sets_aa():
    # RFC 1035 §4.1.1: AA set in answers from an authority for the zone.
    r = h.expect(h.query(PUB, PORT, "www.example.com.", "A"), rcode="NOERROR", aa=True,
                 answer=2, what="www.example.com A")
    assert h.answer_values(r) == ["192.0.2.80", "192.0.2.81"], r
    assert r.rrsets_of("answer", "A")[0].ttl == 120, r


@s.rule
def zone_file_and_record_sets_are_merged():
    # SPEC §3: ZoneFile records are merged with ResourceRecordSets.
    r = h.expect(h.query(PUB, PORT, "example.com.", "MX"), rcode="NOERROR", aa=True, answer=1,
                 what="apex MX from the zone file")
    assert h.answer_values(r) == ["10 mail.example.com."], r
    h.expect(h.query(PUB, PORT, "c.example.com.", "A"), rcode="NOERROR", aa=True, answer=1,
             what="c.example.com A from ResourceRecordSets")


@s.rule
def public_listener_copies_rd_and_does_not_offer_recursion():
    # RFC 1035 §4.1.1: RD is copied into the response; RA only if recursion is available.
    r = h.query(PUB, PORT, "www.example.com.", "A", rd=True)
    assert r.flag("RD"), "RD not copied\n%s" % r
    assert not r.flag("RA"), "RA set on a public authoritative listener\n%s" % r
    r = h.query(PUB, PORT, "www.example.com.", "A", rd=False)
    assert not r.flag("RD"), "RD set although the query had none\n%s" % r


@s.rule
def nodata_has_soa_in_authority_with_negative_ttl():
    # RFC 2308 §2.2 and §5: NODATA = NOERROR, empty answer, SOA with TTL min(SOA TTL, MINIMUM).
    r = h.query(PUB, PORT, "www.example.com.", "TXT")
    expect_negative(r, "NOERROR", "example.com.", 300, "www.example.com TXT (NODATA)")


@s.rule
def nxdomain_has_soa_in_authority_with_negative_ttl():
    # RFC 2308 §2.1 and §5.
    r = h.query(PUB, PORT, "nope.example.com.", "A")
    expect_negative(r, "NXDOMAIN", "example.com.", 300, "nope.example.com A (NXDOMAIN)")


@s.rule
def negative_ttl_is_soa_ttl_when_below_minimum():
    # RFC 2308 §5: the SOA TTL in a negative answer is min(SOA TTL, SOA MINIMUM).
    r = h.query(PUB, PORT, "missing.neg.test.", "A")
    expect_negative(r, "NXDOMAIN", "neg.test.", 60, "missing.neg.test A")
    r = h.query(PUB, PORT, "ns1.neg.test.", "MX")
    expect_negative(r, "NOERROR", "neg.test.", 60, "ns1.neg.test MX (NODATA)")


@s.rule
def cname_chain_is_followed_within_the_zone():
    # RFC 1034 §4.3.2 step 3a: restart at the CNAME target, answer carries the chain.
    r = h.expect(h.query(PUB, PORT, "a.example.com.", "A"), rcode="NOERROR", aa=True,
                 answer=3, what="a.example.com A (a→b→c)")
    got = r.rrs("answer")
    want = {("a.example.com.", "CNAME", 300, "b.example.com."),
            ("b.example.com.", "CNAME", 300, "c.example.com."),
            ("c.example.com.", "A", 300, "192.0.2.3")}
    assert got == want, "answer %s, expected %s" % (sorted(got), sorted(want))
    # asking for the CNAME itself gives only the CNAME
    r = h.expect(h.query(PUB, PORT, "a.example.com.", "CNAME"), rcode="NOERROR", aa=True,
                 answer=1, what="a.example.com CNAME")


@s.rule
def wildcard_synthesizes_answer_owned_by_the_query_name():
    # RFC 4592 §3.3.1 / RFC 1034 §4.3.3.
    for qn in ("foo.wild.example.com.", "x.y.wild.example.com."):
        r = h.expect(h.query(PUB, PORT, qn, "A"), rcode="NOERROR", aa=True, answer=1, what=qn)
        got = r.rrs("answer")
        assert got == {(qn, "A", 60, "192.0.2.10")}, "%s: answer %s" % (qn, sorted(got))
    # wildcard of another type: NODATA with SOA
    r = h.query(PUB, PORT, "foo.wild.example.com.", "AAAA")
    expect_negative(r, "NOERROR", "example.com.", 300, "foo.wild AAAA (wildcard NODATA)")


@s.rule
def empty_non_terminal_is_nodata_not_nxdomain():
    # RFC 4592 §2.2.2 / RFC 8020: wild.example.com exists (it has a child), so NODATA.
    r = h.query(PUB, PORT, "wild.example.com.", "A")
    expect_negative(r, "NOERROR", "example.com.", 300, "wild.example.com A (empty non-terminal)")


@s.rule
def referral_carries_ns_and_glue_without_aa():
    # RFC 1034 §4.3.2 step 3b: below a zone cut, a referral: NS in authority, glue, AA clear.
    for qn in ("host.sub.example.com.", "sub.example.com."):
        r = h.expect(h.query(PUB, PORT, qn, "A"), rcode="NOERROR", aa=False, answer=0,
                     what="%s A (referral)" % qn)
        ns = r.rrs("authority")
        want_ns = {("sub.example.com.", "NS", 3600, "ns1.sub.example.com."),
                   ("sub.example.com.", "NS", 3600, "ns2.sub.example.com.")}
        assert ns == want_ns, "%s: authority %s, expected %s\n%s" % (qn, sorted(ns),
                                                                    sorted(want_ns), r)
        glue = r.rrs("additional")
        want_glue = {("ns1.sub.example.com.", "A", 3600, "192.0.2.53"),
                     ("ns2.sub.example.com.", "AAAA", 3600, "2001:db8::53")}
        assert want_glue <= glue, "%s: additional %s lacks glue %s\n%s" % (
            qn, sorted(glue), sorted(want_glue - glue), r)


@s.rule
def question_case_is_preserved():
    # RFC 4343 §4.1 / RFC 1035 §7.3: the question is echoed byte for byte.
    q = h.make_query("wWw.ExAmPlE.cOm.", "A")
    wire = q.to_wire()
    r = h.query(PUB, PORT, None, q=q)
    h.expect(r, rcode="NOERROR", aa=True, answer=2, what="wWw.ExAmPlE.cOm A")
    qlen = len(dns.name.from_text("wWw.ExAmPlE.cOm.").to_wire()) + 4
    assert r.wire[12:12 + qlen] == wire[12:12 + qlen], \
        "question changed: sent %r got %r" % (wire[12:12 + qlen], r.wire[12:12 + qlen])
    for rr in r.section("answer"):
        assert rr.name.to_text().lower() == "www.example.com.", r


@s.rule
def udp_answer_over_512_without_edns_sets_tc_and_tcp_gives_it_all():
    # RFC 1035 §4.2.1 (512-byte UDP limit), RFC 7766 (TCP), RFC 6891 §6.2.3/6.2.5 (EDNS size).
    r = h.query(PUB, PORT, "big.example.com.", "TXT", edns=None)
    assert r.flag("TC"), "no TC on a %d-byte-plus TXT answer over plain UDP\n%s" % (
        sum(len(t) for t in BIG_TXT), r)
    assert len(r.wire) <= 512, "UDP reply of %d bytes without EDNS" % len(r.wire)
    assert r.qdcount == 1 and r.msg is not None, "truncated reply lacks the question\n%s" % r
    r = h.expect(h.query(PUB, PORT, "big.example.com.", "TXT", edns=None, tcp=True),
                 rcode="NOERROR", aa=True, tc=False, answer=5, what="big TXT over TCP")
    r = h.expect(h.query(PUB, PORT, "big.example.com.", "TXT", edns=0, payload=1232),
                 rcode="NOERROR", aa=True, tc=False, answer=5, what="big TXT over UDP, EDNS 1232")
    r = h.query(PUB, PORT, "big.example.com.", "TXT", edns=0, payload=512)
    assert r.flag("TC"), "no TC with EDNS bufsize 512\n%s" % r


@s.rule
def udp_size_is_capped_at_1232_even_if_the_client_offers_more():
    # SPEC §3 UDP size: answers up to the EDNS size, capped at 1232 by default, else TC.
    r = h.query(PUB, PORT, "huge.example.com.", "TXT", edns=0, payload=4096)
    assert r.flag("TC"), "no TC for a ~1.7 kB answer with bufsize 4096 (cap 1232)\n%s" % r
    assert len(r.wire) <= 1232, "UDP reply of %d bytes > 1232" % len(r.wire)
    h.expect(h.query(PUB, PORT, "huge.example.com.", "TXT", edns=0, payload=4096, tcp=True),
             rcode="NOERROR", aa=True, tc=False, answer=8, what="huge TXT over TCP")


@s.rule
def edns_bufsize_below_512_is_treated_as_512():
    # RFC 6891 §6.2.5: values lower than 512 MUST be treated as 512.
    r = h.expect(h.query(PUB, PORT, "mid.example.com.", "TXT", edns=0, payload=100),
                 rcode="NOERROR", aa=True, what="~300-byte answer with EDNS bufsize 100")
    assert not r.flag("TC") and len(r.section("answer")) == 1, \
        "a %d-byte answer was truncated for bufsize 100 (must be treated as 512)\n%s" % (
            len(r.wire), r)


@s.rule
def valid_ecs_is_echoed_with_scope_0_for_simple_records():
    # RFC 7871 §7.2.1: the reply carries ECS with FAMILY, SOURCE PREFIX-LENGTH and ADDRESS
    # of the query; SCOPE 0 when the answer does not depend on the client address.
    opt = dns.edns.ECSOption("198.51.100.0", 24, 0)
    q = h.make_query("www.example.com.", "A", edns=0, options=[opt])
    r = h.expect(h.query(PUB, PORT, None, q=q), rcode="NOERROR", aa=True, answer=2,
                 what="www A with ECS 198.51.100.0/24")
    ecs = [o for o in r.msg.options if o.otype == dns.edns.ECS]
    assert ecs, "reply lacks the ECS option\n%s" % r
    e = ecs[0]
    assert (e.address, e.srclen, e.scopelen) == ("198.51.100.0", 24, 0), \
        "ECS echoed as %s/%d scope %d, expected 198.51.100.0/24 scope 0" % (
            e.address, e.srclen, e.scopelen)


@s.rule
def tcp_pipelined_queries_all_get_answers():
    # RFC 7766 §6.2.1.1: several queries on one connection, answered (in any order).
    qs = [h.make_query(n, "A", edns=0) for n in
          ("www.example.com.", "c.example.com.", "nope.example.com.", "ns1.example.com.")]
    sk = socket.create_connection((PUB, PORT), timeout=3)
    try:
        sk.sendall(b"".join(struct.pack("!H", len(w)) + w for w in (q.to_wire() for q in qs)))
        got = {}
        for _ in qs:
            (n,) = struct.unpack("!H", h._recv_exact(sk, 2))
            r = h.Reply(h._recv_exact(sk, n))
            got[r.id] = r
    finally:
        sk.close()
    want = {q.id for q in qs}
    assert set(got) == want, "answered ids %s, sent %s" % (sorted(got), sorted(want))
    assert got[qs[2].id].rcode == dns.rcode.NXDOMAIN, got[qs[2].id]
    assert all(got[q.id].rcode == 0 for q in (qs[0], qs[1], qs[3])), [str(x) for x in got.values()]


@s.rule
def zone_transfer_is_not_served():
    # Route 53 serves no AXFR/IXFR; RFC 5936 §4.2 (no AXFR over UDP).
    q = h.make_query("example.com.", "AXFR", edns=None)
    r = h.Reply(h.tcp_raw(q.to_wire(), PUB, PORT))
    assert r.rcode in (dns.rcode.REFUSED, dns.rcode.NOTIMP), "AXFR over TCP: %s\n%s" % (
        r.rcode_text(), r)
    got = h.udp_raw(q.to_wire(), PUB, PORT, expect_reply=False)
    if got is not None:
        r = h.Reply(got)
        assert r.rcode in (dns.rcode.FORMERR, dns.rcode.NOTIMP, dns.rcode.REFUSED), \
            "AXFR over UDP: %s\n%s" % (r.rcode_text(), r)
    else:  # silence over UDP, and the UDP path still answers
        h.expect(h.query(PUB, PORT, "www.example.com.", "A"), rcode="NOERROR", aa=True,
                 answer=2, what="UDP query after AXFR over UDP")
    q = h.make_query("example.com.", "IXFR", edns=None)
    r = h.Reply(h.tcp_raw(q.to_wire(), PUB, PORT))
    assert r.rcode in (dns.rcode.REFUSED, dns.rcode.NOTIMP, dns.rcode.FORMERR), \
        "IXFR over TCP: %s\n%s" % (r.rcode_text(), r)


@s.rule
def edns_opt_is_echoed_and_absent_without_edns():
    # RFC 6891 §6.1.1 / §7: a reply to a query with OPT carries OPT; none without.
    r = h.expect(h.query(PUB, PORT, "www.example.com.", "A", edns=0), rcode="NOERROR")
    assert r.msg.edns == 0, "reply to an EDNS query has no OPT (edns=%s)\n%s" % (r.msg.edns, r)
    assert r.msg.payload >= 512, "OPT payload %d < 512" % r.msg.payload
    r = h.expect(h.query(PUB, PORT, "www.example.com.", "A", edns=None), rcode="NOERROR")
    assert r.msg.edns < 0, "reply to a non-EDNS query carries OPT\n%s" % r


@s.rule
def do_bit_is_copied_and_other_edns_flags_are_zero():
    # RFC 3225 §3: DO is copied into the response; RFC 6891 §6.1.4: Z bits are zero in replies.
    q = h.make_query("www.example.com.", "A", edns=0)
    q.ednsflags = 0x8000 | 0x1234          # DO plus undefined Z bits
    r = h.expect(h.query(PUB, PORT, None, q=q), rcode="NOERROR", aa=True, answer=2,
                 what="www A with DO and Z bits")
    assert r.msg.ednsflags & 0x8000, "DO not copied into the reply (ednsflags %#x)" % (
        r.msg.ednsflags)
    assert r.msg.ednsflags & 0x7FFF == 0, "reply EDNS Z bits not zero: %#x" % r.msg.ednsflags
    r = h.query(PUB, PORT, "www.example.com.", "A", edns=0)
    assert not r.msg.ednsflags & 0x8000, "DO set in a reply to a query without DO"


@s.rule
def unknown_edns_option_is_ignored():
    # RFC 6891 §6.1.2: options not understood are ignored.
    opt = dns.edns.GenericOption(65001, b"\x01\x02\x03")
    q = h.make_query("www.example.com.", "A", edns=0, options=[opt])
    r = h.expect(h.query(PUB, PORT, None, q=q), rcode="NOERROR", aa=True, answer=2,
                 what="www A with an unknown EDNS option")
    assert not any(o.otype == 65001 for o in r.msg.options), "unknown option echoed back"


@s.rule
def header_z_bit_is_zero_in_replies():
    # RFC 1035 §4.1.1: Z must be zero in all queries and responses.
    wire = bytearray(h.make_query("www.example.com.", "A", edns=None).to_wire())
    wire[3] |= 0x40
    r = h.Reply(h.udp_raw(bytes(wire), PUB, PORT))
    assert not r.hflags & 0x40, "Z bit set in the reply\n%s" % r
    assert r.rcode in (dns.rcode.NOERROR, dns.rcode.FORMERR), r


@s.rule
def empty_question_section_gets_formerr():
    # RFC 1035 §4.1.2 / RFC 7873 §5.4: a QUERY without a question (and no cookie) is FORMERR.
    wire = struct.pack("!HHHHHH", 0x4242, 0, 0, 0, 0, 0)
    got = h.udp_raw(wire, PUB, PORT, expect_reply=False)
    assert got is not None, "no reply to a QUERY with QDCOUNT=0 (expected FORMERR)"
    r = h.Reply(got)
    assert r.rcode == dns.rcode.FORMERR, "QDCOUNT=0: %s\n%s" % (r.rcode_text(), r)


@s.rule
def longest_valid_name_gets_a_negative_answer():
    # RFC 1035 §2.3.4: names up to 255 octets; a long miss is a normal NXDOMAIN with SOA.
    labels = ["a" * 63, "b" * 63, "c" * 63, "d" * 37]   # 63*3+37 + 4 + example.com = 253 chars
    qn = ".".join(labels) + ".example.com."
    assert len(dns.name.from_text(qn).to_wire()) <= 255, len(dns.name.from_text(qn).to_wire())
    for tcp in (False, True):
        r = h.query(PUB, PORT, qn, "A", tcp=tcp)
        expect_negative(r, "NXDOMAIN", "example.com.", 300, "253-character name")


@s.rule
def chaos_class_query_is_not_answered_from_the_zones():
    # RFC 1035 §3.2.4 / RFC 4892: CH class is a different namespace; not SERVFAIL, not silence.
    q = dns.message.make_query("version.bind.", "TXT", rdclass="CH")
    r = h.Reply(h.udp_raw(q.to_wire(), PUB, PORT))
    assert r.rcode in (dns.rcode.REFUSED, dns.rcode.NOTIMP, dns.rcode.NOERROR), \
        "CH TXT version.bind: %s\n%s" % (r.rcode_text(), r)
    q = dns.message.make_query("www.example.com.", "A", rdclass="CH")
    r = h.Reply(h.udp_raw(q.to_wire(), PUB, PORT))
    assert r.rcode in (dns.rcode.REFUSED, dns.rcode.NOTIMP) or r.ancount == 0, \
        "CH-class www.example.com answered from the IN zone\n%s" % r


@s.rule
def edns_version_1_gets_badvers():
    # RFC 6891 §6.1.3: unsupported version → BADVERS with the highest supported version (0).
    r = h.query(PUB, PORT, "www.example.com.", "A", edns=1)
    assert r.msg is not None, "reply does not parse: %s" % r.parse_error
    assert r.rcode == dns.rcode.BADVERS, "rcode %s, expected BADVERS\n%s" % (r.rcode_text(), r)
    assert r.msg.edns == 0, "BADVERS reply OPT version %s, expected 0" % r.msg.edns
    assert r.ancount == 0, "BADVERS reply has answers\n%s" % r


@s.rule
def malformed_ecs_option_gets_formerr():
    # RFC 7871 §7.1.1: source prefix longer than the address, or a wrong address length → FORMERR.
    bad = {
        "prefix 33 for IPv4": struct.pack("!HBB", 1, 33, 0) + bytes([192, 0, 2, 1, 0]),
        "4 address bytes for a /8": struct.pack("!HBB", 1, 8, 0) + bytes([10, 0, 0, 0]),
        "truncated option (2 bytes)": struct.pack("!H", 1),
    }
    for what, data in bad.items():
        opt = dns.edns.GenericOption(dns.edns.ECS, data)
        q = h.make_query("www.example.com.", "A", edns=0, options=[opt])
        r = h.query(PUB, PORT, None, q=q)
        assert r.rcode == dns.rcode.FORMERR, "ECS %s: rcode %s, expected FORMERR\n%s" % (
            what, r.rcode_text(), r)


@s.rule
def unsupported_opcodes_get_notimp():
    # RFC 1035 §4.1.1 (NOTIMP) / RFC 2136 §3 (UPDATE not served here).
    seen = {}
    for opname, op in (("STATUS", 2), ("unassigned 3", 3), ("UPDATE", 5)):
        q = h.make_query("example.com.", "SOA", edns=None)
        q.set_opcode(op)
        wire = bytearray(q.to_wire())
        r = h.Reply(h.udp_raw(bytes(wire), PUB, PORT))
        seen[opname] = (r.rcode_text(), r.opcode)
        if op == 5:
            # UPDATE is not served: NOTIMP, REFUSED or NOTAUTH are all "no" (knotd: NOTAUTH)
            ok = r.rcode in (dns.rcode.NOTIMP, dns.rcode.REFUSED, dns.rcode.NOTAUTH)
        else:
            ok = r.rcode == dns.rcode.NOTIMP
        assert ok, "opcode %s: rcode %s\n%s" % (opname, r.rcode_text(), r)
        assert r.opcode == op, "opcode %s not echoed (got %d)" % (opname, r.opcode)
    print("  info: opcode replies %s" % seen)


@s.rule
def two_questions_get_formerr():
    # RFC 9619 / RFC 1035 practice: QDCOUNT must be 1 for QUERY.
    q1 = h.make_query("www.example.com.", "A", edns=None).to_wire()
    qsec = q1[12:]
    wire = q1[:4] + struct.pack("!HHHH", 2, 0, 0, 0) + qsec + qsec
    got = h.udp_raw(wire, PUB, PORT, expect_reply=False)
    assert got is not None, "qdcount=2: no reply (dropped), expected FORMERR"
    r = h.Reply(got)
    assert r.rcode == dns.rcode.FORMERR, "qdcount=2: rcode %s\n%s" % (r.rcode_text(), r)


@s.rule
def any_query_is_answered_minimally():
    # RFC 8482 §4.1/§4.2: one RRset (or a synthesized HINFO), not every type.
    r = h.expect(h.query(PUB, PORT, "example.com.", "ANY"), rcode="NOERROR", aa=True,
                 min_answer=1, what="example.com ANY")
    sets = {(x.name.to_text().lower(), x.rdtype) for x in r.section("answer")}
    assert len(sets) == 1, "ANY answer has %d RRsets %s (RFC 8482: one)\n%s" % (
        len(sets), sorted((n, dns.rdatatype.to_text(t)) for n, t in sets), r)


@s.rule
def apex_alias_answers_as_target_type_with_target_ttl():
    # SEMANTICS §9: alias at the apex; the answer shows the target type and the target's TTL.
    r = h.expect(h.query(PUB, PORT, "example.com.", "A"), rcode="NOERROR", aa=True, answer=2,
                 what="apex alias A → www")
    got = r.rrs("answer")
    want = {("example.com.", "A", 120, "192.0.2.80"), ("example.com.", "A", 120, "192.0.2.81")}
    assert got == want, "answer %s, expected %s" % (sorted(got), sorted(want))
    # the alias answers only its own type (SEMANTICS §9): AAAA at the apex is NODATA
    r = h.query(PUB, PORT, "example.com.", "AAAA")
    expect_negative(r, "NOERROR", "example.com.", 300, "apex AAAA (alias is type A only)")


@s.rule
def dns_support_disabled_vpc_gets_refused():
    # SPEC §3 VPCs: EnableDnsSupport: false → REFUSED.
    for qn in ("host.private.test.", "www.example.com."):
        h.expect(h.query(POFF, PORT, qn, "A", rd=True), rcode="REFUSED",
                 what="%s on the EnableDnsSupport:false VPC's listener" % qn)


@s.rule
def private_zone_is_not_visible_on_the_public_listener():
    # SPEC §3: a public listener serves public hosted zones only.
    h.expect(h.query(PUB, PORT, "host.private.test.", "A"), rcode="REFUSED",
             what="private zone name on public listener")
    r = h.expect(h.query(PRES, PORT, "host.private.test.", "A", rd=True), rcode="NOERROR",
                 answer=1, what="private zone name on the VPC's resolver listener")
    assert h.answer_values(r) == ["10.0.0.1"], r


@s.rule
def split_horizon_private_zone_wins_in_the_vpc():
    # SPEC §4: the VPC's private example.com answers before public DNS, and over-captures.
    r = h.expect(h.query(PRES, PORT, "www.example.com.", "A", rd=True), rcode="NOERROR",
                 answer=1, what="www.example.com in vpc-a")
    assert h.answer_values(r) == ["10.1.1.1"], r
    h.expect(h.query(PRES, PORT, "mail.example.com.", "A", rd=True), rcode="NXDOMAIN",
             what="public-only mail.example.com in vpc-a (over-capture)")


@s.rule
def ipv6_listener_answers_over_udp_and_tcp():
    for tcp in (False, True):
        r = h.expect(h.query(PUB6, PORT6, "www.example.com.", "A", tcp=tcp), rcode="NOERROR",
                     aa=True, answer=2, what="www A via [::1] %s" % ("TCP" if tcp else "UDP"))
        assert h.answer_values(r) == ["192.0.2.80", "192.0.2.81"], r


@s.rule
def responses_sent_to_the_server_are_not_answered():
    # RFC 1035 §4.1.1 / loop avoidance: a message with QR=1 is not a query.
    wire = bytearray(h.make_query("www.example.com.", "A", edns=None).to_wire())
    wire[2] |= 0x80
    got = h.udp_raw(bytes(wire), PUB, PORT, timeout=0.5, expect_reply=False)
    assert got is None, "server replied to a response: %r" % (h.Reply(got),)
    # Silence must come from the rule, not from a dead or wedged daemon.
    assert d.alive(), "dnsplaned died after a response was sent to it"
    h.expect(h.query(PUB, PORT, "www.example.com.", "A"), rcode="NOERROR", aa=True, answer=2,
             what="query after the response")


def garbage_payloads():
    rnd = random.Random(20240601)
    out = [b"", b"\x00", b"\x12\x34\x01", bytes(11)]
    # header claiming one question with nothing after it
    out.append(struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0))
    # label length running past the end
    out.append(struct.pack("!HHHHHH", 2, 0, 1, 0, 0, 0) + b"\x3fabc")
    # compression pointer to itself and a forward pointer
    out.append(struct.pack("!HHHHHH", 3, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01")
    out.append(struct.pack("!HHHHHH", 4, 0, 1, 0, 0, 0) + b"\xc0\x40\x00\x01\x00\x01")
    # name longer than 255 bytes
    out.append(struct.pack("!HHHHHH", 5, 0, 1, 0, 0, 0) + (b"\x3f" + b"a" * 63) * 5
               + b"\x00\x00\x01\x00\x01")
    # valid question, arcount=1 with a truncated OPT; and two OPT records
    q = h.make_query("www.example.com.", "A", edns=None).to_wire()
    out.append(q[:10] + b"\x00\x01" + q[12:] + b"\x00\x00\x29\x04")
    opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    out.append(q[:10] + b"\x00\x02" + q[12:] + opt + opt)
    # EDNS option length past the end of the OPT rdata
    out.append(q[:10] + b"\x00\x01" + q[12:] + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x04"
               + b"\x00\x08\x00\x10")
    # counts far larger than the packet
    out.append(struct.pack("!HHHHHH", 6, 0, 0xffff, 0xffff, 0xffff, 0xffff) + bytes(20))
    for _ in range(300):
        n = rnd.choice([rnd.randint(0, 16), rnd.randint(12, 64), rnd.randint(64, 600)])
        out.append(bytes(rnd.getrandbits(8) for _ in range(n)))
    # random mutations of a valid query
    for _ in range(200):
        b = bytearray(q)
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(len(b))] = rnd.getrandbits(8)
        out.append(bytes(b[:rnd.randint(1, len(b))] if rnd.random() < 0.3 else b))
    return out


@s.rule
def garbage_packets_do_not_kill_the_daemon():
    payloads = garbage_payloads()
    for addr, port in ((PUB, PORT), (PRES, PORT), (PUB6, PORT6)):
        sk = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for p in payloads:
                sk.sendto(p, (addr, port))
        finally:
            sk.close()
    # TCP: bad length prefixes, half messages, garbage, early close
    rnd = random.Random(7)
    for p in payloads[:60]:
        c = socket.create_connection((PUB, PORT), timeout=2)
        try:
            mode = rnd.randint(0, 3)
            if mode == 0:
                c.sendall(struct.pack("!H", len(p)) + p)
            elif mode == 1:
                c.sendall(struct.pack("!H", 65535) + p)
            elif mode == 2:
                c.sendall(p[:1])
            else:
                c.sendall(struct.pack("!H", 0))
        except OSError:
            pass
        finally:
            c.close()
    assert d.alive(), "dnsplaned died after garbage (status %s)" % d.proc.returncode
    for tcp in (False, True):
        h.expect(h.query(PUB, PORT, "www.example.com.", "A", tcp=tcp), rcode="NOERROR",
                 aa=True, answer=2, what="query after garbage (%s)" % ("TCP" if tcp else "UDP"))
    h.expect(h.query(PRES, PORT, "host.private.test.", "A", rd=True), rcode="NOERROR",
             answer=1, what="resolver listener after garbage")


@s.rule
def workers_flag_sets_the_number_of_workers():
    # SPEC §3: dnsplaned --workers N (here 3; the file says 2 - the command line wins).
    import re as _re
    workers = set()
    for lab, _v in d.metrics().get("dnsplane_worker_packets_total", []):
        m = _re.search(r'worker="(\d+)"', lab)
        if m:
            workers.add(int(m.group(1)))
    assert workers == {0, 1, 2}, "workers in metrics %s, expected {0, 1, 2} (--workers 3)" % (
        sorted(workers),)


def main():
    global d
    d = h.Daemon(config=CONFIG, files={"example.com.zone": ZONEFILE},
                 probe=(PUB, PORT, "example.com.", "SOA"), ctl_url=P["ctl_url"], name="auth",
                 workers=3)
    err = None
    try:
        d.start()
    except AssertionError as e:
        err = str(e)
    s.run_rules(setup_error=err)
    s.finish([d])


if __name__ == "__main__":
    main()
