"""The Ask dock in real QGIS (offscreen): pickers, freezing into an AskRequest, and one message per bad input."""
from __future__ import annotations

import dataclasses

import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsRasterLayer, QgsRectangle, QgsVectorLayer
from qgis.PyQt.QtWidgets import QComboBox, QPushButton

from tests.plugin_data import ORIGIN, PIXEL_M, UTM, write_optical, write_sar

pytestmark = pytest.mark.qgis


@pytest.fixture()
def dock(qgis_iface, qtbot, tmp_path, monkeypatch):
    from qgis.core import QgsSettings
    from terrascope_reasoning.terrascope_plugin.dock import AskDock
    from terrascope_reasoning.terrascope_plugin.settings import SECTION

    QgsSettings().remove(SECTION)
    dock = AskDock(qgis_iface, qgis_iface.window)
    qgis_iface.addDockWidget(2, dock)
    qgis_iface.window.show()
    dock.show()
    yield dock
    dock.shutdown()
    QgsSettings().remove(SECTION)


def _add_raster(path, name):
    layer = QgsRasterLayer(str(path), name)
    assert layer.isValid(), path
    QgsProject.instance().addMapLayer(layer)
    return layer


@pytest.fixture()
def scene(tmp_path):
    optical = _add_raster(write_optical(tmp_path / "optical.tif"), "optical")
    sar = _add_raster(write_sar(tmp_path / "sar.tif"), "sar")
    far = _add_raster(write_optical(tmp_path / "far.tif", origin=(600_000.0, 4_000_000.0)), "far away")
    return {"optical": optical, "sar": sar, "far": far}


def _bar_texts(iface) -> list[str]:
    return [item.text() for item in iface.messageBar().items()]


def test_widgets_have_the_names_tests_and_users_rely_on(dock):
    for name in ("opticalLayerCombo", "sarLayerCombo", "datesList", "aoiModeCombo", "questionEdit", "askButton",
                 "cancelButton", "progressBar", "traceList", "answerText", "distancesTable", "modelCombo",
                 "deviceCombo"):
        assert dock.findChild(object, name) is not None, name
    assert dock.findChild(QPushButton, "askButton").isEnabled()
    assert not dock.findChild(QPushButton, "cancelButton").isEnabled()
    assert not dock.findChild(QPushButton, "exportGpkgButton").isEnabled()


def test_pickers_list_the_project_rasters_and_not_vectors(dock, scene):
    vector = QgsVectorLayer("Polygon?crs=EPSG:32633", "zones", "memory")
    QgsProject.instance().addMapLayer(vector)
    combo = dock.findChild(QComboBox, "opticalLayerCombo")
    names = [combo.itemText(i) for i in range(combo.count())]
    assert {"optical", "sar", "far away"} <= {n.split(" [")[0] for n in names}
    assert not any(n.startswith("zones") for n in names)
    assert combo.itemText(0) == "" and combo.currentLayer() is None  # the empty "none" entry, selected
    sar_combo = dock.findChild(QComboBox, "sarLayerCombo")
    sar_combo.setLayer(scene["sar"])
    assert sar_combo.currentLayer() is scene["sar"]


def test_request_freezes_paths_crs_aoi_and_model(dock, scene, tmp_path):
    from terrascope_reasoning.engine.geo import parse_aoi
    from terrascope_reasoning.terrascope_plugin.request import AskRequest

    dock.optical_combo.setLayer(scene["optical"])
    dock.sar_combo.setLayer(scene["sar"])
    dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("layer"))
    dock.aoi_layer_combo.setLayer(scene["optical"])
    dock.question_edit.setEditText("  How much of the area is bright?  ")
    dock.device_combo.setCurrentIndex(dock.device_combo.findData("cpu"))
    with_signal = []
    dock.askRequested.connect(with_signal.append)
    dock.findChild(QPushButton, "askButton").click()
    (req,) = with_signal
    assert isinstance(req, AskRequest)
    assert req.question == "How much of the area is bright?"
    assert req.optical.path == str(tmp_path / "optical.tif") and req.sar.path == str(tmp_path / "sar.tif")
    assert req.crs == UTM and req.aoi_crs == UTM and req.device == "cpu"
    assert req.model.model_dir is None and req.model.adapter is None  # embedded default
    assert req.temporary_files == ()
    aoi = parse_aoi(req.engine_aoi())
    assert aoi.crs.to_epsg() == 32633
    assert aoi.geometry.area == pytest.approx((128 * PIXEL_M) ** 2, rel=1e-6)
    assert aoi.geometry.bounds[0] == pytest.approx(ORIGIN[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.question = "changed"
    inputs = req.engine_inputs()
    assert inputs["optical"] == req.optical.path and inputs["dates"] is None


def test_selected_features_give_their_union_as_area(dock, scene):
    from shapely import from_wkt

    polys = QgsVectorLayer("Polygon?crs=EPSG:32633", "zones", "memory")
    feats = []
    for x in (0, 300):
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromRect(QgsRectangle(ORIGIN[0] + x, ORIGIN[1] - 200, ORIGIN[0] + x + 100,
                                                        ORIGIN[1] - 100)))
        feats.append(f)
    polys.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(polys)
    polys.selectByIds([polys.allFeatureIds()[0]])
    dock.optical_combo.setLayer(scene["optical"])
    dock.question_edit.setEditText("Where is the water?")
    dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("selection"))
    dock.aoi_layer_combo.setLayer(polys)
    assert from_wkt(dock.build_request().aoi_wkt).area == pytest.approx(100 * 100)
    polys.selectAll()
    assert from_wkt(dock.build_request().aoi_wkt).area == pytest.approx(2 * 100 * 100)


