#!/usr/bin/env bash
# Lints the OpenAPI document the app serves (/docs-json) with Spectral: the OWASP
# API Security ruleset and Spectral's OpenAPI rules, as set in .spectral.yaml.
# Fails on any error; warnings are printed only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

npm run --silent client:export -- --out "$tmp/openapi.json" >/dev/null
npx --no-install spectral lint "$tmp/openapi.json" --ruleset "$root/.spectral.yaml" --fail-severity=error
