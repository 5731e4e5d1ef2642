#!/usr/bin/env bash
# Clone to first 200: clones this repository (its committed HEAD) into a fresh
# folder, runs the README's serve command there (`npm ci && npm start`:
# install, build, start on the embedded PostgreSQL with demo data), and prints
# the seconds from the start of the clone to each phase:
#   cloned, installed (npm ci done), built (npm's line announcing the start script), listening
#   (the service's "Listening on" line), tokens printed, and the first 200 of
#   each seed endpoint called with the printed tokens.
# Prints the machine (cores, load average, Node.js) beside the figures: they
# vary with the npm cache and the load, so they are figures, never a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${FIRST200_PORT:-3931}"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

start="$(now)"
git clone --quiet --no-hardlinks "$root" "$work/repo"
cloned="$(now)"
cd "$work/repo"

log="$work/serve.log"
: >"$log"
# The README's serve command, in its own process group so it can be stopped whole.
setsid bash -c "PORT=$port npm ci && PORT=$port npm start" >"$log" 2>&1 &
pid=$!

mark() { # waits for a line of the log matching $1, prints the time it was seen
  while ! grep -qE "$1" "$log"; do
    kill -0 "$pid" 2>/dev/null || { tail -40 "$log" >&2; echo "serve command exited" >&2; exit 1; }
    sleep 0.1
  done
  now
}
installed="$(mark '^(added|removed|changed|up to date)')"
built="$(mark '^> .* start$')"
listening="$(mark 'Listening on')"
tokens="$(mark '^USER_TOKEN=')"
admin="$(sed -n 's/^ADMIN_TOKEN=//p' "$log")"
user="$(sed -n 's/^USER_TOKEN=//p' "$log")"

first200() { # polls one endpoint until it answers 200, prints the time
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "http://127.0.0.1:$port$1")" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || { tail -40 "$log" >&2; echo "service exited" >&2; exit 1; }
    sleep 0.05
  done
  now
}
user200="$(first200 /sessions/user/1001/sessions "$user")"
admin200="$(first200 /api/sessions/all "$admin")"

echo "Clone to first 200 (README serve command: npm ci && npm start)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), Node.js $(node -v), npm $(npm -v)"
printf '%-44s %6s s\n' "cloned" "$(since "$start" "$cloned")"
printf '%-44s %6s s\n' "installed (npm ci)" "$(since "$start" "$installed")"
printf '%-44s %6s s\n' "built (tsc -b)" "$(since "$start" "$built")"
printf '%-44s %6s s\n' "listening" "$(since "$start" "$listening")"
printf '%-44s %6s s\n' "demo tokens printed" "$(since "$start" "$tokens")"
printf '%-44s %6s s\n' "first 200: GET /sessions/user/1001/sessions" "$(since "$start" "$user200")"
printf '%-44s %6s s\n' "first 200: GET /api/sessions/all" "$(since "$start" "$admin200")"
