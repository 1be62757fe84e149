#!/usr/bin/env bash
# Rebuild admin_ui/static/jssip-<version>.min.js from npm.
#
# JsSIP's npm package ships CommonJS only (lib/JsSIP.js, since 3.9 no dist
# bundle), so the desk's browser phone needs it bundled once with its three
# dependencies (debug, events, sdp-transform).  The result is committed:
# the admin UI never loads code from a CDN and `make test` needs no npm.
# Run by hand when upgrading JsSIP; needs node and npm.
set -euo pipefail
JSSIP_VERSION="${1:-3.13.8}"
ESBUILD_VERSION=0.28.2
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "jssip@$JSSIP_VERSION" "esbuild@$ESBUILD_VERSION" >/dev/null
# npm may refuse esbuild's install script; its platform binary is there anyway.
node node_modules/esbuild/install.js >/dev/null 2>&1 || true
echo 'import JsSIP from "jssip"; window.JsSIP = JsSIP;' >entry.js
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --define:process.env.NODE_ENV='"production"' \
  --outfile="$here/admin_ui/static/jssip-$JSSIP_VERSION.min.js"
{
  for package in jssip debug events sdp-transform ms; do
    echo "==== $package $(node -p "require('./node_modules/$package/package.json').version") ===="
    cat node_modules/"$package"/LICENSE* node_modules/"$package"/license* 2>/dev/null || true
    echo
  done
} >"$here/admin_ui/static/jssip-LICENSE.txt"
echo "vendored JsSIP $JSSIP_VERSION"
