#!/usr/bin/env bash
# Compare dnsplaned with knotd and nsd serving the same authoritative zone
# over UDP on loopback, with dnsperf as the load generator. For each server:
#   (1) max QPS: dnsperf for a bounded time at a few client counts, best kept;
#   (2) cost at fixed offered rates: the server is pinned to CPU 0, dnsperf to
#       CPU 1; CPU 0's busy time (user+nice+system+irq+softirq, from
#       /proc/stat deltas) over the whole dnsperf run divided by the queries
#       answered gives CPU-µs per answered query (the server processes' own
#       on-CPU time, the scheduler's exact runtime from schedstat, is
#       reported beside it: a shared machine may run other work on CPU 0,
#       and /proc/stat is sampled at the tick, which mis-charges a worker
#       that naps between ticks). Not busy share over
#       answered QPS: after a run that lost queries dnsperf waits out its
#       timeout, and that idle tail would flatter the server that lost them;
#   (3) user-space instructions per query: the server runs under callgrind
#       twice, answering N1 and N2 queries; (Ir(N2) - Ir(N1)) / (N2 - N1) is
#       the marginal count (start-up and zone load cancel out). perf stat is
#       used instead when the machine exposes the instructions counter;
#   (4) where perf can sample (cpu-clock, no PMU needed), the process
#       CPU-µs of (2) split into user space and kernel: the kernel part is the floor that
#       no user-space work can lower (system calls, the UDP stack, and on
#       loopback the client's receive path and wake-up, which run on the
#       sender's CPU), printed as a ratio to knotd's whole CPU-µs.
# Prints a table and writes bench/out/dnsperf-compare.{csv,png}.
# All traffic goes to 127.0.0.1; every server started is stopped on exit.
#
# Usage: bench/dnsperf-compare.sh [options]
#   --build DIR       build directory with dnsplaned (default: build-release,
#                     configured --buildtype=release -Dtests=false if missing)
#   --servers LIST    subset of "dnsplaned knotd nsd" (default: all found);
#                     dnsplaned+cN is dnsplaned with server.rx_coalesce_us: N
#   --duration S      seconds per dnsperf run for (1) and (2) (default 10)
#   --rates LIST      offered rates for (2) (default "50000 100000")
#   --clients LIST    dnsperf -c values tried for (1) (default "1 4")
#   --n1 N --n2 N     query counts for (3) (default 5000 and 20000)
#   --no-callgrind    skip (3)
#   --quick           duration 3, n1 2000, n2 6000 (a smoke run)
#   --out DIR         output folder (default bench/out)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-release"
SERVERS="dnsplaned knotd nsd"
DURATION=10
RATES="50000 100000"
CLIENTS="1 4"
N1=5000
N2=20000
CALLGRIND=1
OUT="$ROOT/bench/out"
PY=/usr/bin/python3
SERVER_CPU=0
GEN_CPU=1
CG_RATE=2000          # offered rate under callgrind (the server runs ~50x slower)

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(cd "$2" && pwd); shift 2 ;;
	--servers) SERVERS=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--rates) RATES=$2; shift 2 ;;
	--clients) CLIENTS=$2; shift 2 ;;
	--n1) N1=$2; shift 2 ;;
	--n2) N2=$2; shift 2 ;;
	--no-callgrind) CALLGRIND=0; shift ;;
	--quick) DURATION=3; N1=2000; N2=6000; shift ;;
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

WORK=$(mktemp -d /tmp/dnsperf-compare.XXXXXX)
declare -a STARTED=()
SERVER_PID=""
SERVER_PIDFILE=""

