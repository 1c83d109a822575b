"""Shared ground of the fine-tune wizard tests: a small labelled region on disk, the plugin's settings in a
file of their own, and a wizard filled in page by page as a user would (real layers, real widgets)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.train.region import write_region


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return write_region(tmp_path_factory.mktemp("region"), seed=3, size=128, look="hazy-warm")


@pytest.fixture()
def settings(tmp_path):
    from qgis.PyQt.QtCore import QSettings

    from terrascope_reasoning.terrascope_plugin.settings import Settings

    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


def filled_wizard(qgis_iface, qtbot, settings, region, folder: Path, steps: int, questions: int = 8,
                  val_questions: int = 4, batch: int = 2, runner=None):
    """A FinetuneWizard on ``region``'s optical raster and polygon labels (added to the project), coverage and
    referring questions, base model tiny-test on the CPU, adapters written to ``folder`` as "coast";
    ``runner``: the wizard's training runner (None: its own)."""
    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

    from terrascope_reasoning.terrascope_plugin.finetune.wizard import FinetuneWizard

    w = FinetuneWizard(qgis_iface, qgis_iface.mainWindow(), settings=settings, runner=runner)
    qtbot.addWidget(w)
    optical = QgsRasterLayer(region["optical"], "optical")
    labels = QgsVectorLayer(f"{region['labels_vector']}|layername=labels", "labels", "ogr")
    QgsProject.instance().addMapLayers([optical, labels])
    d = w.data_page
    d.optical_combo.setLayer(optical)
    d.polygon_combo.setLayer(labels)
    d.field_combo.setField("class")
    d.block_size.setValue(64)
    q = w.questions_page
    for name, cb in q.task_boxes.items():
        cb.setChecked(name in ("coverage", "referring"))
    q.questions.setValue(questions)
    q.val_questions.setValue(val_questions)
    s = w.settings_page
    s.base_edit.setText("tiny-test")
    s.steps.setValue(steps)
    s.batch.setValue(batch)
    s.lr.setValue(1e-3)
    s.device.setCurrentIndex(s.device.findData("cpu"))
    s.folder_edit.setText(str(folder))
    s.name_edit.setText("coast")
    return w
