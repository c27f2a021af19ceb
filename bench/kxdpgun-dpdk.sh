#!/usr/bin/env bash
# kxdpgun against dnsplaned's DPDK data plane (--dataplane dpdk) over a veth
# pair between two network namespaces: kxdpgun (knot-dnsutils, AF_XDP) in
# the generator namespace, dnsplaned in the server namespace with DPDK's
# net_af_xdp PMD (or net_af_packet) on its end of the pair. No kernel
# address on the server end: dnsplane answers ARP itself (the first dig
# proves it before any load).
#
#   (1) fixed offered rates (default 100k and 300k QPS) and the generator's
#       maximum, each for --duration seconds: queries sent, replies, answered
#       share; the worker's load from dnsplane's own counters
#       (dnsplane_dpdk_worker_busy_seconds_total: TSC time in poll loops that
#       moved a frame; a poll-mode lcore is 100 % busy to the OS, so this is
#       the figure that compares with a sleeping server's core share) and
#       CPU-µs per answered query = busy seconds * 1e6 / replies. The OS view
#       of the server CPU (/proc/stat) is printed beside it: on veth it holds
#       the kernel's half of the "NIC" (the XDP redirect, the copy into the
#       AF_XDP ring, the TX syscalls), which a real NIC does in hardware.
#   (2) instructions per packet of the worker: dnsplaned under callgrind with
#       --toggle-collect=answer_burst (the per-burst function of
#       dataplane/dpdk.c: classify, pipeline, rewrite, rte_eth_tx_burst incl.
#       the PMD's user-space TX), answering N1 and then N2 queries (dnsperf
#       with a fixed query count); (Ir(N2) - Ir(N1)) / (frames(N2) -
#       frames(N1)) is the marginal count, start-up cancels out. The share of
#       dnsp_pipeline_process() in it is printed too.
#
# Pinning: the DPDK worker lcore on --server-cpu (default 0), EAL's main
# lcore (control thread, API) and kxdpgun on --gen-cpu (default 1), the
# same split as dnsperf-compare.sh. The server veth gets
# napi_defer_hard_irqs=2 / gro_flush_timeout=200us so the af_xdp PMD's
# preferred busy polling runs the veth's NAPI on the worker's core instead
# of in softirq on the generator's (which kxdpgun keeps 100 % busy).
#
# Prints a table and writes OUT/kxdpgun-dpdk.{csv,png} (and, with (2),
# OUT/kxdpgun-dpdk-callgrind.txt: the inclusive profile of answer_burst). Root only; every
# namespace and EAL --file-prefix is named kdp<pid>* and removed on exit.
#
# Usage: bench/kxdpgun-dpdk.sh [options]
#   --build DIR      build with dnsplaned (default build-release; configured
#                    --buildtype=release -Dtests=false if missing)
#   --vdev KIND      af_xdp (default) or af_packet
#   --duration S     seconds per kxdpgun run (default 10)
#   --rates LIST     offered QPS (default "100000 300000 max")
#   --n1 N --n2 N    query counts for (2) (default 3000 and 12000)
#   --no-callgrind   skip (2)
#   --quick          duration 3, n1 1000, n2 4000
#   --out DIR        output folder (default bench/out)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-release"
VDEV=af_xdp
DURATION=10
RATES="100000 300000 max"
N1=3000
N2=12000
CALLGRIND=1
OUT="$ROOT/bench/out"
PY=/usr/bin/python3
SERVER_CPU=0
GEN_CPU=1
MAX_QPS=20000000       # "max": more than kxdpgun can send on one core
CG_RATE=1500           # dnsperf rate under callgrind (the worker runs ~50x slower)

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--vdev) VDEV=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--rates) RATES=$2; shift 2 ;;
	--n1) N1=$2; shift 2 ;;
	--n2) N2=$2; shift 2 ;;
	--no-callgrind) CALLGRIND=0; shift ;;
	--quick) DURATION=3; N1=1000; N2=4000; shift ;;
	--out) OUT=$2; shift 2 ;;
	--server-cpu) SERVER_CPU=$2; shift 2 ;;
	--gen-cpu) GEN_CPU=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done

