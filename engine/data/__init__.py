"""Synthetic georeferenced scenes, reasoning-trace synthesis and training datasets."""
