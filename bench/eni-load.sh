#!/usr/bin/env bash
# Load test of the per-ENI QPS ceiling of a Resolver inbound endpoint
# (SPEC §3 "Endpoints", SEMANTICS §11 "Capacity"): the test users run to see
# that each ENI holds its QpsPerEni ceiling and that nothing else degrades.
#
# dnsplaned runs in a network namespace with one inbound endpoint of 1, 2
# and 4 ENIs (addresses 198.18.10.1..4, QpsPerEni = --ceiling), and a
# resolver listener outside the endpoint (198.18.10.100, no ceiling) as the
# control: it takes a fixed side load during every run and must keep
# answering all of it. From a client namespace one dnsperf per ENI offers
# the same rate to each ENI; the offered rate sweeps --levels x ceiling.
# Each run first loads for --warmup seconds and, above the ceiling, until
# the one-second burst has drained (it drains at offered - ceiling: 10 s at
# 1.1 x): until every ENI drops at least half its excess over 0.5 s. Then
# the ENI counters in /metrics are read at the start and the end of a
# --duration window: per ENI, offered = queries/s and achieved = (queries -
# dropped)/s, so the figures are the daemon's own, not dnsperf's.
#
# Generators: dnsperf with the socket data plane (default); with
# --gen kxdpgun the daemon runs --dataplane afxdp on the veth and kxdpgun
# (one per ENI, -Q rate) is the generator.
#
# Output: a table on stdout, bench/out/eni-load.csv and eni-load.png
# (achieved vs offered QPS per ENI, one panel per ENI count) and the worst
# deviation of achieved from the ceiling at offered >= 1.1 x ceiling,
# which should stay within 2 %.
#
# Usage: bench/eni-load.sh [options]        (root: network namespaces)
#   --build DIR     build with dnsplaned (default build-release, configured
#                   --buildtype=release -Dtests=false if missing)
#   --ceiling N     QpsPerEni (default 2000)
#   --enis LIST     ENI counts (default "1 2 4")
#   --levels LIST   offered rate per ENI as multiples of the ceiling
#                   (default "0.25 0.5 0.75 0.9 1.0 1.1 1.25 1.5 2 3")
#   --duration S    measured window per run (default 10: a generator stall
#                   lets the bucket refill, which skews a window by up to
#                   burst / duration)
#   --warmup S      load before the window (default 2)
#   --workers N     dnsplaned workers (default 2)
#   --gen G         dnsperf (default) | kxdpgun
#   --quick         levels "0.5 1.0 1.5 3", duration 4, warmup 1.5
#   --out DIR       output folder (default bench/out)
# (kxdpgun: 1 s more warm-up for its own start.)
# Namespaces and veths are named dv2e<pid>*; every process and namespace is
# removed on exit. Addresses come from 198.18.0.0/15 only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-release"
CEILING=2000
ENIS="1 2 4"
LEVELS="0.25 0.5 0.75 0.9 1.0 1.1 1.25 1.5 2 3"
DURATION=10
WARMUP=2
WORKERS=2
GEN=dnsperf
OUT="$ROOT/bench/out"
PY=/usr/bin/python3
SIDE_QPS=500          # control load on the resolver listener (no ceiling)

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--ceiling) CEILING=$2; shift 2 ;;
	--enis) ENIS=$2; shift 2 ;;
	--levels) LEVELS=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--workers) WORKERS=$2; shift 2 ;;
	--gen) GEN=$2; shift 2 ;;
	--quick) LEVELS="0.5 1.0 1.5 3"; DURATION=4; WARMUP=1.5; shift ;;
	--out) OUT=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for tool in ip curl dnsperf; do command -v "$tool" >/dev/null || die "$tool not found"; done
[ "$GEN" = dnsperf ] || [ "$GEN" = kxdpgun ] || die "--gen dnsperf|kxdpgun"
[ "$GEN" = dnsperf ] || command -v kxdpgun >/dev/null || die "kxdpgun not found"
[ -x "$PY" ] || die "$PY not found"

TAG="dv2e$(($$ % 10000))"
NS_S="${TAG}s"      # server (VPC)
NS_C="${TAG}c"      # on-premises clients
# One veth pair per ENI (ENI i: server 198.18.10.i on ${TAG}s<i>, client
# 198.18.2<i>.10 on ${TAG}c<i>), so that kxdpgun gets an interface of its own
# per ENI; pair 0 carries the control API and the side load (198.18.11.0/24).
SRV_GW=198.18.11.1
CLI=198.18.11.10
CTL="$SRV_GW:8053"
SIDE=198.18.10.100
WORK=$(mktemp -d /tmp/eni-load.XXXXXX)
declare -a PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ---------------------------------------------------------------

build_dnsplaned

# ---- network -------------------------------------------------------------

ip netns add "$NS_S"
ip netns add "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
for i in 0 1 2 3 4; do
	ip link add "${TAG}s$i" netns "$NS_S" type veth peer name "${TAG}c$i" netns "$NS_C"
	ip -n "$NS_S" link set "${TAG}s$i" up
	ip -n "$NS_C" link set "${TAG}c$i" up
