"""Run in a fresh interpreter by test_package.py: loads the plugin from an unpacked ZIP the way QGIS's
plugin manager does (qgis.utils.loadPlugin / startPlugin) and prints what it found as JSON."""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
plugins_dir, repo_root = sys.argv[1], sys.argv[2]
sys.path.insert(0, repo_root)  # for tests.qgis_iface only; the plugin itself comes from plugins_dir

from qgis.core import QgsApplication  # noqa: E402

app = QgsApplication([], True)
app.initQgis()
import qgis.utils  # noqa: E402

from tests.qgis_iface import TestInterface  # noqa: E402

iface = TestInterface()
qgis.utils.iface = iface
qgis.utils.plugin_paths = [plugins_dir]
sys.path.insert(0, plugins_dir)
qgis.utils.updateAvailablePlugins()
ok = qgis.utils.loadPlugin("terrascope_reasoning") and qgis.utils.startPlugin("terrascope_reasoning")
module_file = sys.modules["terrascope_reasoning"].__file__
actions = [a.text() for a in iface.toolbar.actions()]
unloaded = qgis.utils.unloadPlugin("terrascope_reasoning")
print(json.dumps({"started": bool(ok), "module_file": module_file, "actions": actions,
                  "unloaded": bool(unloaded), "left": [a.text() for a in iface.toolbar.actions()]}))
sys.stdout.flush()
os._exit(0)  # skip exitQgis: see ARCHITECTURE §5 (layers held by Python segfault on exit)
