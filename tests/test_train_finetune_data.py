"""Fine-tune data: labels on the imagery grid, spatial-block split, chips, questions, one-line errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from engine.errors import InputError
from engine.train.finetune_config import FinetuneConfig
from engine.train.finetune_data import UNLABELLED, prepare_finetune_data, rasterize_labels, split_blocks
from engine.train.region import write_region


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return write_region(tmp_path_factory.mktemp("region"), seed=3, size=128)


def _cfg(region, **kw) -> FinetuneConfig:
    d = {"optical": region["optical"], "labels": region["labels_raster"],
         "class_names": json.loads(region["class_names"]), "block_size": 64, "questions": 12,
         "val_questions": 6, "min_labelled_pixels": 64}
    d.update(kw)
    return FinetuneConfig(**d)


def _grid(path):
    with rasterio.open(path) as src:
        return src.crs, src.transform, (src.height, src.width), src.read(1)


def test_vector_and_raster_labels_agree_on_the_grid(region):
    crs, transform, shape, truth = _grid(region["optical"])
    from_raster, names_r = rasterize_labels(_cfg(region), crs, transform, shape)
    from_vector, names_v = rasterize_labels(_cfg(region, labels=region["labels_vector"], label_field="class",
                                                 class_names={}), crs, transform, shape)
    _, _, _, ids = _grid(region["labels_raster"])
    assert np.array_equal(from_raster, np.where(ids > 0, ids, UNLABELLED))
    # polygons carry names; each raster class maps one-to-one onto one named class of the vector labels
    for cid, name in names_r.items():
        vid = [k for k, v in names_v.items() if v == name]
        assert len(vid) == 1
        agree = (from_vector[from_raster == cid] == vid[0]).mean()
        assert agree > 0.99


def test_blocks_split_whole_blocks_and_chips_keep_to_their_split(region):
    data = prepare_finetune_data(_cfg(region), image_size=32)
    splits = {b.split for b in data.blocks}
    assert splits == {"train", "val"}
    assert data.summary()["blocks"]["val"] == round(0.25 * len(data.blocks)) or data.summary()["blocks"]["val"] == 1
    assert len(data.train) == 12 and len(data.val) == 6
    for s in data.train + data.val:
        assert s["masks"].shape[1:] == (32, 32)
        assert s["masks"].shape[0] == len(s["record"].steps) == s["trace"].count("[SEG]")
        assert s["images"].optical.shape[-2:] == (32, 32) if hasattr(s["images"], "optical") else True


def test_split_is_by_blocks_and_reproducible():
    lab = np.ones((100, 100), bool)
    a = split_blocks(lab, rasterio.Affine(10, 0, 0, 0, -10, 1000), 25, 0.25, seed=1)
    b = split_blocks(lab, rasterio.Affine(10, 0, 0, 0, -10, 1000), 25, 0.25, seed=1)
    assert [x.split for x in a] == [x.split for x in b]
    assert sum(x.split == "val" for x in a) == 4 and len(a) == 16
    assert all(x.height == 25 and x.labelled_px == 625 for x in a)


def test_labels_outside_the_imagery_are_refused(region, tmp_path):
    crs, transform, shape, ids = _grid(region["labels_raster"])
    far = rasterio.Affine(transform.a, 0, transform.c + 1e6, 0, transform.e, transform.f)
    path = tmp_path / "far.tif"
    with rasterio.open(path, "w", driver="GTiff", height=shape[0], width=shape[1], count=1, dtype="uint8",
                       crs=crs, transform=far, nodata=0) as dst:
        dst.write(ids[None])
    with pytest.raises(InputError, match="do not overlap the imagery") as err:
        prepare_finetune_data(_cfg(region, labels=str(path)), image_size=32)
    assert "\n" not in str(err.value)


def test_missing_class_field_names_the_fields(region):
    with pytest.raises(InputError, match="no field 'landuse'.*fields: class"):
        prepare_finetune_data(_cfg(region, labels=region["labels_vector"], label_field="landuse"), image_size=32)
    with pytest.raises(InputError, match="need a class field"):
        prepare_finetune_data(_cfg(region, labels=region["labels_vector"], label_field=None), image_size=32)


def test_too_few_labelled_pixels_for_the_split(region, tmp_path):
    import geopandas as gpd
    import shapely

    crs, transform, _, _ = _grid(region["optical"])
    (x0, y0), (x1, y1) = transform @ (10, 10), transform @ (15, 15)  # 5 x 5 pixels
    box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    tiny = gpd.GeoDataFrame({"class": ["water"]}, geometry=[box], crs=crs)
    tiny.to_file(tmp_path / "tiny.gpkg", driver="GPKG")
    with pytest.raises(InputError, match="too few labelled pixels"):
        prepare_finetune_data(_cfg(region, labels=str(tmp_path / "tiny.gpkg"), label_field="class",
                                   class_names={}), image_size=32)


def test_bad_settings_are_one_line_errors(region):
    with pytest.raises(InputError, match="validation fraction"):
        FinetuneConfig(val_fraction=1.5)
    with pytest.raises(InputError, match="labels file .* not found"):
        prepare_finetune_data(_cfg(region, labels="/nonexistent.tif"), image_size=32)
    with pytest.raises(InputError, match="no input raster"):
        prepare_finetune_data(_cfg(region, optical=None), image_size=32)
