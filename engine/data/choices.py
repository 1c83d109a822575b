"""Multiple-choice options with plausible distractors: value bins and orderings.

Bin edges come from a ladder of round numbers and keep a margin around the true value, so the right
option follows from the measurement in the trace without borderline cases.
"""
from __future__ import annotations

import itertools
from typing import Callable

import numpy as np

from ..trace_format import LETTERS, format_area

SHARE_LADDER = (1, 2, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90)  # percent
AREA_LADDER = tuple(m * 10.0 ** e for e in range(1, 9) for m in (1, 2, 5))  # m2
DISTANCE_LADDER = (10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000)  # m


def fmt_share(v: float) -> str:
    return f"{v:g} %"


def fmt_area(v: float) -> str:
    return format_area(v)


def fmt_distance(v: float) -> str:
    return f"{v / 1000:g} km" if v >= 1000 else f"{v:g} m"


def bin_choices(value: float, ladder: tuple, rng: np.random.Generator, fmt: Callable[[float], str],
                n: int = 4, rel_margin: float = 0.15, abs_margin: float = 0.0,
                ) -> tuple[list[str], int] | None:
    """n contiguous bins with n-1 inner edges taken from the ladder at a regular stride, one bin
    holding ``value`` with a margin from its edges (relative and absolute).

    -> (option texts like ``["under 5 %", "5 % to 10 %", "10 % to 20 %", "over 20 %"]``, index of the
    true bin), or None when no edges fit."""
    lad = sorted(ladder)

    def clear(edge: float) -> bool:
        return abs(edge - value) > max(rel_margin * min(edge, value) if value > 0 else 0.0, abs_margin) \
            and (edge > value * (1 + rel_margin) or edge < value / (1 + rel_margin))

    found = []
    for stride in (1, 2, 3):
        for i0 in range(len(lad) - stride * (n - 2)):
            edges = [lad[i0 + stride * j] for j in range(n - 1)]
            k = int(np.searchsorted(np.asarray(edges), value, side="right"))
            if k > 0 and not clear(edges[k - 1]) or k < n - 1 and not clear(edges[k]):
                continue
            lo = edges[k - 1] if k > 0 else None
            hi = edges[k] if k < n - 1 else None
            # Tightness: log-width of the true bin (end bins: log distance to their one edge, doubled).
            tight = (np.log(hi / lo) if lo and hi else 2 * abs(np.log(max(value, 1e-9) / (lo or hi))))
            found.append((edges, k, float(tight)))
    if not found:
        return None
    # The true bin's position is uniform over the positions that fit; among those, the tighter
    # bins (distractors close to the truth) are preferred.
    ks = sorted({f[1] for f in found})
    k_pick = ks[int(rng.integers(len(ks)))]
    group = sorted((f for f in found if f[1] == k_pick), key=lambda f: f[2])[:3]
    edges, k, _ = group[int(rng.integers(len(group)))]
    opts = [f"under {fmt(edges[0])}"]
    opts += [f"{fmt(lo)} to {fmt(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
    opts.append(f"over {fmt(edges[-1])}")
    return opts, k


def with_extra_option(options: list[str], true_index: int | None, extra: str, rng: np.random.Generator,
                      extra_is_true: bool) -> tuple[list[str], str]:
    """Append ``extra`` (e.g. "no such region") and return (options, answer letter)."""
    opts = options + [extra]
    idx = len(opts) - 1 if extra_is_true else true_index
    return opts, LETTERS[idx]


def ordering_choices(names: list[str], areas: list[float], rng: np.random.Generator, n: int = 4
                     ) -> tuple[list[str], str]:
    """Options "a > b > c" (largest first); one is the true order. -> (options, answer letter)."""
    order = list(np.argsort(-np.asarray(areas), kind="stable"))
    truth = tuple(order)
    perms = [p for p in itertools.permutations(range(len(names))) if p != truth]
    picks = [perms[i] for i in rng.choice(len(perms), min(n - 1, len(perms)), replace=False)]
    allp = picks + [truth]
    rng.shuffle(allp)
    opts = [" > ".join(names[i] for i in p) for p in allp]
    return opts, LETTERS[allp.index(truth)]
