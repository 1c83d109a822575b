#!/usr/bin/env bash
# make setup: Debian's QGIS + a pinned venv at .venv. Idempotent: each step is skipped when already done;
# a failed run resumes where it stopped. Every failure ends with one line saying what to fix.
set -uo pipefail
cd "$(dirname "$0")/.."
fail() { echo "make setup: $*" >&2; exit 1; }

APT_PACKAGES=${TERRASCOPE_APT_PACKAGES:-"qgis python3-qgis qgis-providers python3-venv xvfb xauth imagemagick"}
VENV=${TERRASCOPE_VENV:-.venv}
missing=""
for p in $APT_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null || fail "apt-get not found: install these Debian packages by hand:$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "[setup] installing Debian packages:$missing"
  $SUDO apt-get update -qq >/tmp/terrascope-apt.log 2>&1 \
    || fail "apt-get update failed (no network to the Debian mirror?): see /tmp/terrascope-apt.log"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >>/tmp/terrascope-apt.log 2>&1 \
    || fail "apt-get install$missing failed: see /tmp/terrascope-apt.log"
fi
/usr/bin/python3 -c "import qgis.core" 2>/dev/null || fail "Debian's python3 cannot import qgis.core: reinstall python3-qgis"

stamp=$VENV/.terrascope-setup
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/terrascope" ]; then
  echo "[setup] $VENV is up to date"; exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$VENV" || fail "could not create .venv (is python3-venv installed?)"
fi
echo "[setup] installing the pinned Python packages into $VENV"
"$VENV/bin/pip" install -q -r requirements.lock >/tmp/terrascope-pip.log 2>&1 \
  || fail "pip install -r requirements.lock failed (no network to PyPI?): see /tmp/terrascope-pip.log"
"$VENV/bin/pip" install -q --no-deps --no-build-isolation -e . >>/tmp/terrascope-pip.log 2>&1 \
  || fail "pip install -e . failed: see /tmp/terrascope-pip.log"
"$VENV/bin/python" -c "import qgis.core, torch, transformers, rasterio" \
  || fail "the venv cannot import qgis/torch/transformers/rasterio together: see the error above"
echo "$want" > "$stamp"
echo "[setup] done: .venv/bin/terrascope --help"
