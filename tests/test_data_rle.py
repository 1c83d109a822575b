"""RLE of masks: exact round trip, compact for blocky masks, clear errors."""
from __future__ import annotations

import numpy as np
import pytest

from terrascope_reasoning.engine.data.rle import rle_decode, rle_encode


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (64, 64)])
def test_rle_round_trip_random(shape):
    rng = np.random.default_rng(sum(shape))
    for p in (0.0, 0.3, 1.0):
        m = rng.random(shape) < p
        enc = rle_encode(m)
        assert enc["size"] == list(shape) and sum(enc["counts"]) == m.size
        assert np.array_equal(rle_decode(enc), m)


def test_rle_starts_with_false_run_and_is_compact():
    m = np.zeros((100, 100), bool)
    m[:10, :] = True
    enc = rle_encode(m)
    assert enc["counts"] == [0, 1000, 9000]
    assert np.array_equal(rle_decode(enc), m)


def test_rle_rejects_bad_input():
    with pytest.raises(ValueError):
        rle_encode(np.zeros(5, bool))
    with pytest.raises(ValueError):
        rle_decode({"size": [2, 2], "counts": [1, 2]})
