#!/usr/bin/env bash
# Vendors the map libraries of the pages into web/static/vendor/<package>/ from the npm registry:
# `npm pack` each pinned version into a temporary directory, then copy the files the pages load, the
# package's LICENSE and a VERSION note (name, version, tarball integrity). No node_modules, no build
# step, no CDN: the pages serve these files themselves and work on a closed network.
# Run from anywhere: bash scripts/vendor_web.sh   (needs npm and the registry, once, by a maintainer)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/web/static/vendor"
LEAFLET=1.9.4
TOPOJSON_CLIENT=3.1.0
US_ATLAS=3.0.1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack NAME VERSION -> prints the unpacked package directory
  local name="$1" version="$2"
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent --json "$name@$version" > pack.json && tar xzf ./*.tgz)
  echo "$work/$name/package"
}

note() {  # note NAME VERSION DEST
  local name="$1" version="$2" dest="$3"
  local integrity
  integrity="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["integrity"])' "$work/$name/pack.json")"
  printf '%s %s\nfrom the npm registry by scripts/vendor_web.sh (npm pack)\nintegrity %s\n' \
    "$name" "$version" "$integrity" > "$dest/VERSION"
}

# Leaflet: the ES module build, its stylesheet and the images the stylesheet names.
src="$(unpack leaflet "$LEAFLET")"
dest="$VENDOR/leaflet"
rm -rf "$dest" && mkdir -p "$dest/images"
cp "$src/dist/leaflet-src.esm.js" "$src/dist/leaflet.css" "$src/LICENSE" "$dest/"
cp "$src/dist/images/"*.png "$dest/images/"
note leaflet "$LEAFLET" "$dest"

# topojson-client: its ES module sources (index.js and the modules it imports).
src="$(unpack topojson-client "$TOPOJSON_CLIENT")"
dest="$VENDOR/topojson-client"
rm -rf "$dest" && mkdir -p "$dest"
cp "$src/src/"*.js "$src/LICENSE" "$dest/"
note topojson-client "$TOPOJSON_CLIENT" "$dest"

# us-atlas: Census cartographic boundaries (1:10m) as TopoJSON; counties-10m.json holds the counties,
# the states and the nation, each county and state with its name.
src="$(unpack us-atlas "$US_ATLAS")"
dest="$VENDOR/us-atlas"
rm -rf "$dest" && mkdir -p "$dest"
cp "$src/counties-10m.json" "$src/LICENSE" "$dest/"
note us-atlas "$US_ATLAS" "$dest"

echo "vendored into $VENDOR:"
find "$VENDOR" -type f | sed "s|$ROOT/||" | sort
