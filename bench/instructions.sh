#!/bin/bash
# Marginal user-space instructions per iteration of Google Benchmark cases,
# from callgrind, and each case's ratio to a baseline case of the same binary.
#
# Each benchmark runs under callgrind twice, with N1 and N2 fixed iterations
# (DNSP_BENCH_ITERATIONS, see bench_util.h); (Ir(N2) - Ir(N1)) / (N2 - N1)
# is the cost of one iteration, free of set-up (config load, compile) and of
# Google Benchmark's own start-up. Instruction counts do not move with the
# load of a shared machine, so one run is enough.
#
# usage: bench/instructions.sh BINARY [options]
#   BINARY            bench_route, bench_pipeline, ... (in BUILD/bench/)
#   --filter REGEX    which cases (default: all the binary lists)
#   --base NAME       the case ratios are taken against (default: the first)
#   --pair CASE=BASE  compare CASE with BASE instead (repeatable)
#   --target X        mark ratios above X in the plot (default: none)
#   --build DIR       build folder (default build-release)
#   --out NAME        writes bench/out/NAME.txt and NAME.png (default: BINARY-instructions)
#   --collect FN      count only inside functions matching FN (callgrind
#                     --toggle-collect, e.g. '*run_query*' for bench_pipeline),
#                     so a set-up that varies from run to run (a 1M-record
#                     zone built under the benchmark) does not blur the figure
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:?usage: bench/instructions.sh BINARY [options]}
shift
B=build-release FILTER="" BASE="" TARGET="" OUTNAME="$BIN-instructions" COLLECT=""
declare -A PAIR=()
while [ $# -gt 0 ]; do
	case "$1" in
	--filter) FILTER=$2; shift 2 ;;
	--base) BASE=$2; shift 2 ;;
	--pair) PAIR[${2%%=*}]=${2#*=}; shift 2 ;;
	--target) TARGET=$2; shift 2 ;;
	--build) B=$2; shift 2 ;;
	--out) OUTNAME=$2; shift 2 ;;
	--collect) COLLECT=$2; shift 2 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done
N1=${N1:-2000}
N2=${N2:-12000}
OUT=bench/out
mkdir -p "$OUT"
if [ ! -x "$B/bench/$BIN" ]; then
	[ -d "$B" ] || meson setup "$B" --buildtype=release -Dtests=false >/dev/null
	ninja -C "$B" "bench/$BIN" >/dev/null
fi
command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# instructions CASE ITERATIONS -> total Ir of one run
instructions() {
	DNSP_BENCH_ITERATIONS=$2 valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" \
		${COLLECT:+--toggle-collect="$COLLECT"} \
		"$B/bench/$BIN" --benchmark_filter="^$1(/|\$)" >/dev/null 2>"$TMP/log" ||
		{ cat "$TMP/log" >&2; exit 1; }
	sed -n 's/^summary: //p' "$TMP/cg"
}

names=$("$B/bench/$BIN" --benchmark_list_tests ${FILTER:+--benchmark_filter="$FILTER"} |
	sed 's|/iterations:.*||' | awk '!seen[$0]++')
[ -n "$BASE" ] || BASE=$(echo "$names" | head -n 1)
declare -A PER=()
for n in $names; do
	a=$(instructions "$n" "$N1")
	b=$(instructions "$n" "$N2")
	PER[$n]=$(( (b - a) / (N2 - N1) ))
done
[ -n "${PER[$BASE]:-}" ] || PER[$BASE]=$(( ($(instructions "$BASE" "$N2") - $(instructions "$BASE" "$N1")) / (N2 - N1) ))
printf '%-26s %14s %10s  %s\n' benchmark "instr/iter" ratio "against"
: >"$OUT/$OUTNAME.txt"
for n in $names; do
	base=${PAIR[$n]:-$BASE}
	[ -n "${PER[$base]:-}" ] || PER[$base]=$(( ($(instructions "$base" "$N2") - $(instructions "$base" "$N1")) / (N2 - N1) ))
	ratio=$(awk -v p="${PER[$n]}" -v s="${PER[$base]}" 'BEGIN { printf "%.2f", (s > 0 ? p / s : 0) }')
	printf '%-26s %14d %10s  %s\n' "$n" "${PER[$n]}" "$ratio" "$base" | tee -a "$OUT/$OUTNAME.txt"
done
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	/usr/bin/python3 - "$OUT/$OUTNAME.txt" "$OUT/$OUTNAME.png" "$TARGET" <<'PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
target = float(sys.argv[3]) if sys.argv[3] else None
names = [r[0].replace("BM_", "") for r in rows]
ratios = [float(r[2]) for r in rows]
fig, ax = plt.subplots(figsize=(8, max(3, 0.35 * len(rows) + 1)))
colors = ["tab:red" if target and r > target else "tab:blue" for r in ratios]
ax.barh(names, ratios, color=colors)
if target:
    ax.axvline(target, color="k", linestyle="--", label="target %g×" % target)
    ax.legend()
ax.set_xlabel("instructions per iteration, × baseline (callgrind)")
ax.invert_yaxis()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print("plot:", sys.argv[2])
PY
fi
