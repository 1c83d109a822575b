"""Fine-tune wizard pages on real QGIS: each page refuses bad input with a message on that page, the split is
drawn as a temporary layer and removed when the wizard closes, and user layers are left alone."""
from __future__ import annotations

import json
import os
from collections import namedtuple

import geopandas as gpd
import pytest
import shapely
from shapely import affinity

from tests.wizard_fixtures import region, settings  # noqa: F401 (fixtures)


def _add(layer):
    from qgis.core import QgsProject

    assert layer.isValid(), layer.source()
    QgsProject.instance().addMapLayer(layer)
    return layer


def _raster(path, name="optical"):
    from qgis.core import QgsRasterLayer

    return _add(QgsRasterLayer(str(path), name))


def _polygons(path, layer="labels", name="labels"):
    from qgis.core import QgsVectorLayer

    return _add(QgsVectorLayer(f"{path}|layername={layer}", name, "ogr"))


@pytest.fixture()
def wizard(qgis_iface, qtbot, settings, tmp_path):
    from terrascope_reasoning.terrascope_plugin.finetune.wizard import FinetuneWizard

    w = FinetuneWizard(qgis_iface, qgis_iface.mainWindow(), settings=settings)
    qtbot.addWidget(w)
    w.settings_page.folder_edit.setText(str(tmp_path / "adapters"))
    w.data_page.block_size.setValue(64)
    yield w
    w.cleanup()


def _fill(wizard, region, labels=None, field="class"):
    page = wizard.data_page
    page.optical_combo.setLayer(_raster(region["optical"]))
    page.polygon_radio.setChecked(True)
    page.polygon_combo.setLayer(labels or _polygons(region["labels_vector"]))
    page.field_combo.setField(field)
    return page


def _write_gpkg(gdf, path):
    gdf.to_file(path, driver="GPKG", layer="labels")
    return str(path)


def test_data_page_refuses_no_imagery(wizard, region):
    page = wizard.data_page
    page.polygon_combo.setLayer(_polygons(region["labels_vector"]))
    assert not page.validatePage()
    assert "No imagery" in page.message_text()
    assert wizard.blocks.layer() is None


def test_data_page_refuses_missing_class_field(wizard, region):
    page = _fill(wizard, region)
    page.field_combo.setField("")
    assert not page.validatePage()
    assert "No class field" in page.message_text() and "class" in page.message_text()


def test_data_page_refuses_labels_that_do_not_overlap(wizard, region, tmp_path):
    gdf = gpd.read_file(region["labels_vector"], layer="labels")
    gdf["geometry"] = [affinity.translate(g, xoff=5e5) for g in gdf.geometry]
    far = _polygons(_write_gpkg(gdf, tmp_path / "far.gpkg"), name="far")
    page = _fill(wizard, region, labels=far)
    assert not page.validatePage()
    assert "do not overlap the imagery" in page.message_text()
    assert "\n" not in page.message_text()


def test_data_page_refuses_too_few_labelled_pixels(wizard, region, tmp_path):
    gdf = gpd.read_file(region["labels_vector"], layer="labels")
    x0, y0, _, _ = gdf.total_bounds
    tiny = gpd.GeoDataFrame({"class": ["water"]}, geometry=[shapely.box(x0, y0, x0 + 30, y0 + 30)],
                            crs=gdf.crs)
    page = _fill(wizard, region, labels=_polygons(_write_gpkg(tiny, tmp_path / "tiny.gpkg"), name="tiny"))
    assert not page.validatePage()
    assert "too few labelled pixels" in page.message_text()


def test_split_layer_appears_and_is_removed_on_close(wizard, region):
    from qgis.core import QgsProject

    page = _fill(wizard, region)
    user = {lid: (lyr.source(), lyr.featureCount() if hasattr(lyr, "featureCount") else None)
            for lid, lyr in QgsProject.instance().mapLayers().items()}
    assert page.validatePage(), page.message_text()
    layer = wizard.blocks.layer()
    assert layer is not None and layer.id() in QgsProject.instance().mapLayers()
    splits = [f["split"] for f in layer.getFeatures()]
    assert set(splits) == {"train", "val"} and len(splits) == len(page.preview.blocks)
    assert layer.crs().isValid() and layer.extent().intersects(page.optical_combo.currentLayer().extent())
    assert "training" in page.message_text()
    wizard.reject()
    assert wizard.blocks.layer() is None
    after = {lid: (lyr.source(), lyr.featureCount() if hasattr(lyr, "featureCount") else None)
             for lid, lyr in QgsProject.instance().mapLayers().items()}
    assert after == user


def test_class_table_prefills_and_renames(wizard, region):
    page = _fill(wizard, region)
    values = [page.class_table.item(r, 0).text() for r in range(page.class_table.rowCount())]
    truth = sorted(set(gpd.read_file(region["labels_vector"], layer="labels")["class"]))
    assert sorted(values) == truth
    page.set_class_name(values[0], "my class")
    cfg = wizard.config()
    assert cfg.class_names[values[0]] == "my class"
    assert cfg.label_field == "class" and cfg.label_layer == "labels"
    assert page.validatePage(), page.message_text()
    assert "my class" in page.preview.class_names.values()


