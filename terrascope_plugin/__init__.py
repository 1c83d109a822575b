"""Everything of TerraScope that imports QGIS or Qt. Never imports torch at module import time."""
