#!/usr/bin/env bash
# Compare dnsplaned's data planes with knotd over a veth pair, with kxdpgun
# (knot-dnsutils) as the load generator in its own network namespace.
#
# Servers (same zone and query mix as dnsperf-compare.sh: bench/gen_zone.py):
#   dnsplane-afxdp   dnsplaned --dataplane afxdp (XDP program + AF_XDP worker)
#   dnsplane-socket  dnsplaned with the socket plane (recvmmsg/sendmmsg)
#   dnsplane-dpdk    dnsplaned --dataplane dpdk on net_af_xdp (when built with it)
#   knotd-xdp        knotd with `xdp: listen: <iface>@53`
#   knotd-udp        knotd with UDP sockets
#   A dnsplane name may end in +cN (e.g. dnsplane-afxdp+c100): the same plane
#   with server.rx_coalesce_us: N (receive coalescing; off by default).
# Each server runs alone in namespace S, pinned to CPU $SERVER_CPU (taskset;
# DPDK's lcores mapped onto it), kxdpgun in namespace G pinned to
# $GEN_CPU (both at nice $NICE), for a bounded time per run, at each offered rate (100k, 300k and
# "max": kxdpgun as fast as one core sends). Per run:
#   - answered: replies kxdpgun received, and answered QPS;
#   - core busy: the server CPU's busy time from /proc/stat deltas
#     (user+nice+system+irq+softirq) as a share of the traffic window, and
#     CPU-us per answered query = busy time over the run / answers;
#   - process CPU: the server process's own on-CPU time (the scheduler's
#     exact runtime, /proc/PID/task/*/schedstat), the same two ways. On a
#     machine other jobs share, the /proc/stat figure includes their work on
#     the server CPU; and /proc/stat is sampled at the timer tick, so it
#     under-counts a worker that sleeps between ticks. The process figure
#     has neither problem (but misses softirq work done for the server).
# Every thread of a server is pinned to the server CPU after start (knotd
# pins its own workers round-robin otherwise, onto the generator's CPU).
# Note on veth: the receive side's XDP program and the copy into an AF_XDP
# socket run on the *sender's* CPU (veth NAPI), for knotd-xdp and
# dnsplane-afxdp alike; transmit work (copy mode) runs in the server's
# sendto() on the server CPU.
#
# Where perf can sample (cpu-clock; no PMU needed) each run's CPU-us per
# answer is split into user space and kernel (common.sh perf_split_*), and
# the kernel part is compared with knotd-xdp's whole: no user-space change
# can take a server below that ratio on this machine.
#
# Then (unless --no-callgrind) instructions per packet of the AF_XDP worker
# loop: dnsplaned runs under callgrind collecting only inside the worker's
# per-burst functions (rx_burst, complete, refill), answering kxdpgun at a
# low rate; Ir / packets answered is printed. And whole-process marginal
# instructions per answered query for dnsplane-afxdp and knotd-xdp (two
# callgrind runs each, 5 s and 15 s). (perf stat's instructions counter is
# not available in this VM.)
#
# Prints a table and writes $OUT/kxdpgun-compare.{csv,md,png}.
# Every namespace, interface and DPDK --file-prefix carries the prefix
# dxb<pid>; everything is removed on exit. Addresses: 198.18.46.0/24.
#
# Usage: bench/kxdpgun-compare.sh [options]
#   --build DIR      build directory with dnsplaned (default: build-release,
#                    configured --buildtype=release -Dtests=false if missing)
#   --servers LIST   subset of the servers above (default: all)
#   --rates LIST     offered rates (default "100000 300000 max")
#   --duration S     seconds per run (default 5)
#   --no-callgrind   skip the instructions-per-packet run
#   --out DIR        output folder (default bench/out)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-release"
SERVERS="dnsplane-afxdp dnsplane-socket dnsplane-dpdk knotd-xdp knotd-udp"
RATES="100000 300000 max"
DURATION=5
CALLGRIND=1
OUT="$ROOT/bench/out"
PY=/usr/bin/python3
SERVER_CPU=1
GEN_CPU=0
MAX_QPS=20000000
NICE=-15              # servers and generator alike: other jobs on a shared
                      # machine take less CPU from the measured cores

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--rates) RATES=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--no-callgrind) CALLGRIND=0; shift ;;
	--out) OUT=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, XDP)"
