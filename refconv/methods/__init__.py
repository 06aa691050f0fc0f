"""Methods: interchangeable algorithms ``(x, w, spec) -> y`` over the same channel-form operands.

Each method consumes the same :class:`~refconv.spec.ConvSpec`; on exact inputs every method
gives the identical result.

``"auto"`` (:func:`choose_method`): exact inputs (integers, Fractions, SymPy) always run
``"direct"`` — the only method that is both exact and cheap for every size.  Float inputs run
``"fft"`` when its modelled cost is below the direct method's:

* direct: ``taps * outputs * Ci * Co`` multiply-adds per batch and group, at
  :data:`DIRECT_COST` per multiply-add for one channel (one memory pass per tap) and
  :data:`GEMM_COST` with channels (im2col + BLAS);
* fft: ``(Ci + Co) * F * log2(F)`` for the transforms of ``F`` padded cells plus
  ``Ci * Co * F`` for the frequency-domain contraction, at :data:`FFT_COST` per unit.

The constants come from the n = 16..512 sweep in ``benchmarks/`` (``asv``); the crossover is
stated in ``benchmarks/README.md``.  ``"dense"`` and ``"sparse"`` are never chosen
automatically: they pay off only when one matrix serves many inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._validation import check_choice
from ..spec import ConvSpec
from .dense import correlate_dense
from .direct import correlate_direct
from .fft import correlate_fft
from .sparse import correlate_sparse

#: Relative costs (see the module docstring), measured on 2 cores: ~1.7 ns per one-channel
#: multiply-add, ~1 ns per FFT unit, ~0.05 ns per multiply-add inside a float GEMM.
DIRECT_COST = 1.0
GEMM_COST = 0.05
FFT_COST = 0.6


def choose_method(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> str:
    """The method ``"auto"`` runs for these channel-form operands (see the module docstring)."""
    if x.dtype.kind not in "fc" or w.dtype.kind not in "fc":
        return "direct"
    ci, co = x.shape[2], w.shape[1]
    per_mac = DIRECT_COST if ci == co == 1 and x.shape[1] == 1 else GEMM_COST
    direct = per_mac * spec.taps * math.prod(spec.output_shape) * ci * co
    cells = math.prod(g.padded + g.overhang for g in spec.axes)
    fft = FFT_COST * ((ci + co) * cells * math.log2(max(cells, 2)) + ci * co * cells)
    return "fft" if fft < direct else "direct"


def correlate_auto(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Run the method :func:`choose_method` picks."""
    return METHODS[choose_method(x, w, spec)](x, w, spec)


#: name -> function(x, w, spec) on channel-form operands.
METHODS: dict[str, Callable] = {
    "auto": correlate_auto,
    "direct": correlate_direct,
    "fft": correlate_fft,
    "dense": correlate_dense,
    "sparse": correlate_sparse,
}


def get_method(func: str, method: str, kind: str) -> Callable:
    """The implementation for ``method``; ``kind`` is the operands' arithmetic (``_arith.domain``)."""
    check_choice(func, "method", method, tuple(METHODS))
    if method == "fft" and kind != "float":
        raise ValueError(
            f"{func}: method='fft' is not exact, and the operands are exact ({kind}); expected "
            "method='direct', 'dense', 'sparse' or 'auto' for exact inputs (or float arrays for 'fft')"
        )
    return METHODS[method]
