#!/usr/bin/env bash
# Fails when the committed @session-service/sessions-client (openapi.json, src/schema.ts) is not
# what `npm run client:generate` makes from the app as it is now.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

bash scripts/generate-sessions-client.sh "$tmp" >/dev/null

status=0
for file in openapi.json src/schema.ts; do
  committed="libs/sessions-client/$file"
  fresh="$tmp/$file"
  if [ ! -f "$committed" ]; then
    echo "client:check: $committed is missing" >&2
    status=1
  elif ! cmp -s "$committed" "$fresh"; then
    changes="$(diff -u "$committed" "$fresh" | tail -n +3 || true)"
    added="$(grep -c '^+' <<<"$changes" || true)"
    removed="$(grep -c '^-' <<<"$changes" || true)"
    echo "client:check: $committed is out of date (+$added -$removed lines); first differences:" >&2
    head -n 40 <<<"$changes" >&2
    status=1
  fi
done

if [ "$status" -ne 0 ]; then
  node -e '
    const [a, b] = process.argv.slice(1).map((f) => { try { return require(f); } catch { return {}; } });
    const keys = (d, k) => Object.keys((k === "paths" ? d.paths : d.components?.schemas) ?? {});
    for (const k of ["paths", "schemas"]) {
      const before = keys(a, k), after = keys(b, k);
      const get = (d, n) => JSON.stringify(k === "paths" ? d.paths[n] : d.components.schemas[n]);
      const added = after.filter((n) => !before.includes(n));
      const removed = before.filter((n) => !after.includes(n));
      const changed = after.filter((n) => before.includes(n) && get(a, n) !== get(b, n));
      for (const [label, list] of [["added", added], ["removed", removed], ["changed", changed]])
        if (list.length) console.error(`  ${k} ${label}: ${list.join(", ")}`);
    }
  ' "$root/libs/sessions-client/openapi.json" "$tmp/openapi.json"
  echo "client:check: run \`npm run client:generate\` and commit libs/sessions-client." >&2
  exit 1
fi
echo "client:check: libs/sessions-client matches the app's OpenAPI document"
