"""NaN and inf in the fast methods: they reach exactly the outputs whose windows read them.

The direct method is the definition: every output is the IEEE sum of ``w[tap] * padded[cell]``
over its window (padded cells included), so an output is NaN when its window reads a NaN, an
inf times a zero (a padded zero fill cell too) or both ``+inf`` and ``-inf`` products, and
``±inf`` when its infinite products all have that sign.  The FFT, dense and sparse methods mix cells that no window
pairs (the FFT spreads one NaN over a whole plane; a dense matrix multiplies every input cell,
zeros included; a sparse matrix has no entry for a zero fill cell), so
:func:`like_direct_on_nonfinite` wraps them:

* finite float operands (and every exact operand) run the method unchanged, after one pass
  over each operand (its sum, which is NaN or inf when an entry is);
* otherwise the method runs on copies with every non-finite entry replaced by ``0``, and the
  outputs that read a non-finite entry — those whose window covers a non-finite cell of the
  padded input (any input channel), and every output of an output channel that has a
  non-finite weight (each tap reads a padded cell for every output) — are overwritten with the
  direct method's values.  Every other output is bit-identical to the method's answer on the
  zeroed operands.

Cost of the non-finite path: a copy of each operand, a boolean pass per kernel tap *per axis*
(the window test is separable), and the direct method over the bounding box of the affected
outputs in the affected batch entries (all groups and channels): a few outputs around one NaN
cost a few windows, a non-finite weight costs the direct method for its whole feature map.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from .._taps import pad, tap_slices
from ..spec import AxisGeometry, ConvSpec
from .direct import correlate_direct

__all__ = ["like_direct_on_nonfinite"]


def like_direct_on_nonfinite(method: Callable) -> Callable:
    """``method`` with the direct method's values on every output that reads NaN or inf.

    See the module docstring.  The wrapped function is ``result.__wrapped__``.
    """

    @functools.wraps(method)
    def run(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
        if x.dtype.kind not in "fc" or w.dtype.kind not in "fc":
            return method(x, w, spec)
        if not (_may_hold_nonfinite(w) or _may_hold_nonfinite(x)):
            return method(x, w, spec)
        x_ok, w_ok = np.isfinite(x), np.isfinite(w)
        x_all, w_all = bool(x_ok.all()), bool(w_ok.all())
        if x_all and w_all:  # a finite sum overflowed
            return method(x, w, spec)
        y = method(x if x_all else np.where(x_ok, x, 0), w if w_all else np.where(w_ok, w, 0), spec)
        hit = _outputs_reading(~x_ok, ~w_ok, spec)
        if hit.any():
            if not y.flags.writeable:
                y = y.copy()
            _overwrite_with_direct(y, hit, x, w, spec)
        return y

    return run


def _may_hold_nonfinite(a: np.ndarray) -> bool:
    """False when every entry of float ``a`` is finite; True when one may not be.

    A NaN or inf makes the sum NaN or inf, whatever the order; a sum of finite entries that
    overflows only sends the call down the exact test.  One pass and no temporary array, unlike
    ``isfinite(a).all()`` (float16 is summed in float32, whose range its sums cannot leave).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return not np.isfinite(a.sum(dtype=np.float32 if a.dtype == np.float16 else None))


def _outputs_reading(bad_x: np.ndarray, bad_w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Boolean ``(B, G, Co, *out)``: the outputs whose products involve a non-finite entry.

    ``bad_x`` is ``(B, G, Ci, *S)`` and ``bad_w`` is ``(G, Co, Ci, *K)``, channel form.
    """
    nd = spec.ndim
    B, G = bad_x.shape[:2]
    Co = bad_w.shape[1]
    hit = np.zeros((B, G, Co, *spec.output_shape), dtype=bool)
    if bad_x.any():
        # A padded cell copies an input cell (or holds the fill 0), so the padded mask is the
        # input mask padded by the spec's own boundary rule, with False in fill cells.
        cells = pad(bad_x.any(axis=2), spec, tuple(range(2, 2 + nd)), fill=False)
        hit |= _windows_covering(cells, spec)[:, :, None]
    if bad_w.any():
        per_channel = bad_w.reshape(G, Co, -1).any(axis=2)
        hit |= per_channel.reshape((1, G, Co) + (1,) * nd)
    return hit


def _windows_covering(cells: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """``(B, G, *out)``: whether output ``o``'s window holds a True cell of padded ``cells``.

    A window is a product of per-axis tap sets, so the test is separable: an OR over the ``k``
    taps of one axis at a time, ``sum(k)`` passes instead of ``prod(k)``.
    """
    origin = [0] * spec.ndim
    for axis, g in enumerate(spec.axes):
        lead = (slice(None),) * (2 + axis)
        covered = None
        for t in range(g.k):
            origin[axis] = t
            view = cells[lead + (tap_slices(spec, origin)[axis],)]
            covered = view.copy() if covered is None else np.logical_or(covered, view, out=covered)
        origin[axis] = 0
        cells = covered
    return cells


def _overwrite_with_direct(y: np.ndarray, hit: np.ndarray, x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> None:
    """``y[hit] = direct(x, w)[hit]``, running the direct method on the hit outputs' bounding box only.

    The box's windows span a crop of the padded input; correlating that crop in "valid" mode
    with the same strides and dilations gives the same windows, hence the direct method's values.
    """
    nd = spec.ndim
    batches = np.flatnonzero(hit.reshape(hit.shape[0], -1).any(axis=1))
    spatial = hit.any(axis=(0, 1, 2))
    box, crop, axes = [], [], []
    for axis, g in enumerate(spec.axes):
        rows = np.flatnonzero(spatial.any(axis=tuple(a for a in range(nd) if a != axis)))
        first, stop = int(rows[0]), int(rows[-1]) + 1
        box.append(slice(first, stop))
        # Output o reads padded cells o*s + t*d for t < k (tap_slices' arithmetic): the crop.
        span = (stop - first - 1) * g.stride + g.dilation * (g.k - 1) + 1
        crop.append(slice(first * g.stride, first * g.stride + span))
        axes.append(AxisGeometry(n=span, k=g.k, stride=g.stride, dilation=g.dilation))
    padded = pad(x[batches], spec, tuple(range(3, 3 + nd)))
    values = correlate_direct(padded[(Ellipsis, *crop)], w, ConvSpec(tuple(axes)))
    region = (batches, slice(None), slice(None), *box)
    part, mask = y[region], hit[region]
    part[mask] = values[mask].astype(y.dtype, copy=False)
    y[region] = part
