#!/usr/bin/env bash
# Same-run comparison of the DNS Firewall with unbound: both load the same
# 1,000,000-entry block list and answer two query sets over UDP on loopback
# under dnsperf:
#   blocked — names from the list (NXDOMAIN from the block list),
#   allowed — names of a local zone of 10,000 A records (answered locally
#             by both: a private hosted zone in dnsplaned, local-data in
#             unbound; nothing goes to the internet).
# dnsplaned: a resolver listener of a VPC with a rule group that BLOCKs the
# list (DomainFile) with NXDOMAIN. unbound: the list as local-zone
# always_nxdomain (an "*.x" entry becomes local-zone "x." — unbound then
# blocks x itself too, which the query sets never ask for), or with --rpz
# as an RPZ zone (the same wildcard semantics as the firewall).
# Both servers are started first (one after the other, so each list load
# is timed alone), pinned to CPU 0 (one worker / thread); dnsperf runs on
# CPU 1 against one server at a time, in --rounds interleaved rounds (on a
# shared machine, noise then hits both alike) and the best QPS of every
# round and client count is kept per server and set. Also reported: time
# from start until the server answers (list load) and its resident memory.
# Prints a table and writes bench/out/firewall-unbound.{csv,png}.
#
# Usage: bench/firewall-unbound.sh [options]
#   --build DIR      build directory with dnsplaned (default: build-release,
#                    configured --buildtype=release -Dtests=false if missing)
#   --entries N      block-list size (default 1000000)
#   --duration S     seconds per dnsperf run (default 10)
#   --clients LIST   dnsperf -c values tried (default "1 4")
#   --servers LIST   subset of "dnsplaned unbound" (default both)
#   --rounds N       interleaved measurement rounds (default 3)
#   --rpz            unbound loads the list as an RPZ zone instead
#   --quick          duration 3, clients "4" (a smoke run)
#   --out DIR        output folder (default bench/out)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-release"
ENTRIES=1000000
DURATION=10
CLIENTS="1 4"
SERVERS="dnsplaned unbound"
RPZ=0
ROUNDS=3
OUT="$ROOT/bench/out"
PY=/usr/bin/python3
UNBOUND=/usr/sbin/unbound
SERVER_CPU=0
GEN_CPU=1

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--entries) ENTRIES=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--clients) CLIENTS=$2; shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--rpz) RPZ=1; shift ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--quick) DURATION=3; CLIENTS="4"; ROUNDS=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"

for tool in dnsperf taskset dig ss; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x "$PY" ] || die "$PY not found"

WORK=$(mktemp -d /tmp/firewall-unbound.XXXXXX)
SERVER_PID=""
declare -a STARTED=()

