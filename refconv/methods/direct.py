"""The direct method: one vectorised array operation per kernel tap.

Operands arrive in *channel form*: ``x`` of shape ``(B, G, Ci, *spatial)`` and ``w`` of shape
``(G, Co, Ci, *kernel)``; the result has shape ``(B, G, Co, *out)``.  A plain correlation is the
case ``B = G = Ci = Co = 1``; the layer function's batches, channels and groups are the same core
with larger leading axes — one code path for every rank.

For each tap ``t`` (row-major order), the strided view of the padded input that every output
reads through ``t`` (:func:`refconv._taps.tap_slices`) is multiplied by ``w[..., t]`` and added
to the accumulator.  Floats are therefore summed tap by tap in row-major order, in the result
dtype; integers run in ``int64`` (when the bound of :mod:`refconv._arith` allows) or Python ints,
Fractions and SymPy expressions in Python arithmetic.
"""

from __future__ import annotations

import numpy as np

from .._taps import pad, tap_slices, taps
from ..spec import ConvSpec


def correlate_direct(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlate channel-form ``x`` with channel-form ``w`` (see the module docstring)."""
    spatial = tuple(range(3, 3 + spec.ndim))
    padded = pad(x, spec, spatial)
    single = x.shape[1] == x.shape[2] == w.shape[1] == 1
    out = None
    for tap in taps(spec):
        view = padded[(Ellipsis, *tap_slices(spec, tap))]
        w_tap = w[(Ellipsis, *tap)]
        if single:
            # One channel: a scalar weight times a strided view, no contraction to set up.
            term = view * w_tap.reshape((1,) * view.ndim)
        else:
            term = np.einsum("bgi...,goi->bgo...", view, w_tap)
        if out is None:
            out = term if term.base is None and term.flags.writeable else term.copy()
        else:
            out += term
    return out
