#!/usr/bin/env bash
# Train models on a GPU machine held for a fixed time, in one call, and leave float16 model folders (shards under
# 16 MiB) and the training logs under $OUT.
#
#   bash scripts/device_train.sh RECIPE SECONDS [RECIPE ...]
#
# RECIPE: a TrainConfig JSON (resources/models/terrascope-tiny/recipe-gpu.json continues the embedded default);
# SECONDS: the wall time of the training itself, over which the learning rate decays (--time-schedule), so each
# run ends at the floor of its schedule however many steps the machine manages. Further recipes train at the same
# time on the same GPU (a tiny model leaves most of it idle), sharing the scene-generating workers. The machine
# needs torch, transformers, peft, accelerate, scipy and numpy; affine, shapely and pyproj, when missing, are
# installed from the wheels in .whl/ (`make device-wheels` fetches them). Scenes are generated there by the
# project's own code in $(nproc) - 2 worker processes. TERRASCOPE_DEVICE (default cuda) names the training device.
#
# One recipe leaves $OUT/train.log, $OUT/trainer_state.json and $OUT/model/. Several leave the same three under
# $OUT/<recipe name>/, packed as $OUT/runs.tar.part-aa, -ab, ... of 15 MiB each, since a GPU machine returns only a
# few files (`cat runs.tar.part-* | tar -x` unpacks them).
set -euo pipefail
usage="usage: device_train.sh RECIPE SECONDS [RECIPE ...]"
recipes=("${1:?$usage}")
seconds=${2:?$usage}
shift 2
recipes+=("$@")
out=${OUT:?set OUT to the folder that receives the model and the log}
run=${TERRASCOPE_RUN_DIR:-/tmp/terrascope-run}
python=${PYTHON:-python3}

if ! "$python" -c "import affine, shapely, pyproj" 2>/dev/null; then
    ls .whl/*.whl >/dev/null 2>&1 || { echo "affine, shapely or pyproj is missing and .whl/ holds no wheels: run 'make device-wheels' and carry .whl" >&2; exit 2; }
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
# one CPU thread per process: scene workers and trainers with thread pools as wide as the machine oversubscribe
# its cores (on a 16-core GPU machine, two runs with default threads took 5.7 s per step of 32 samples)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
n=${#recipes[@]}
# on the H200 machine one scene process made 39 samples/s; the training log's "data wait" says whether they keep up
# nproc counts OMP_NUM_THREADS, set to 1 above, so the cores are counted without it
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
workers=$(( cores > 3 ? (cores - 2) / n : 1 ))
workers=$(( workers > 0 ? workers : 1 ))
mkdir -p "$out"
start=$(date +%s)

train_one() {  # RECIPE RUN_DIR OUT_DIR
    local recipe=$1 dir=$2 dest=$3
    mkdir -p "$dest"
    PYTHONUNBUFFERED=1 "$python" -m engine.cli train --config "$recipe" --out "$dir" --device "${TERRASCOPE_DEVICE:-cuda}" \
        --workers "$workers" --max-seconds "$seconds" --time-schedule --no-progress >"$dest/train.log" 2>&1 || {
        echo "training $recipe failed:" >&2; tail -20 "$dest/train.log" >&2; return 1; }
    "$python" scripts/install_default.py "$dir" --target "$dest/model" >>"$dest/train.log" 2>&1
    cp "$dir/checkpoint-last/trainer_state.json" "$dest/trainer_state.json" 2>/dev/null || true
    echo "trained for $(( $(date +%s) - start )) s; model in $dest/model" >>"$dest/train.log"
}

if (( n == 1 )); then
    train_one "${recipes[0]}" "$run" "$out"
    cat "$out/train.log"
    exit
fi
pids=() names=()
for recipe in "${recipes[@]}"; do
    name=$(basename "$recipe" .json)
    names+=("$name")
    train_one "$recipe" "$run/$name" "$out/$name" &
    pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed=1
    echo "== ${names[$i]}"; tail -5 "$out/${names[$i]}/train.log"
done
tar -cf - -C "$out" "${names[@]}" | split -b 15m - "$out/runs.tar.part-"
rm -rf "${names[@]/#/$out/}"
exit $failed