for tool in kxdpgun ip taskset dig; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x "$PY" ] || die "$PY not found"

PFX=dxb$(printf %04x $(($$ & 0xffff)))
NS_S=${PFX}s NS_G=${PFX}g
V0=${PFX}0 V1=${PFX}1
SRV4=198.18.46.2 GEN4=198.18.46.1
WORK=$(mktemp -d /tmp/kxdpgun-compare.XXXXXX)
SERVER_PID=""

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_G" 2>/dev/null || true
	rm -rf /var/run/dpdk/"$PFX"* 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build -------------------------------------------------------------

DNSPLANED="$BUILD/dnsplaned"
[[ "$SERVERS" == *dnsplane* ]] && build_dnsplaned

# ---- topology, zone, queries -------------------------------------------

ip netns add "$NS_S"
ip netns add "$NS_G"
ip link add "$V0" netns "$NS_S" type veth peer name "$V1" netns "$NS_G"
for ns in "$NS_S" "$NS_G"; do ip -n "$ns" link set lo up; done
ip -n "$NS_S" addr add "$SRV4/24" dev "$V0"
ip -n "$NS_G" addr add "$GEN4/24" dev "$V1"
ip -n "$NS_S" link set "$V0" up
ip -n "$NS_G" link set "$V1" up
SRV_MAC=$(ip -n "$NS_S" link show "$V0" | awk '/link\/ether/ { print $2 }')
# A static neighbour: the DPDK variant has no kernel answering ARP.
ip -n "$NS_G" neigh replace "$SRV4" lladdr "$SRV_MAC" dev "$V1" nud permanent

ZONE="$WORK/bench.example.zone"
QUERIES="$WORK/queries.txt"
"$PY" "$ROOT/bench/gen_zone.py" "$ZONE" "$QUERIES" 20000 >&2

# ---- servers -----------------------------------------------------------

xdp_off() {
	ip -n "$NS_S" link set "$V0" xdp off 2>/dev/null || true
	ip -n "$NS_S" link set "$V0" xdpgeneric off 2>/dev/null || true
}

# write_config NAME → prints the command line (run inside NS_S)
write_config() {
	local name=$1 dir="$WORK/$1"
	mkdir -p "$dir"
	case "$name" in
	dnsplane-*)
		local plane=${name#dnsplane-} extra="" coalesce=0
		if [[ "$plane" == *+c* ]]; then
			coalesce=${plane#*+c}
			plane=${plane%%+c*}
		fi
		case "$plane" in
		afxdp) extra="  interfaces: [{name: $V0, queues: 1}]" ;;
		dpdk) extra="  dpdk_args: [\"--no-huge\", \"--no-pci\", \"--no-shconf\", \"--no-telemetry\", \"-m\", \"256\", \"--lcores=0@$SERVER_CPU,1@$SERVER_CPU\", \"--file-prefix=$PFX\", \"--vdev=net_af_xdp0,iface=$V0,start_queue=0,queue_count=1\"]" ;;
		esac
		cat >"$dir/dnsplane.yaml" <<EOF
server:
  dataplane: $plane
  workers: 1
  rx_coalesce_us: $coalesce
$extra
  control: {listen: "127.0.0.1:18946"}
listeners:
  - {address: $SRV4, port: 53, role: public}
hosted_zones:
  - Id: ZBENCH
    Name: bench.example.
    Config: {PrivateZone: false}
    ZoneFile: $ZONE
EOF
		echo "$DNSPLANED --foreground -c $dir/dnsplane.yaml"
		;;
	knotd-*)
		local xdp=""
		[ "$name" = knotd-xdp ] && xdp="xdp:
    listen: $V0@53
    udp: on"
		cat >"$dir/knot.conf" <<EOF