# Stops every server this script started (by pid), then removes the work dir.
cleanup() {
	local pid
	for pid in "${STARTED[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED[@]}"; do
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build -------------------------------------------------------------

DNSPLANED="$BUILD/dnsplaned"
[[ " $SERVERS " == *" dnsplaned "* ]] && build_dnsplaned

# ---- list, zones, queries ----------------------------------------------

log "generating $ENTRIES entries and the query sets in $WORK"
"$PY" - "$WORK" "$ENTRIES" <<'EOF'
import random, sys
work, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(5)
tlds = ["com", "net", "org", "info", "ru", "xyz", "top", "io"]
entries = []
for i in range(n):
    label = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)) + str(i)
    depth = i % 4
    name = {0: "%s.%s", 1: "%s.d%d.%s", 2: "%s.d%d.threat.%s", 3: "x.%s.d%d.threat.%s"}[depth]
    args = (label, tlds[(i // 4) % 8]) if depth == 0 else (label, i % 997, tlds[(i // 4) % 8])
    name = name % args
    entries.append("*." + name if i % 50 == 0 else name)
with open(work + "/list.txt", "w") as f:
    f.write("# generated threat feed\n")
    f.write("\n".join(entries) + "\n")
# unbound, local-zone form
with open(work + "/block.conf", "w") as f:
    f.write("server:\n")
    for e in entries:
        f.write('  local-zone: "%s." always_nxdomain\n' % (e[2:] if e.startswith("*.") else e))
# unbound, RPZ form
with open(work + "/block.rpz", "w") as f:
    f.write("$TTL 300\n@ SOA localhost. root.localhost. 1 3600 600 86400 300\n  NS localhost.\n")
    for e in entries:
        f.write("%s CNAME .\n" % e)
# the allowed zone: 10,000 names
ok = ["h%05d.ok.example" % i for i in range(10000)]
with open(work + "/ok.zone", "w") as f:
    f.write("$ORIGIN ok.example.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\n")
    f.write("ns1 A 192.0.2.53\n")
    for i, name in enumerate(ok):
        f.write("%s. A 192.0.2.%d\n" % (name, 1 + i % 250))
with open(work + "/allow.conf", "w") as f:
    f.write('server:\n  local-zone: "ok.example." static\n')
    for i, name in enumerate(ok):
        f.write('  local-data: "%s. 300 IN A 192.0.2.%d"\n' % (name, 1 + i % 250))
# query sets: 10,000 blocked names from the list, the 10,000 allowed names
sample = rnd.sample(entries, 10000)
with open(work + "/q_blocked.txt", "w") as f:
    for e in sample:
        f.write("%s A\n" % ("www" + e[1:] if e.startswith("*.") else e))
with open(work + "/q_allowed.txt", "w") as f:
    for name in rnd.sample(ok, len(ok)):
        f.write("%s A\n" % name)
EOF
PROBE_BLOCKED=$(head -n 1 "$WORK/q_blocked.txt" | cut -d' ' -f1)

free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		if [ -z "$(ss -Hlnu "sport = :$p")" ] && [ -z "$(ss -Hlnt "sport = :$p")" ]; then
			echo "$p"
			return
		fi
	done
	die "no free port"
}

# ---- servers -----------------------------------------------------------

start_server() { # NAME PORT → SERVER_PID
	local name=$1 port=$2 dir="$WORK/$1"
	mkdir -p "$dir"
	case "$name" in
	dnsplaned)
		local cport
		cport=$(free_port)
		cat >"$dir/cfg.yaml" <<EOF
server: {dataplane: socket, workers: 1, control: {listen: "127.0.0.1:$cport"}}
listeners:
  - {address: 127.0.0.1, port: $port, role: resolver, vpc: vpc-bench}
vpcs:
  - {VpcId: vpc-bench, Cidrs: [127.0.0.0/8]}
hosted_zones:
  - Id: ZOK
    Name: ok.example.
    Config: {PrivateZone: true}
    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-bench}]
    ZoneFile: $WORK/ok.zone
firewall:
  domain_lists: [{Id: fdl-feed, DomainFile: $WORK/list.txt}]
  rule_groups:
    - Id: frg-bench
      FirewallRules:
        - {Name: block-feed, Priority: 100, Action: BLOCK, FirewallDomainListId: fdl-feed,
           BlockResponse: NXDOMAIN}
  rule_group_associations:
    - {FirewallRuleGroupId: frg-bench, VpcId: vpc-bench, Priority: 101}
EOF
		taskset -c "$SERVER_CPU" "$DNSPLANED" -c "$dir/cfg.yaml" --workers 1 --foreground \
			>"$dir/log" 2>&1 &
		;;
	unbound)
		local block="include: \"$WORK/block.conf\""
		local modules="iterator"
		local rpz=""
		if [ "$RPZ" = 1 ]; then
			block=""
			modules="respip iterator"
			rpz="rpz:
  name: rpz.bench.
  zonefile: \"$WORK/block.rpz\"
  rpz-log: no"
		fi
		cat >"$dir/unbound.conf" <<EOF
server:
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$dir"
  pidfile: "$dir/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  interface: 127.0.0.1@$port
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  module-config: "$modules"
  $block
include: "$WORK/allow.conf"
$rpz
remote-control:
  control-enable: no
EOF
		taskset -c "$SERVER_CPU" "$UNBOUND" -d -c "$dir/unbound.conf" >"$dir/log" 2>&1 &
		;;
	esac
	SERVER_PID=$!
	STARTED+=("$SERVER_PID")
}

