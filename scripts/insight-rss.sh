#!/usr/bin/env bash
# insight-rss.sh: what the remark insight costs a served orderhub, as
# docs/benchmarks.md records it ("The remark segmenter's memory").
#
#   go build -o /tmp/orderhub ./cmd/orderhub
#   scripts/insight-rss.sh /tmp/orderhub [port] [out.json] [remarks|charts|none] [seconds]
#
# Starts `orderhub serve` on a fresh ORDERHUB_DATA_DIR with the default
# settings (demo seed and its 90-day history), waits until the history is
# seeded and 30 s have passed (the idle state scripts/idle-rss.sh measures),
# reads VmRSS, then asks three times (the first use, then twice more),
# timing each, for GET /api/v1/insight/remarks (remarks, the default) or
# for the dashboard's charts page, /dashboard/charts, after logging in
# with the admin token (charts: the on-time, dwell and ticket measures,
# the purchase calendar and the remark terms), and reads VmRSS (with its
# anonymous part) 1 s after each and then every 30 s for [seconds] (150):
# the memory held after the insight has been used. [out.json] keeps the
# first answer of remarks (the terms the users see); none asks nothing, the
# same readings of a server left idle, to compare with. Extra ORDERHUB_*
# variables pass through.
set -euo pipefail
bin=${1:?usage: insight-rss.sh <orderhub binary> [port] [out.json] [remarks|charts|none] [seconds]}
port=${2:-18150}
out=${3:-/dev/null}
what=${4:-remarks}
secs=${5:-150}
dir=$(mktemp -d)
token=insight-rss-token-0123
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
echo "# $(date -u +%FT%TZ) $(basename "$bin") $(uptime | sed 's/.*load/load/')"
ORDERHUB_DATA_DIR=$dir ORDERHUB_HTTP_ADDR=127.0.0.1:$port ORDERHUB_ADMIN_TOKEN=$token "$bin" serve >"$dir/out.log" 2>"$dir/err.log" &
pid=$!
start=$(date +%s)
until grep -q 'history seeded\|demo data seeded, with' "$dir/out.log" "$dir/err.log" 2>/dev/null; do
	kill -0 "$pid" 2>/dev/null || { cat "$dir/err.log" >&2; exit 1; }
	sleep 0.2
done
while (( $(date +%s) - start < 30 )); do sleep 1; done
rss() {
	printf 'VmRSS %5.1f MB (anon %5.1f)  VmHWM %5.1f MB' \
		"$(awk '/^VmRSS/ {print $2/1024}' /proc/$pid/status)" "$(awk '/^RssAnon/ {print $2/1024}' /proc/$pid/status)" \
		"$(awk '/^VmHWM/ {print $2/1024}' /proc/$pid/status)"
}
echo "idle before use:      $(rss)"
if [ "$what" = charts ]; then
	curl -fsS -o /dev/null -c "$dir/cookies" --data-urlencode "token=$token" --data-urlencode next=/dashboard "http://127.0.0.1:$port/dashboard/login"
fi
for i in 1 2 3; do
	if [ "$what" = none ]; then
		t=0
	elif [ "$what" = charts ]; then
		t=$(curl -fsS -o "$dir/charts.html" -w '%{time_total}' -b "$dir/cookies" "http://127.0.0.1:$port/dashboard/charts")
	else
		t=$(curl -fsS -o "$dir/remarks.json" -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/insight/remarks")
		[ "$i" != 1 ] || cp "$dir/remarks.json" "$out"
	fi
	sleep 1
	printf '%s #%d: %6.0f ms  then %s\n' "$what" "$i" "$(echo "$t*1000" | bc -l)" "$(rss)"
done
for ((s = 30; s <= secs; s += 30)); do
	sleep 30
	printf '%3ds after:           %s\n' "$s" "$(rss)"
done
