"""The direct method: the sum over kernel taps of shifted, scaled views of the padded input.

Operands arrive in *channel form*: ``x`` of shape ``(B, G, Ci, *spatial)`` and ``w`` of shape
``(G, Co, Ci, *kernel)``; the result has shape ``(B, G, Co, *out)``.  A plain correlation is the
case ``B = G = Ci = Co = 1``; the layer function's batches, channels and groups are the same core
with larger leading axes — one code path for every rank.

Three regimes, one geometry (every view is ``padded[..., tap_slices(spec, tap)]``):

* **one channel per group** (``Ci = Co = 1``: a plain correlation, a depthwise layer with any
  ``G`` and batch) — one array operation per tap: ``out += w[g, t] * view_t``, in row-major tap
  order, the weight per plane broadcast over space (a weight every group shares is applied as
  one Python number).  A shared weight of ``+1``/``-1`` is applied as an addition/subtraction
  (multiplying by ``±1`` is exact, so the result is bit-identical to the multiply; it saves a
  pass, and the first two taps fuse when both are ``±1``).  Floats are thus summed in tap
  order, each product and each addition rounded in the result dtype; int64 is exact under
  :mod:`refconv._arith`'s bound.  The ``B*G`` planes run in slabs of about
  :data:`SLAB_ELEMENTS` outputs, each padded on its own into a reused buffer, so a slab and its
  views stay in cache across the taps; with every stride 1 a tap's view of a slab is one flat
  run of memory per plane (the rows' pads are computed along, written into the result and
  dropped by the view returned).  No BLAS: the slabs run as tasks on the threads BLAS is
  allowed (:func:`refconv._gemm.blocks_in_parallel`), each computing its outputs with the same
  operations whatever the thread, so the bits never depend on the thread count.
* **channels, every stride 1** (but few channels and taps, :data:`FLAT_CHANNELS`) — one GEMM
  per tap on flat runs of the padded planes
  (:func:`_flat_gemm`): a tap's inputs for a run of outputs are a view, so nothing is copied
  but each task's padded rows, and the GEMMs add into the output in place
  (:func:`refconv._gemm.shifted_gemm_sum`), in tasks whose bits do not depend on the thread
  count.
* **channels, other strides** (and fewer channels) — im2col: the views of the taps are stacked
  into a ``(Ci*T, positions)`` matrix and multiplied by the ``(Co, Ci*T)`` weight matrix.  BLAS
  floats do it per image, group and run of output rows (:func:`_im2col_tasks`: a cache-sized
  copy, a GEMM straight into the output, tasks whose bits do not depend on the thread count);
  int64 the same way on exact float64 limbs (:func:`refconv._gemm.int64_by_float_limbs`); other
  dtypes (and int64 with a ``-2**63`` entry, which has no limbs) per chunk of taps over the whole
  batch, under :data:`IM2COL_BUDGET` bytes, through :func:`refconv._gemm.matmul`
  (:func:`_im2col_chunks`).  Floats are summed in the GEMM's order (the ``gamma_n`` bound covers
  any order).
* **exact rationals** — object arrays whose entries are all ``int``/``Fraction`` are scaled to
  integers by the common denominator (:mod:`refconv.methods._rational`), computed in ``int64``
  when the no-overflow bound of :mod:`refconv._arith` allows (else Python ints), and divided
  back once per output: exact, and far faster than a loop of ``Fraction`` operations.  Many
  coprime denominators make that common denominator huge (thousands of bits: every product
  pays for its length and every output's final reduction for its square), so past
  ``_rational.SCALE_BITS`` bits the ``Fraction`` entries are summed as they are, one exact
  ``Fraction`` multiply-add per tap — the cost of a plain loop.
  SymPy entries run in Python arithmetic.

Operands arrive in one dtype, the result's (the callers convert them: :func:`refconv._arith.convert`).

Memory: besides the padded input, the output (and a scratch of its size) and exact scaled
copies of the operands — arrays of the shapes :func:`refconv.spec.check_spec_cells` budgets —
the method holds its tasks' buffers, about :data:`TASK_BYTES` each for at most
:data:`refconv._gemm.MAX_THREADS` tasks at once, or for other dtypes one im2col chunk, at most
:data:`IM2COL_BUDGET` (256 MB, under the 800 MB budget of :mod:`refconv.spec`) unless a single
tap needs more (:func:`working_set`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._gemm import (
    BLAS_DTYPES,
    MAX_THREADS,
    blocks_in_parallel,
    gemm_into,
    int64_by_float_limbs,
    matmul,
    shifted_gemm_sum,
)
from .._taps import all_tap_slices, pad, slab_padder, tap_slices, taps
from ..spec import ConvSpec
from ._rational import rescale, scaled_integers

__all__ = [
    "IM2COL_BUDGET",
    "TASK_BYTES",
    "FLAT_CHANNELS",
    "SLAB_ELEMENTS",
    "correlate_direct",
    "working_set",
]

#: Largest im2col buffer, in bytes, before taps are processed in chunks.
IM2COL_BUDGET = 1 << 28

#: Bytes of input slab and output a task of the stride-1 GEMM holds: about a core's L2 (measured
#: on the speed table's ResNet layer, 64 + 64 float32 channels, one thread: tasks of a whole
#: 56-row image, 1.7 MiB, 16.4 ms; of 28 rows 19.5 ms; of 14 rows 21.5 ms).
TASK_BYTES = 1 << 21


#: Input channels below which a stride-1 layer whose im2col columns are few (``Ci*T <= 256``)
#: runs as im2col's one GEMM of ``Ci*T`` terms per task rather than one GEMM of ``Ci`` terms per
#: tap (:func:`_flat_gemm`).  Measured, float32, 2 cores (flat over im2col): 3 -> 64 channels
#: 3x3 on 8 x 224 x 224 1.41x, 3 -> 64 7x7 1.80x, but 3 -> 16 11x11 0.51x and 3 -> 8 21x21
#: 0.33x (im2col stacks 121 and 441 taps); 4 -> 16 5x5 0.70x, 8 -> 32 3x3 0.80x, 8 -> 8 1.17x,
#: 12 -> 24 1.37x, 16 -> 16 0.69x, 64 -> 64 on 56x56 0.62x, 128 -> 128 on 28x28 0.79x.
FLAT_CHANNELS = 4

#: Output elements per slab (of planes and rows) in the one-channel loop: 1 MiB of float64, and
#: the same bytes of other dtypes.  Slabs are the tasks of the threads, and each NumPy call of a
#: thread hands the GIL over, so fewer, longer calls beat slabs that fit a core's L2.  On the
#: speed table's depthwise layer (float32, 2 cores), best of 60 calls in three alternating runs:
#: slabs of 128K float32 outputs 4.3-5.3 ms (Zen 4; 3.3-3.4 on a Zen 5 VM), of 256K 4.0-4.2 (3.1-3.8),
#: of 512K 3.9-4.2; medians 5.6-7.4, 4.4-5.6 and 4.4-5.6 ms.
SLAB_ELEMENTS = 1 << 17


def correlate_direct(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlate channel-form ``x`` with channel-form ``w`` (see the module docstring)."""
    if x.dtype == object:
        scaled = scaled_integers(x, w)  # int64 when the bound allows, else Python ints
        if scaled is not None:
            return rescale(_views_times_taps(scaled.x, scaled.w, spec), scaled.denominator, scaled.fractions)
    return _views_times_taps(x, w, spec)


