#!/usr/bin/env bash
# Train a model on a GPU machine held for a fixed time, in one call, and leave a float16 model folder
# (shards under 16 MiB) and the training log under $OUT.
#
#   bash scripts/device_train.sh RECIPE SECONDS
#
# RECIPE: a TrainConfig JSON (resources/models/terrascope-tiny/recipe-gpu.json continues the embedded default);
# SECONDS: the wall time of the training itself, over which the learning rate decays (--time-schedule), so the
# run ends at the floor of its schedule however many steps the machine manages. The machine needs torch,
# transformers, peft, accelerate, scipy and numpy; affine, shapely and pyproj, when missing, are installed from
# the wheels in .whl/ (`make device-wheels` fetches them). Scenes are generated there by the project's own code
# in $(nproc) - 2 worker processes. TERRASCOPE_DEVICE (default cuda) names the training device.
set -euo pipefail
recipe=${1:?usage: device_train.sh RECIPE SECONDS}
seconds=${2:?usage: device_train.sh RECIPE SECONDS}
out=${OUT:?set OUT to the folder that receives the model and the log}
run=${TERRASCOPE_RUN_DIR:-/tmp/terrascope-run}
python=${PYTHON:-python3}

if ! "$python" -c "import affine, shapely, pyproj" 2>/dev/null; then
    ls .whl/*.whl >/dev/null 2>&1 || { echo "affine, shapely or pyproj is missing and .whl/ holds no wheels: run 'make device-wheels' and carry .whl" >&2; exit 2; }
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
workers=$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))
mkdir -p "$out"
start=$(date +%s)
PYTHONUNBUFFERED=1 "$python" -m engine.cli train --config "$recipe" --out "$run" --device "${TERRASCOPE_DEVICE:-cuda}" \
    --workers "$workers" --max-seconds "$seconds" --time-schedule --no-progress 2>&1 | tee "$out/train.log"
"$python" scripts/install_default.py "$run" --target "$out/model" | tee -a "$out/train.log"
cp "$run/checkpoint-last/trainer_state.json" "$out/trainer_state.json" 2>/dev/null || true
echo "trained for $(( $(date +%s) - start )) s; model in $out/model" | tee -a "$out/train.log"
