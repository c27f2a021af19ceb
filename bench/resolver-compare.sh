#!/usr/bin/env bash
# Cache-hit cost of dnsplaned's resolver against unbound (and kresd when it
# is installed), all forwarding the same zone to the same upstream (a knotd
# this script starts), with warm caches, in one run.
#
# Each resolver in turn: pinned to CPU 0 (dnsperf on CPU 1, knotd on CPU 1),
# one worker / thread, forwarding bench.test. to knotd (dnsplaned: a
# Resolver FORWARD rule through an OUTBOUND endpoint; unbound: forward-zone;
# kresd: policy.STUB, no validation, as the others). The cache is warmed by asking every name once;
# then dnsperf offers a fixed rate for a fixed time over the same names (so
# every answer is a cache hit), and the resolver's own CPU time (
# the scheduler's exact runtime of every thread, /proc/PID/task/*/schedstat) is divided by the queries it
# answered: CPU-µs per answered query. The ratio dnsplaned/unbound is the
# figure of merit (target <= 0.3). dnsplaned's cache-hit counter and
# upstream counter are checked so the run measures hits only.
#
# With --afxdp the servers run in a network namespace on one end of a veth
# pair and dnsperf in another on the other end (198.18.63.0/24): dnsplaned
# serves its listener through its AF_XDP plane (copy mode on veth), unbound
# and knotd use kernel sockets on the same interface. Without it everything
# is on loopback (127.0.61.0/24) and dnsplaned uses its socket plane.
#
# Prints a table and writes bench/out/resolver-compare[-afxdp].csv and .png;
# everything started (processes, namespaces) is stopped on exit.
#
# Usage: bench/resolver-compare.sh [--build DIR] [--rate QPS] [--duration S]
#                                  [--names N] [--afxdp] [--out DIR]
#   --build DIR   build folder with dnsplaned (default build-release;
#                 configured --buildtype=release -Dtests=false if missing)
#   --rate QPS    offered rate (default 20000)
#   --duration S  seconds of measured load per resolver (default 10)
#   --names N     distinct names in the zone and query file (default 1000)
#   --afxdp       dnsplaned on its AF_XDP plane in network namespaces (root)
#   --coalesce US dnsplaned with server.rx_coalesce_us: US (default 0, off)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-release"
RATE=20000
DURATION=10
NAMES=1000
OUT="$ROOT/bench/out"
NET=127.0.61
PORT_KNOT=25361 PORT_DP=25362 PORT_UB=25363 PORT_KR=25364 CTL_PORT=28061
AFXDP=0
COALESCE=0

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--names) NAMES=$2; shift 2 ;;
	--afxdp) AFXDP=1; shift ;;
	--coalesce) COALESCE=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"
for tool in dnsperf taskset dig knotd unbound curl; do
	command -v "$tool" >/dev/null || die "$tool not found"
done

build_dnsplaned

WORK=$(mktemp -d /tmp/resolver-compare.XXXXXX)
declare -a PIDS=()
PFX="dv1c$(printf %04x $(($$ & 0xffff)))"
NSA="" NSB=""          # "ip netns exec X" prefixes (empty on loopback)
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	if [ "$AFXDP" = 1 ]; then
		ip netns del "${PFX}a" 2>/dev/null || true
		ip netns del "${PFX}b" 2>/dev/null || true
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

SUFFIX=""
if [ "$AFXDP" = 1 ]; then
	[ "$(id -u)" = 0 ] || die "--afxdp needs root (network namespaces, XDP)"
	# servers in A (veth ${PFX}0), dnsperf in B (veth ${PFX}1)
	NET=198.18.63
	ip netns add "${PFX}a"
	ip netns add "${PFX}b"
	ip -n "${PFX}a" link set lo up
	ip -n "${PFX}b" link set lo up
	ip link add "${PFX}0" netns "${PFX}a" type veth peer name "${PFX}1" netns "${PFX}b"
	for a in 2 3 4 5 6 1; do
		[ $a = 1 ] && continue
		ip -n "${PFX}a" addr add "$NET.$a/24" dev "${PFX}0"
	done
	ip -n "${PFX}a" addr add "$NET.1/32" dev lo   # knotd (upstream) on A's loopback
	ip -n "${PFX}b" addr add "$NET.100/24" dev "${PFX}1"
	ip -n "${PFX}a" link set "${PFX}0" up
	ip -n "${PFX}b" link set "${PFX}1" up
	NSA="ip netns exec ${PFX}a"
	NSB="ip netns exec ${PFX}b"
	PORT_DP=53 PORT_UB=53 PORT_KR=53
	SUFFIX="-afxdp"