def _views_times_taps(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    if x.shape[2] == w.shape[1] == 1:  # one channel per group: a plain correlation, a depthwise layer
        return _scaled_view_sum(x, w.reshape(w.shape[0], spec.taps), spec)
    if _per_tap_gemms(x.shape[2], x.dtype, spec):
        return _flat_gemm(x, w, spec)
    return _im2col(_padded(x, spec), w, spec)


def _padded(x: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Channel-form ``x`` with its spatial axes (after the first three) padded by ``spec``."""
    return pad(x, spec, tuple(range(3, 3 + spec.ndim)))


def _per_tap_gemms(channels: int, dtype: np.dtype, spec: ConvSpec) -> bool:
    """Whether a layer of ``channels`` input channels runs :func:`_flat_gemm` (else im2col):
    every stride 1, a numeric dtype, and not so few channels and taps that stacking them wins."""
    narrow = channels < FLAT_CHANNELS and channels * spec.taps <= 256  # few columns to stack
    return all(g.stride == 1 for g in spec.axes) and dtype.kind in "fci" and not narrow


def _scaled_view_sum(x: np.ndarray, kernel: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """``out[b, g] = sum_t kernel[g, t] * view_t(x[b, g])`` in row-major tap order, for
    ``x`` of shape ``(B, G, 1, *spatial)`` and ``kernel`` of shape ``(G, T)``.

    The ``B*G`` planes are computed in slabs (:func:`_slabs`), each padded on its own so that a
    slab, its pads and its views stay in cache across the taps; the slabs are the tasks of
    :func:`refconv._gemm.blocks_in_parallel`, and an output is computed by the same operations
    whichever thread runs its slab.
    """
    B, G = x.shape[:2]
    dtype = x.dtype
    if (
        B * G * math.prod(spec.output_shape) == 0
    ):  # a zero-size batch (or group): nothing to sum (torch returns the shape)
        return np.empty((B, G, 1, *spec.output_shape), dtype=dtype)
    planes = x.reshape(B * G, *x.shape[3:])
    per_tap = _tap_weights(kernel, B)
    # With every stride 1, a tap's view of a C-contiguous padded slab is one run of memory per
    # plane once each output row is taken as long as a padded row (the extra outputs read real
    # cells and are dropped): NumPy then loops over long runs instead of short output rows.
    flat = dtype.kind != "O" and spec.ndim > 1 and all(g.stride == 1 for g in spec.axes)
    slabs = _slabs(B * G, spec, dtype)
    # Slabs run on several threads pad into a buffer per thread.
    padder = slab_padder(planes, spec, max(p1 - p0 for (p0, p1), _ in slabs), per_thread=len(slabs) > 1)
    if flat and len(slabs) == 1 and len(slabs[0][1]) == 1:
        # One block (two taps or fewer, or a small problem): the flat sum's wide rows are the
        # output itself, returned as a view that drops each row's tail; no copy into an output
        # array (nor a second output-sized allocation, which costs its page faults every call).
        weights = [c.reshape(B * G, 1) if isinstance(c, np.ndarray) else c for c in per_tap]
        wide = _flat_wide(np.ascontiguousarray(padder(0, B * G)), weights, spec, (0, spec.output_shape[0]), dtype)
        return wide.reshape(B, G, 1, *spec.output_shape)
    if flat:  # every plane's rows as long as a padded row, written in place by the slabs
        grid = tuple(g.padded + g.overhang for g in spec.axes[1:])  # a padded plane's rows, as slab_padder pads
        row = math.prod(grid)
        wide = np.empty((B * G, spec.output_shape[0] * row), dtype=dtype)
        kept = (slice(None), slice(None), *(slice(0, o) for o in spec.output_shape[1:]))
        out = wide.reshape(B * G, spec.output_shape[0], *grid)[kept]
    else:
        out = np.empty((B, G, 1, *spec.output_shape), dtype=dtype)

    def slab(block: tuple) -> None:
        (p0, p1), row_slabs = block
        padded = padder(p0, p1)
        if flat:
            padded = np.ascontiguousarray(padded)
        shape = (p1 - p0,) + (1,) * (1 if flat else spec.ndim)  # a per-plane weight broadcasts over space
        weights = [c[p0:p1].reshape(shape) if isinstance(c, np.ndarray) else c for c in per_tap]
        for r0, r1 in row_slabs:
            if flat:
                _flat_wide(padded, weights, spec, (r0, r1), dtype, into=wide[p0:p1, r0 * row : r1 * row])
            else:
                target = out.reshape(B * G, *spec.output_shape)[p0:p1, r0:r1]
                _tap_sum((padded[(Ellipsis, *s)] for s in all_tap_slices(spec, (r0, r1))), weights, target)

    if len(slabs) == 1:  # a small problem: not worth holding BLAS's threads (14 us a call)
        slab(slabs[0])
    else:  # the slabs run concurrently
        blocks_in_parallel(slabs, slab)
    return out.reshape(B, G, 1, *spec.output_shape)


def _tap_weights(kernel: np.ndarray, batch: int) -> list:
    """Per tap, the weight every group shares as a Python number (cheaper to test and apply, and
    ``±1`` becomes an addition), or the column of per-plane weights ``(batch*G,)``."""
    if kernel.shape[0] == 1:
        return kernel[0].tolist()
    out = []
    for column in np.ascontiguousarray(kernel.T):
        # Bitwise equal, so -0.0 is not 0.0 (the sign of a zero product can reach the output).
        bits = column.view(np.uint8).reshape(len(column), -1) if column.dtype.kind != "O" else None
        out.append(np.tile(column, batch) if bits is None or (bits != bits[0]).any() else column[0].item())
    return out


def _slabs(planes: int, spec: ConvSpec, dtype: np.dtype) -> list:
    """``[((p0, p1), [rows, ...]), ...]``: blocks of planes and of output rows (first output axis)
    of about :data:`SLAB_ELEMENTS` outputs each (float64's bytes: twice the outputs of float32)
    — whole planes when one fits, else rows of every plane when one row of each fits, else rows
    of one plane.  With two taps or fewer (fused into one pass) or Python objects there is
    nothing to keep in cache: one block."""
    first_axis = spec.output_shape[0]
    row = math.prod(spec.output_shape[1:])
    if dtype.kind == "O" or spec.taps <= 2:
        return [((0, planes), [(0, first_axis)])]
    limit = max(1, SLAB_ELEMENTS * 8 // dtype.itemsize)
    if row * first_axis <= limit:
        step = limit // (row * first_axis)
        return [((p, min(p + step, planes)), [(0, first_axis)]) for p in range(0, planes, step)]
    if planes * row <= limit:
        step = limit // (planes * row)
        return [((0, planes), [(r, min(r + step, first_axis)) for r in range(0, first_axis, step)])]
    step = max(1, limit // row)
    rows = [(r, min(r + step, first_axis)) for r in range(0, first_axis, step)]
    return [((p, p + 1), rows) for p in range(planes)]


def _flat_wide(
    padded: np.ndarray, weights: list, spec: ConvSpec, rows: tuple, dtype: np.dtype, into=None
) -> np.ndarray:
    """The slab's outputs for output rows ``rows``, as a view of rows as long as a padded row
    (one contiguous run per plane for NumPy to loop over; the extra outputs read real cells and
    are dropped by the view), computed in ``into`` (``(planes, len(rows) * row)``, rows with a
    unit step) where given, else in a new array."""
    count, grid = padded.shape[0], padded.shape[1:]
    steps, length, starts = _flat_plan(spec, rows, grid)
    n_rows = rows[1] - rows[0]
    cells = padded.reshape(count, -1)
    wide = np.empty((count, n_rows * steps[0]), dtype=dtype) if into is None else into
    _tap_sum((cells[:, s : s + length] for s in starts), weights, wide[:, :length])
    kept = (slice(None), slice(None), *(slice(0, o) for o in spec.output_shape[1:]))
    return wide.reshape(count, n_rows, *grid[1:])[kept]


@functools.lru_cache(maxsize=256)
def _flat_plan(spec: ConvSpec, rows: tuple, grid: tuple) -> tuple[list, int, list]:
    """``(steps, length, starts)`` of :func:`_flat_wide` (cached: small calls repeat them).

    Output ``(i, j, ...)`` of the slab is flat cell ``i*steps[0] + j*steps[1] + ...``; a tap
    reads the padded cell at the same flat offset from the tap's first cell, ``starts[t]``.
    """
    steps = [math.prod(grid[a + 1 :]) for a in range(len(grid))]
    n_rows = rows[1] - rows[0]
    length = (n_rows - 1) * steps[0] + sum((o - 1) * s for o, s in zip(spec.output_shape[1:], steps[1:])) + 1
    starts = [sum(s.start * step for s, step in zip(slices, steps)) for slices in all_tap_slices(spec, rows)]
    return steps, length, starts


def _tap_sum(views, weights: list, out: np.ndarray) -> None:
    """``out = sum_t weights[t] * views[t]`` in row-major tap order, written in place."""
    scratch = None
    pending = None  # a first term with weight ±1 not yet written: (view, weight)
    started = False
    for view, c in zip(views, weights):
        unit = _is_unit(c)
        if not started and pending is None and unit:
            pending = (view, c)
            continue
        if not started:
            if pending is None:
                _write(out, view, c)
            elif unit:  # p0 + p1 with both weights ±1: one signed addition
                (v0, c0), v1 = pending, view
                if c0 == 1 and c == 1:
                    np.add(v0, v1, out=out)
                elif c0 == 1:
                    np.subtract(v0, v1, out=out)
                elif c == 1:
                    np.subtract(v1, v0, out=out)
                else:  # (-v0) + (-v1) is (-v0) - v1; not -(v0 + v1), whose zero has the other sign
                    np.negative(v0, out=out)
                    np.subtract(out, v1, out=out)
            else:
                np.multiply(view, c, out=out)
                (np.add if pending[1] == 1 else np.subtract)(out, pending[0], out=out)
            started = True
        elif unit:
            (np.add if c == 1 else np.subtract)(out, view, out=out)
        else:
            if scratch is None:
                scratch = np.empty_like(out)
            np.multiply(view, c, out=scratch)
            np.add(out, scratch, out=out)
    if not started:  # a single tap of weight ±1
        _write(out, *pending)


def _is_unit(c) -> bool:
    if isinstance(c, np.ndarray):  # per-group weights: multiplied
        return False
    try:
        return bool(c == 1 or c == -1)
    except TypeError:  # pragma: no cover - exotic object entries
        return False


def _write(out: np.ndarray, view: np.ndarray, c) -> None:
    if _is_unit(c) and c == 1:
        np.copyto(out, view)
    elif _is_unit(c):
        np.negative(view, out=out)
    else:
        np.multiply(view, c, out=out)


def _im2col(padded: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    if padded.dtype in BLAS_DTYPES:
        return _im2col_tasks(padded, w, spec)
    if padded.dtype == np.int64:  # exact float64 limbs through the same tasks
        padded, w = np.asarray(padded, np.int64), np.asarray(w, np.int64)
        terms = spec.taps * padded.shape[2]
        # Where no limbs fit (a -2**63 entry, whose magnitude int64 cannot hold), the chunks, whose
        # products refconv._gemm.matmul hands to NumPy's own int64 loops.
        exact = functools.partial(_im2col_chunks, spec=spec)
        return int64_by_float_limbs(padded, w, terms, lambda a, b: _im2col_tasks(a, b, spec), exact)
    return _im2col_chunks(padded, w, spec)


def _im2col_chunks(padded: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """im2col over the whole batch, in chunks of taps under :data:`IM2COL_BUDGET` bytes: for the
    dtypes BLAS does not multiply (Python objects, float16, long double, int64 past its limbs)."""
    B, G, Ci = padded.shape[:3]
    Co, T, P = w.shape[1], spec.taps, math.prod(spec.output_shape)
    dtype = padded.dtype
    weights = w.reshape(G, Co, Ci, T)
    all_taps = list(taps(spec))
    per_tap = B * G * Ci * P * max(dtype.itemsize, 8)
    chunk = max(1, min(T, IM2COL_BUDGET // max(per_tap, 1)))
    out = None
    for start in range(0, T, chunk):
        part = all_taps[start : start + chunk]
        # (B, G, Ci, Tc, *out) -> (B, G, Ci*Tc, P): Ci-major, matching weights[..., Ci, Tc].
        cols = np.stack([padded[(Ellipsis, *tap_slices(spec, t))] for t in part], axis=3)
        cols = cols.reshape(B, G, Ci * len(part), P)
        wmat = weights[..., start : start + len(part)].reshape(G, Co, Ci * len(part))
        with np.errstate(invalid="ignore", over="ignore"):  # IEEE results (inf * 0 = NaN), as BLAS gives them
            term = matmul(wmat, cols)
            out = term if out is None else np.add(out, term, out=out)
        # Dropped before the next chunk is built: one chunk and one output-sized term held at a
        # time besides the output, as working_set counts.
        del cols, term
    return out.astype(dtype, copy=False).reshape(B, G, Co, *spec.output_shape)


def _im2col_tasks(padded: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """:func:`_im2col` for BLAS floats, in cache-sized tasks: per image, group and run of output
    rows, the views of every tap are stacked into one ``(Ci*T, positions)`` matrix of about
    :data:`TASK_BYTES` and multiplied by the ``(Co, Ci*T)`` weights straight into the output
    (:func:`refconv._gemm.gemm_into`).  The whole stacked copy never exists (a 7x7 stride-2
    layer of 3 channels on 8 x 224 x 224 would stack 59 MB), and the tasks run as
    :func:`_flat_gemm`'s do, with bits that do not depend on the thread count."""
    B, G, Ci = padded.shape[:3]
    Co, T, dtype = w.shape[1], spec.taps, padded.dtype
    first, row = spec.output_shape[0], math.prod(spec.output_shape[1:])
    weights = np.ascontiguousarray(w.reshape(G, Co, Ci * T), dtype=dtype)  # Ci-major, as stacked
    out = np.empty((B, G, Co, first * row), dtype=dtype)
    rows = _task_rows(first, row, (Ci * T + Co) * dtype.itemsize)

    def work(b: int, g: int, r0: int, r1: int) -> None:
        cols = np.stack([padded[(b, g, slice(None), *s)] for s in all_tap_slices(spec, (r0, r1))], axis=1)
        gemm_into(weights[g], cols.reshape(Ci * T, -1), out[b, g, :, r0 * row : r1 * row])

    blocks_in_parallel(_row_tasks(work, B, G, first, rows), _call)
    return out.reshape(B, G, Co, *spec.output_shape)


def _flat_gemm(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The channels case with every stride 1: one GEMM per tap on flat runs of the padded planes.

    In a padded plane, output ``(i, j, ...)`` read through tap ``t`` is flat cell
    ``i*r_0 + j*r_1 + ... + offset_t`` (``r`` the padded plane's strides in cells), so the inputs
    a run of consecutive outputs reads through a tap are one ``(Ci, run)`` view of the padded
    channels (rows a plane apart): no im2col copy, and no channels-last copy either.  The outputs
    are ``sum_t w_t @ view_t``, one BLAS GEMM per tap (``(Co, Ci) @ (Ci, run)``) added in place
    into the run's ``(Co, run)`` block of a wide output (:func:`refconv._gemm.gemm_into`), in
    tap order; positions past a row's last output read real cells and are dropped.

    The work is cut into tasks, one per image, group and run of output rows
    (:func:`_task_rows`): a task copies its rows of the padded input into a slab and computes
    them into the output's rows (:func:`_gemm_tasks`).  Tasks are a property of the problem
    and each runs on one BLAS thread (:func:`refconv._gemm.blocks_in_parallel`), so the bits do
    not depend on the thread count.  int64 operands run as exact float64 limbs
    (:func:`refconv._gemm.int64_by_float_limbs`), or where none fit (a ``-2**63`` entry) as
    :func:`_im2col_chunks` in NumPy's own int64 arithmetic.
    """
    dtype = x.dtype
    if dtype == np.int64:
        x, w = np.asarray(x, np.int64), np.asarray(w, np.int64)
        exact = lambda a, b: _im2col_chunks(_padded(a, spec), b, spec)  # noqa: E731
        return int64_by_float_limbs(x, w, spec.taps * x.shape[2], lambda a, b: _flat_gemm(a, b, spec), exact)
    out_row = math.prod(spec.output_shape[1:])
    if math.prod(g.padded for g in spec.axes[1:]) <= 2 * out_row:
        tasks, out = _gemm_tasks(x, w, spec)
    else:  # narrow rows: a wide output would be mostly tails, past the output's budget; copy out
        out = np.empty((*x.shape[:2], w.shape[1], *spec.output_shape), dtype=dtype)

        def into_out(b: int, g: int, rows: slice, values: np.ndarray) -> None:
            out[b, g, :, rows] = values

        tasks, _ = _gemm_tasks(x, w, spec, into_out)
    blocks_in_parallel(tasks, _call)
    return out


def _call(task) -> None:
    task()


def _gemm_tasks(x: np.ndarray, w: np.ndarray, spec: ConvSpec, sink=None) -> tuple[list, np.ndarray | None]:
    """``(tasks, out)``: the tasks of :func:`_flat_gemm` (float operands), as zero-argument
    callables, and the array they fill.

    Each computes one image, group and run of output rows.  With a ``sink`` it hands them to
    ``sink(b, g, rows, values)``, ``values`` of shape ``(Co, len(rows), *out[1:])``, and ``out``
    is None.  Without, the GEMMs write straight into one output whose rows are as long as a
    padded row, and ``out`` is its view without the rows' tails: no copy of the result.
    """
    dtype = x.dtype
    B, G, Ci = x.shape[:3]
    Co, first_axis = w.shape[1], spec.output_shape[0]
    # A constant boundary is written into each task's slab around the interior; others pad once.
    inline = spec.boundary == "constant" and all(g.lo >= 0 and g.hi >= 0 for g in spec.axes)
    source = x if inline else _padded(x, spec)
    lo = tuple(g.lo if inline else 0 for g in spec.axes)
    plane = tuple(g.padded for g in spec.axes)
    steps = [math.prod(plane[a + 1 :]) for a in range(len(plane))]
    offsets = [sum(s.start * r for s, r in zip(slices, steps)) for slices in all_tap_slices(spec)]
    last = sum((o - 1) * r for o, r in zip(spec.output_shape[1:], steps[1:]))  # a row's last output
    # (G, Co, Ci, T) -> (G, T, Co, Ci): each tap's (Co, Ci) matrix, rows contiguous for BLAS.
    wt = np.ascontiguousarray(w.reshape(G, Co, Ci, spec.taps).transpose(0, 3, 1, 2), dtype=dtype)
    rows = _task_rows(first_axis, steps[0], (Ci + Co) * dtype.itemsize)
    kept = (slice(None), *(slice(0, o) for o in spec.output_shape[1:]))  # a row's outputs, not its tail
    # Rows as long as a padded row: a run of outputs is then one flat run, for BLAS to write.
    wide_out = None if sink else np.empty((B, G, Co, first_axis * steps[0]), dtype=dtype)

    def work(b: int, g: int, r0: int, r1: int) -> None:
        slab = _padded_rows(source[b, g], lo, plane, r0, r1 + plane[0] - first_axis).reshape(Ci, -1)
        if sink:
            wide = np.empty((Co, (r1 - r0) * steps[0]), dtype=dtype)
        else:
            wide = wide_out[b, g, :, r0 * steps[0] : r1 * steps[0]]
        count = (r1 - r0 - 1) * steps[0] + last + 1
        shifted_gemm_sum(wt[g], slab, offsets, wide[:, :count])
        if sink:
            sink(b, g, slice(r0, r1), wide.reshape(Co, r1 - r0, *plane[1:])[(slice(None), *kept)])

    tasks = _row_tasks(work, B, G, first_axis, rows)
    out = None if sink else wide_out.reshape(B, G, Co, first_axis, *plane[1:])[(Ellipsis, *kept)]
    return tasks, out


def _padded_rows(planes: np.ndarray, lo: tuple, plane: tuple, r0: int, r1: int) -> np.ndarray:
    """Padded rows ``r0 .. r1-1`` (first axis) of ``planes`` ``(Ci, *spatial)``, a new
    C-contiguous ``(Ci, r1 - r0, *plane[1:])`` array: the cells of ``planes`` sit ``lo`` cells
    into a padded ``plane`` of zeros."""
    slab = np.zeros((planes.shape[0], r1 - r0, *plane[1:]), dtype=planes.dtype)
    first = range(max(r0 - lo[0], 0), min(r1 - lo[0], planes.shape[1]))  # source rows in the slab
    if len(first):
        into = (slice(None), slice(first.start + lo[0] - r0, first.stop + lo[0] - r0))
        into += tuple(slice(a, a + n) for a, n in zip(lo[1:], planes.shape[2:]))
        slab[into] = planes[:, first.start : first.stop]
    return slab


def _task_rows(first_axis: int, row: int, per_position: int) -> int:
    """Output rows per task of :func:`_flat_gemm` and :func:`_im2col_tasks`: as many as keep a
    task's inputs and outputs near :data:`TASK_BYTES` (``per_position`` bytes per position of a
    row of ``row``), at least one."""
    return max(1, min(first_axis, TASK_BYTES // max(row * per_position, 1)))


def _row_tasks(work, batch: int, groups: int, first_axis: int, rows: int) -> list:
    """``work(b, g, r0, r1)`` for every image, group and run of ``rows`` output rows, as
    zero-argument tasks: a property of the problem, so the bits do not depend on the threads."""
    runs = [(r, min(r + rows, first_axis)) for r in range(0, first_axis, rows)]
    return [functools.partial(work, b, g, r0, r1) for b in range(batch) for g in range(groups) for r0, r1 in runs]


def working_set(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> int:
    """Bytes the direct method holds at once besides its operands and the arrays of the padded
    input's or the output's shape (each budgeted on its own by
    :func:`refconv.spec.check_spec_cells`).

    * One channel per group: nothing more (each thread's padded slab and scratch are parts of
      arrays of those shapes).
    * Channels, float or int64 operands (int64 as float64 limbs): the tasks in flight, at most
      :data:`refconv._gemm.MAX_THREADS` of them at once, each holding its inputs — a stride-1
      task its padded rows (with the kernel's reach of extra rows) and the output rows of a
      narrow layer, a strided task its stacked taps — :func:`_task_rows` keeps a task near
      :data:`TASK_BYTES`, one output row at least.
    * Other dtypes with channels (Python objects, strided float16 and long double): one im2col
      chunk over the whole batch, at most :data:`IM2COL_BUDGET` bytes, at least one tap.
    """
    B, G, Ci = x.shape[:3]
    Co = w.shape[1]
    if Ci == Co == 1:
        return 0
    dtype = np.dtype(object) if x.dtype == object or w.dtype == object else np.result_type(x, w)
    item = 8 if dtype == np.int64 else dtype.itemsize  # int64 runs as float64 limbs
    first = spec.output_shape[0] if spec.output_shape else 1
    if _per_tap_gemms(Ci, dtype, spec):  # _flat_gemm
        plane = [g.padded for g in spec.axes]
        row = math.prod(plane[1:])
        rows = _task_rows(first, row, (Ci + Co) * item)
        task = (Ci * (rows + plane[0] - first) + Co * rows) * row * item
    elif dtype in BLAS_DTYPES or dtype == np.int64:  # _im2col_tasks
        row = math.prod(spec.output_shape[1:])
        rows = _task_rows(first, row, (Ci * spec.taps + Co) * item)
        task = Ci * spec.taps * rows * row * item
    else:
        per_tap = B * G * Ci * math.prod(spec.output_shape) * max(item, 8)
        return max(per_tap, min(IM2COL_BUDGET, per_tap * spec.taps))
    return min(MAX_THREADS, B * G * -(-first // rows)) * task
