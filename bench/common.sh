# Shared by the bench/*.sh server comparisons (sourced, not run): logging,
# and building dnsplaned in the release build folder they measure.
# Expects ROOT (the source tree) and BUILD (the build folder) to be set.

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Configures BUILD as a release build when it does not exist, builds
# dnsplaned there and sets DNSPLANED to it (SPEC §3: build/dnsplaned).
build_dnsplaned() {
	if [ ! -d "$BUILD" ]; then
		log "configuring $BUILD (release)"
		meson setup "$BUILD" "$ROOT" --buildtype=release -Dtests=false >/dev/null ||
			die "meson setup $BUILD failed"
	fi
	log "building dnsplaned in $BUILD"
	ninja -C "$BUILD" dnsplaned >/dev/null || die "build failed"
	DNSPLANED="$BUILD/dnsplaned"
}

# Where the server CPU's time goes, from perf's cpu-clock software event
# (a timer interrupt samples whatever runs, halted or not, so it works in
# VMs without a PMU). perf_split_start CPU FILE starts sampling that CPU;
# perf_split_stop ends it; perf_split_shares FILE PID... prints "USER KERNEL":
# the percentages of the CPU's busy (non-idle) samples spent in user space
# and in the kernel (system calls, softirq, interrupts, BPF programs).
# Only the server's threads (the comms of the PIDs' tasks) and the kernel's own
# contexts (idle-time softirq, ksoftirqd) count, so other work on a shared
# machine does not. Nothing is printed when perf cannot sample.
PERF_SPLIT_PID=""
perf_split_usable() {
	command -v perf >/dev/null &&
		perf record -q -e cpu-clock -C 0 -o /dev/null -- true >/dev/null 2>&1
}
perf_split_start() {
	PERF_SPLIT_PID=""
	perf_split_usable || return 0
	perf record -q -e cpu-clock -C "$1" -o "$2" -- sleep 3600 >/dev/null 2>&1 &
	PERF_SPLIT_PID=$!
}
perf_split_stop() {
	[ -n "$PERF_SPLIT_PID" ] || return 0
	kill -INT "$PERF_SPLIT_PID" 2>/dev/null || true
	wait "$PERF_SPLIT_PID" 2>/dev/null || true
	PERF_SPLIT_PID=""
}
perf_split_shares() {
	local file=$1 comms="" p t c
	shift
	[ -s "$file" ] || return 0
	for p in "$@"; do
		for t in /proc/"$p"/task/*/comm; do
			c=$(cat "$t" 2>/dev/null) || continue
			comms+="${comms:+|}$c"
		done
	done
	# one line per (comm, symbol): "overhead|comm|[k] symbol" (comms may
	# hold spaces: nsd's "nsd: server 1")
	perf report -i "$file" --stdio --no-children --sort comm,sym -g none -t '|' 2>/dev/null |
		awk -F'|' -v comms="$comms" '
		BEGIN { n = split(comms, a, "|"); for (i = 1; i <= n; i++) ours[a[i]] = 1 }
		$1 ~ /^ *[0-9.]+%/ && NF >= 3 {
			p = $1; sub(/%.*/, "", p)
			c = $(NF - 1); sub(/^ +/, "", c); sub(/ +$/, "", c)
			y = $NF; sub(/^ +/, "", y)
			split(y, w, " ")
			if (!(c in ours) && c != "swapper" && c !~ /^ksoftirqd/)
				next
			if (w[2] ~ /^(pv_native_safe_halt|native_safe_halt|default_idle|cpu_idle_poll|poll_idle|intel_idle|mwait_idle|acpi_idle_do_entry|acpi_safe_halt)$/)
				next
			if (w[1] == "[.]") u += p; else k += p
		}
		END { if (u + k > 0) printf "%.1f %.1f\n", 100 * u / (u + k), 100 * k / (u + k) }'
}
