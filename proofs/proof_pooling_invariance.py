"""Claim 8: pooling — figure 9.8's half-unchanged statement, and the exact condition for max pooling's invariance.

Seed, §9.3 (the excerpt ends mid-sentence here):

    "In all cases, pooling helps to make the representation become approximately invariant to
    small translations of the input. Invariance to translat[ion ...]"

The book's figure 9.8, right after the excerpt, illustrates it (stated here, typed from the
book, since the seed stops before it): max pooling of width 3 and stride 1; detector values
``0.1 1. 0.2 0.1`` pool to ``1. 1. 1. 0.2``; after the input shifts right by one pixel the
detector row reads ``0.3 0.1 1. 0.2`` and the pool ``0.3 1. 1. 1.`` — "Every value in the
bottom row has changed, but only half of the values in the top row have changed".

What is proven, about ``refconv.pooling.max_pool`` (and ``pooled_unchanged_fraction``):

1. Figure 9.8, exactly (``Fraction`` values): a row holding the figure's view with context
   ``0.3`` on the left (the value the shift brings in) and ``0`` past its ends (any values at
   most their inner neighbours give the same figure) pools, before and after the shift, to the
   figure's two pooled rows; 4 of 4 detector values change and exactly 2 of 4 pooled values do;
   ``pooled_unchanged_fraction`` gives 0 for the detector row and 1/2 for the pool.
2. The invariance condition, for every window width ``k <= 3`` and shift ``q <= 3``: with ``W``
   the window of output ``o`` before the shift and ``W'`` after, the output is unchanged **if
   and only if the maximum of ``W u W'`` is attained both in ``W`` and in ``W'``** — in
   particular whenever it lies in their overlap (``q < k``), which is the seed's "approximately
   invariant to small translations".  Proof: max pooling commutes with every strictly
   increasing map, so only the order pattern (ties included) of the ``k + q`` cells matters, and
   every pattern occurs among the vectors in ``{0, ..., k+q-1}^(k+q)``, all of which are
   checked (``sum (k+q)^(k+q)`` = 53,732 cases).  SymPy symbols do not apply: ``max`` of
   unordered symbols is undefined (refconv refuses them).

Negative controls (each must fail): the condition without ties ("unchanged iff the maximum lies
in the overlap"), and figure 9.8's statement for *average* pooling.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

import refconv.pooling

NAME = "pooling-invariance"
CLAIM = "Max pooling is invariant to small shifts exactly when the maximum stays in both windows (figure 9.8)"
SEED = "§9.3 (pooling), fig. 9.8 of the book"
QUOTE = (
    "In all cases, pooling helps to make the representation become approximately invariant to small translations "
    "of the input."
)
METHOD = "exact (Fraction) figure 9.8 + exhaustive over all order patterns, window <= 3, shift <= 3"

# Figure 9.8, typed from the book: (detector, pooled), before and after a shift right by one.
FIGURE_TOP = ("0.1 1. 0.2 0.1", "1. 1. 1. 0.2")
FIGURE_BOTTOM = ("0.3 0.1 1. 0.2", "0.3 1. 1. 1.")


def _values(text: str) -> list[Fraction]:
    return [Fraction(v) for v in text.replace("1.", "1").split()]


def _max_pool(row, k):
    return refconv.pooling.max_pool(row, k, stride=1)


def _figure_proof(pool=_max_pool) -> str:
    view = _values(FIGURE_TOP[0])
    row = np.array([Fraction(0), _values(FIGURE_BOTTOM[0])[0], *view, Fraction(0)], dtype=object)
    shifted = np.concatenate([[Fraction(0)], row[:-1]])  # x'[i] = x[i - 1]: one pixel to the right
    # The view is cells 2..5; the width-3 window centred on cell c is pooled output c - 1.
    detector = (list(row[2:6]), list(shifted[2:6]))
    pooled = (list(pool(row, 3)[1:5]), list(pool(shifted, 3)[1:5]))
    assert detector == (view, _values(FIGURE_BOTTOM[0])), f"detector rows {detector}"
    changed_detector = sum(a != b for a, b in zip(*detector))
    changed_pool = sum(a != b for a, b in zip(*pooled))
    assert changed_detector == 4, f"{changed_detector} of 4 detector values changed; the figure says every one"
    assert changed_pool == 2, f"{changed_pool} of 4 pooled values changed; the figure says half"
    expected = (_values(FIGURE_TOP[1]), _values(FIGURE_BOTTOM[1]))
    assert pooled == expected, f"pooled rows {pooled}, the figure shows {expected}"
    fraction = refconv.pooling.pooled_unchanged_fraction(row, 3, stride=1, pool=lambda v, k, **o: pool(v, k))
    assert fraction == Fraction(1, 2), f"pooled_unchanged_fraction = {fraction}, not 1/2"
    assert refconv.pooling.pooled_unchanged_fraction(row, 1, stride=1) == 0
    return "figure 9.8: 4/4 detector values change, 2/4 pooled values do"


def _top(x: np.ndarray, k: int, q: int) -> np.ndarray:
    """The maximum over both windows, [0, k) and [q, q + k) (cells between them, when q > k, are in neither)."""
    return np.maximum(x[:, :k].max(axis=1), x[:, q : q + k].max(axis=1))[:, None]


def _in_both(x: np.ndarray, k: int, q: int) -> np.ndarray:
    top = _top(x, k, q)
    return (x[:, :k] == top).any(axis=1) & (x[:, q : q + k] == top).any(axis=1)


def _in_overlap(x: np.ndarray, k: int, q: int) -> np.ndarray:
    top = _top(x, k, q)
    return (x[:, q:k] == top).any(axis=1) if q < k else np.zeros(len(x), dtype=bool)


def _condition_proof(condition=_in_both) -> int:
    count = 0
    for k, q in itertools.product((1, 2, 3), (1, 2, 3)):
        cells = k + q
        x = np.array(list(itertools.product(range(cells), repeat=cells)), dtype=np.int64)
        y = refconv.pooling.max_pool(x, k, stride=1)
        # The shifted signal's window at this output is cells [0, k); the original's is [q, q + k).
        unchanged = y[:, 0] == y[:, q]
        predicted = condition(x, k, q)
        wrong = np.flatnonzero(unchanged != predicted)
        assert not len(wrong), (
            f"width {k}, shift {q}: cells {x[wrong[0]].tolist()} {'keep' if unchanged[wrong[0]] else 'change'} "
            f"the output, the condition says {'kept' if predicted[wrong[0]] else 'changed'}"
        )
        count += len(x)
    return count


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    figure = _figure_proof()
    patterns = _condition_proof()
    return f"{figure}; invariance iff the maximum is in both windows, all {patterns:,} order patterns"


def _ties_ignored() -> None:
    """Wrong claim: the output is unchanged iff the maximum lies in the windows' overlap (ties ignored)."""
    _condition_proof(_in_overlap)


def _average_pooling() -> None:
    """Wrong claim: average pooling also keeps half of figure 9.8's pooled values."""
    _figure_proof(lambda row, k: refconv.pooling.avg_pool(row, k, stride=1))


NEGATIVE_CONTROLS = (_ties_ignored, _average_pooling)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
