#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/fuzz_upstream.c (upstream responses,
compressed as a real server would) into corpus/upstream/. Needs dnspython.
The message id carries the zone the server was asked as: low 4 bits = its
labels (0 root, 1 com., 2 example.com.), bits 4-7 = the chain bound."""
import os
import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rrset

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "upstream")


def resp(qname, qtype, zone_labels, rcode=dns.rcode.NOERROR, aa=False, an=(), ns=(), ar=(),
         edns=False, options=()):
    q = dns.message.make_query(qname, qtype, use_edns=edns or None, options=list(options))
    r = dns.message.make_response(q)
    r.id = 0x80 | zone_labels
    r.set_rcode(rcode)
    if aa:
        r.flags |= dns.flags.AA
    for sec, rrs in ((r.answer, an), (r.authority, ns), (r.additional, ar)):
        for owner, ttl, rtype, *rdata in rrs:
            sec.append(dns.rrset.from_text(owner, ttl, "IN", rtype, *rdata))
    return r.to_wire()


SOA = ("example.com.", 3600, "SOA", "ns1.example.com. host.example.com. 1 7200 900 1209600 300")
seeds = {
    "referral_root": resp("www.example.com.", "A", 0,
        ns=[("com.", 172800, "NS", "a.gtld-servers.net.", "b.gtld-servers.net.")],
        ar=[("a.gtld-servers.net.", 172800, "A", "192.5.6.30"),
            ("a.gtld-servers.net.", 172800, "AAAA", "2001:503:a83e::2:30")]),
    "referral_glue": resp("www.example.com.", "A", 1,
        ns=[("example.com.", 172800, "NS", "ns1.example.com.", "ns2.example.com.")],
        ar=[("ns1.example.com.", 172800, "A", "192.0.2.53"),
            ("ns2.example.com.", 172800, "AAAA", "2001:db8::53")]),
    "referral_oob_glue": resp("www.example.com.", "A", 1,
        ns=[("example.com.", 172800, "NS", "ns.example.org.", "ns1.example.com.")],
        ar=[("ns.example.org.", 172800, "A", "203.0.113.66"),
            ("ns1.example.com.", 172800, "A", "192.0.2.53")]),
    "referral_minimised": resp("example.com.", "A", 1,
        ns=[("example.com.", 172800, "NS", "ns1.example.com.")],
        ar=[("ns1.example.com.", 172800, "A", "192.0.2.53")]),
    "upward_referral": resp("www.example.com.", "A", 2,
        ns=[(".", 518400, "NS", "a.root-servers.net.")],
        ar=[("a.root-servers.net.", 518400, "A", "198.41.0.4")]),
    "answer": resp("www.example.com.", "A", 2, aa=True,
        an=[("www.example.com.", 300, "A", "192.0.2.1", "192.0.2.2")],
        ns=[("example.com.", 3600, "NS", "ns1.example.com.")]),
    "answer_mx": resp("example.com.", "MX", 2, aa=True,
        an=[("example.com.", 300, "MX", "10 mail.example.com.", "20 mx.example.net.")],
        ar=[("mail.example.com.", 300, "A", "192.0.2.25")]),
    "answer_poison_additional": resp("www.example.com.", "A", 2, aa=True,
        an=[("www.example.com.", 300, "A", "192.0.2.1")],
        ar=[("www.bank.example.", 86400, "A", "203.0.113.66")]),
    "nxdomain_soa": resp("nope.example.com.", "A", 2, rcode=dns.rcode.NXDOMAIN, aa=True,
        ns=[SOA]),
    "nodata_soa": resp("www.example.com.", "AAAA", 2, aa=True, ns=[SOA]),
    "cname_chain": resp("www.example.com.", "A", 2, aa=True,
        an=[("www.example.com.", 300, "CNAME", "web.example.com."),
            ("web.example.com.", 300, "CNAME", "host.example.com."),
            ("host.example.com.", 300, "A", "192.0.2.7")]),
    "cname_out_of_bailiwick": resp("www.example.com.", "A", 2, aa=True,
        an=[("www.example.com.", 300, "CNAME", "www.example.org."),
            ("www.example.org.", 300, "A", "203.0.113.66")]),
    "cname_nxdomain": resp("www.example.com.", "A", 2, rcode=dns.rcode.NXDOMAIN, aa=True,
        an=[("www.example.com.", 300, "CNAME", "gone.example.com.")], ns=[SOA]),
    "dname": resp("www.sub.example.com.", "A", 2, aa=True,
        an=[("sub.example.com.", 300, "DNAME", "other.example.com."),
            ("www.sub.example.com.", 300, "CNAME", "www.other.example.com."),
            ("www.other.example.com.", 300, "A", "192.0.2.9")]),
    "servfail": resp("www.example.com.", "A", 2, rcode=dns.rcode.SERVFAIL),
    "formerr_edns": resp("www.example.com.", "A", 2, rcode=dns.rcode.FORMERR),
    "answer_ecs": resp("www.example.com.", "A", 2, aa=True, edns=True,
        options=[dns.edns.ECSOption("198.51.100.0", 24, 0)],
        an=[("www.example.com.", 60, "A", "192.0.2.1")]),
}
full = seeds["referral_glue"]
seeds["truncated"] = full[:len(full) - 7]
# A name whose compression pointer points at itself, then one pointing ahead.
hdr = bytes.fromhex("0082 8400 0001 0001 0000 0000")
q = b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
seeds["pointer_loop"] = hdr + q + b"\xc0\x21" + bytes.fromhex("0001 0001 0000012c 0004 c0000201")
seeds["pointer_forward"] = hdr + q + b"\xc0\x30" + bytes.fromhex("0001 0001 0000012c 0004 c0000201") \
    + b"\x00"

os.makedirs(OUT, exist_ok=True)
for name, wire in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(wire)
print(f"{len(seeds)} seeds in {OUT}")
