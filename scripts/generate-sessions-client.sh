#!/usr/bin/env bash
# Regenerates @session-service/sessions-client from the OpenAPI document the app serves:
#   libs/sessions-client/openapi.json   the document (keys sorted, stable)
#   libs/sessions-client/src/schema.ts  its types (openapi-typescript)
# Usage: scripts/generate-sessions-client.sh [OUT_DIR]   (default libs/sessions-client;
# scripts/check-sessions-client.sh passes a temporary directory).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-libs/sessions-client}"
mkdir -p "$out/src"

npm run --silent client:export -- --out "$out/openapi.json"
npx --no-install openapi-typescript "$out/openapi.json" --output "$out/src/schema.ts"
# The repository's Prettier settings, also for a directory outside the repository.
npx --no-install prettier --config "$root/.prettierrc" --log-level warn --write \
  "$out/openapi.json" "$out/src/schema.ts"
