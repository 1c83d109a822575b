# TerraScope for QGIS. `make setup` then `make test`.
PY      := .venv/bin/python
PLUGIN  := terrascope_reasoning
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup test test-fast demo run-qgis package translations bench train-tiny device-wheels lint lock

setup:                ## Debian QGIS + pinned venv at .venv (idempotent)
	@bash scripts/setup.sh

test:                 ## the whole suite, real QGIS included
	$(PY) -m pytest -q

test-fast:            ## everything but the QGIS desktop start
	$(PY) -m pytest -q -m "not desktop and not slow"

demo:                 ## a generated scene asked a question by the embedded default model
	$(PY) scripts/demo.py --out demo-out

run-qgis:             ## open QGIS with this folder as the plugin
	bash scripts/run_qgis.sh

package:              ## terrascope_reasoning.zip for "Install from ZIP"
	$(PY) scripts/package.py --out $(PLUGIN).zip

translations:         ## compile i18n/*.ts into .qm
	$(PY) scripts/translations.py

bench:                ## speed and memory benchmarks (numbers go into the issue notes)
	$(PY) scripts/bench.py

train-tiny:           ## reproduce the embedded default model from its recorded recipe
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe.json --out build/terrascope-tiny
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-continue.json --out build/terrascope-tiny-2
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part3.json --out build/terrascope-tiny-3
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part4.json --out build/terrascope-tiny-4
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part5.json --out build/terrascope-tiny-5
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part6.json --out build/terrascope-tiny-6
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part7.json --out build/terrascope-tiny-7
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part8.json --out build/terrascope-tiny-8
	$(PY) scripts/install_default.py build/terrascope-tiny-8 --target build/terrascope-tiny-8-f16
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part9.json --out build/terrascope-tiny-9
	$(PY) scripts/install_default.py build/terrascope-tiny-9 --target build/terrascope-tiny-9-f16
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part10.json --out build/terrascope-tiny-10
	$(PY) scripts/install_default.py build/terrascope-tiny-10 --target build/terrascope-tiny-10-f16
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part11.json --out build/terrascope-tiny-11
	$(PY) scripts/install_default.py build/terrascope-tiny-11 --target build/terrascope-tiny-11-f16
	$(PY) -m engine.cli train --config resources/models/terrascope-tiny/recipe-part13.json --out build/terrascope-tiny-13
	$(PY) scripts/install_default.py build/terrascope-tiny-13 --target build/terrascope-tiny-13-f16
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part16.json --out build/terrascope-tiny-16
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part17.json --out build/terrascope-tiny-17
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part19.json --out build/terrascope-tiny-19
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part20.json --out build/terrascope-tiny-20
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part21.json --out build/terrascope-tiny-21
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part22.json --out build/terrascope-tiny-22
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part23.json --out build/terrascope-tiny-23
	$(PY) -m engine.cli train-land-cover --config resources/models/terrascope-tiny/recipe-part24.json --out build/terrascope-tiny-24
	$(PY) scripts/install_default.py build/terrascope-tiny-24
	$(PY) scripts/calibrate_absent.py resources/models/terrascope-tiny --samples 600 --flip-average \
		--change-from-classes --sharpen-radius 4 --sharpen-eps 0.0003 --signature-weight 0.5 --min-mask-pixels 36

device-wheels:        ## wheels a GPU machine lacks for scripts/device_train.sh, into .whl/ (carry it there)
	$(PY) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
		--platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
		-d .whl affine==3.0.1 shapely==2.2.0 pyproj==3.7.2

lint:
	$(PY) -m ruff check engine terrascope_plugin tests || true

lock:                 ## re-pin requirements.lock from the current venv
	.venv/bin/pip freeze --local --exclude-editable | grep -v '^-e' > requirements.lock
