"""Canonical probes: a fixed list of small problems per op that :func:`refconv.check` runs first.

Most convention bugs (a flipped kernel, a "same" split on the wrong side, an ignored keyword, a
wrong group order, an accumulator in the wrong format) show on one of a few dozen small,
deliberately varied problems.  Running those first, before any Hypothesis search, makes the
failure that is found -- and so, through the deterministic reducer, the counterexample that is
reported -- the same on every machine, Hypothesis release, database and import order.

Each probe is one variation of a base geometry (one axis of length 4, a kernel of 2, stride 1,
no padding, one channel), one keyword or size at a time, then a few combined ones and a long
1-D problem (tens of outputs, for tiled implementations).  Values follow fixed integer
formulas: small integers in ``[-3, 3]``, or for floats a Weyl sequence of 32-bit fractions in
``[-2, 2)`` (every product and sum then needs many significand bits, so rounding bugs show) and
the same input scaled near the dtype's range, as far as every partial sum stays finite (so code
that breaks on large values shows), or for integer dtypes values across the dtype's range (so
accumulators that wrap show).  Nothing
here draws random numbers, so no library version changes a probe.

Examples
--------
>>> first = next(probes("correlate", ranks=(1,), dtype=np.dtype("float64")))
>>> first.describe()
"correlate(x: float64 (4,), w: float64 (2,), mode='valid', stride=1, dilation=1, boundary='constant')"
>>> first.args[0].tolist(), first.args[1].tolist()
([-2.0, 3.0, 1.0, -1.0], [1.0, -1.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .problem import Problem

__all__ = ["probes", "pattern"]

#: Probes larger than this (cells of all operands) are skipped: at high ranks a variant's
#: lengths multiply past any use as a small first problem.
PROBE_CELLS = 4096

#: The Weyl increment (the golden ratio times 2**32), as in Knuth's multiplicative hashing.
_GOLDEN = 2654435769


def pattern(shape: tuple, dtype: np.dtype, kind: str, salt: int) -> np.ndarray:
    """Deterministic operand values: ``kind`` is ``"ints"``, ``"floats"``, ``"large"`` or ``"wide"``.

    Parameters
    ----------
    shape : tuple of int
        The array's shape.
    dtype : numpy.dtype
        The array's dtype.
    kind : {"ints", "floats", "large", "wide"}
        ``"ints"``: small integers ``((5 i + 3 salt + 1) mod 7) - 3`` in ``[-3, 3]``; ``"wide"``:
        a Weyl sequence spread over the integer dtype's whole range; otherwise (``"floats"``,
        ``"large"``) a Weyl sequence of 32-bit fractions in ``[-2, 2)``, rounded once to ``dtype``
        (the probes scale ``"large"`` inputs near the range themselves).
    salt : int
        Shifts the sequence, so that operands of one probe differ.

    Returns
    -------
    numpy.ndarray
        The values, C-ordered, of ``shape`` and ``dtype``.

    See Also
    --------
    probes : the problems built from these values.

    Examples
    --------
    >>> pattern((5,), np.dtype("int64"), "ints", 0).tolist()
    [-2, 3, 1, -1, -3]
    >>> pattern((2,), np.dtype("float32"), "floats", 0).tolist()
    [0.4721359610557556, -1.0557280778884888]
    >>> pattern((3,), np.dtype("int8"), "wide", 0).tolist()
    [57, -14, -85]
    """
    n = int(np.prod(shape, dtype=np.int64))
    index = range(n)
    if kind == "ints":
        values: list[Any] = [((5 * i + 3 * salt + 1) % 7) - 3 for i in index]
    else:
        h = [((i + 1 + 7 * salt) * _GOLDEN) % 2**32 for i in index]
        if kind == "floats":
            values = [(v / 2**32) * 4 - 2 for v in h]  # exact in float64; one rounding to dtype
        else:
            info = np.iinfo(dtype)
            values = [int(info.min) + v % (int(info.max) - int(info.min) + 1) for v in h]
    return np.array(values, dtype=dtype).reshape(shape)


def _kinds(dtype: np.dtype) -> tuple[str, ...]:
    return ("ints", "wide") if dtype.kind in "iu" else ("ints", "floats", "large")


def _small(kind: str) -> str:
    return "floats" if kind == "large" else kind


def _near_range(x: np.ndarray, op: str, others: list[np.ndarray], extra: Any) -> np.ndarray:
    """``x`` scaled so that ``max|x| * S`` lies between a quarter and a half of the dtype's range.

    ``S`` is ``sum|w|`` (a convolution), the window's cell count (avg_pool) or 1 (max_pool): every
    product and partial sum, in any order, then stays below half the largest finite value, so a
    correct implementation neither overflows nor loses the result, while code that breaks on large
    values (an intermediate in a narrower format, a scale applied twice) meets them.
    """
    if op == "max_pool":
        weight = 1.0
    elif op == "avg_pool":
        weight = float(np.prod(extra))
    else:
        weight = max(1.0, float(np.abs(others[0].astype(np.float64)).sum()))
    finfo = np.finfo(x.dtype)
    target = float(finfo.max) / 2 / weight * (1 - float(finfo.eps))  # the bound, less one rounding
    return (x.astype(np.float64) / 2 * target).astype(x.dtype)  # pattern values are in [-2, 2)


def _axes(value: Any, rank: int) -> tuple:
    return value if isinstance(value, tuple) else (value,) * rank


def _plain_variants(rank: int) -> list[dict]:
    v: list[dict] = [
        {},
        {"k": 3, "n": 5},
        {"mode": "same", "k": 3},
        {"mode": "same"},
        {"mode": "full"},
        {"mode": 1},
        {"mode": ((1, 0),) * rank},
        {"stride": 2, "n": 5},
        {"dilation": 2, "n": 5},
        *({"boundary": b, "mode": "same", "k": 3} for b in ("wrap", "reflect", "symmetric", "edge")),
        {"n": 7, "k": 3, "mode": "same", "stride": 2, "dilation": 2, "boundary": "reflect"},
    ]
    if rank > 1:
        v += [{"stride": _one_axis(rank, 2, 1), "n": 5}, {"dilation": _one_axis(rank, 2, 1), "n": 5}]
    return v


def _one_axis(rank: int, value: int, other: int) -> tuple:
    return (value,) + (other,) * (rank - 1)


def _layer_variants(rank: int) -> list[dict]:
    v: list[dict] = [
        {},
        {"k": 3, "n": 5},
        {"ci": 2},
        {"co": 2},
        {"batch": 2},
        {"groups": 2},
        {"groups": 2, "ci": 2, "co": 2},
        {"bias": True},
        {"padding": 1},
        {"padding": "same", "k": 3},
        {"padding": "same"},
        {"padding": ((1, 0),) * rank},
        {"stride": 2, "n": 5},
        {"dilation": 2, "n": 5},
        *({"padding_mode": m, "padding": 1} for m in ("reflect", "replicate", "circular")),
        {"batch": 2, "ci": 2, "co": 3, "n": 7, "k": 3, "stride": 2, "dilation": 2, "padding": 1, "bias": True},
    ]
    if rank > 1:
        v += [
            {"stride": _one_axis(rank, 2, 1), "n": 5},
            {"dilation": _one_axis(rank, 2, 1), "n": 5},
            {"padding": _one_axis(rank, 1, 0)},
        ]
    return v


def _transpose_variants(rank: int) -> list[dict]:
    v: list[dict] = [
        {},
        {"k": 3},
        {"stride": 2},
        {"stride": 2, "output_padding": 1},
        {"dilation": 2},
        {"dilation": 2, "output_padding": 1},
        {"padding": 1, "k": 3},
        {"ci": 2},
        {"co": 2},
        {"groups": 2},
        {"bias": True},
        {"batch": 2},
        {"batch": 2, "ci": 2, "co": 2, "k": 3, "stride": 2, "dilation": 2, "padding": 1, "bias": True},
    ]
    if rank > 1:
        v += [{"stride": _one_axis(rank, 2, 1)}, {"dilation": _one_axis(rank, 2, 1)}]
    return v


def _pool_variants(op: str, rank: int) -> list[dict]:
    v: list[dict] = [
        {},
        {"stride": 1},
        {"k": 3, "n": 5},
        {"padding": 1},
        {"ceil_mode": True, "n": 5},
        {"lead": (2,)},
        {"lead": (2, 3)},
    ]
    if op == "max_pool":
        v += [{"dilation": 2, "n": 5, "stride": 1}, {"dilation": 2, "n": 6, "padding": 1, "ceil_mode": True}]
    else:
        v += [{"count_include_pad": False, "padding": 1}, {"divisor_override": 3}]
        v += [{"count_include_pad": False, "padding": 1, "ceil_mode": True, "n": 6, "k": 3, "stride": 2}]
    if rank > 1:
        v += [{"stride": _one_axis(rank, 1, 2)}, {"k": _one_axis(rank, 3, 2), "n": 5}]
    return v


def _plain(op: str, rank: int, g: dict) -> tuple[tuple, dict, tuple]:
    shapes = ((g.get("n", 4),) * rank, _axes(g.get("k", 2), rank))
    kwargs = {
        "mode": g.get("mode", "valid"),
        "stride": g.get("stride", 1),
        "dilation": g.get("dilation", 1),
        "boundary": g.get("boundary", "constant"),
    }
    return shapes, kwargs, ()


def _layer(op: str, rank: int, g: dict) -> tuple[tuple, dict, tuple]:
    groups, ci, co = g.get("groups", 1), g.get("ci", 1), g.get("co", 1)
    n, k = (g.get("n", 4),) * rank, _axes(g.get("k", 2), rank)
    if op == "conv":
        w = (groups * co, ci, *k)
        kwargs = {
            "stride": g.get("stride", 1),
            "padding": g.get("padding", 0),
            "dilation": g.get("dilation", 1),
            "groups": groups,
            "padding_mode": g.get("padding_mode", "zeros"),
        }
    else:
        n = (g.get("n", 3),) * rank
        w = (groups * ci, co, *k)
        kwargs = {
            "stride": _axes(g.get("stride", 1), rank),
            "padding": _axes(g.get("padding", 0), rank),
            "output_padding": _axes(g.get("output_padding", 0), rank),
            "groups": groups,
            "dilation": _axes(g.get("dilation", 1), rank),
        }
    shapes = ((g.get("batch", 1), groups * ci, *n), w)
    bias = ((groups * co,),) if g.get("bias") else ()
    return shapes, kwargs, bias


def _pool(op: str, rank: int, g: dict) -> tuple[tuple, dict, tuple]:
    k = _axes(g.get("k", 2), rank)
    kernel_size = k[0] if rank == 1 else k
    shape = (*g.get("lead", (1,)), *(g.get("n", 4),) * rank)
    kwargs = {"stride": g.get("stride"), "padding": g.get("padding", 0)}
    if op == "max_pool":
        kwargs["dilation"] = g.get("dilation", 1)
    kwargs["ceil_mode"] = g.get("ceil_mode", False)
    if op == "avg_pool":
        kwargs["count_include_pad"] = g.get("count_include_pad", True)
        if "divisor_override" in g:
            kwargs["divisor_override"] = g["divisor_override"]
    return (shape,), kwargs, kernel_size


_FAMILIES = {
    "correlate": (_plain_variants, _plain),
    "convolve": (_plain_variants, _plain),
    "conv": (_layer_variants, _layer),
    "conv_transpose": (_transpose_variants, _layer),
    "max_pool": (lambda r: _pool_variants("max_pool", r), _pool),
    "avg_pool": (lambda r: _pool_variants("avg_pool", r), _pool),
}


def probes(op: str, *, ranks: tuple[int, ...], dtype: np.dtype) -> Iterator[Problem]:
    """The canonical probes of ``op`` in spatial ``ranks``, smallest first (cells of all operands).

    Probes are not filtered: the caller keeps those its problem space accepts.

    Parameters
    ----------
    op : {"correlate", "convolve", "conv", "conv_transpose", "max_pool", "avg_pool"}
        The op probed.
    ranks : tuple of int
        Spatial ranks; a long 1-D probe is added when 1 is among them.  Probes of more than
        :data:`PROBE_CELLS` cells are skipped.
    dtype : numpy.dtype
        The operands' dtype: integer dtypes get ``"ints"`` and ``"wide"`` values, float dtypes
        ``"ints"``, ``"floats"`` and ``"large"`` ones (see :func:`pattern`).

    Yields
    ------
    Problem
        Each probe, sorted by size (a stable sort: equal sizes keep the variants' order).

    See Also
    --------
    pattern : the values of every probe.
    refconv.check : runs the probes its problem space accepts before any search.

    Examples
    --------
    >>> ps = list(probes("conv", ranks=(1, 2), dtype=np.dtype("int32")))
    >>> sizes = [p.size for p in ps]
    >>> sizes == sorted(sizes), {p.args[0].ndim - 2 for p in ps}, ps[0].describe()[:49]
    (True, {1, 2}, 'conv(x: int32 (1, 1, 4), w: int32 (1, 1, 2), bias')
    """
    if op not in _FAMILIES:  # an op without canonical probes (the Lp, weighted and global pools)
        return
    variants, build = _FAMILIES[op]
    geometries: list[tuple[int, dict]] = [(r, g) for r in sorted(ranks) for g in variants(r)]
    if 1 in ranks:
        long = {"n": 40, "k": 3} if op != "conv_transpose" else {"n": 20, "k": 3}
        geometries.append((1, long))
    found: list[Problem] = []
    for salt, (rank, g) in enumerate(geometries):
        shapes, kwargs, extra = build(op, rank, g)
        if sum(math.prod(s) for s in shapes) > PROBE_CELLS:  # high ranks: 7**9 cells is no probe
            continue
        for kind in _kinds(dtype):
            arrays = [pattern(s, dtype, _small(kind), salt + i) for i, s in enumerate(shapes)]
            if kind == "large":
                arrays[0] = _near_range(arrays[0], op, arrays[1:], extra)
            if op in ("max_pool", "avg_pool"):
                args: tuple = (arrays[0], extra)
            else:
                bias = pattern(extra[0], dtype, _small(kind), salt + 2) if extra else None
                args = (*arrays, bias) if op in ("conv", "conv_transpose") else tuple(arrays)
            found.append(Problem(op, args, dict(kwargs)))
    found.sort(key=lambda p: p.size)  # stable: equal sizes keep the order above
    yield from found
