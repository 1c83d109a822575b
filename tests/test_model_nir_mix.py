"""The network's NIR mix (engine.model.network.NirMix) on tiny-test weights: added to a trained model it
starts as the identity, once trained it changes what the encoders see where a date has NIR and nothing where
it has none, it is saved and loaded with the model, and the predictor's re-decoding on tiles reads it."""
import dataclasses

import pytest
import torch

from engine.errors import ModelError
from engine.model import checkpoint as ck
from engine.model.predictor import GroundedPredictor
from engine.model.registry import build_model
from tests.test_model_support import images


@pytest.fixture(scope="module")
def plain():
    return build_model("tiny-test")


def _with_nir(imgs, seed: int = 3):
    s = imgs.valid.shape[-1]
    imgs.nir = torch.rand(imgs.n_dates, 1, s, s, generator=torch.Generator().manual_seed(seed))
    return imgs


def _trained_mix(model):
    """A copy of ``model`` with a NIR mix whose last layer is no longer zero (as after training)."""
    mixed = ck.with_nir_mix(model, 8)
    torch.nn.init.normal_(mixed.nir_mix.outer.weight, std=0.2, generator=torch.Generator().manual_seed(0))
    return mixed


def test_an_added_nir_mix_starts_as_the_identity(plain):
    model, _ = plain
    mixed = ck.with_nir_mix(model, 8)
    assert mixed.config.nir_mix == 8 and model.config.nir_mix == 0 and model.nir_mix is None
    imgs = _with_nir(images(2, seed=1))
    with torch.no_grad():
        torch.testing.assert_close(mixed.encode_images(imgs).tokens, model.encode_images(imgs).tokens)
    assert ck.with_nir_mix(mixed, 16) is mixed  # a model that has a mix keeps it


def test_a_trained_nir_mix_changes_optical_dates_with_nir_and_nothing_else(plain):
    model, _ = plain
    mixed = _trained_mix(model)
    imgs = _with_nir(images(1, seed=2))
    with torch.no_grad():
        plain_tokens = model.encode_images(imgs).tokens
        with_nir = mixed.encode_images(imgs).tokens
        imgs.nir = None
        without_nir = mixed.encode_images(imgs).tokens
    assert (with_nir[0, 0] - plain_tokens[0, 0]).abs().max() > 1e-3  # the optical image reads NIR
    torch.testing.assert_close(with_nir[0, 1], plain_tokens[0, 1])  # SAR does not
    torch.testing.assert_close(without_nir, plain_tokens)  # no NIR: R, G, B as they are


def test_a_nir_mix_is_saved_and_loaded_with_the_model(plain, tmp_path):
    model, tok = plain
    mixed = _trained_mix(model)
    ck.save_pretrained(mixed, tok, tmp_path / "m")
    loaded, _ = ck.from_pretrained(tmp_path / "m")
    assert loaded.config.nir_mix == 8
    torch.testing.assert_close(loaded.nir_mix.outer.weight, mixed.nir_mix.outer.weight)
    # weights without their mix do not fit a config that has one: one clear error
    ck.save_pretrained(model, tok, tmp_path / "plain")
    cfg = (tmp_path / "plain" / ck.CONFIG)
    cfg.write_text(cfg.read_text().replace('"nir_mix": 0', '"nir_mix": 8'))
    with pytest.raises(ModelError, match="missing"):
        ck.from_pretrained(tmp_path / "plain")


def test_redecoding_on_a_tile_reads_the_tiles_nir(plain):
    model, tok = plain
    predictor = GroundedPredictor(_trained_mix(model), tok, flip_average=False)
    seg = torch.randn(model.config.text_hidden, generator=torch.Generator().manual_seed(1))
    tile = _with_nir(images(2, seed=4, sar=False))
    with_nir = predictor.predict_mask(seg, 1, tile)
    without = predictor.predict_mask(seg, 1, dataclasses.replace(tile, nir=None))
    assert abs(with_nir - without).max() > 1e-4
