"""Checks of §9.3: the four pooling functions exactly, figure 9.8's invariance, and PyTorch agreement."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..pooling import avg_pool, lp_pool, max_pool, pooled_unchanged_fraction, weighted_pool
from ..properties import pooling_invariance
from . import Check

__all__ = ["CHECKS"]

_SEED = 20261125


def figure_9_8() -> str:
    # The figure's detector row (in view: 0.1 1. 0.2 0.1) with one cell of context each side.
    row = [Fraction(v, 10) for v in (0, 3, 1, 10, 2, 1, 0)]
    top, bottom = max_pool(row[1:], 3, stride=1).tolist(), max_pool(row[:-1], 3, stride=1).tolist()
    # Typed from the figure: pooled 1. 1. 1. 0.2, and after the shift 0.3 1. 1. 1.
    assert top == [1, 1, 1, Fraction(2, 10)], top
    assert bottom == [Fraction(3, 10), 1, 1, 1], bottom
    # The property (the max condition, output by output) and the measurement agree on the fractions.
    r = pooling_invariance(max_pool, np.array(row, dtype=object), 3, stride=1)
    assert (r.detector, r.pooled) == (0, Fraction(1, 2)), r
    assert (pooled_unchanged_fraction(row, 1, stride=1), pooled_unchanged_fraction(row, 3, stride=1)) == r[:2]
    return f"shift by one: detector values unchanged {r.detector}, max-pooled (width 3, stride 1) unchanged {r.pooled}"


def invariance_rate() -> str:
    # For i.i.d. continuous detector values, a width-k max stays put under a one-cell shift exactly
    # when the maximum of the k+1 cells involved lies in the k-1 shared ones: (k-1)/(k+1).
    rng = np.random.default_rng(_SEED)
    x = rng.random((400, 200))
    parts = []
    for k in (3, 5):
        got = pooled_unchanged_fraction(x, k, stride=1)
        theory = Fraction(k - 1, k + 1)
        assert abs(float(got) - float(theory)) < 0.01, (k, float(got), theory)
        parts.append(f"k={k}: {float(got):.4f} (theory {theory})")
    assert pooled_unchanged_fraction(x, 1, stride=1) == 0
    return "random detector rows, shift by one: detector 0 unchanged; max pool " + ", ".join(parts)


def exact_kinds() -> str:
    image = np.array([[1, 3, 2, 0], [4, 2, 0, 6], [0, 0, 1, 1], [3, 4, 1, 1]])
    assert max_pool(image, (2, 2)).tolist() == [[4, 6], [4, 1]]
    assert avg_pool([1, 2], 2)[0] == Fraction(3, 2) and type(avg_pool([1, 2], 2)[0]) is Fraction
    l2 = lp_pool([[3, 4]], 2, (1, 2))[0, 0]
    assert l2 == 5, l2
    # 1/(1 + d^2) on a 3x3 window: 1 at the centre, 1/2 on the edges, 1/3 in the corners.
    x = np.ones((3, 3), dtype=int)
    x[1, 1] = 9
    got = weighted_pool(x, (3, 3), lambda d: 1 / (1 + d**2))[0, 0]
    expected = (9 + 4 * Fraction(1, 2) + 4 * Fraction(1, 3)) / (1 + 4 * Fraction(1, 2) + 4 * Fraction(1, 3))
    assert got == expected, (got, expected)
    return f"max 4x4/2x2; mean [1,2] = {avg_pool([1, 2], 2)[0]}; L2 of [3,4] = {l2}; distance-weighted = {got}"


def _torch_cases(rng, count):
    for _ in range(count):
        nd = int(rng.integers(1, 4))
        n = tuple(int(v) for v in rng.integers(1, 7, nd))
        k = tuple(int(rng.integers(1, v + 2)) for v in n)
        s = tuple(int(v) for v in rng.integers(1, 4, nd))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        d = tuple(int(v) for v in rng.integers(1, 3, nd))
        x = rng.integers(-3, 4, (2, 2, *n)).astype(np.float64)
        x[rng.random(x.shape) < 0.1] = np.nan
        yield nd, n, k, s, p, d, bool(rng.integers(2)), bool(rng.integers(2)), x


def torch_agreement() -> str:
    from ..adapters import available

    if not available("torch"):
        return "SKIPPED: torch is not installed"
    import torch

    threads = torch.get_num_threads()
    # Tiny tensors: torch's thread pool costs ~10 ms a call on a loaded machine, one thread ~1 ms.
    torch.set_num_threads(1)
    try:
        return _torch_agreement(torch)
    finally:
        torch.set_num_threads(threads)


def _torch_max_indices(torch, x: np.ndarray, geometry: dict) -> np.ndarray:
    """torch's argmax indices, from the call refconv's torch adapter translates ``geometry`` to.

    The adapter returns the values only; the indices come from the same translated call.
    """
    from ..adapters.torch import max_pool as peer_max_pool

    call = peer_max_pool.translate(x, geometry.pop("kernel_size"), **geometry)
    function = getattr(torch.nn.functional, call.function.rsplit(".", 1)[1])
    return function(torch.from_numpy(x), **call.keywords, return_indices=True)[1].numpy()


def _torch_refuses(torch, x: np.ndarray, geometry: dict) -> None:
    """torch raises for a geometry refconv refuses.

    The adapter cannot ask: it translates through refconv's own spec, which refuses first; so
    torch's functional is called with the untranslated arguments (the same names in both).
    """
    function = getattr(torch.nn.functional, f"max_pool{x.ndim - 2}d")
    try:
        function(torch.from_numpy(x), **geometry)
    except RuntimeError:
        return
    raise AssertionError(f"refconv refuses max_pool {geometry} on {x.shape[2:]}; torch accepts")


def _torch_agreement(torch) -> str:
    from ..adapters.torch import avg_pool as peer_avg_pool
    from ..adapters.torch import lp_pool as peer_lp_pool
    from ..adapters.torch import max_pool as peer_max_pool

    rng = np.random.default_rng(_SEED + 1)
    counts = {"max": 0, "avg": 0, "lp": 0, "refused": 0}
    for nd, n, k, s, p, d, ceil, cip, x in _torch_cases(rng, 200):
        geometry = dict(stride=s, padding=p, dilation=d, ceil_mode=ceil)
        try:
            got, where = max_pool(x, k, **geometry, return_indices=True)
        except ValueError:
            _torch_refuses(torch, x, dict(kernel_size=k, **geometry))
            counts["refused"] += 1
            continue
        try:
            values = peer_max_pool(x, k, **geometry)
        except RuntimeError:
            raise AssertionError(
                f"torch refuses max_pool n={n} k={k} s={s} p={p} d={d} ceil={ceil}; refconv accepts"
            ) from None
        real = where != -1
        assert np.array_equal(got, values, equal_nan=True), ("max", n, k, s, p, d, ceil)
        index = _torch_max_indices(torch, x, dict(kernel_size=k, **geometry))
        assert np.array_equal(where[real], index[real]), ("max indices", n, k, s, p, d, ceil)
        counts["max"] += 1
        if nd < 3 or all(nn >= kk for nn, kk in zip(n, k)):  # avg_pool3d's extra unpadded check
            expected = peer_avg_pool(x, k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip)
            got = avg_pool(x, k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip)
            assert np.array_equal(got, expected, equal_nan=True), ("avg", n, k, s, p, ceil, cip)
            counts["avg"] += 1
        if nd < 3 and all(nn >= kk for nn, kk in zip(n, k)) and not ceil:
            y = np.nan_to_num(x)
            # torch's L2 formula (no absolute value) is the norm here: y**2 >= 0 (see refconv.adapters.torch).
            expected = peer_lp_pool(y, 2, k, stride=s)
            got = lp_pool(y, 2, k, stride=s)
            np.testing.assert_allclose(got, expected, rtol=(math.prod(k) + 4) * 2.0**-52)
            counts["lp"] += 1
    return (
        f"torch {torch.__version__}: max (values + indices) {counts['max']}, avg {counts['avg']}, "
        f"L2 {counts['lp']} seeded float64 cases equal (L2 within (K+4) ulps); {counts['refused']} refused by both"
    )


CHECKS = [
    Check(
        "fig-9.8",
        "Figure 9.8: shifting the detector row by one changes every detector value but only half the max-pooled ones",
        "fig. 9.8",
        "exact (Fractions), hand-typed figure values",
        figure_9_8,
        "pooling helps to make the representation become approximately invariant to small translations of the input",
    ),
    Check(
        "pool-invariance",
        "Max pooling of width k keeps (k-1)/(k+1) of its outputs under a one-cell shift of i.i.d. detector values",
        "§9.3",
        "seeded random rows vs exact expectation",
        invariance_rate,
        "In all cases, pooling helps to make the representation become approximately invariant to small "
        "translations of the input",
    ),
    Check(
        "pool-exact",
        "Max, average, L2-norm and distance-weighted pooling are exact: mean 3/2, L2 of (3, 4) = 5",
        "§9.3",
        "hand-derived",
        exact_kinds,
        "the average of a rectangular neighborhood, the L2 norm of a rectangular neighborhood, or a weighted "
        "average based on the distance from the central pixel",
    ),
    Check(
        "pool-torch",
        "max_pool/avg_pool/lp_pool equal torch.nn.functional (float64, NaN, ceil_mode, padding, dilation)",
        "§9.3",
        "seeded cross-check with PyTorch",
        torch_agreement,
    ),
]