server:
    rundir: $dir
    listen: $SRV4@53
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
$xdp
log:
  - target: stderr
    any: warning
database:
    storage: $dir
template:
  - id: default
    storage: $dir
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: bench.example.
    file: $ZONE
EOF
		echo "$(command -v knotd) -c $dir/knot.conf"
		;;
	esac
}

start_server() {
	local name=$1 wrap=$2 cmd
	cmd=$(write_config "$name")
	xdp_off
	# shellcheck disable=SC2086
	ip netns exec "$NS_S" $wrap $cmd >"$WORK/$name.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		if ip netns exec "$NS_G" dig +short +tries=1 +time=1 @"$SRV4" www.bench.example A 2>/dev/null |
			grep -q '^192\.0\.2\.10$'; then
			return 0
		fi
		sleep 0.3
	done
	return 1
}

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	for _ in $(seq 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
	xdp_off
	rm -rf /var/run/dpdk/"$PFX"* 2>/dev/null || true
}

# The serving process: the one `ip netns exec ... taskset ...` became.
server_proc() {
	local p=$SERVER_PID c
	for _ in 1 2 3; do
		c=$(pgrep -P "$p" | head -n1 || true)
		[ -n "$c" ] || break
		p=$c
	done
	echo "$p"
}

cpu_sample() { # busy and total jiffies of the server CPU
	awk -v c="cpu$SERVER_CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# On-CPU time of a process (all threads) in ns, from /proc/PID/task/*/schedstat:
# the scheduler's exact runtime. /proc/stat (and utime/stime) are sampled at
# the tick, which under-counts a worker that wakes and sleeps between ticks.
proc_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# Some servers pin their own threads (knotd pins its UDP/XDP workers
# round-robin, onto the generator's CPU too): put every thread of the
# server back on SERVER_CPU, so that all servers run on the same core.
pin_all() {
	taskset -a -p -c "$SERVER_CPU" "$1" >/dev/null 2>&1 || true
}

# run_gen RATE → kxdpgun output file
run_gen() {
	local rate=$1 qps out="$WORK/gen.$RANDOM.out"
	qps=$rate
	[ "$rate" = max ] && qps=$MAX_QPS
	ip netns exec "$NS_G" nice -n "$NICE" taskset -c "$GEN_CPU" timeout $((DURATION + 20)) \
		kxdpgun -t "$DURATION" -Q "$qps" -F "$GEN_CPU" -i "$QUERIES" -I "$V1" "$SRV4" \
		>"$out" 2>&1 || true
	echo "$out"
}

# DPDK: a poll-mode lcore is 100 % busy to the OS whatever the load; its
# real load is the share of poll-loop time that moved a frame (dnsplaned's
# dnsplane_dpdk_worker_busy_seconds_total), reported beside the table.
dpdk_busy() {
	ip netns exec "$NS_S" curl -s http://127.0.0.1:18946/metrics 2>/dev/null |
		awk '$1 ~ /^dnsplane_dpdk_worker_busy_seconds_total/ { s += $2 } END { printf "%.6f\n", s }'
}

# AF_XDP: where frames were lost, from dnsplaned's own counters: the XDP
# program's verdicts and the sockets' XDP_STATISTICS drops, summed as
# "redirected rx_ring_full fill_empty other".
xsk_counters() {
	ip netns exec "$NS_S" curl -s http://127.0.0.1:18946/metrics 2>/dev/null | awk '
		/^dnsplane_xdp_packets_total\{.*verdict="redirected"/ { r += $2 }
		/^dnsplane_afxdp_socket_drops_total\{.*reason="rx_ring_full"/ { f += $2 }
		/^dnsplane_afxdp_socket_drops_total\{.*reason="fill_empty"/ { e += $2 }
		/^dnsplane_afxdp_socket_drops_total\{.*reason="other"/ { o += $2 }
		END { printf "%d %d %d %d\n", r, f, e, o }'
}

CSV="$OUT/kxdpgun-compare.csv"
mkdir -p "$OUT"
echo "server,rate,sent,answered,answered_pct,answered_qps,core_busy_pct,cpu_us_per_answer,proc_cpu_pct,proc_us_per_answer,user_us_per_answer,kernel_us_per_answer" >"$CSV"
HZ=$(getconf CLK_TCK)

for name in $SERVERS; do
	case "$name" in
	knotd-*) command -v knotd >/dev/null || { log "$name: knotd not found, skipped"; continue; } ;;
	esac
	log "$name: starting"
	if ! start_server "$name" "nice -n $NICE taskset -c $SERVER_CPU"; then
		log "$name: did not start; skipped. Log tail:"
		tail -n 5 "$WORK/$name.log" >&2 || true
		stop_server
		continue
	fi
	sproc=$(server_proc)
	pin_all "$sproc"
	for rate in $RATES; do
		read -r b0 t0 < <(cpu_sample)
		p0=$(proc_ns "$sproc")
		[ "$name" = dnsplane-dpdk ] && w0=$(dpdk_busy)
		[[ "$name" == dnsplane-afxdp* ]] && read -r x0r x0f x0e x0o < <(xsk_counters)
		s0=$(date +%s.%N)
		perf_split_start "$SERVER_CPU" "$WORK/split.perf"
		out=$(run_gen "$rate")
		perf_split_stop
		s1=$(date +%s.%N)
		split=$(perf_split_shares "$WORK/split.perf" "$sproc")
		rm -f "$WORK/split.perf"
		if [ "$name" = dnsplane-dpdk ]; then
			w1=$(dpdk_busy)
			a=$(awk '/total replies:/ { print $3; exit }' "$out")
			awk -v r="$rate" -v a="${a:-0}" -v w0="$w0" -v w1="$w1" -v d="$DURATION" 'BEGIN {
				printf "%s,%.1f,%.2f\n", r, 100 * (w1 - w0) / d, a ? (w1 - w0) * 1e6 / a : 0 }' \
				>>"$WORK/dpdk_busy.csv"
		fi
		read -r b1 t1 < <(cpu_sample)
		p1=$(proc_ns "$sproc")
		sent=$(awk '/total queries:/ { print $3; exit }' "$out")
		ans=$(awk '/total replies:/ { print $3; exit }' "$out")
		"$PY" - "$name" "$rate" "${sent:-0}" "${ans:-0}" "$DURATION" "$b0" "$t0" "$b1" "$t1" \
			"$p0" "$p1" "$HZ" "$s0" "$s1" "${split:-}" >>"$CSV" <<'EOF'
import sys
(name, rate, sent, ans, dur, b0, t0, b1, t1, p0, p1, hz, s0, s1, split) = sys.argv[1:]
sent, ans, dur = int(sent), int(ans), float(dur)
# CPU seconds over the whole run (kxdpgun's start and stop included, when
# the server is idle), per answer and as a share of the traffic window.
busy_s = (float(b1) - float(b0)) / float(hz)     # /proc/stat counts USER_HZ ticks
proc_s = (int(p1) - int(p0)) / 1e9               # schedstat: ns on a CPU
qps = ans / dur
us = busy_s * 1e6 / ans if ans else 0
pus = proc_s * 1e6 / ans if ans else 0
# perf's user/kernel shares of the server's busy samples split the CPU-us
user = kern = ""
if split:
    su, sk = map(float, split.split())
    user, kern = "%.2f" % (us * su / 100), "%.2f" % (us * sk / 100)
print("%s,%s,%d,%d,%.1f,%.0f,%.1f,%.2f,%.1f,%.2f,%s,%s" % (
    name, rate, sent, ans, 100.0 * ans / sent if sent else 0, qps, min(100.0, 100 * busy_s / dur),
    us, 100 * proc_s / dur, pus, user, kern))
EOF
		log "$name @ $rate: $(tail -n 1 "$CSV")"
		if [[ "$name" == dnsplane-afxdp* ]]; then
			read -r x1r x1f x1e x1o < <(xsk_counters)
			log "$name @ $rate: XDP redirected $((x1r - x0r)); AF_XDP socket drops:" \
			    "rx_ring_full $((x1f - x0f)), fill_empty $((x1e - x0e)), other $((x1o - x0o))"
		fi
	done
	stop_server
done

if [ -s "$WORK/dpdk_busy.csv" ]; then
	cp "$WORK/dpdk_busy.csv" "$OUT/kxdpgun-compare-dpdk-busy.csv"
fi

# ---- instructions per packet of the AF_XDP worker loop ---------------------

IPP=""
if [ "$CALLGRIND" = 1 ] && [[ " $SERVERS " == *" dnsplane-afxdp "* ]] && command -v valgrind >/dev/null; then
	log "dnsplane-afxdp under callgrind (worker loop only)"
	CG="$WORK/cg.out"
	if start_server dnsplane-afxdp "valgrind --tool=callgrind --collect-atstart=no --toggle-collect=rx_burst --toggle-collect=complete --toggle-collect=refill --callgrind-out-file=$CG"; then
		sproc=$(server_proc)
		out=$(DURATION=5 run_gen 2000)
		ans=$(awk '/total replies:/ { print $3; exit }' "$out")
		stop_server
		ir=$(callgrind_annotate "$CG" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(/,/, "", $1); print $1; exit }')
		# the readiness probe (dig) was answered too
		if [ -n "${ir:-}" ] && [ "${ans:-0}" -gt 0 ]; then
			IPP=$("$PY" -c "print('%.0f' % ($ir / ($ans + 1)))")
			log "AF_XDP worker loop: $ir instructions for $ans (+1) packets = $IPP per packet"
		fi
	else
		log "callgrind run did not start; log tail:"
		tail -n 5 "$WORK/dnsplane-afxdp.log" >&2 || true
		stop_server
	fi
fi

# Whole-process user-space instructions per answered query, dnsplane-afxdp
# against knotd-xdp: each server under callgrind answers kxdpgun at 2000 QPS
# for 5 s and for 15 s; (Ir(15 s) - Ir(5 s)) / (answers(15 s) - answers(5 s))
# cancels start-up and zone load. It includes each server's idle behaviour
# between packets at this low rate (dnsplane's worker spins 16 empty rounds
# before it sleeps).
cg_total() { # NAME SECONDS -> "Ir answers"
	local name=$1 secs=$2 cg="$WORK/cgt.$1.$2" out ans ir
	start_server "$name" "valgrind --tool=callgrind --callgrind-out-file=$cg" || { stop_server; return 1; }
	out=$(DURATION=$secs run_gen 2000)
	ans=$(awk '/total replies:/ { print $3; exit }' "$out")
	stop_server
	ir=$(callgrind_annotate "$cg" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(/,/, "", $1); print $1; exit }')
	[ -n "${ir:-}" ] && [ -n "${ans:-}" ] && echo "$ir $ans"
}
IPQ=""
if [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
	for name in dnsplane-afxdp knotd-xdp; do
		[[ " $SERVERS " == *" $name "* ]] || continue
		[ "$name" = knotd-xdp ] && ! command -v knotd >/dev/null && continue
		log "$name under callgrind, 5 s and 15 s at 2000 QPS (whole process)"
		if r1=$(cg_total "$name" 5) && r2=$(cg_total "$name" 15); then
			v=$("$PY" -c "import sys; a,b,c,d=map(int,sys.argv[1:]); print('%.0f' % ((c-a)/(d-b)) if d>b else '')" $r1 $r2)
			log "$name: $v instructions per answered query (marginal)"
			IPQ="$IPQ $name=$v"
		fi
	done
fi

# ---- table and plot --------------------------------------------------------

"$PY" - "$CSV" "$OUT/kxdpgun-compare.md" "$OUT/kxdpgun-compare.png" "$IPP" "$IPQ" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
md, png, ipp, ipq = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
hdr = ("| server | offered | sent | answered | % | answered QPS | core busy % | "
       "CPU-us/answer | process CPU % | process us/answer | user/kernel us/answer | "
       "kernel vs knotd-xdp CPU |")
lines = [hdr, "|" + "---|" * 12]
ref = {r["rate"]: r for r in rows if r["server"] == "knotd-xdp"}
for r in rows:
    split = kvs = "-"
    if r.get("user_us_per_answer") and r.get("kernel_us_per_answer"):
        split = "%s/%s" % (r["user_us_per_answer"], r["kernel_us_per_answer"])
        k = ref.get(r["rate"])
        if k and float(k["cpu_us_per_answer"]) > 0:
            # the kernel part alone against knotd-xdp's whole: the lowest
            # ratio any user-space change could reach at this rate
            kvs = "%.2fx" % (float(r["kernel_us_per_answer"]) / float(k["cpu_us_per_answer"]))
    lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["server"], r["rate"], r["sent"], r["answered"], r["answered_pct"], r["answered_qps"],
        r["core_busy_pct"], r["cpu_us_per_answer"], r["proc_cpu_pct"], r["proc_us_per_answer"],
        split, kvs))
if ipp:
    lines.append("")
    lines.append("AF_XDP worker loop (callgrind, rx_burst+complete+refill inclusive): "
                 "%s instructions per packet" % ipp)
for item in ipq.split():
    name, v = item.split("=", 1)
    lines.append("%s: %s user-space instructions per answered query (callgrind, whole "
                 "process, marginal 5 s vs 15 s at 2000 QPS)" % (name, v))
text = "\n".join(lines)
print(text)
open(md, "w").write(text + "\n")
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
servers = list(dict.fromkeys(r["server"] for r in rows))
rates = list(dict.fromkeys(r["rate"] for r in rows))
fig, axes = plt.subplots(1, 4, figsize=(21, 5))
fixed = [x for x in rates if x != "max"]
w = 0.8 / max(1, len(fixed))
for i, rate in enumerate(fixed):
    vals = [next((float(r["cpu_us_per_answer"]) for r in rows
                  if r["server"] == s and r["rate"] == rate), 0) for s in servers]
    axes[0].bar([k + i * w for k in range(len(servers))], vals, w, label="%s QPS" % rate)
axes[0].set_title("server-core CPU-us per answered query")
for i, rate in enumerate(fixed):
    vals = [next((float(r["core_busy_pct"]) for r in rows
                  if r["server"] == s and r["rate"] == rate), 0) for s in servers]
    axes[1].bar([k + i * w for k in range(len(servers))], vals, w, label="%s QPS" % rate)
axes[1].set_title("server-core busy % at fixed offered rates")
for i, rate in enumerate(fixed):
    vals = [next((float(r["proc_us_per_answer"]) for r in rows
                  if r["server"] == s and r["rate"] == rate), 0) for s in servers]
    axes[2].bar([k + i * w for k in range(len(servers))], vals, w, label="%s QPS" % rate)
axes[2].set_title("server-process CPU-us per answered query")
vals = [next((float(r["answered_qps"]) for r in rows
              if r["server"] == s and r["rate"] == "max"), 0) for s in servers]
axes[3].bar(range(len(servers)), vals, 0.6)
axes[3].set_title("answered QPS at the generator's maximum")
for ax in axes:
    ax.set_xticks([k + 0.3 for k in range(len(servers))] if ax is not axes[3] else range(len(servers)))
    ax.set_xticklabels(servers, rotation=30, ha="right")
for ax in axes[:3]:
    ax.legend()
fig.tight_layout()
fig.savefig(png, dpi=100)
print("wrote %s, %s" % (md, png))
EOF
if [ -s "$WORK/dpdk_busy.csv" ]; then
	{
		echo ""
		echo "dnsplane-dpdk worker load (poll loops that moved a frame; its core is 100 % busy to the OS):"
		awk -F, '{ printf "  %s offered: worker busy %s %%, %s CPU-us per answer\n", $1, $2, $3 }' \
			"$WORK/dpdk_busy.csv"
	} | tee -a "$OUT/kxdpgun-compare.md"
fi
log "CSV: $CSV"
