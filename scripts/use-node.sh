# Puts the Node.js release named in .node-version first on PATH, for this shell
# and the commands it runs: `. scripts/use-node.sh` (or `source`). When the node
# already on PATH is that release, nothing changes; otherwise the release is
# installed once from the npm registry (the `node` package ships the official
# binary) into ~/.cache/session-service and reused after that.
# shellcheck shell=bash

__use_node() {
  local root version cache
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  version="$(tr -d '[:space:]' <"$root/.node-version")"
  if [ "$(node -v 2>/dev/null)" = "v$version" ]; then return 0; fi
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/session-service/node-$version"
  if [ ! -x "$cache/node_modules/.bin/node" ]; then
    echo "Installing Node.js $version from the npm registry into $cache" >&2
    npm install --prefix "$cache" --no-audit --no-fund --no-save --loglevel=error "node@$version" >&2 || return 1
  fi
  PATH="$cache/node_modules/.bin:$PATH"
  export PATH
  hash -r
  echo "Using Node.js $(node -v) ($(command -v node))" >&2
}
__use_node
