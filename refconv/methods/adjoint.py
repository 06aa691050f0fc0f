"""The direct method's adjoint: the transposed convolution without the stride-dilation zeros.

:func:`refconv.conv_transpose` runs this for float and int64 operands with ``method="direct"``
or ``"auto"``: each stride phase of the result is a stride-1 correlation run by the forward
kernels of :mod:`refconv.methods.direct` (one GEMM per tap, in the same deterministic tasks),
and weights that are not finite take col2im, which forms exactly the definition's products.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._gemm import blocks_in_parallel, int64_by_float_limbs, matmul
from .._taps import all_tap_slices
from ..spec import ConvSpec, adjoint_phases
from .direct import IM2COL_BUDGET, _call, _gemm_tasks, _views_times_taps

__all__ = ["correlate_direct_adjoint"]


def correlate_direct_adjoint(y: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The adjoint of :func:`correlate_direct` for int64 and float operands.

    ``spec`` is the forward correlation; ``y`` has its output's channel form ``(B, G, Co, *out)``
    and ``w`` its kernel ``(G, Co, Ci, *K)``; the result has the forward input's channel form
    ``(B, G, Ci, *in)``.  Every forward output ``o`` hands ``y[o] * w[t]`` back to the input cell
    it read through tap ``t`` (padded cell ``o*s + t*d``, :func:`refconv._taps.tap_slices`).
    Unlike a correlation over the stride-dilated ``y`` (:func:`refconv.conv_transpose`'s other
    methods), no product with a dilation zero is formed: a quarter of the work at stride 2 in 2-D.

    The cells of each stride phase receive a fixed subset of the taps
    (:func:`refconv.spec.adjoint_phases`), so each phase is a stride-1 correlation of ``y`` with
    those taps reversed, computed by this module's forward kernels (one GEMM per tap on flat
    runs of the padded planes).  Its zero padding multiplies weights by zero, products the definition
    does not have: harmless for finite weights, but ``inf * 0`` is NaN, so a non-finite ``w``
    takes col2im instead (:func:`_col2im`), which forms exactly the definition's products.
    Floats are summed in any order the direct bound covers; int64 sums are exact under
    :mod:`refconv._arith`'s rule, which bounds every partial sum.
    """
    if w.dtype.kind in "fc" and not np.isfinite(w).all():
        return _col2im(y, w, spec)
    dtype = y.dtype
    if dtype == np.int64:
        y, w = np.asarray(y, np.int64), np.asarray(w, np.int64)
        terms = spec.taps * y.shape[2]
        adjoint, exact = functools.partial(correlate_direct_adjoint, spec=spec), functools.partial(_col2im, spec=spec)
        return int64_by_float_limbs(y, w, terms, adjoint, exact)
    B, G, Ci = y.shape[0], y.shape[1], w.shape[2]
    phases = adjoint_phases(spec)
    covered = sum(math.prod(len(range(n)[c]) for n, c in zip(spec.input_shape, p.cells)) for p in phases)
    x = (np.empty if covered == math.prod(spec.input_shape) else np.zeros)((B, G, Ci, *spec.input_shape), dtype)
    flipped = w.swapaxes(1, 2)  # (G, Ci, Co, *K): each phase correlates y's Co channels into Ci
    tasks = []
    # Phases with the same geometry are one correlation with their kernels side by side as
    # output channels (stride 2 in 2-D, kernel 4: four phases, one GEMM with 4*Ci columns).
    groups: dict = {}
    for phase in phases:
        groups.setdefault(phase.spec, []).append(phase)
    for geometry, group in groups.items():
        kernel = np.concatenate([_taken(flipped, p.taps) for p in group], axis=1)
        if y.shape[2] == kernel.shape[1] == 1 or dtype.kind not in "fc":
            _phase_sink(x, group, Ci)(slice(None), slice(None), slice(None), _views_times_taps(y, kernel, geometry))
        else:
            tasks += _gemm_tasks(y, kernel, geometry, _phase_sink(x, group, Ci))[0]
    blocks_in_parallel(tasks, _call)
    return x


def _taken(w: np.ndarray, taps: tuple) -> np.ndarray:
    """``w`` with its kernel axes (after the first three) cut to ``taps[a]`` on each axis ``a``."""
    for axis, chosen in enumerate(taps):
        w = np.take(w, chosen, axis=3 + axis)
    return w


def _phase_sink(x: np.ndarray, phases: list, channels: int):
    """``sink(b, g, rows, values)`` writing the output rows ``rows`` of a group of phases of
    :func:`correlate_direct_adjoint` (``channels`` each, side by side) into their cells of ``x``."""

    def sink(b, g, rows: slice, values: np.ndarray) -> None:
        spatial = (slice(None),) * (x.ndim - 3)
        for j, phase in enumerate(phases):
            first = range(x.shape[3])[phase.cells[0]][rows]  # the phase's cells of these rows
            cells = (slice(first.start, first.stop, first.step), *phase.cells[1:])
            x[(b, g, slice(None), *cells)] = values[(Ellipsis, slice(j * channels, (j + 1) * channels), *spatial)]

    return sink


def _col2im(y: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """:func:`correlate_direct_adjoint` by col2im: one GEMM per chunk of taps,
    ``(Ci*T, Co) @ (Co, outputs)``, makes every tap's contributions and a strided addition per
    tap places them, in row-major tap order."""
    B, G, Co = y.shape[:3]
    Ci, T, P = w.shape[2], spec.taps, math.prod(spec.output_shape)
    dtype = y.dtype
    grid = tuple(max(g.padded, g.lo + g.n) for g in spec.axes)  # every padded cell a tap reads
    x = np.zeros((B, G, Ci, *grid), dtype=dtype)
    weights = w.reshape(G, Co, Ci, T)
    columns = y.reshape(B, G, Co, P)
    chunk = max(1, min(T, IM2COL_BUDGET // max(B * G * Ci * P * max(dtype.itemsize, 8), 1)))
    for start in range(0, T, chunk):
        part = all_tap_slices(spec)[start : start + chunk]
        # Rows tap-major, (t, ci): each tap's contributions are then one contiguous block per batch.
        taps_block = weights[..., start : start + len(part)].swapaxes(2, 3)  # (G, Co, Tc, Ci)
        wmat = taps_block.reshape(G, Co, len(part) * Ci).swapaxes(1, 2)
        with np.errstate(invalid="ignore", over="ignore"):  # IEEE results, as in the forward GEMM
            cols = matmul(wmat, columns).reshape(B, G, len(part), Ci, *spec.output_shape)
            for j, slices in enumerate(part):
                view = x[(Ellipsis, *slices)]
                np.add(view, cols[:, :, j], out=view)
    return x[(Ellipsis, *(slice(g.lo, g.lo + g.n) for g in spec.axes))]
