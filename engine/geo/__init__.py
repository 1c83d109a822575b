"""Raster reading and co-registration, tiling, vectorising, geodesic measuring, GeoPackage writing."""