wait_ready() { # PORT SECONDS: until a blocked name gets NXDOMAIN
	local port=$1 limit=$2 start=$SECONDS
	while [ $((SECONDS - start)) -lt "$limit" ]; do
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		if dig +tries=1 +time=1 -p "$port" @127.0.0.1 "$PROBE_BLOCKED" A 2>/dev/null |
			grep -q 'status: NXDOMAIN'; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

perf_field() { awk -v k="$2:" 'index($0, k) { sub(/.*: */, ""); print $1; exit }' "$1"; }

declare -A PORT_OF PID_OF LOAD_OF BEST
RUNNING=()
for s in $SERVERS; do
	case "$s" in
	dnsplaned) [ -x "$DNSPLANED" ] || { log "skip dnsplaned: $DNSPLANED missing"; continue; } ;;
	unbound) [ -x "$UNBOUND" ] || { log "skip unbound: $UNBOUND missing"; continue; } ;;
	*) log "skip unknown server $s"; continue ;;
	esac
	port=$(free_port)
	log "== $s on 127.0.0.1:$port (CPU $SERVER_CPU)"
	t0=$(date +%s.%N)
	start_server "$s" "$port"
	if ! wait_ready "$port" 900; then
		log "$s did not answer; log:"
		tail -n 20 "$WORK/$s/log" >&2 || true
		continue
	fi
	t1=$(date +%s.%N)
	LOAD_OF[$s]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	PORT_OF[$s]=$port
	PID_OF[$s]=$SERVER_PID
	RUNNING+=("$s")
	log "$s: ready (list loaded) after ${LOAD_OF[$s]} s"
done
[ ${#RUNNING[@]} -gt 0 ] || die "no server started"

for round in $(seq "$ROUNDS"); do
	for s in "${RUNNING[@]}"; do
		for set in blocked allowed; do
			for c in $CLIENTS; do
				f="$WORK/$s.$set.r$round.c$c.txt"
				taskset -c "$GEN_CPU" dnsperf -s 127.0.0.1 -p "${PORT_OF[$s]}" \
					-d "$WORK/q_$set.txt" -l "$DURATION" -c "$c" -q 500 >"$f" 2>&1 || true
				qps=$(perf_field "$f" "Queries per second")
				codes=$(grep -m1 'Response codes:' "$f" | sed 's/^ *//')
				log "round $round: $s $set -c $c: ${qps:-?} QPS; $codes"
				if [ -n "$qps" ] && awk -v a="$qps" -v b="${BEST[$s.$set]:-0}" 'BEGIN { exit !(a > b) }'; then
					BEST[$s.$set]=$qps
				fi
			done
		done
	done
done

CSV_ROWS=()
for s in "${RUNNING[@]}"; do
	rss=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/${PID_OF[$s]}/status" 2>/dev/null || echo "")
	CSV_ROWS+=("$s,${LOAD_OF[$s]},${BEST[$s.blocked]:-0},${BEST[$s.allowed]:-0},${rss:-}")
done
[ ${#CSV_ROWS[@]} -gt 0 ] || die "no server measured"

# ---- output ------------------------------------------------------------

mkdir -p "$OUT"
CSV="$OUT/firewall-unbound.csv"
{
	echo "server,load_s,blocked_qps,allowed_qps,rss_mib"
	printf '%s\n' "${CSV_ROWS[@]}"
} >"$CSV"
"$PY" - "$CSV" "$OUT/firewall-unbound.png" "$ENTRIES" "$RPZ" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
entries, rpz = int(sys.argv[3]), sys.argv[4] == "1"
print("%-10s %10s %14s %14s %9s" % ("server", "load s", "blocked QPS", "allowed QPS", "RSS MiB"))
for r in rows:
    print("%-10s %10s %14.0f %14.0f %9s" % (r["server"], r["load_s"], float(r["blocked_qps"] or 0),
                                          float(r["allowed_qps"] or 0), r["rss_mib"]))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
names = [r["server"] + (" (RPZ)" if rpz and r["server"] == "unbound" else "") for r in rows]
x = range(len(rows))
w = 0.38
ax[0].bar([i - w / 2 for i in x], [float(r["blocked_qps"] or 0) for r in rows], w, label="blocked")
ax[0].bar([i + w / 2 for i in x], [float(r["allowed_qps"] or 0) for r in rows], w, label="allowed")
ax[0].set_xticks(list(x), names)
ax[0].set_ylabel("queries per second (1 core)")
ax[0].set_title("dnsperf, %d-entry block list" % entries)
ax[0].legend()
ax[1].bar(list(x), [float(r["load_s"] or 0) for r in rows], 0.5, color="gray")
ax[1].set_xticks(list(x), names)
ax[1].set_ylabel("seconds from start to first answer")
ax[1].set_title("list load")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
EOF
log "wrote $CSV and $OUT/firewall-unbound.png"
