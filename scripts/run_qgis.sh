#!/usr/bin/env bash
# make run-qgis: open QGIS (on your display) with this folder as the enabled plugin and the venv visible.
exec "$(dirname "$0")/qgis_desktop.sh"