fi
# a coalescing run keeps its own files
[ "$COALESCE" != 0 ] && SUFFIX="$SUFFIX-c$COALESCE"

# Waits (bounded) until a resolver at $1:$2 answers www0.bench.test.
wait_dns() {
	local ns=${4:-$NSB}
	for _ in $(seq 100); do
		if $ns dig +tries=1 +time=1 +short -p "$2" @"$1" "${3:-www0.bench.test.}" A 2>/dev/null |
		   grep -q '^198\.'; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# On-CPU time of a process (all threads) in microseconds: the scheduler's
# exact runtime from /proc/PID/task/*/schedstat. utime/stime in
# /proc/PID/stat are sampled at the tick, and a worker that wakes per packet
# and sleeps between ticks is charged by luck (seen: 14 us/query charged
# to dnsplaned where CPU 0 was busy 8 us/query in all).
cpu_us() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s / 1000 }'; }
# CPU 0's busy ticks (user+nice+system+irq+softirq): includes kernel work
# done for the server outside its own process time (and anyone else's work
# on CPU 0: read it on an idle machine only).
cpu0_ticks() { awk '$1=="cpu0"{print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# ---------------------------------------------------------------- upstream
{
	echo '$ORIGIN bench.test.'
	echo '$TTL 86400'
	echo '@ IN SOA ns hostmaster 1 7200 900 1209600 86400'
	echo '@ IN NS ns'
	echo "ns IN A $NET.1"
	for i in $(seq 0 $((NAMES - 1))); do
		echo "www$i IN A 198.18.$((i / 256 % 256)).$((i % 256))"
	done
} >"$WORK/bench.test.zone"
for i in $(seq 0 $((NAMES - 1))); do echo "www$i.bench.test. A"; done >"$WORK/queries"

mkdir -p "$WORK/knot"
cat >"$WORK/knot/knot.conf" <<EOF
server:
    listen: $NET.1@$PORT_KNOT
    rundir: $WORK/knot
log:
  - target: stderr
    any: warning
database:
    storage: $WORK/knot
template:
  - id: default
    storage: $WORK/knot
    semantic-checks: off
zone:
  - domain: bench.test.
    file: $WORK/bench.test.zone
EOF
$NSA taskset -c 1 knotd -c "$WORK/knot/knot.conf" >"$WORK/knot.log" 2>&1 &
PIDS+=($!)
KNOT_PID=$!
wait_dns $NET.1 $PORT_KNOT www0.bench.test. "$NSA" ||
	die "knotd does not answer (log: $(tail -3 "$WORK/knot.log"))"

# -------------------------------------------------------------- resolvers
if [ "$AFXDP" = 1 ]; then
	DP_SERVER="  dataplane: afxdp
  interfaces: [{name: ${PFX}0, queues: 1}]"
else
	DP_SERVER="  dataplane: socket"
fi
cat >"$WORK/dnsplane.yaml" <<EOF
server:
$DP_SERVER
  workers: 1
  rx_coalesce_us: $COALESCE
  control: {listen: "$NET.2:$CTL_PORT"}
listeners:
  - {address: $NET.2, port: $PORT_DP, role: resolver, vpc: vpc-bench}
vpcs:
  - {VpcId: vpc-bench, Cidrs: [127.0.0.0/8]}
resolver:
  cache: {max_size_mb: 64, prefetch: false}
  endpoints:
    - {Id: rslvr-out-bench, Direction: OUTBOUND, VpcId: vpc-bench,
       IpAddresses: [{Ip: $NET.5}, {Ip: $NET.6}], QpsPerEni: 1000000}
  rules:
    - {Id: rslvr-rr-bench, RuleType: FORWARD, DomainName: bench.test,
       ResolverEndpointId: rslvr-out-bench, TargetIps: [{Ip: $NET.1, Port: $PORT_KNOT}]}
  rule_associations: [{ResolverRuleId: rslvr-rr-bench, VPCId: vpc-bench}]
EOF

mkdir -p "$WORK/unbound"
cat >"$WORK/unbound/unbound.conf" <<EOF
server:
    interface: $NET.3@$PORT_UB
    port: $PORT_UB
    num-threads: 1
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$WORK/unbound"
    pidfile: "$WORK/unbound/unbound.pid"
    logfile: ""
    use-syslog: no
    verbosity: 0
    access-control: 0.0.0.0/0 allow
    do-not-query-localhost: no
    do-ip6: no
    so-reuseport: yes
    msg-cache-size: 64m
    rrset-cache-size: 128m
    prefetch: no
    qname-minimisation: no
    harden-referral-path: no
    module-config: "iterator"
    domain-insecure: "bench.test."
    local-zone: "test." nodefault   # unbound answers test. itself by default (RFC 6761)
forward-zone:
    name: "bench.test."
    forward-addr: $NET.1@$PORT_KNOT
remote-control:
    control-enable: no
EOF

cat >"$WORK/kresd.conf" <<EOF
net.listen('$NET.4', $PORT_KR, { kind = 'dns' })
cache.size = 64 * MB
policy.add(policy.suffix(policy.STUB({'$NET.1@$PORT_KNOT'}), {todname('bench.test.')}))
trust_anchors.set_insecure({'bench.test.'})
modules.unload('detect_time_skew')
modules.unload('priming')
modules.unload('ta_update')
EOF

results=()
DP_NOTE=""

# Runs one resolver: $1 name, $2 addr, $3 port, then its command line.
measure() {
	local name=$1 addr=$2 port=$3
	shift 3
	$NSA taskset -c 0 "$@" >"$WORK/$name.log" 2>&1 &
	local pid=$!
	PIDS+=($pid)
	wait_dns "$addr" "$port" || die "$name does not answer (log: $(tail -5 "$WORK/$name.log"))"
	# warm: every name once, slowly enough to lose nothing
	$NSB taskset -c 1 dnsperf -s "$addr" -p "$port" -d "$WORK/queries" -n 1 -Q 5000 -c 1 \
		>"$WORK/$name.warm" 2>&1 || true
	local dp_hits0="" dp_up0=""
	if [ "$name" = dnsplaned ]; then
		dp_hits0=$($NSA curl -s "http://$NET.2:$CTL_PORT/metrics" | awk '/^dnsplane_cache_hits_total /{print $2}')
		dp_up0=$($NSA curl -s "http://$NET.2:$CTL_PORT/metrics" |
			 awk -F' ' '/^dnsplane_resolver_upstream_queries_total\{result="sent"\}/{print $2}')
	fi
	local t0 k0 c0
	t0=$(cpu_us "$pid")
	k0=$(cpu_us "$KNOT_PID")
	c0=$(cpu0_ticks)
	perf_split_start 0 "$WORK/$name.split"
	$NSB taskset -c 1 dnsperf -s "$addr" -p "$port" -d "$WORK/queries" -l "$DURATION" -Q "$RATE" \
		-c 4 -t 2 >"$WORK/$name.perf" 2>&1 || true
	perf_split_stop
	local t1 k1 c1
	t1=$(cpu_us "$pid")
	k1=$(cpu_us "$KNOT_PID")
	c1=$(cpu0_ticks)
	local completed lost
	completed=$(awk '/Queries completed:/{print $3}' "$WORK/$name.perf")
	lost=$(awk '/Queries lost:/{print $3}' "$WORK/$name.perf")
	local hz
	hz=$(getconf CLK_TCK)
	local us
	us=$(awk -v d=$((t1 - t0)) -v n="${completed:-0}" \
		'BEGIN { if (n > 0) printf "%.2f", d / n; else print "nan" }')
	local note=""
	if [ "$name" = dnsplaned ]; then
		local hits1 up1
		hits1=$($NSA curl -s "http://$NET.2:$CTL_PORT/metrics" | awk '/^dnsplane_cache_hits_total /{print $2}')
		up1=$($NSA curl -s "http://$NET.2:$CTL_PORT/metrics" |
		      awk -F' ' '/^dnsplane_resolver_upstream_queries_total\{result="sent"\}/{print $2}')
		note="cache hits $((${hits1%.*} - ${dp_hits0%.*})), upstream queries $((${up1%.*} - ${dp_up0%.*}))"
	fi
	local cpu0us
	cpu0us=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v n="${completed:-0}" \
		'BEGIN { if (n > 0) printf "%.2f", d / hz * 1e6 / n; else print "nan" }')
	log "$name: $completed answered, $lost lost, $((t1 - t0)) us of CPU, $us us/query" \
	    "(CPU 0 busy: $cpu0us us/query), knotd $((k1 - k0)) us${note:+; $note}"
	# user space / kernel split of the CPU per query (perf samples)
	local split uus="" kus=""
	split=$(perf_split_shares "$WORK/$name.split" "$pid")
	if [ -n "$split" ]; then
		read -r uus kus <<<"$split"
		uus=$(awk -v c="$us" -v s="$uus" 'BEGIN { printf "%.2f", c * s / 100 }')
		kus=$(awk -v c="$us" -v s="$kus" 'BEGIN { printf "%.2f", c * s / 100 }')
		log "$name: $uus us/query in user space, $kus us/query in the kernel"
	fi
	local lat
	lat=$(awk '/Average Latency \(s\):/ { printf "%.0f", $4 * 1e6; exit }' "$WORK/$name.perf")
	results+=("$name,$RATE,$DURATION,$completed,$lost,$((t1 - t0)),$us,$((k1 - k0)),$cpu0us,$uus,$kus,${lat:-}")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

if [ "$AFXDP" = 1 ]; then
	measure dnsplaned $NET.2 $PORT_DP "$BUILD/dnsplaned" -c "$WORK/dnsplane.yaml"
else
	measure dnsplaned $NET.2 $PORT_DP "$BUILD/dnsplaned" -c "$WORK/dnsplane.yaml" --workers 1
fi
measure unbound $NET.3 $PORT_UB unbound -d -c "$WORK/unbound/unbound.conf"
if command -v kresd >/dev/null; then
	mkdir -p "$WORK/kresd"
	measure kresd $NET.4 $PORT_KR kresd -n -c "$WORK/kresd.conf" "$WORK/kresd"
else
	log "kresd is not installed: skipped (scripts/setup installs knot-resolver)"
fi

mkdir -p "$OUT"
{
	echo "resolver,offered_qps,seconds,answered,lost,cpu_us,cpu_us_per_query,upstream_cpu_us,cpu0_us_per_query,user_us_per_query,kernel_us_per_query,avg_latency_us"
	printf '%s\n' "${results[@]}"
} >"$OUT/resolver-compare$SUFFIX.csv"

echo
printf '%-10s %10s %10s %8s %14s %14s %18s %12s\n' resolver offered answered lost "CPU us/query" \
	"CPU0 us/query" "user/kernel us/q" "latency us"
for r in "${results[@]}"; do
	IFS=, read -r n q _ a l _ us _ c0 uu ku lat <<<"$r"
	printf '%-10s %10s %10s %8s %14s %14s %18s %12s\n' "$n" "$q" "$a" "$l" "$us" "$c0" \
		"${uu:--}/${ku:--}" "${lat:--}"
done
dp=$(printf '%s\n' "${results[@]}" | awk -F, '$1=="dnsplaned"{print $7}')
dpk=$(printf '%s\n' "${results[@]}" | awk -F, '$1=="dnsplaned"{print $11}')
ub=$(printf '%s\n' "${results[@]}" | awk -F, '$1=="unbound"{print $7}')
kr=$(printf '%s\n' "${results[@]}" | awk -F, '$1=="kresd"{print $7}')
awk -v a="$dp" -v b="$ub" 'BEGIN { if (b > 0) printf "\ndnsplaned / unbound CPU per query: %.3f (target <= 0.3)\n", a / b }'
[ -n "$kr" ] && awk -v a="$dp" -v b="$kr" 'BEGIN { if (b > 0) printf "dnsplaned / kresd CPU per query: %.3f\n", a / b }'
# The kernel part alone, against unbound's whole: the lowest ratio any
# user-space change could reach on this machine.
[ -n "$dpk" ] && awk -v a="$dpk" -v b="$ub" 'BEGIN { if (b > 0) printf "dnsplaned kernel part / unbound CPU per query: %.3f\n", a / b }'
# Picture: CPU per answered query split into user space and kernel, and
# average latency, per resolver.
/usr/bin/python3 - "$OUT/resolver-compare$SUFFIX.csv" "$OUT/resolver-compare$SUFFIX.png" <<'PY' ||
import csv, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = list(csv.DictReader(open(sys.argv[1])))
def f(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0
names = [r["resolver"] for r in rows]
user = [f(r["user_us_per_query"]) for r in rows]
kern = [f(r["kernel_us_per_query"]) for r in rows]
total = [f(r["cpu_us_per_query"]) for r in rows]
lat = [f(r["avg_latency_us"]) for r in rows]
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
a.bar(names, user, label="user space")
a.bar(names, kern, bottom=user, label="kernel")
a.plot(names, total, "k_", markersize=30, label="process CPU (schedstat)")
a.set_ylabel("CPU-µs per answered query")
a.set_title("cache hits at %s qps offered" % rows[0]["offered_qps"])
a.legend(fontsize=8)
b.bar(names, lat, color="gray")
b.set_ylabel("average latency (µs)")
b.set_title("latency (dnsperf)")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
PY
	log "plot skipped (python3-matplotlib missing?)"
echo "(csv: $OUT/resolver-compare$SUFFIX.csv, plot: $OUT/resolver-compare$SUFFIX.png)"
