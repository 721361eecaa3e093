#!/bin/sh
# Builds the board's chart library into the embedded assets: Apache ECharts
# exactly as package-lock.json pins it, with its licence and notice beside
# it. Run by `go generate ./web` (node and npm needed only here); the output
# in web/assets is committed, so building and running orderhub needs no node.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
cp node_modules/echarts/dist/echarts.min.js ../assets/echarts.min.js
cp node_modules/echarts/LICENSE ../assets/echarts.LICENSE
cp node_modules/echarts/NOTICE ../assets/echarts.NOTICE
rm -rf node_modules
