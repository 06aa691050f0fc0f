"""Methods: interchangeable algorithms ``(x, w, spec) -> y`` over the same channel-form operands.

Each method consumes the same :class:`~refconv.spec.ConvSpec`; on exact inputs every method
gives the identical result.

``"auto"`` (:func:`choose_method`): exact inputs (integers, Fractions, SymPy) always run
``"direct"`` — the only method that is both exact and cheap for every size.  Float inputs run
the cheaper of ``"direct"`` and ``"fft"`` by a modelled cost, among those whose modelled
memory fits the budget:

* direct: ``taps * outputs * Ci * Co`` multiply-adds per batch and group, at
  :data:`DIRECT_COST` per multiply-add for one channel per group (one memory pass per tap) and
  :data:`GEMM_COST` (scaled up for narrow channels, :data:`GEMM_NARROW_IN` and
  :data:`GEMM_NARROW_OUT`) with channels (BLAS);
* fft: ``F * log2(F)`` per transformed plane of ``F`` padded cells — ``B*G*Ci`` input planes,
  ``G*Co*Ci`` weight planes (one per pair of channels), ``B*G*Co`` inverse planes — plus
  ``B*G*Ci*Co*F`` for the frequency-domain contraction, at :data:`FFT_COST` per unit.

The constants come from the n = 16..512 sweep in ``benchmarks/`` (``asv``); the crossover is
stated in ``benchmarks/README.md``.  ``"dense"`` and ``"sparse"`` are never chosen
automatically: they pay off only when one matrix serves many inputs.

Memory: one budget, :data:`refconv.spec.CELL_LIMIT` cells of 8 bytes beyond what the operands
hold (:func:`refconv.spec.held_cells`: a broadcast view holds only what it repeats), covers
every method.  The padded input and the output (and arrays of their shapes: scratch, exact
scaled copies, converted operands) are budgeted one by one by
:func:`refconv.spec.check_spec_cells`; :func:`working_set` models what a method holds besides
them (the FFT's spectra and output-channel chunk, direct's im2col chunk), and the dense and
sparse matrices have their own guards.  ``"auto"`` never picks a method whose working set
exceeds the budget when another fits (a layer whose unchunked FFT needed 10 GB now fits either
way); :func:`check_budget`, called before any method runs, refuses an explicit method over the
budget by name (``method=...``, its size, the limit and a method that fits), and ``"auto"``
when no method fits.

NaN and inf
-----------
IEEE semantics as the direct method computes them, in every method (``"auto"`` included): an
output is NaN when its window reads a NaN, an inf times a zero (a zero weight, or a zero fill
cell of ``boundary="constant"`` padding) or both ``+inf`` and ``-inf`` products; ``±inf`` when
its infinite products all have that sign; every other output is unaffected.  A
non-finite weight thus reaches every output of its output channel.  ``"fft"``, ``"dense"`` and
``"sparse"`` would spread a non-finite value further (the FFT over a whole plane, a matrix
through its zeros), so :func:`~refconv.methods._nonfinite.like_direct_on_nonfinite` runs them on
zeroed copies and takes the direct method's values on the outputs that read a non-finite
entry; finite operands cost one pass over each operand (a sum).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .. import spec as spec_module
from .._validation import check_choice
from ..spec import ConvSpec, check_working_set, held_cells
from . import direct, fft
from ._nonfinite import like_direct_on_nonfinite
from .dense import correlate_dense
from .direct import correlate_direct
from .fft import correlate_fft
from .sparse import correlate_sparse

__all__ = [
    "DIRECT_COST",
    "FFT_COST",
    "GEMM_COST",
    "GEMM_NARROW_IN",
    "GEMM_NARROW_OUT",
    "choose_method",
    "working_set",
    "check_budget",
    "resolve",
    "correlate_auto",
    "METHODS",
    "get_method",
]

#: Relative costs (see the module docstring), measured on 2 cores: ~1.7 ns per one-channel
#: multiply-add, ~1 ns per FFT unit, ~0.05 ns per multiply-add inside a float GEMM.  The FFT
#: units count one transform per weight plane (``Co*Ci`` of them): a layer of 128 -> 128
#: channels with 15x15 kernels on 256x256 ran 35 s by FFT and 10 s direct.
DIRECT_COST = 1.0
FFT_COST = 0.6

#: A multiply-add of the channels' GEMMs costs
#: ``GEMM_COST * (1 + GEMM_NARROW_IN / Ci + GEMM_NARROW_OUT / Co)``: the stride-1 kernel runs one
#: GEMM per tap, ``(Co, Ci) @ (Ci, positions)`` added into the output, so each tap re-reads and
#: re-writes ``Co`` output rows per ``Ci`` multiply-adds and packs ``Ci`` input rows per ``Co``.
#: Fitted (least squares on relative error) to 18 float32 layers on 2 cores after that kernel
#: (3-128 channels, kernels 3-21, images 28-256; 0.0095-0.094 ns per multiply-add, against
#: ~0.3 ns per FFT unit, so one cost unit is ~0.5 ns): within 0.55-1.26x of the measured time
#: but for 64 channels with a 21x21 kernel on 28x28 (0.4x).  The model it replaces,
#: ``0.04 * (1 + 16 / min(Ci, Co))``, put a 3 -> 64 channel 7x7 layer at 4x its cost, and
#: ``auto`` ran it by FFT in 101 ms instead of 29 ms.
GEMM_COST = 0.0167
GEMM_NARROW_IN = 8
GEMM_NARROW_OUT = 30


def choose_method(x: np.ndarray, w: np.ndarray, spec: ConvSpec, *, given: int | None = None) -> str:
    """The method ``"auto"`` runs for these channel-form operands (see the module docstring).

    ``given`` is the cells the operands hold (default :func:`refconv.spec.held_cells` of ``x``
    and ``w``); a method whose :func:`working_set` exceeds the budget beyond them is chosen only
    when no method fits.

    Examples
    --------
    Exact operands always run the direct method; a one-channel 3-tap float correlation too
    (its FFT would cost more):

    >>> from refconv.spec import plain_spec
    >>> spec = plain_spec("f", (8,), (3,))
    >>> choose_method(np.zeros((1, 1, 1, 8)), np.zeros((1, 1, 1, 3)), spec)
    'direct'
    >>> choose_method(np.zeros((1, 1, 1, 8), dtype=np.int64), np.zeros((1, 1, 1, 3), dtype=np.int64), spec)
    'direct'
    """
    if x.dtype.kind not in "fc" or w.dtype.kind not in "fc":
        return "direct"
    limit = 8 * ((held_cells(x) + held_cells(w) if given is None else given) + spec_module.CELL_LIMIT)
    costs = sorted((_cost(m, x, w, spec), m) for m in ("direct", "fft"))
    fitting = [m for _, m in costs if working_set(m, x, w, spec) <= limit]
    return (fitting or [costs[0][1]])[0]


def _cost(method: str, x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> float:
    """The modelled time of ``method`` (see the module docstring), in :data:`DIRECT_COST` units."""
    b, g, ci, co = x.shape[0], x.shape[1], x.shape[2], w.shape[1]
    if method == "direct":
        # One channel per group: a pass per tap; channels: GEMMs, slower the narrower they are.
        per_mac = DIRECT_COST if ci == co == 1 else GEMM_COST * (1 + GEMM_NARROW_IN / ci + GEMM_NARROW_OUT / co)
        return per_mac * b * g * spec.taps * math.prod(spec.output_shape) * ci * co
    cells = math.prod(a.padded + a.overhang for a in spec.axes)
    planes = b * g * ci + g * co * ci + b * g * co
    return FFT_COST * (planes * cells * math.log2(max(cells, 2)) + b * g * ci * co * cells)


def working_set(method: str, x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> int:
    """Bytes ``method`` holds at once besides the channel-form operands, the padded input and
    the output (which :func:`refconv.spec.check_spec_cells` budgets one by one).

    ``"direct"`` and ``"fft"``: their modules' ``working_set`` (the tasks in flight, or an im2col
    chunk; spectra and an output-channel chunk); ``"auto"``: the method :func:`choose_method` picks.  ``"dense"`` and
    ``"sparse"`` are budgeted by their matrices' own guards
    (:data:`refconv.spec.DENSE_LIMIT`, the index tables' :func:`refconv.spec.check_cells`)
    and are not modelled here.

    Examples
    --------
    Direct with 3 channels stacks every tap (im2col) in a task per image and group: here 2 tasks,
    each of 3 input channels x 3 taps x 62 outputs x 8 bytes; one channel holds nothing more.

    >>> from refconv.spec import plain_spec
    >>> spec = plain_spec("f", (64,), (3,))
    >>> working_set("direct", np.zeros((1, 2, 3, 64)), np.zeros((2, 4, 3, 3)), spec)
    8928
    >>> working_set("direct", np.zeros((1, 1, 1, 64)), np.zeros((1, 1, 1, 3)), spec)
    0
    """
    if method == "auto":
        method = choose_method(x, w, spec)
    module = {"direct": direct, "fft": fft}.get(method)
    if module is None:
        raise ValueError(f"working_set: method={method!r} is not modelled; expected 'direct', 'fft' or 'auto'")
    return module.working_set(x, w, spec)


def check_budget(func: str, method: str, x: np.ndarray, w: np.ndarray, spec: ConvSpec, given: int) -> None:
    """Refuse, before it allocates, ``method`` on these channel-form operands when its
    :func:`working_set` exceeds the budget beyond the ``given`` cells the operands hold.

    The message names ``method``, the bytes, the limit and a method that fits.  ``"dense"`` and
    ``"sparse"`` pass: their own guards refuse their matrices.

    Examples
    --------
    A problem within the budget passes silently (it returns None):

    >>> from refconv.spec import plain_spec
    >>> spec = plain_spec("f", (8,), (3,))
    >>> check_budget("correlate", "direct", np.zeros((1, 1, 1, 8)), np.zeros((1, 1, 1, 3)), spec, 11)
    """
    if method in ("dense", "sparse"):
        return
    name = choose_method(x, w, spec, given=given) if method == "auto" else method
    limit = 8 * (given + spec_module.CELL_LIMIT)
    need = working_set(name, x, w, spec)
    if need <= limit:
        return
    other = {"direct": "fft", "fft": "direct"}[name]
    floats = x.dtype.kind in "fc" and w.dtype.kind in "fc"
    spare = working_set(other, x, w, spec) if floats else None
    alternative = f"method={other!r}, which needs {spare:,} bytes" if spare is not None and spare <= limit else None
    what = f"a working set (for method={name!r})" if method == "auto" else "a working set"
    check_working_set(func, method, need, given, alternative, what)


_RESOLVED: dict[tuple, str] = {}


def resolve(func: str, method: str, x: np.ndarray, w: np.ndarray, spec: ConvSpec, given: int) -> str:
    """The method to run on these channel-form operands: ``"auto"`` resolved by
    :func:`choose_method`, after :func:`check_budget`'s refusals.

    Both read only shapes, dtypes, the spec, the budget and the cost constants, so the answer is
    memoized on those: a repeated call (a benchmark, a layer over many batches) pays a dict
    lookup instead of the cost and memory models.

    Examples
    --------
    >>> from refconv.spec import plain_spec
    >>> spec = plain_spec("f", (8,), (3,))
    >>> resolve("correlate", "auto", np.zeros((1, 1, 1, 8)), np.zeros((1, 1, 1, 3)), spec, 11)
    'direct'
    >>> resolve("correlate", "sparse", np.zeros((1, 1, 1, 8)), np.zeros((1, 1, 1, 3)), spec, 11)
    'sparse'
    """
    key = (func, method, x.shape, x.dtype, w.shape, w.dtype, spec, given, spec_module.CELL_LIMIT)
    key += (DIRECT_COST, GEMM_COST, GEMM_NARROW_IN, GEMM_NARROW_OUT, FFT_COST, direct.IM2COL_BUDGET, fft.CHUNK_BYTES)
    name = _RESOLVED.get(key)
    if name is None:
        check_budget(func, method, x, w, spec, given)
        name = choose_method(x, w, spec, given=given) if method == "auto" else method
        if len(_RESOLVED) >= 1024:  # a bound, not a policy: any eviction only costs a recomputation
            _RESOLVED.clear()
        _RESOLVED[key] = name
    return name


def correlate_auto(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Run the method :func:`choose_method` picks."""
    return METHODS[choose_method(x, w, spec)](x, w, spec)


#: name -> function(x, w, spec) on channel-form operands.  The fft, dense and sparse entries are
#: wrapped so that NaN and inf reach exactly the outputs the direct method gives them to (see
#: "NaN and inf" in the module docstring); ``METHODS[name].__wrapped__`` is the raw method.
METHODS: dict[str, Callable] = {
    "auto": correlate_auto,
    "direct": correlate_direct,
    "fft": like_direct_on_nonfinite(correlate_fft),
    "dense": like_direct_on_nonfinite(correlate_dense),
    "sparse": like_direct_on_nonfinite(correlate_sparse),
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