# shellcheck source=bench/common.sh
. "$ROOT/bench/common.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, DPDK)"
for tool in kxdpgun ip dig curl; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ "$CALLGRIND" = 0 ] || { command -v valgrind >/dev/null && command -v dnsperf >/dev/null; } ||
	die "valgrind and dnsperf are needed for (2) (or pass --no-callgrind)"
case "$VDEV" in af_xdp|af_packet) ;; *) die "--vdev: af_xdp or af_packet" ;; esac

PFX=$(printf 'kdp%04x' $(($$ & 0xffff)))
NS_S=${PFX}s
NS_G=${PFX}g
V_S=${PFX}0
V_G=${PFX}1
SRV=198.18.62.2
GEN=198.18.62.1
CTL=127.0.0.1:18962
WORK=$(mktemp -d /tmp/kxdpgun-dpdk.XXXXXX)
SERVER_PID=""

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

cleanup() {
	stop_server
	ip netns del "$NS_S" 2>/dev/null || true
	ip netns del "$NS_G" 2>/dev/null || true
	rm -rf /var/run/dpdk/"$PFX"*
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build -------------------------------------------------------------

build_dnsplaned

# ---- topology, zone, queries -------------------------------------------

ip netns add "$NS_S"
ip netns add "$NS_G"
ip link add "$V_S" netns "$NS_S" type veth peer name "$V_G" netns "$NS_G"
ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.$V_S.disable_ipv6=1"
for ns in "$NS_S" "$NS_G"; do ip -n "$ns" link set lo up; done
ip -n "$NS_S" link set "$V_S" up
ip -n "$NS_G" addr add "$GEN/24" dev "$V_G"
ip -n "$NS_G" link set "$V_G" up
ip netns exec "$NS_S" sh -c "echo 2 > /sys/class/net/$V_S/napi_defer_hard_irqs;
	echo 200000 > /sys/class/net/$V_S/gro_flush_timeout"

ZONE="$WORK/bench.example.zone"
QUERIES="$WORK/queries.txt"
"$PY" "$ROOT/bench/gen_zone.py" "$ZONE" "$QUERIES" 20000 >&2
make_count() { # N FILE: the query mix cycled to exactly N lines
	: >"$2"
	while [ "$(wc -l <"$2")" -lt "$1" ]; do cat "$QUERIES" >>"$2"; done
	head -n "$1" "$2" >"$2.tmp" && mv "$2.tmp" "$2"
}

if [ "$VDEV" = af_xdp ]; then
	VDEV_ARG="net_af_xdp0,iface=$V_S,start_queue=0,queue_count=1"
else
	VDEV_ARG="net_af_packet0,iface=$V_S"
fi
cat >"$WORK/cfg.yaml" <<EOF
server:
  dataplane: dpdk
  workers: 1
  dpdk_args: ["--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-m", "256",
              "--lcores=0@$GEN_CPU,1@$SERVER_CPU", "--file-prefix", "$PFX",
              "--vdev=$VDEV_ARG"]
  control: {listen: "$CTL"}
listeners:
  - {address: $SRV, port: 53, role: public}
hosted_zones:
  - Id: ZBENCH
    Name: bench.example.
    Config: {PrivateZone: false}
    ZoneFile: $ZONE
EOF

# start_server [wrapper...]: dnsplaned in the server namespace; waits until
# it answers from the generator namespace (ARP answered by dnsplane).
start_server() {
	ip -n "$NS_G" neigh flush dev "$V_G" 2>/dev/null || true
	ip netns exec "$NS_S" "$@" "$DNSPLANED" -c "$WORK/cfg.yaml" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 120); do
		kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; die "dnsplaned exited"; }
		if ip netns exec "$NS_G" dig +tries=1 +time=1 @"$SRV" www.bench.example A +short \
			2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.5
	done
	tail -20 "$WORK/server.log" >&2
	die "dnsplaned does not answer"
}