# Stops every server this script started (by pid), then removes the work dir.
cleanup() {
	local pid
	[ ${#STARTED[@]} -gt 0 ] || { rm -rf "$WORK"; return; }
	for pid in "${STARTED[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build -------------------------------------------------------------

DNSPLANED="$BUILD/dnsplaned"
[[ " $SERVERS " == *" dnsplaned"* ]] && build_dnsplaned

# ---- zone and queries --------------------------------------------------

ZONE="$WORK/bench.example.zone"
QUERIES="$WORK/queries.txt"
"$PY" "$ROOT/bench/gen_zone.py" "$ZONE" "$QUERIES" 20000 >&2
head -n "$N1" "$QUERIES" >"$WORK/q_n1.txt"
# N2 queries: the same file, cycled.
: >"$WORK/q_n2.txt"
while [ "$(wc -l <"$WORK/q_n2.txt")" -lt "$N2" ]; do cat "$QUERIES" >>"$WORK/q_n2.txt"; done
head -n "$N2" "$WORK/q_n2.txt" >"$WORK/q_n2.tmp" && mv "$WORK/q_n2.tmp" "$WORK/q_n2.txt"

# A UDP+TCP port nobody listens on.
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

# ---- server configs ----------------------------------------------------

# write_config NAME PORT → prints the command line (without pinning/valgrind)
write_config() {
	local name=$1 port=$2 dir="$WORK/$1"
	rm -rf "$dir"
	mkdir -p "$dir"
	case "$name" in
	dnsplaned|dnsplaned+c*)
		local cport coalesce=0
		[[ "$name" == *+c* ]] && coalesce=${name#*+c}
		cport=$(free_port)
		cat >"$dir/cfg.yaml" <<EOF
server:
  dataplane: socket
  workers: 1
  rx_coalesce_us: $coalesce
  control: {listen: "127.0.0.1:$cport"}
listeners:
  - {address: 127.0.0.1, port: $port, role: public}
hosted_zones:
  - Id: ZBENCH
    Name: bench.example.
    Config: {PrivateZone: false}
    ZoneFile: $ZONE
EOF
		echo "$DNSPLANED -c $dir/cfg.yaml --workers 1 --foreground"
		;;
	knotd)
		cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: error
database:
    storage: "$dir/db"
control:
    listen: "$dir/knot.sock"
template:
  - id: default
    storage: "$dir"
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: bench.example.
    file: "$ZONE"
EOF
		echo "$(command -v knotd) -c $dir/knot.conf"
		;;
	nsd)
		cat >"$dir/nsd.conf" <<EOF
server:
    server-count: 1
    ip-address: 127.0.0.1@$port
    port: $port
    do-ip6: no
    zonesdir: "$WORK"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    logfile: "$dir/nsd.log"
    username: ""
    chroot: ""
    verbosity: 0
    hide-version: yes
    # Debian's nsd is built with response rate limiting (200 QPS per /24
    # by default), which would cap a loopback benchmark: off.
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: bench.example.
    zonefile: "$ZONE"
EOF
		echo "$(command -v nsd) -d -c $dir/nsd.conf"
		;;
	esac
}

# start_server NAME PORT MODE(pinned|callgrind) TAG → sets SERVER_PID
start_server() {
	local name=$1 port=$2 mode=$3 tag=$4 cmd
	cmd=$(write_config "$name" "$port")
	SERVER_PIDFILE=""
	[ "$name" = nsd ] && SERVER_PIDFILE="$WORK/nsd/nsd.pid"
	if [ "$mode" = pinned ]; then
		# shellcheck disable=SC2086
		taskset -c "$SERVER_CPU" $cmd >"$WORK/$name.$tag.log" 2>&1 &
	else
		# Forked children (nsd's server process) get their own file (%p).
		# shellcheck disable=SC2086
		valgrind --tool=callgrind --trace-children=yes \
			--callgrind-out-file="$WORK/cg.$name.$tag.%p" $cmd \
			>"$WORK/$name.$tag.log" 2>&1 &
	fi
	SERVER_PID=$!
	STARTED+=("$SERVER_PID")
}

# wait_ready PORT SECONDS: until the server answers www.bench.example A.
wait_ready() {
	local port=$1 limit=$2 start=$SECONDS
	while [ $((SECONDS - start)) -lt "$limit" ]; do
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		if dig +short +tries=1 +time=1 -p "$port" @127.0.0.1 www.bench.example A 2>/dev/null |
			grep -q '^192\.0\.2\.10$'; then
			# remember forked children too, for the exit trap
			# shellcheck disable=SC2207
			STARTED+=($(proc_tree "$SERVER_PID"))
			return 0
		fi
		sleep 0.3
	done
	return 1
}

# proc_tree PID: PID and all its descendants (nsd's first process becomes
# xfrd, its child the main process, and the grandchild serves queries).
proc_tree() {
	local root=$1 f fields pid rest p changed=1
	local -A parent=() in=(["$root"]=1)
	local out=("$root")
	for f in /proc/[0-9]*/stat; do
		{ read -r fields <"$f"; } 2>/dev/null || continue
		pid=${fields%% *}
		rest=${fields##*) }
		rest=${rest#* }
		parent[$pid]=${rest%% *}
	done
	while [ $changed = 1 ]; do
		changed=0
		for p in "${!parent[@]}"; do
			if [ -z "${in[$p]:-}" ] && [ -n "${in[${parent[$p]}]:-}" ]; then
				in[$p]=1
				out+=("$p")
				changed=1
			fi
		done
	done
	echo "${out[@]}"
}

# stop_server PID: SIGTERM (to nsd's main process first, which takes its
# children down cleanly; callgrind writes its profile on a clean exit),
# then SIGKILL whatever of the tree is left after 30 s.
stop_server() {
	local pid=$1 pids p alive
	pids=$(proc_tree "$pid")
	if [ -n "$SERVER_PIDFILE" ] && [ -s "$SERVER_PIDFILE" ]; then
		kill -TERM "$(cat "$SERVER_PIDFILE")" 2>/dev/null || true
		sleep 0.5
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 300); do
		alive=0
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	wait "$pid" 2>/dev/null || true
}

# ---- measurement helpers -----------------------------------------------

# dnsperf_run OUTFILE ARGS...: pinned to the generator CPU, bounded time.
dnsperf_run() {
	local outfile=$1
	shift
	taskset -c "$GEN_CPU" dnsperf -s 127.0.0.1 "$@" >"$outfile" 2>&1 || true
}
perf_field() { # FILE "Queries per second" → number
	awk -v k="$2:" 'index($0, k) { sub(/.*: */, ""); print $1; exit }' "$1"
}
perf_completed_pct() {
	awk '/Queries completed:/ { gsub(/[()%]/, "", $4); print $4; exit }' "$1"
}

# busy and total jiffies of the server CPU
cpu_sample() {
	awk -v c="cpu$SERVER_CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# On-CPU nanoseconds of a server's process tree, all threads: the
# scheduler's exact runtime (/proc/PID/task/*/schedstat), not utime+stime,
# which the kernel samples at the tick and so mis-charges a worker that
# sleeps or naps between ticks.
proc_ns() {
	local p
	for p in $(proc_tree "$1"); do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

CLK_TCK=$(getconf CLK_TCK)

# Instructions counter usable? (needs a PMU; absent in most VMs)
PERF_OK=0
if command -v perf >/dev/null &&
	perf stat -x, -e instructions:u true 2>&1 | grep -qE '^[0-9]+,'; then
	PERF_OK=1
fi

# callgrind total Ir of all files with prefix
callgrind_ir() {
	local sum=0 f v
	for f in "$1".*; do
		[ -f "$f" ] || continue
		v=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# ---- per-server runs ---------------------------------------------------

CSV_ROWS=()
rates_hdr=""
for r in $RATES; do
	rates_hdr+=",busy_pct_$r,idle_busy_pct_$r,answered_qps_$r,answered_pct_$r,cpu_us_per_query_$r,proc_cpu_us_per_query_$r,user_us_per_query_$r,kernel_us_per_query_$r"
done
CSV_HDR="server,max_qps,max_clients,max_answered_pct${rates_hdr},instr_per_query,instr_method"

measure_server() {
	local name=$1 port row best=0 best_c=0 best_pct=0
	port=$(free_port)
	log "== $name on 127.0.0.1:$port (CPU $SERVER_CPU), dnsperf on CPU $GEN_CPU"
	start_server "$name" "$port" pinned main
	if ! wait_ready "$port" 20; then
		log "$name did not answer; log:"
		tail -n 20 "$WORK/$name.main.log" >&2 || true
		stop_server "$SERVER_PID"
		return 1
	fi

	# (1) max QPS
	local c qps pct
	for c in $CLIENTS; do
		dnsperf_run "$WORK/$name.max.c$c.txt" -p "$port" -d "$QUERIES" -l "$DURATION" -c "$c" -q 500
		qps=$(perf_field "$WORK/$name.max.c$c.txt" "Queries per second")
		pct=$(perf_completed_pct "$WORK/$name.max.c$c.txt")
		log "$name: -c $c: ${qps:-?} QPS, ${pct:-?}% answered; $(grep -m1 'Response codes:' "$WORK/$name.max.c$c.txt" | sed 's/^ *//')"
		if [ -n "$qps" ] && awk -v a="$qps" -v b="$best" 'BEGIN { exit !(a > b) }'; then
			best=$qps best_c=$c best_pct=$pct
		fi
	done
	row="$name,$best,$best_c,$best_pct"

	# (2) fixed rates: CPU busy share of the server core
	local r b0 t0 b1 t1 i0 it0 i1 it1 p0 p1 busy idle ans apct cpuus pcpuus wall
	for r in $RATES; do
		# idle baseline of the server CPU (other tenants, timers)
		read -r i0 it0 < <(cpu_sample)
		sleep 2
		read -r i1 it1 < <(cpu_sample)
		idle=$(awk -v b=$((i1 - i0)) -v t=$((it1 - it0)) 'BEGIN { printf "%.1f", (t ? 100 * b / t : 0) }')

		read -r b0 t0 < <(cpu_sample)
		p0=$(proc_ns "$SERVER_PID")
		wall=$(date +%s.%N)
		perf_split_start "$SERVER_CPU" "$WORK/$name.rate$r.perf"
		dnsperf_run "$WORK/$name.rate$r.txt" -p "$port" -d "$QUERIES" -l "$DURATION" -c 4 -q 500 -Q "$r"
		perf_split_stop
		wall=$(awk -v a="$wall" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
		read -r b1 t1 < <(cpu_sample)
		p1=$(proc_ns "$SERVER_PID")
		ans=$(perf_field "$WORK/$name.rate$r.txt" "Queries per second")
		apct=$(perf_completed_pct "$WORK/$name.rate$r.txt")
		busy=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", (t ? 100 * b / t : 0) }')
		# CPU time over the whole window / queries answered in it. Not the
		# busy share over the answered QPS: when queries are lost, dnsperf
		# waits out its timeout after the run, and that idle tail would
		# dilute the share of the server that lost them.
		done_q=$(awk '/Queries completed:/ { print $3; exit }' "$WORK/$name.rate$r.txt")
		cpuus=$(awk -v b=$((b1 - b0)) -v hz="$CLK_TCK" -v n="${done_q:-0}" \
			'BEGIN { printf "%.2f", (n > 0 ? b / hz * 1e6 / n : 0) }')
		pcpuus=$(awk -v d=$((p1 - p0)) -v n="${done_q:-0}" \
			'BEGIN { printf "%.2f", (n > 0 ? d / 1e3 / n : 0) }')
		log "$name: offered $r: answered ${ans:-?} QPS (${apct:-?}%), CPU$SERVER_CPU busy $busy% (idle baseline $idle%), $cpuus CPU-µs/query, process $pcpuus µs/query, average latency $(perf_field "$WORK/$name.rate$r.txt" "Average Latency (s)") s"
		# The CPU-µs split into user space and kernel by perf's samples.
		local us="" ks="" split
		# shellcheck disable=SC2046
		split=$(perf_split_shares "$WORK/$name.rate$r.perf" $(proc_tree "$SERVER_PID"))
		if [ -n "$split" ]; then
			read -r us ks <<<"$split"
			log "$name: offered $r: busy samples ${us}% user space, ${ks}% kernel"
			us=$(awk -v c="$pcpuus" -v s="$us" 'BEGIN { printf "%.2f", c * s / 100 }')
			ks=$(awk -v c="$pcpuus" -v s="$ks" 'BEGIN { printf "%.2f", c * s / 100 }')
		fi
		rm -f "$WORK/$name.rate$r.perf"
		row+=",$busy,$idle,${ans:-0},${apct:-0},$cpuus,$pcpuus,$us,$ks"
	done
	stop_server "$SERVER_PID"

	# (3) instructions per query
	local ir1=0 ir2=0 done1 done2 ipq="" method=""
	if [ "$PERF_OK" = 1 ]; then
		method=perf
		log "$name: perf stat instructions:u (N1=$N1, N2=$N2)"
		local n f
		for n in 1 2; do
			port=$(free_port)
			f="$WORK/q_n$n.txt"
			local cmd
			cmd=$(write_config "$name" "$port")
			SERVER_PIDFILE=""
			[ "$name" = nsd ] && SERVER_PIDFILE="$WORK/nsd/nsd.pid"
			# shellcheck disable=SC2086
			perf stat -x, -e instructions:u -o "$WORK/perf.$name.$n" -- $cmd >"$WORK/$name.perf$n.log" 2>&1 &
			SERVER_PID=$!
			STARTED+=("$SERVER_PID")
			wait_ready "$port" 30 || { log "$name did not answer under perf"; stop_server "$SERVER_PID"; method=""; break; }
			dnsperf_run "$WORK/$name.perf$n.txt" -p "$port" -d "$f" -n 1 -Q 20000 -l 60 -c 1 -q 100
			stop_server "$SERVER_PID"
			eval "ir$n=\$(awk -F, '/instructions/ { print \$1; exit }' \"$WORK/perf.$name.$n\")"
			eval "done$n=\$(awk '/Queries completed:/ { print \$3; exit }' \"$WORK/$name.perf$n.txt\")"
		done
	fi
	if [ -z "$method" ] && [ "$CALLGRIND" = 1 ] && command -v valgrind >/dev/null; then
		method=callgrind
		log "$name: callgrind (N1=$N1, N2=$N2 at $CG_RATE QPS)"
		local n f
		for n in 1 2; do
			port=$(free_port)
			f="$WORK/q_n$n.txt"
			start_server "$name" "$port" callgrind "n$n"
			if ! wait_ready "$port" 90; then
				log "$name did not answer under callgrind"
				tail -n 20 "$WORK/$name.n$n.log" >&2 || true
				stop_server "$SERVER_PID"
				method=""
				break
			fi
			dnsperf_run "$WORK/$name.cg$n.txt" -p "$port" -d "$f" -n 1 -Q "$CG_RATE" -l 120 -c 1 -q 100 -t 10
			stop_server "$SERVER_PID"
			eval "ir$n=\$(callgrind_ir \"$WORK/cg.$name.n$n\")"
			eval "done$n=\$(awk '/Queries completed:/ { print \$3; exit }' \"$WORK/$name.cg$n.txt\")"
		done
	fi
	if [ -n "$method" ] && [ "${ir1:-0}" -gt 0 ] && [ "${ir2:-0}" -gt 0 ] &&
		[ "${done2:-0}" -gt "${done1:-0}" ]; then
		ipq=$(awk -v a="$ir1" -v b="$ir2" -v x="$done1" -v y="$done2" 'BEGIN { printf "%.0f", (b - a) / (y - x) }')
		log "$name: Ir $ir1 ($done1 answered) → $ir2 ($done2 answered): $ipq instructions/query"
	else
		[ -n "$method" ] && log "$name: instruction count failed (Ir $ir1/$ir2, answered $done1/$done2)"
		ipq="" method="${method:+failed}"
	fi
	row+=",$ipq,$method"
	CSV_ROWS+=("$row")
}

for s in $SERVERS; do
	case "$s" in
	dnsplaned|dnsplaned+c*) [ -x "$DNSPLANED" ] || { log "skip dnsplaned: $DNSPLANED missing"; continue; } ;;
	knotd|nsd) command -v "$s" >/dev/null || { log "skip $s: not installed"; continue; } ;;
	*) log "skip unknown server $s"; continue ;;
	esac
	measure_server "$s" || log "$s: failed, skipped"
done

[ ${#CSV_ROWS[@]} -gt 0 ] || die "no server measured"

# ---- output ------------------------------------------------------------

mkdir -p "$OUT"
CSV="$OUT/dnsperf-compare.csv"
{
	echo "$CSV_HDR"
	printf '%s\n' "${CSV_ROWS[@]}"
} >"$CSV"
"$PY" "$ROOT/bench/plot.py" "$CSV" "$OUT/dnsperf-compare.png" --table
log "wrote $CSV and $OUT/dnsperf-compare.png"