def test_drawn_rectangle_in_another_crs_is_reprojected(dock, scene):
    from qgis.core import QgsCoordinateReferenceSystem
    from shapely import from_wkt

    canvas = dock.iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    dock.optical_combo.setLayer(scene["optical"])
    dock.question_edit.setEditText("Where is the water?")
    # ~ the raster's upper-left quarter, in lon/lat (UTM 33N, 500 km easting = 15° E)
    dock.set_drawn_rectangle(QgsRectangle(15.0, 45.145, 15.006, 45.151))
    assert dock.aoi_mode_combo.currentData() == "drawn"
    req = dock.build_request()
    minx, miny, maxx, maxy = from_wkt(req.aoi_wkt).bounds
    assert req.aoi_crs == UTM
    assert 400 < maxx - minx < 550 and 600 < maxy - miny < 720  # 0.006° lon ≈ 473 m, 0.006° lat ≈ 667 m


BAD_INPUTS = {
    "empty question": (lambda d, s: d.question_edit.setEditText("   "), "question"),
    "no layer": (lambda d, s: None, "Pick an optical or a SAR layer"),
    "layers that do not overlap": (lambda d, s: d.sar_combo.setLayer(s["far"]), "do not overlap"),
    "area outside the data": (lambda d, s: d.set_drawn_rectangle(QgsRectangle(0, 0, 10, 10)), "outside"),
    "missing model folder": (lambda d, s: d.add_model_choice(
        "gone", __import__("terrascope_reasoning.terrascope_plugin.request", fromlist=["ModelChoice"])
        .ModelChoice(model_dir="/nonexistent/model")), "does not exist"),
    "drawn mode without a rectangle": (lambda d, s: d.aoi_mode_combo.setCurrentIndex(
        d.aoi_mode_combo.findData("drawn")), "No rectangle drawn"),
    "dates and pickers together": (lambda d, s: d.dates.add_layer(s["sar"]), "not both"),
    "one layer as optical and SAR": (lambda d, s: d.sar_combo.setLayer(s["optical"]), "same layer"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_each_bad_input_says_what_to_fix_and_emits_nothing(dock, scene, qgis_iface, case):
    change, expected = BAD_INPUTS[case]
    if case != "no layer":
        dock.optical_combo.setLayer(scene["optical"])
    dock.question_edit.setEditText("What share is bright?")
    dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
    change(dock, scene)
    emitted = []
    dock.askRequested.connect(emitted.append)
    dock.findChild(QPushButton, "askButton").click()
    assert emitted == []
    texts = _bar_texts(qgis_iface)
    assert len(texts) == 1 and expected in texts[0], texts
    assert "\n" not in texts[0] and "Traceback" not in texts[0]
    assert dock.findChild(QPushButton, "askButton").isEnabled()


def test_dated_layers_add_reorder_remove(dock, scene):
    dates = dock.dates
    dates.layer_combo.setLayer(scene["optical"])
    dates.add_current()
    dates.add_layer(scene["sar"], "2024-06-01")
    assert [lid for lid, _ in dates.entries()] == [scene["optical"].id(), scene["sar"].id()]
    assert [d for _, d in dates.entries()] == ["t1", "2024-06-01"]
    dates.table.selectRow(1)
    dates.move_selected(-1)
    assert [lid for lid, _ in dates.entries()] == [scene["sar"].id(), scene["optical"].id()]
    dock.question_edit.setEditText("What changed?")
    dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
    req = dock.build_request()
    assert [d.name for d in req.dates] == ["sar", "optical"] and req.optical is None
    assert req.engine_inputs()["dates"] == [d.path for d in req.dates]
    QgsProject.instance().removeMapLayer(scene["sar"].id())
    assert [lid for lid, _ in dates.entries()] == [scene["optical"].id()]
    dates.table.selectRow(0)
    dates.remove_selected()
    assert dates.entries() == []


def test_layer_that_is_not_a_file_is_exported_to_a_temporary_geotiff(dock, tmp_path):
    import os

    import numpy as np
    import rasterio
    from osgeo import gdal

    src = write_optical(tmp_path / "src.tif")
    gdal.Translate("/vsimem/terrascope_test.tif", str(src))
    try:
        layer = _add_raster("/vsimem/terrascope_test.tif", "in memory")
        dock.optical_combo.setLayer(layer)
        dock.question_edit.setEditText("Where is the water?")
        dock.aoi_mode_combo.setCurrentIndex(dock.aoi_mode_combo.findData("whole"))
        req = dock.build_request()
    finally:
        gdal.Unlink("/vsimem/terrascope_test.tif")
    assert req.temporary_files == (req.optical.path,) and os.path.isfile(req.optical.path)
    with rasterio.open(src) as a, rasterio.open(req.optical.path) as b:
        assert b.crs == a.crs and b.transform.almost_equals(a.transform)
        assert np.array_equal(a.read(), b.read())
    os.remove(req.optical.path)


def test_device_picker_shows_the_probe_result(dock, qtbot):
    from terrascope_reasoning.terrascope_plugin.devices import gpu_probe

    probe = gpu_probe()
    qtbot.waitUntil(lambda: probe.name is not None, timeout=15000)
    index = dock.device_combo.findData("cuda")
    qtbot.waitUntil(lambda: "detecting" not in dock.device_combo.itemText(index))
    if probe.name:
        assert probe.name in dock.device_combo.itemText(index)
    else:
        assert not dock.device_combo.model().item(index).isEnabled()
    probe.found.emit("Test GPU 80GB")  # what a CUDA machine reports
    qtbot.waitUntil(lambda: "Test GPU 80GB" in dock.device_combo.itemText(index))
    assert dock.device_combo.model().item(index).isEnabled()


def test_adapters_in_the_settings_folder_are_offered(dock, tmp_path):
    from terrascope_reasoning.terrascope_plugin.request import ModelChoice

    for name in ("delta", "alps"):
        (tmp_path / "adapters" / name).mkdir(parents=True)
        (tmp_path / "adapters" / name / "adapter_config.json").write_text("{}")
    (tmp_path / "adapters" / "not-an-adapter").mkdir()
    dock.settings.adapters_dir = str(tmp_path / "adapters")
    dock.refresh_models()
    data = [dock.model_combo.itemData(i) for i in range(dock.model_combo.count())]
    assert data == [ModelChoice(), ModelChoice(adapter=str(tmp_path / "adapters" / "alps")),
                    ModelChoice(adapter=str(tmp_path / "adapters" / "delta"))]


def test_trace_text_hides_the_models_special_tokens():
    from terrascope_reasoning.terrascope_plugin.results_panel import display_text

    assert display_text("Step 2: flooded field. <t2> [SEG] <sar>") == "Step 2: flooded field."
    assert display_text("Compare the two areas.") == "Compare the two areas."


def test_a_step_line_gives_area_share_and_confidence_and_never_a_found_region_at_0_percent():
    from types import SimpleNamespace

    from terrascope_reasoning.terrascope_plugin.results_panel import step_line

    step = SimpleNamespace(index=2, text="Step 2: roads next to the water. <t1> [SEG]", layer="roads",
                           area_m2=461_521.0, share=0.07, confidence=0.82, emptied="")
    assert step_line(step) == "2. Step 2: roads next to the water.  [461,521 m², 7.0% of the area, confidence 0.82]"
    step.area_m2, step.share = 8_404.0, 0.0004
    assert "[8,404 m², under 0.1% of the area, confidence 0.82]" in step_line(step)


def test_a_chosen_option_shows_its_letter_once_and_its_text():
    from terrascope_reasoning.terrascope_plugin.results_panel import answer_line

    assert answer_line("B", "B", "10-20 %") == "(B) 10-20 %"
    assert answer_line("(B)", "B", "") == "(B)"
    assert answer_line("(B) about 14 %", "B", "10-20 %") == "(B) about 14 %"
    assert answer_line("about 14 %", "B", "10-20 %") == "(B) about 14 %"
    assert answer_line("water covers 14 %", None) == "water covers 14 %"


def test_an_answer_chosen_from_the_measurements_says_so(dock):
    from terrascope_reasoning.terrascope_plugin.runner import Success

    outcome = Success(None, "", "C", "C", (), (), 1.0, "10 % to 15 %", "A")
    dock.results.show_success(outcome)
    text = dock.answer_text.toPlainText()
    assert text.startswith("(C) 10 % to 15 %") and "own reading was (A)" in text
    dock.results.show_success(Success(None, "", "C", "C", (), (), 1.0, "10 % to 15 %", "C"))
    assert dock.answer_text.toPlainText() == "(C) 10 % to 15 %"


def test_an_answer_the_masks_could_not_read_says_the_letter_is_the_models_own(dock):
    """The measurements implied no option (a step the options need marks no region): the letter shown is the
    model's own reading, and the panel says so and why; read from the masks, or not read at all, it says nothing."""
    from terrascope_reasoning.terrascope_plugin.runner import StepSummary, Success

    steps = (StepSummary(1, "Step 1: largest forest patch. <t1> [SEG]", "largest forest patch", area_m2=0.0),
             StepSummary(2, "Step 2: water. <t1> [SEG]", "water", area_m2=7543.0, layer="step_02"))
    options = ("adjacent (they share a boundary)", "A")
    dock.results.show_success(Success(None, "", "A", "A", steps, (), 1.0, *options, choice_measured=False))
    text = dock.answer_text.toPlainText()
    assert text == ("(A) adjacent (they share a boundary)\n"
                    "Not read from the masks: step 1 marks no region; (A) is the model's own reading.")
    both_empty = (steps[0], StepSummary(2, "Step 2: water. <t1> [SEG]", "water", area_m2=0.0))
    dock.results.show_success(Success(None, "", "A", "A", both_empty, (), 1.0, *options, choice_measured=False))
    assert "steps 1, 2 mark no region" in dock.answer_text.toPlainText()
    dock.results.show_success(Success(None, "", "A", "A", steps[1:], (), 1.0, *options, choice_measured=False))
    assert "no option matches the measurements" in dock.answer_text.toPlainText()
    for measured in (True, None):
        dock.results.show_success(Success(None, "", "A", "A", steps, (), 1.0, *options, choice_measured=measured))
        assert dock.answer_text.toPlainText() == "(A) adjacent (they share a boundary)"
    # the engine process's result carries it to the panel
    from terrascope_reasoning.terrascope_plugin.runner import to_outcome

    result = {"kind": "success", "gpkg_path": "a.gpkg", "answer": "A", "choice": "A", "steps": [], "distances": [],
              "seconds": 1.0, "choice_text": options[0], "model_choice": "A", "choice_measured": False}
    assert to_outcome(None, result).choice_measured is False


def test_a_step_that_marks_nothing_says_why(dock):
    """A grounded step emptied by the engine shows the reason in the trace list; a kept step its facts."""
    from terrascope_reasoning.terrascope_plugin.runner import StepSummary, Success

    steps = (StepSummary(1, "Step 1: buildings. <t1> [SEG]", "buildings", "t1", "optical", 5200.0, 300.0, 0.04,
                         0.81, "step_01"),
             StepSummary(2, "Step 2: destroyed buildings. <t2> [SEG]", "destroyed buildings", "t2", "optical",
                         0.0, 0.0, 0.0, 0.77, "", emptied="unchanged"),
             StepSummary(3, "Step 3: bare soil. <t2> [SEG]", "bare soil", "t2", "optical", 0.0, 0.0, 0.0, 0.3, "",
                         emptied="unsure"),
             StepSummary(4, "Step 4: water. <t2> [SEG]", "water", "t2", "optical", 0.0, 0.0, 0.0, 0.7, "",
                         emptied="too small"),
             StepSummary(5, "Step 5: water. <t1> [SEG]", "water", "t1", "optical", 0.0, 0.0, 0.0, 0.8, "",
                         emptied="not water"))
    dock.results.show_success(Success(None, "", "no such region", None, steps, (), 1.0))
    lines = [dock.results.trace_list.item(i).text() for i in range(dock.results.trace_list.count())]
    assert "5,200 m²" in lines[0] and "no such region" not in lines[0]
    assert lines[1].endswith("[no such region: the marked pixels did not change between the dates]")
    assert lines[2].endswith("[no such region: the model was unsure of its mask]")
    assert lines[3].endswith("[no such region: the mask was too small for the model to resolve]")
    assert lines[4].endswith("[no such region: the marked pixels do not read as open water in the bands]")
