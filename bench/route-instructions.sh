#!/bin/bash
# Instructions per routed answer, per routing policy, relative to a simple
# answer on the same zone (issue target: every policy ≤ 1.3× simple).
#
# Each benchmark of bench_route runs under callgrind twice, with N1 and N2
# fixed iterations (DNSP_BENCH_ITERATIONS); the difference divided by
# N2 − N1 is the marginal cost of one answer, free of set-up (config load,
# compile) and of Google Benchmark's own start-up. Instruction counts do not
# move with the load of a shared machine, so one run is enough.
#
# usage: bench/route-instructions.sh [build-dir]   (default build-release)
# writes bench/out/route-instructions.txt and .png (if matplotlib is present)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-release}
N1=${N1:-2000}
N2=${N2:-12000}
OUT=bench/out
mkdir -p "$OUT"
if [ ! -x "$B/bench/bench_route" ]; then
	[ -d "$B" ] || meson setup "$B" --buildtype=release -Dtests=false >/dev/null
	ninja -C "$B" bench/bench_route >/dev/null
fi
command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# instructions NAME ITERATIONS -> total Ir of one run
instructions() {
	DNSP_BENCH_ITERATIONS=$2 valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" \
		"$B/bench/bench_route" --benchmark_filter="^$1(/|\$)" >/dev/null 2>"$TMP/log" ||
		{ cat "$TMP/log" >&2; exit 1; }
	sed -n 's/^summary: //p' "$TMP/cg"
}

names=$("$B/bench/bench_route" --benchmark_list_tests)
printf '%-22s %14s %10s\n' benchmark "instr/answer" "× simple"
simple=""
: >"$OUT/route-instructions.txt"
for n in $names; do
	a=$(instructions "$n" "$N1")
	b=$(instructions "$n" "$N2")
	per=$(( (b - a) / (N2 - N1) ))
	[ "$n" = BM_Simple ] && simple=$per
	base=$simple
	[ "$n" = BM_Multivalue ] && base=${simple8:-$simple}
	[ "$n" = BM_Simple8 ] && simple8=$per
	ratio=$(awk -v p="$per" -v s="$base" 'BEGIN { printf "%.2f", p / s }')
	printf '%-22s %14d %10s\n' "$n" "$per" "$ratio" | tee -a "$OUT/route-instructions.txt"
done
echo "(multivalue is compared with BM_Simple8: eight values in both)"
if python3 -c 'import matplotlib' 2>/dev/null; then
	python3 - "$OUT/route-instructions.txt" "$OUT/route-instructions.png" <<'PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
names = [r[0].replace("BM_", "") for r in rows]
ratios = [float(r[2]) for r in rows]
fig, ax = plt.subplots(figsize=(8, 4))
ax.barh(names, ratios, color=["tab:red" if r > 1.3 else "tab:blue" for r in ratios])
ax.axvline(1.3, color="k", linestyle="--", label="target 1.3× simple")
ax.set_xlabel("instructions per answer, × simple (callgrind)")
ax.invert_yaxis()
ax.legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print("plot:", sys.argv[2])
PY
fi
