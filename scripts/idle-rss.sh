#!/usr/bin/env bash
# idle-rss.sh: the embedded default's cold start and idle memory, as
# docs/benchmarks.md records them ("Idle RSS of the embedded default").
#
#   go build -o /tmp/orderhub ./cmd/orderhub
#   scripts/idle-rss.sh /tmp/orderhub [port] [seconds]
#
# Starts `orderhub serve` on a fresh ORDERHUB_DATA_DIR with the default
# settings (demo seed and its 90-day history), polls /healthz every 10 ms
# from the process start until the first 200 (the cold start), then reads
# VmRSS (its anonymous and file-backed parts) and VmHWM from
# /proc/<pid>/status every 5 s for [seconds] (90), and
# stops the server. Extra ORDERHUB_* variables in the environment pass
# through (e.g. ORDERHUB_PPROF_ADDR=127.0.0.1:18171 for a heap profile,
# GODEBUG=gctrace=1); IDLE_RSS_LOG=<file> keeps the server's stderr.
# IDLE_RSS_COLD=1 first drops the binary's own pages from the page cache (as
# after a reboot): the file-backed part of VmRSS, the executable's pages the
# process has touched, depends on how the kernel holds the file (on 6.x
# kernels large folios map more than the touched pages), so compare runs in
# the same state and read the anonymous part beside the total.
set -euo pipefail
bin=${1:?usage: idle-rss.sh <orderhub binary> [port] [seconds]}
port=${2:-18170}
secs=${3:-90}
dir=$(mktemp -d)
log=${IDLE_RSS_LOG:-}
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; [ -z "$log" ] || cat "$dir/err.log" >"$log"; rm -rf "$dir"' EXIT
if [ -n "${IDLE_RSS_COLD:-}" ]; then
	dd if="$bin" iflag=nocache count=0 status=none
fi
echo "# $(date -u +%FT%TZ) $(basename "$bin") ${IDLE_RSS_COLD:+(binary evicted from the page cache first) }$(uptime | sed 's/.*load/load/')"
start=$(date +%s%N)
ORDERHUB_DATA_DIR=$dir ORDERHUB_HTTP_ADDR=127.0.0.1:$port "$bin" serve >"$dir/out.log" 2>"$dir/err.log" &
pid=$!
until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
	kill -0 "$pid" 2>/dev/null || { cat "$dir/err.log" >&2; exit 1; }
	sleep 0.01
done
echo "cold start: first /healthz 200 after $(( ($(date +%s%N) - start) / 1000000 )) ms"
for ((t = 5; t <= secs; t += 5)); do
	sleep $(( t - ($(date +%s%N) - start) / 1000000000 )) 2>/dev/null || true
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
	anon=$(awk '/^RssAnon/ {print $2}' /proc/$pid/status)
	file=$(awk '/^RssFile/ {print $2}' /proc/$pid/status)
	seeded=$(grep -o 'demo history seeded.*took=[^ ]*' "$dir/err.log" "$dir/out.log" 2>/dev/null | grep -o 'took=[^ ]*' | head -1 || true)
	printf '%3ds  VmRSS %5.1f MB (anon %5.1f, file %5.1f)  VmHWM %5.1f MB  %s\n' "$t" \
		"$(echo "$rss/1024" | bc -l)" "$(echo "$anon/1024" | bc -l)" "$(echo "$file/1024" | bc -l)" "$(echo "$hwm/1024" | bc -l)" \
		"${seeded:+history seeded, $seeded}"
done
