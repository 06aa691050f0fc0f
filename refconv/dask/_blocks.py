"""How a Dask problem is cut: lazy padding, stride-aligned chunks with halos, and one dtype for every block.

The package docstring (:mod:`refconv.dask`) describes the plan; this module carries it out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._arith import INT64_MAX, _abs_sum_max, as_operand, check_rank
from .._taps import FILL, padded_index
from .._validation import fail
from ..spec import AxisGeometry, ConvSpec, check_cells

try:
    import dask.array as da
    from dask.array.overlap import overlap as _overlap
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("refconv.dask needs Dask: pip install 'refconv[dask]'") from exc

__all__ = ["as_dask", "result_dtype", "check_padding", "blocked"]


def as_dask(func: str, x: Any) -> da.Array:
    """``x`` as a Dask array; anything else goes through :func:`refconv._arith.as_operand` first,
    so lists, tensors, masked arrays and SymPy entries get the in-memory checks and messages."""
    if isinstance(x, da.Array):
        check_rank(func, "x", x, x.ndim)
        if isinstance(getattr(x, "_meta", None), np.ma.MaskedArray):
            raise fail(
                func, "x", x, "is a masked Dask array, whose mask refconv cannot honour", "a plain array", TypeError
            )
        # A non-native byte order computes the same values; the result's dtype is the native one, as in memory.
        return x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))
    x = as_operand(func, "x", x)
    # Dask cannot size object cells for automatic chunks: exact object arrays are one chunk.
    return da.from_array(x, chunks=-1 if x.dtype == object else "auto")


def result_dtype(func: str, x: da.Array, w: np.ndarray, lead: int, extra: int = 0) -> np.dtype:
    """The dtype every block is cast to: the in-memory rule with the bound over x's dtype range."""
    for name, dt in (("x.dtype", x.dtype), ("w.dtype", w.dtype)):
        if dt.kind not in "iufcO":
            raise fail(func, name, dt, "is not numeric", "an integer, float or object dtype", TypeError)
    if x.dtype == object or w.dtype == object:
        return np.dtype(object)
    if x.dtype.kind in "fc" or w.dtype.kind in "fc":
        return np.result_type(x.dtype, w.dtype)
    if x.dtype.kind not in "iu" or w.dtype.kind not in "iu":
        raise fail(func, "x.dtype", x.dtype, "is not numeric", "an integer, float or object dtype", TypeError)
    info = np.iinfo(x.dtype)
    weights = _abs_sum_max(w, lead)
    if max(abs(int(info.min)), int(info.max)) * weights + extra <= INT64_MAX:
        return np.dtype(np.int64)
    # Wide dtypes: one reduction pass finds the values' range, as the in-memory rule uses.
    low, high = da.compute(x.min(), x.max())
    bound = max(abs(int(low)), abs(int(high))) * weights + extra
    return np.dtype(np.int64) if bound <= INT64_MAX else np.dtype(object)


def _pad_lazily(x: da.Array, spec: ConvSpec, axes: tuple[int, ...], fill) -> da.Array:
    """Pad ``x`` along ``axes`` exactly as :func:`refconv._taps.pad` does in memory."""
    for axis, g in zip(axes, spec.axes):
        if g.lo == g.hi == g.overhang == 0:
            continue
        if spec.boundary == "constant":  # fill cells only at the ends: no index map to build
            widths = [(0, 0)] * x.ndim
            widths[axis] = (g.lo, g.hi + g.overhang)
            x = da.pad(x, widths, mode="constant", constant_values=fill)
            continue
        index = padded_index(g, spec.boundary)
        if g.overhang:  # ceil overhang cells hold the fill value under every boundary
            index[g.n + g.lo + g.hi :] = FILL
        real = np.flatnonzero(index != FILL)
        before, after = int(real[0]), len(index) - int(real[-1]) - 1
        # Cells between the first and last real cell all copy input cells (FILL only at the ends).
        taken = index[before : len(index) - after]
        if not np.array_equal(taken, np.arange(g.n)) and x.numblocks[axis] == 1:
            # One chunk along the axis: gather inside it.  dask's take would build a shuffle
            # graph over every index (a reflect pad of 1,597 on 2 cells took minutes).
            chunks = tuple((len(taken),) if a == axis else c for a, c in enumerate(x.chunks))
            x = x.map_blocks(np.take, taken, axis=axis, chunks=chunks, dtype=x.dtype)
        elif not np.array_equal(taken, np.arange(g.n)):
            x = da.take(x, taken, axis=axis)
        if before or after:
            widths = [(0, 0)] * x.ndim
            widths[axis] = (before, after)
            x = da.pad(x, widths, mode="constant", constant_values=fill)
    return x


def check_padding(func: str, name: str, value: Any, x: da.Array, spec: ConvSpec, axes: tuple[int, ...]) -> None:
    """The in-memory padding budget (:func:`refconv.spec.check_cells`), counted beyond ``x``'s own
    cells: out of core, the input may be huge but its padding may not (a pad of ``10**9`` would
    build a task per padded chunk and an index map as long as the pad)."""
    shape = list(x.shape)
    for axis, g in zip(axes, spec.axes):
        shape[axis] = g.padded + g.overhang
    check_cells(func, name, value, "a padded input", tuple(shape), given=x.size)


def _output_chunks(g: AxisGeometry, input_chunks: tuple[int, ...]) -> tuple[int, ...]:
    """Output chunk lengths along one axis: following the input's chunks, aligned to the stride,
    each owning at least ``halo`` padded cells so one neighbour always supplies the halo."""
    halo = max(g.extent - g.stride, 0)
    bounds = np.cumsum((0, *input_chunks))[:-1] + g.lo
    starts = sorted({0, *(min(g.out, -(-int(b) // g.stride)) for b in bounds)} - {g.out})
    sizes = [b - a for a, b in zip(starts, [*starts[1:], g.out])]
    # Every chunk but the last (which owns all remaining cells, at least one window) must own
    # at least `halo` cells, since its left neighbour borrows that many from it.
    merged: list[int] = []
    for size in sizes:
        if merged and merged[-1] * g.stride < halo:
            merged[-1] += size
        else:
            merged.append(size)
    return tuple(merged)


def blocked(
    x: da.Array,
    spec: ConvSpec,
    axes: tuple[int, ...],
    fill,
    block: Callable[[np.ndarray], np.ndarray],
    dtype: np.dtype,
    out_lead: dict[int, tuple[int, ...]] | None = None,
) -> da.Array:
    """Run ``block`` (an in-memory "valid" computation) over stride-aligned, haloed chunks."""
    x = _pad_lazily(x, spec, axes, fill)
    out_chunks = list(x.chunks)
    in_chunks = list(x.chunks)
    depth = {}
    for axis, g in zip(axes, spec.axes):
        sizes = _output_chunks(g, x.chunks[axis])
        owned = [n * g.stride for n in sizes]
        owned[-1] = x.shape[axis] - sum(owned[:-1])
        in_chunks[axis], out_chunks[axis] = tuple(owned), sizes
        depth[axis] = (0, max(g.extent - g.stride, 0))
    for axis, chunks in (out_lead or {}).items():
        out_chunks[axis] = chunks
    x = x.rechunk(tuple(in_chunks))
    haloed = _overlap(x, depth=depth, boundary="none", allow_rechunk=False)

    def run(b: np.ndarray) -> np.ndarray:
        return np.asarray(block(b)).astype(dtype, copy=False)

    return haloed.map_blocks(run, chunks=tuple(out_chunks), dtype=dtype, meta=np.empty((0,) * x.ndim, dtype=dtype))
