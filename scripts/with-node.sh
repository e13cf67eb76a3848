#!/usr/bin/env bash
# Runs a command under another Node.js major version, e.g. `scripts/with-node.sh 24 npm test`.
# Node comes from the npm registry's node-linux-<arch> package (no other download), installed once
# into tools/node<major>/ (ignored by git). Native addons that are bound to one Node ABI
# (better-sqlite3) are rebuilt against it into tools/node<major>/addons/ and loaded from there
# through a preload; the shared node_modules is never touched, so runs on different versions,
# in turn or at once, do not break each other. N-API addons (sqlite3) load as they are.
set -euo pipefail
if [ $# -lt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/with-node.sh <major version> <command...>   e.g. scripts/with-node.sh 24 npm test" >&2
  exit 2
fi
major="$1"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools/node$major"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "with-node: no node-linux package for $(uname -m)" >&2; exit 3 ;;
esac
package="node-linux-$arch"
node_home="$tools/node_modules/$package"
say() { echo "with-node $major: $*" >&2; }

if [ ! -x "$node_home/bin/node" ]; then
  say "installing $package@$major from the npm registry into tools/node$major"
  started=$SECONDS
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{ "private": true, "description": "Node.js for scripts/with-node.sh" }' > "$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund --no-package-lock --loglevel=error "$package@$major" >&2
  say "installed in $((SECONDS - started)) s"
fi
node_bin="$node_home/bin"
export PATH="$node_bin:$PATH"
# node-gyp finds this version's headers in the package (include/node): nothing to download.
export npm_config_nodedir="$node_home"
say "$(node --version) at ${node_bin#"$root/"}"

# Rebuild (once) what does not load on this version, then load those copies through the preload.
node "$root/scripts/native-addons.mjs" "$tools/addons" >&2
export WITH_NODE_ADDONS_MANIFEST="$tools/addons/manifest.json"
export NODE_OPTIONS="--require \"$root/scripts/native-addons-preload.cjs\"${NODE_OPTIONS:+ $NODE_OPTIONS}"
exec "$@"
