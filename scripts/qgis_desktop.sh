#!/usr/bin/env bash
# Start the real QGIS desktop under Xvfb with this folder enabled as plugin `terrascope_reasoning`,
# run STARTUP.py inside QGIS once the main window exists, wait, and save a screenshot of the screen.
#
#   scripts/qgis_desktop.sh OUT.png [STARTUP.py] [SECONDS]
#
# Without OUT.png (make run-qgis) it opens QGIS on the current display instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-}; startup=${2:-}; wait_s=${3:-30}
id=terrascope_reasoning
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plugins" "$work/profiles/default/QGIS" "$work/xdg/QGIS/QGIS3"
ln -s "$root" "$work/plugins/$id"
printf '[PythonPlugins]\n%s=true\n[qgis]\nshowTips=false\ncheckVersion=false\n' "$id" \
  > "$work/profiles/default/QGIS/QGIS3.ini"
# QGIS runs startup.py from its data folder when its Python starts: size the window (no window manager
# under Xvfb) and run the caller's script once iface exists.
cat > "$work/xdg/QGIS/QGIS3/startup.py" <<PY
from qgis.PyQt.QtCore import QTimer
def _size_window():
    from qgis.utils import iface
    w = iface.mainWindow(); w.setGeometry(w.screen().geometry())
QTimer.singleShot(2000, _size_window)
PY
if [ -n "$startup" ]; then
  script=$(cd "$(dirname "$startup")" && pwd)/$(basename "$startup")
  cat >> "$work/xdg/QGIS/QGIS3/startup.py" <<PY
def _run_startup():
    from qgis.utils import iface
    ns = {"iface": iface, "__file__": "$script"}
    exec(compile(open("$script").read(), "$script", "exec"), ns)
QTimer.singleShot(4000, _run_startup)
PY
fi
export QGIS_PLUGINPATH="$work/plugins" XDG_DATA_HOME="$work/xdg"
unset QT_QPA_PLATFORM
for sp in "$root"/.venv/lib/python3*/site-packages; do
  [ -d "$sp" ] && export PYTHONPATH="$sp${PYTHONPATH:+:$PYTHONPATH}"
done
if [ -z "$out" ]; then
  exec qgis --profiles-path "$work" --nologo --noversioncheck
fi
xvfb-run -a -s "-screen 0 1440x900x24" bash -c "
  qgis --profiles-path '$work' --nologo --noversioncheck >'$work/qgis.log' 2>&1 &
  sleep $wait_s
  import -window root '$out'
  kill %1 2>/dev/null || true
  sleep 1
"
cp "$work/qgis.log" "${out%.png}.log" 2>/dev/null || true
echo "screenshot: $out"
