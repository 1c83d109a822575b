"""QGIS entry point of the TerraScope plugin (plugin id ``terrascope_reasoning``).

``classFactory`` imports the real plugin lazily. If that import fails (a Python package missing inside
QGIS's Python, for example), a small stand-in plugin loads instead and tells the user what is missing and
how to install it, so QGIS never reports a broken plugin.
"""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    try:
        from .terrascope_plugin.plugin import TerraScopePlugin
    except ImportError as exc:  # pragma: no cover - exercised by a test through a forced failure
        from .terrascope_plugin.missing import MissingDependencyPlugin

        return MissingDependencyPlugin(iface, exc)
    return TerraScopePlugin(iface)