metric() { # NAME [LABEL-SUBSTRING]: sum of the samples
	ip netns exec "$NS_S" curl -s "http://$CTL/metrics" |
		awk -v n="$1" -v l="${2:-}" '$1 ~ "^"n"({|$)" && index($1, l) { s += $2 } END { printf "%.6f\n", s }'
}

cpu_snap() { awk -v c="cpu$SERVER_CPU" '$1 == c { print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }

# ---- (1) offered rates ---------------------------------------------------

CSV="$OUT/kxdpgun-dpdk.csv"
mkdir -p "$OUT"
echo "server,vdev,offered,sent,replies,answered_pct,answered_qps,worker_busy_pct,cpu_us_per_answer,os_cpu_pct,instr_per_packet,pipeline_instr_per_packet" >"$CSV.rows"

log "dnsplaned --dataplane dpdk ($VDEV) in $NS_S, worker on CPU $SERVER_CPU; kxdpgun on CPU $GEN_CPU"
start_server
printf '%s\n' "$(ip -n "$NS_G" neigh show "$SRV")" | grep -q lladdr ||
	die "no ARP entry for $SRV: dnsplane did not answer ARP"
for rate in $RATES; do
	q=$rate
	[ "$rate" = max ] && q=$MAX_QPS
	b0=$(metric dnsplane_dpdk_worker_busy_seconds_total)
	read -r c0b c0t < <(cpu_snap)
	out=$(ip netns exec "$NS_G" kxdpgun -t "$DURATION" -Q "$q" -F "$GEN_CPU" -i "$QUERIES" \
		-I "$V_G" "$SRV" 2>&1) || { echo "$out" >&2; die "kxdpgun failed"; }
	read -r c1b c1t < <(cpu_snap)
	b1=$(metric dnsplane_dpdk_worker_busy_seconds_total)
	sent=$(echo "$out" | awk '/total queries:/ { print $3 }')
	replies=$(echo "$out" | awk '/total replies:/ { print $3 }')
	[ -n "$sent" ] && [ -n "$replies" ] || { echo "$out" >&2; die "cannot read kxdpgun's totals"; }
	"$PY" - "$rate" "$sent" "$replies" "$b0" "$b1" "$c0b" "$c0t" "$c1b" "$c1t" "$DURATION" \
		"$VDEV" >>"$CSV.rows" <<'EOF'
import sys
rate, sent, rep, b0, b1, c0b, c0t, c1b, c1t, dur, vdev = sys.argv[1:]
sent, rep = int(sent), int(rep)
busy = float(b1) - float(b0)
tot = float(c1t) - float(c0t)
os_pct = 100.0 * (float(c1b) - float(c0b)) / tot if tot > 0 else 0.0
print("dnsplane-dpdk,%s,%s,%d,%d,%.1f,%.0f,%.1f,%.2f,%.0f,," % (
    vdev, rate, sent, rep, 100.0 * rep / max(sent, 1), rep / float(dur),
    100.0 * busy / float(dur), busy * 1e6 / max(rep, 1), os_pct))
EOF
	log "offered $rate: $(tail -1 "$CSV.rows")"
done
stop_server

# ---- (2) instructions per packet -----------------------------------------

INSTR=""
PIPE=""
if [ "$CALLGRIND" = 1 ]; then
	cg_run() { # N: answers N queries under callgrind; prints "Ir frames pipelineIr"
		local n=$1 f="$WORK/cg.$1"
		make_count "$n" "$WORK/q_$n.txt"
		start_server valgrind --tool=callgrind --callgrind-out-file="$f" \
			--collect-atstart=no --toggle-collect=answer_burst
		local r0 r1
		r0=$(metric dnsplane_worker_packets_total 'direction="rx"')
		ip netns exec "$NS_G" dnsperf -s "$SRV" -d "$WORK/q_$n.txt" -n 1 -Q "$CG_RATE" \
			-c 1 -t 5 >"$WORK/dnsperf.$n" 2>&1 || true
		r1=$(metric dnsplane_worker_packets_total 'direction="rx"')
		stop_server
		local ir pipe
		ir=$(awk '/^summary:|^totals:/ { print $2; exit }' "$f"*)
		pipe=$(callgrind_annotate --inclusive=yes "$f"* 2>/dev/null |
			awk '/dnsp_pipeline_process/ { gsub(",", "", $1); print $1; exit }')
		echo "$ir $(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%d", b - a }') ${pipe:-0}"
	}
	log "callgrind: $N1 and $N2 queries (dnsperf at $CG_RATE QPS)"
	read -r ir1 f1 p1 < <(cg_run "$N1")
	read -r ir2 f2 p2 < <(cg_run "$N2")
	# where the worker's instructions go (inclusive, the N2 run)
	callgrind_annotate --inclusive=yes "$WORK/cg.$N2"* 2>/dev/null |
		sed -n '/^Ir/,$p' | head -n 30 >"$OUT/kxdpgun-dpdk-callgrind.txt" || true
	log "callgrind: Ir $ir1 over $f1 frames, $ir2 over $f2 frames"
	if [ "$f2" -gt "$f1" ]; then
		INSTR=$(( (ir2 - ir1) / (f2 - f1) ))
		PIPE=$(( (p2 - p1) / (f2 - f1) ))
	fi