done
ip -n "$NS_S" addr add "$SRV_GW/24" dev "${TAG}s0"
ip -n "$NS_S" addr add "$SIDE/32" dev "${TAG}s0"
ip -n "$NS_C" addr add "$CLI/24" dev "${TAG}c0"
ip -n "$NS_C" route add "$SIDE/32" via "$SRV_GW"
declare -A MAC_S=()
for i in 1 2 3 4; do
	ip -n "$NS_S" addr add "198.18.10.$i/32" dev "${TAG}s$i"
	ip -n "$NS_S" addr add "198.18.2$i.1/24" dev "${TAG}s$i"
	ip -n "$NS_C" addr add "198.18.2$i.10/24" dev "${TAG}c$i"
	ip -n "$NS_C" route add "198.18.10.$i/32" via "198.18.2$i.1"
	MAC_S[$i]=$(ip -n "$NS_S" -o link show "${TAG}s$i" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
done

# ---- daemon --------------------------------------------------------------

# start_daemon N: one inbound endpoint with N ENIs, all of them listeners.
start_daemon() {
	local n=$1 i ips="" lst=""
	for i in $(seq 1 "$n"); do
		ips="$ips${ips:+, }{Ip: 198.18.10.$i}"
		lst="$lst  - {address: 198.18.10.$i, port: 53, role: inbound, endpoint: rslvr-in-bench}
"
	done
	local dp="socket" ifs=""
	if [ "$GEN" = kxdpgun ]; then
		dp="afxdp"
		ifs="  interfaces: [$(for i in $(seq 1 "$n"); do printf '%s{name: %ss%d, queues: 1}' \
			"$([ "$i" = 1 ] || echo ', ')" "$TAG" "$i"; done)]"
	fi
	cat >"$WORK/cfg.yaml" <<EOF
server:
  dataplane: $dp
$ifs
  workers: $WORKERS
  control: {listen: "$CTL"}
listeners:
$lst  - {address: $SIDE, port: 53, role: resolver, vpc: vpc-bench}
vpcs:
  - {VpcId: vpc-bench, Cidrs: [10.9.0.0/16]}
hosted_zones:
  - Id: ZBENCH
    Name: bench.example.
    Config: {PrivateZone: true}
    VPCs: [{VPCId: vpc-bench}]
    ResourceRecordSets:
      - {Name: www.bench.example., Type: A, TTL: 300, ResourceRecords: [{Value: 10.9.0.80}]}
resolver:
  endpoints:
    - {Id: rslvr-in-bench, Direction: INBOUND, VpcId: vpc-bench, QpsPerEni: $CEILING,
       IpAddresses: [$ips]}
EOF
	ip netns exec "$NS_S" "$DNSPLANED" -c "$WORK/cfg.yaml" --foreground >"$WORK/daemon.log" 2>&1 &
	DAEMON=$!
	PIDS+=("$DAEMON")
	for _ in $(seq 100); do
		if ip netns exec "$NS_C" curl -sf "http://$CTL/metrics" >/dev/null 2>&1; then return; fi
		kill -0 "$DAEMON" 2>/dev/null || { cat "$WORK/daemon.log" >&2; die "dnsplaned exited"; }
		sleep 0.1
	done
	die "dnsplaned did not answer on http://$CTL"
}

stop_daemon() {
	kill -TERM "$DAEMON" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$DAEMON" 2>/dev/null || true
	wait "$DAEMON" 2>/dev/null || true
}

# counters IP → "queries dropped" of that ENI
counters() {
	ip netns exec "$NS_C" curl -sf "http://$CTL/metrics" | awk -v ip="$1" '
		/^dnsplane_eni_queries_total/ && index($0, "ip=\"" ip "\"") { q = $NF }
		/^dnsplane_eni_dropped_total/ && index($0, "ip=\"" ip "\"") { d = $NF }
		END { printf "%d %d\n", q, d }'
}

side_answered() {
	ip netns exec "$NS_C" curl -sf "http://$CTL/metrics" | awk -v l="$SIDE:53" '
		/^dnsplane_queries_total/ && index($0, "listener=\"" l "\"") { s += $NF }
		END { printf "%d\n", s }'
}

printf 'www.bench.example A\n' >"$WORK/q.txt"

# generator GEN IP QPS SECONDS LOGFILE: starts one load generator in the
# background; its pid is left in LASTPID (and in PIDS for the cleanup).
generator() {
	local gen=$1 ip=$2 qps=$3 secs=$4 logf=$5
	if [ "$gen" = dnsperf ]; then
		ip netns exec "$NS_C" dnsperf -s "$ip" -p 53 -d "$WORK/q.txt" -l "$secs" -Q "$qps" \
			-c 2 -q 20000 -t 1 >"$logf" 2>&1 &
	else
		local i=${ip##*.}
		ip netns exec "$NS_C" kxdpgun -t "$secs" -Q "$qps" -I "${TAG}c$i" -R "${MAC_S[$i]}" \
			-l "198.18.2$i.10" -p 53 -b 1 -i "$WORK/q.txt" "$ip" >"$logf" 2>&1 &
	fi
	LASTPID=$!
	PIDS+=("$LASTPID")
}

CSV="$OUT/eni-load.csv"
mkdir -p "$OUT"
echo "gen,enis,eni,ceiling,level,offered_qps,achieved_qps,dropped_qps,side_offered,side_answered" >"$CSV"

for n in $ENIS; do
	log "endpoint with $n ENI(s), ceiling $CEILING qps per ENI"
	start_daemon "$n"
	for level in $LEVELS; do
		rate=$("$PY" -c "print(max(1, int(round($CEILING * $level))))")
		warm=$("$PY" -c "l = $level; print(max($WARMUP, 1.25 / (l - 1) if l > 1 else 0) + (1 if '$GEN' == 'kxdpgun' else 0))")
		# generators run long enough for the longest wait below
		RUN_S=$("$PY" -c "import math; print(math.ceil($warm + 20 + $DURATION + 2))")
		declare -a gens=()
		for i in $(seq 1 "$n"); do
			generator "$GEN" "198.18.10.$i" "$rate" "$RUN_S" "$WORK/gen$i.log"
			gens+=("$LASTPID")
		done
		# the control load always comes from dnsperf (kernel path)
		generator dnsperf "$SIDE" "$SIDE_QPS" "$RUN_S" "$WORK/side.log"
		side=$LASTPID
		sleep "$WARMUP"
		# Above the ceiling, wait (bounded by the computed warm-up plus 20 s)
		# until every ENI drops at least half its excess rate over 0.5 s:
		# the burst has drained, whatever the generators' start-up time.
		if [ "$("$PY" -c "print(int($level > 1))")" = 1 ]; then
			need=$("$PY" -c "print(int(($rate - $CEILING) * 0.25))")
			deadline=$("$PY" -c "import time; print(time.time() + $warm + 20)")
			declare -A dp=()
			for i in $(seq 1 "$n"); do read -r _ dp[$i] < <(counters "198.18.10.$i"); done
			while "$PY" -c "import sys, time; sys.exit(time.time() > $deadline)"; do
				sleep 0.5
				drained=1
				for i in $(seq 1 "$n"); do
					read -r _ dn < <(counters "198.18.10.$i")
					[ $((dn - dp[$i])) -ge "$need" ] || drained=0
					dp[$i]=$dn
				done
				[ "$drained" = 1 ] && break
			done
			unset dp
		fi
		declare -A q0=() d0=()
		for i in $(seq 1 "$n"); do read -r q0[$i] d0[$i] < <(counters "198.18.10.$i"); done
		s0=$(side_answered)
		t0=$(date +%s.%N)
		sleep "$DURATION"
		declare -A q1=() d1=()
		for i in $(seq 1 "$n"); do read -r q1[$i] d1[$i] < <(counters "198.18.10.$i"); done
		s1=$(side_answered)
		t1=$(date +%s.%N)
		# the window is over: stop the generators (they run for the longest wait)
		for g in "${gens[@]}" "$side"; do kill -INT "$g" 2>/dev/null || true; done
		for g in "${gens[@]}" "$side"; do wait "$g" 2>/dev/null || true; done
		side_ok=$(awk '/Queries completed/ {print $3}' "$WORK/side.log" 2>/dev/null || echo 0)
		side_sent=$(awk '/Queries sent/ {print $3}' "$WORK/side.log" 2>/dev/null || echo 0)
		for i in $(seq 1 "$n"); do
			"$PY" - "$GEN" "$n" "198.18.10.$i" "$CEILING" "$level" "${q0[$i]}" "${d0[$i]}" \
				"${q1[$i]}" "${d1[$i]}" "$t0" "$t1" "$s0" "$s1" "${side_sent:-0}" \
				"${side_ok:-0}" >>"$CSV" <<'EOF'
import sys
g, n, ip, ceil, lvl, q0, d0, q1, d1, t0, t1, s0, s1, ss, so = sys.argv[1:]
dt = float(t1) - float(t0)
q, d = int(q1) - int(q0), int(d1) - int(d0)
side_ratio = (int(so) / int(ss)) if int(ss) else 0
print("%s,%s,%s,%s,%s,%.1f,%.1f,%.1f,%s,%.4f" % (g, n, ip, ceil, lvl, q / dt, (q - d) / dt,
      d / dt, ss, side_ratio))
EOF
		done
		unset q0 d0 q1 d1 gens
		log "  level $level x ceiling ($rate qps per ENI) done"
	done
	stop_daemon
done

"$PY" "$ROOT/bench/eni_plot.py" "$CSV" "$OUT/eni-load.png"
log "wrote $CSV and $OUT/eni-load.png"
