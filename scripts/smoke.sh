#!/usr/bin/env bash
# Starts the built service as the README does (no DATABASE_URL, no JWT key:
# embedded PostgreSQL and demo tokens), then calls both seed endpoints with the
# printed tokens. Exits non-zero unless both answer 200.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${SMOKE_PORT:-3917}"
log="$(mktemp)"
data="$(mktemp -d)"
PORT="$port" EMBEDDED_DB_DIR="$data" node apps/session-service/dist/main.js >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT

for _ in $(seq 1 60); do
  grep -q '^USER_TOKEN=' "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "service exited" >&2; exit 1; }
  sleep 1
done
admin="$(sed -n 's/^ADMIN_TOKEN=//p' "$log")"
user="$(sed -n 's/^USER_TOKEN=//p' "$log")"
[ -n "$admin" ] && [ -n "$user" ] || { cat "$log"; echo "no demo tokens printed" >&2; exit 1; }

check() {
  local path="$1" token="$2" status
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")"
  echo "GET $path -> $status"
  [ "$status" = 200 ]
}
check /api/sessions/all "$admin"
check /sessions/user/1001/sessions "$user"
check /docs-json "$user"
echo "smoke: 3 passed, 0 failed"
