#!/usr/bin/python3
"""Generate the zone and the dnsperf query mix used by dnsperf-compare.sh.

One realistic authoritative zone, bench.example., of a few thousand names:
hosts with A (all), AAAA (every 3rd), TXT (every 5th) and MX (every 10th),
one-hop CNAMEs (alias*) and two-hop chains (chain* -> alias* -> host*),
a wildcard (*.wild), and delegations (sub*, with in-bailiwick glue).
The query mix is deterministic (fixed seed) and roughly what an
authoritative server sees: mostly hits, ~10% NXDOMAIN, some CNAME,
wildcard, referral and NODATA answers.

Usage: gen_zone.py ZONEFILE QUERYFILE [NQUERIES]
"""

import random
import sys

ORIGIN = "bench.example."
HOSTS = 3000
ALIASES = 300
CHAINS = 100
SUBS = 50

# Share (percent) of each query kind in the mix.
MIX = [
    ("hit", 64),       # existing name and type (A/AAAA/TXT/MX of host*, www)
    ("nxdomain", 10),  # name that does not exist
    ("cname", 10),     # alias* (1 hop) and chain* (2 hops), type A
    ("wildcard", 8),   # <random>.wild A
    ("referral", 4),   # <x>.sub* A: delegation with glue
    ("nodata", 4),     # existing name, missing type
]


def write_zone(path):
    lines = [
        f"$ORIGIN {ORIGIN}",
        "$TTL 300",
        "@ IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300",
        "@ IN NS ns1",
        "@ IN NS ns2",
        "@ IN A 192.0.2.1",
        "@ IN MX 10 mx1",
        '@ IN TXT "v=spf1 mx -all"',
        "ns1 IN A 192.0.2.2",
        "ns2 IN A 192.0.2.3",
        "mx1 IN A 192.0.2.4",
        "www IN A 192.0.2.10",
        "www IN AAAA 2001:db8::10",
        "*.wild IN A 192.0.2.53",
        "*.wild IN AAAA 2001:db8::53",
    ]
    for i in range(HOSTS):
        lines.append(f"host{i} IN A 10.{(i >> 8) & 255}.{i & 255}.{(i * 7) & 255}")
        if i % 3 == 0:
            lines.append(f"host{i} IN AAAA 2001:db8:1::{i:x}")
        if i % 5 == 0:
            lines.append(f'host{i} IN TXT "id={i}" "owner=bench"')
        if i % 10 == 0:
            lines.append(f"host{i} IN MX 10 mx1")
    for i in range(ALIASES):
        lines.append(f"alias{i} IN CNAME host{(i * 7) % HOSTS}")
    for i in range(CHAINS):
        lines.append(f"chain{i} IN CNAME alias{(i * 3) % ALIASES}")
    for i in range(SUBS):
        lines.append(f"sub{i} IN NS ns.sub{i}")
        lines.append(f"ns.sub{i} IN A 198.51.100.{i + 1}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines) - 2


def host_query(rnd):
    i = rnd.randrange(HOSTS)
    kinds = ["A"]
    if i % 3 == 0:
        kinds.append("AAAA")
    if i % 5 == 0:
        kinds.append("TXT")
    if i % 10 == 0:
        kinds.append("MX")
    return f"host{i}.{ORIGIN} {rnd.choice(kinds)}"


def query(kind, rnd):
    if kind == "hit":
        if rnd.random() < 0.1:
            return f"www.{ORIGIN} {rnd.choice(['A', 'AAAA'])}"
        return host_query(rnd)
    if kind == "nxdomain":
        return f"nx{rnd.randrange(100000)}.{ORIGIN} A"
    if kind == "cname":
        if rnd.random() < 0.5:
            return f"alias{rnd.randrange(ALIASES)}.{ORIGIN} A"
        return f"chain{rnd.randrange(CHAINS)}.{ORIGIN} A"
    if kind == "wildcard":
        return f"w{rnd.randrange(100000)}.wild.{ORIGIN} A"
    if kind == "referral":
        return f"x{rnd.randrange(100)}.sub{rnd.randrange(SUBS)}.{ORIGIN} A"
    # nodata: a host without AAAA (i % 3 != 0)
    i = rnd.randrange(HOSTS // 3) * 3 + 1
    return f"host{i}.{ORIGIN} AAAA"


def write_queries(path, n):
    rnd = random.Random(20240101)
    kinds = [k for k, share in MIX for _ in range(share)]
    with open(path, "w") as f:
        for _ in range(n):
            f.write(query(rnd.choice(kinds), rnd) + "\n")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    nrec = write_zone(sys.argv[1])
    nq = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    write_queries(sys.argv[2], nq)
    print(f"zone {sys.argv[1]}: {nrec} records; queries {sys.argv[2]}: {nq}")


if __name__ == "__main__":
    main()
