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