def test_classified_raster_labels_and_canvas_area(wizard, region, qgis_iface):
    from qgis.core import QgsRectangle

    page = wizard.data_page
    optical = _raster(region["optical"])
    page.optical_combo.setLayer(optical)
    page.raster_radio.setChecked(True)
    page.label_raster_combo.setLayer(_raster(region["labels_raster"], "classes"))
    names = json.loads(region["class_names"])
    assert page.class_table.rowCount() >= 2  # values of the raster, nodata 0 left out
    assert "0" not in [page.class_table.item(r, 0).text() for r in range(page.class_table.rowCount())]
    for r in range(page.class_table.rowCount()):
        value = page.class_table.item(r, 0).text()
        page.set_class_name(value, names[value])
    assert page.validatePage(), page.message_text()
    whole = sum(b.labelled_px for b in page.preview.blocks)
    e = optical.extent()
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(optical.crs())
    # a wide top half: the hidden canvas is wide, so a tall rectangle would grow sideways
    canvas.setExtent(QgsRectangle(e.xMinimum(), e.center().y(), e.xMaximum(), e.yMaximum()))
    page.aoi_mode.setCurrentIndex(page.aoi_mode.findData("canvas"))
    assert wizard.config().aoi.upper().startswith("POLYGON")
    assert page.validatePage(), page.message_text()
    assert 0 < sum(b.labelled_px for b in page.preview.blocks) < whole


def test_memory_labels_are_exported_and_the_copy_removed(wizard, region):
    from qgis.core import QgsFeature, QgsVectorLayer

    src = _polygons(region["labels_vector"], name="file labels")
    mem = QgsVectorLayer(f"Polygon?crs={src.crs().authid()}&field=class:string", "drawn labels", "memory")
    feats = []
    for f in src.getFeatures():
        g = QgsFeature(mem.fields())
        g.setGeometry(f.geometry())
        g.setAttributes([f["class"]])
        feats.append(g)
    mem.dataProvider().addFeatures(feats)
    page = _fill(wizard, region, labels=_add(mem))
    assert page.validatePage(), page.message_text()
    copies = list(wizard.exported.values())
    assert len(copies) == 1 and os.path.isfile(copies[0]) and wizard.config().labels == copies[0]
    assert mem.featureCount() == len(feats)
    wizard.reject()
    assert not os.path.exists(copies[0])


def test_questions_page_needs_a_task_and_previews_masks(wizard, region):
    _fill(wizard, region)
    page = wizard.questions_page
    for cb in page.task_boxes.values():
        cb.setChecked(False)
    assert not page.validatePage()
    assert "task type" in page.message_text()
    page.task_boxes["coverage"].setChecked(True)
    page.task_boxes["referring"].setChecked(True)
    assert page.validatePage()
    assert page.make_preview(count=3), page.message_text()
    pics = [lbl for lbl in page.preview_labels if lbl.pixmap() is not None and not lbl.pixmap().isNull()]
    assert len(pics) == 3
    img = pics[0].pixmap().toImage()
    assert img.width() == 140
    assert wizard.config().tasks == ("coverage", "referring")


def test_settings_page_refuses_no_disk_space(wizard, region, monkeypatch):
    import shutil

    _fill(wizard, region)
    page = wizard.settings_page
    page.base_edit.setText("tiny-test")
    assert page.validatePage(), page.message_text()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 10**6, 10**6))
    assert not page.validatePage()
    assert "not enough disk space" in page.message_text()


def test_settings_page_refuses_bad_names_and_missing_base(wizard, region, tmp_path):
    _fill(wizard, region)
    page = wizard.settings_page
    page.name_edit.setText("../escape")
    assert not page.validatePage()
    assert "Adapter name" in page.message_text()
    page.name_edit.setText("coast")
    page.base_edit.setText(str(tmp_path / "no-such-model"))
    assert not page.validatePage()
    assert "not found" in page.message_text()
    page.base_edit.setText("tiny-test")
    page.init_edit.setText(str(tmp_path))
    assert not page.validatePage()
    assert "not an adapter folder" in page.message_text()
    page.init_edit.setText("")
    assert page.validatePage(), page.message_text()
    assert page.out_dir() == tmp_path / "adapters" / "coast"
    cfg = wizard.config()
    assert (cfg.lora_rank, cfg.steps, cfg.batch_size) == (page.rank.value(), page.steps.value(),
                                                          page.batch.value())


def test_estimate_follows_the_steps(wizard, region):
    _fill(wizard, region)
    page = wizard.settings_page
    page.base_edit.setText("tiny-test")
    page.steps.setValue(20)
    short = page.estimated_seconds
    page.steps.setValue(2000)
    assert page.estimated_seconds > short > 0
    assert page.estimate.text().startswith("about")


def test_non_file_imagery_is_exported_to_a_temporary_geotiff(wizard, region):
    from osgeo import gdal
    from qgis.core import QgsRasterLayer

    mem_path = "/vsimem/terrascope-wizard-optical.tif"
    gdal.Translate(mem_path, region["optical"])  # QGIS's own GDAL: a raster with no file on disk
    try:
        layer = _add(QgsRasterLayer(mem_path, "in memory"))
        page = _fill(wizard, region)
        page.optical_combo.setLayer(layer)
        assert page.validatePage(), page.message_text()
        copy = wizard.config().optical
        assert copy != mem_path and os.path.isfile(copy) and list(wizard.exported.values()) == [copy]
        assert wizard.config().optical == copy  # asked again: the same copy, not a second export
        wizard.reject()
        assert not os.path.exists(copy)
    finally:
        gdal.Unlink(mem_path)


def test_the_wizard_module_does_not_import_torch():
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import _ALIAS

    code = ("import sys; sys.path.insert(0, %r)\n"
            "import terrascope_reasoning.terrascope_plugin.finetune.wizard\n"
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))" % str(_ALIAS))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
