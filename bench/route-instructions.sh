#!/bin/bash
# Instructions per routed answer, per routing policy, relative to a simple
# answer on the same zone (issue target: every policy ≤ 1.3× simple);
# multivalue (eight values) is compared with a simple set of eight values.
# bench/instructions.sh does the measuring: see its header.
#
# usage: bench/route-instructions.sh [build-dir]   (default build-release)
# writes bench/out/route-instructions.txt and .png
exec "$(dirname "$0")/instructions.sh" bench_route --build "${1:-build-release}" \
	--base BM_Simple --pair BM_Multivalue=BM_Simple8 --target 1.3 --out route-instructions
