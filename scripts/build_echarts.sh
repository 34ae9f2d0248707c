#!/usr/bin/env bash
# Rebuild the vendored ECharts (lms/static/vendor/echarts/) and China map
# (lms/static/vendor/echarts-map/) from the npm registry.
#
# The built files are committed: `make run` and `make test` never need npm.
# This script is for a deliberate upgrade only. It works in a temporary
# directory, pins every version, and writes the result over the vendored files;
# review `git diff --stat` afterwards.
#
#   scripts/build_echarts.sh            # the pinned versions below
#
# The custom build is echarts/core with only what the report pages draw:
# map, bar, line and pie charts; title, tooltip, grid, legend, visualMap, geo,
# dataset and aria components; the canvas renderer. It is bundled by esbuild
# as an IIFE that sets the global `echarts` (about 0.67 MB against 1.1 MB for
# dist/echarts.min.js).
set -euo pipefail

ECHARTS_VERSION=6.1.0
ESBUILD_VERSION=0.28.2
# Maps left the echarts package after 4.9.0: this is the last published copy.
MAP_PACKAGE=echarts@4.9.0

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIB_DIR="$ROOT/lms/static/vendor/echarts"
MAP_DIR="$ROOT/lms/static/vendor/echarts-map"
WORK=$(mktemp -d /tmp/build-echarts.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact \
    "echarts@$ECHARTS_VERSION" "esbuild@$ESBUILD_VERSION" >/dev/null
# esbuild's platform binary comes as an optional dependency; its install script
# only checks it, and --ignore-scripts keeps any other package from running code.
version_of() {  # the version npm installed (tslib's exports hide package.json)
    node -p "JSON.parse(require('fs').readFileSync('node_modules/$1/package.json')).version"
}
ZRENDER_VERSION=$(version_of zrender)
TSLIB_VERSION=$(version_of tslib)

cat > entry.js <<'JS'
import * as echarts from "echarts/core";
import { MapChart, BarChart, LineChart, PieChart } from "echarts/charts";
import {
  TitleComponent, TooltipComponent, GridComponent, LegendComponent,
  VisualMapComponent, GeoComponent, DatasetComponent, AriaComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  MapChart, BarChart, LineChart, PieChart,
  TitleComponent, TooltipComponent, GridComponent, LegendComponent,
  VisualMapComponent, GeoComponent, DatasetComponent, AriaComponent,
  CanvasRenderer,
]);
window.echarts = echarts;
JS

./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife \
    --target=es2017 --legal-comments=eof --log-level=warning \
    '--define:process.env.NODE_ENV="production"' --outfile=echarts.min.js

mkdir -p "$LIB_DIR/licenses" "$MAP_DIR"
cp echarts.min.js "$LIB_DIR/echarts.min.js"
cp node_modules/echarts/LICENSE node_modules/echarts/NOTICE "$LIB_DIR/"
cp node_modules/echarts/licenses/LICENSE-d3 "$LIB_DIR/licenses/LICENSE-d3"
# zrender is BSD-3-Clause: its licence text goes along with the binary.
cp node_modules/zrender/LICENSE "$LIB_DIR/licenses/LICENSE-zrender"
cat > "$LIB_DIR/VERSION.txt" <<TXT
echarts $ECHARTS_VERSION (Apache-2.0) with zrender $ZRENDER_VERSION (BSD-3-Clause) and
tslib $TSLIB_VERSION (0BSD), from the npm registry.
echarts.min.js is a custom build made by scripts/build_echarts.sh with
esbuild $ESBUILD_VERSION (--bundle --minify --format=iife --target=es2017
--legal-comments=eof, NODE_ENV=production): echarts/core with the map, bar,
line and pie charts; the title, tooltip, grid, legend, visualMap, geo,
dataset and aria components; the canvas renderer. It sets window.echarts.
The licence comments of zrender and tslib are kept at the end of the file.
LICENSE, NOTICE and licenses/LICENSE-d3 are the echarts package's own,
licenses/LICENSE-zrender the zrender package's, all unmodified.
The same versions build the same file, byte for byte.
TXT

# The map file, unchanged.
npm pack --silent "$MAP_PACKAGE" >/dev/null  # a tarball only: nothing installed
tar -xzf "${MAP_PACKAGE/@/-}.tgz" package/map/json/china.json package/LICENSE package/NOTICE
cp package/map/json/china.json "$MAP_DIR/china.json"
# The licence of the package the map came from (Apache-2.0, as the library's).
cp package/LICENSE "$MAP_DIR/LICENSE"
cp package/NOTICE "$MAP_DIR/NOTICE"

sha256sum "$LIB_DIR/echarts.min.js" "$MAP_DIR/china.json"