fi
sed "s/,,\$/,$INSTR,$PIPE/" "$CSV.rows" >"$CSV"
rm -f "$CSV.rows"

# ---- table and plot --------------------------------------------------------

"$PY" - "$CSV" "$OUT/kxdpgun-dpdk.png" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
cols = [("offered", "offered"), ("sent", "sent"), ("replies", "replies"),
        ("answered_pct", "answered %"), ("answered_qps", "answered QPS"),
        ("worker_busy_pct", "worker busy %"), ("cpu_us_per_answer", "CPU-us/answer"),
        ("os_cpu_pct", "OS CPU %"), ("instr_per_packet", "instr/packet"),
        ("pipeline_instr_per_packet", "of which pipeline")]
w = [max(len(h), *(len(r[k]) for r in rows)) for k, h in cols]
print("dnsplane --dataplane dpdk (%s) under kxdpgun" % rows[0]["vdev"])
print("  ".join(h.rjust(n) for (k, h), n in zip(cols, w)))
for r in rows:
    print("  ".join(r[k].rjust(n) for (k, h), n in zip(cols, w)))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
lab = [r["offered"] for r in rows]
# sent QPS = sent / run length, and the run length is replies / answered_qps
ax[0].bar([i - 0.2 for i in range(len(rows))],
          [float(r["sent"]) * float(r["answered_qps"]) / max(float(r["replies"]), 1)
           for r in rows], width=0.4, label="sent", color="tab:gray")
ax[0].bar([i + 0.2 for i in range(len(rows))], [float(r["answered_qps"]) for r in rows],
          width=0.4, label="answered", color="tab:blue")
ax[0].set_xticks(range(len(rows)), lab)
ax[0].legend()
for i, r in enumerate(rows):
    ax[0].annotate("%s%%" % r["answered_pct"], (i + 0.2, float(r["answered_qps"])),
                   ha="center", va="bottom")
ax[0].set_title("answered QPS by offered rate")
ax[0].set_xlabel("offered QPS")
ax[1].bar(lab, [float(r["cpu_us_per_answer"]) for r in rows], color="tab:orange")
ax[1].set_title("worker CPU-us per answer (busy loops)")
ax[1].set_xlabel("offered QPS")
ip = rows[0]["instr_per_packet"]
fig.suptitle("dnsplane dpdk (%s), kxdpgun over veth%s" % (
    rows[0]["vdev"], (", %s instructions/packet" % ip) if ip else ""))
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print("wrote %s and %s" % (sys.argv[1], sys.argv[2]))
EOF
