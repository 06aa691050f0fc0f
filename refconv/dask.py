"""refconv on Dask arrays: exact correlation, convolution, layers and pools out of core.

Install the extra: ``pip install 'refconv[dask]'``.  Every function takes a ``dask.array.Array``
(a NumPy array is wrapped) and returns a lazy ``dask.array.Array`` whose blocks are computed by
refconv's in-memory functions, so values are exactly the in-memory results for exact dtypes.

How a problem is cut (one geometry: the spec's)
-----------------------------------------------
Along each spatial axis the spec says: pad ``lo``/``hi`` cells by the boundary rule, then output
``o`` reads padded cells ``o*s .. o*s + extent - 1`` (``extent = d*(k-1) + 1``).  So:

1. the input is padded lazily, by the same index map as in memory
   (:func:`refconv._taps.padded_index`: ``da.take`` for wrap/reflect/symmetric/edge, ``da.pad``
   with the fill value for a constant boundary);
2. output chunks are chosen from the input's chunks, and the padded input is rechunked so that
   output chunk ``[a, b)`` owns padded cells ``[a*s, b*s)`` — chunk starts are multiples of the
   stride, so strided windows line up across chunk boundaries;
3. each chunk borrows a halo of ``max(extent - s, 0)`` cells from its right neighbour
   (``dask.array.overlap.overlap`` with depth ``(0, halo)``; chunks smaller than the halo are
   merged first);
4. ``map_blocks`` runs the in-memory function in "valid" mode on each haloed chunk.

Exactness
---------
The no-overflow rule is :mod:`refconv._arith`'s, decided once for the whole array so that
every block has one dtype: integer inputs give ``int64`` when ``max|x| * max_c sum|w_c|
(+ max|bias|) < 2**63``, else object arrays of Python ints.  For dtypes up to 32 bits the
dtype's range proves the bound for any kernel of practical size, so nothing is computed early;
for ``int64``/``uint64`` inputs one eager ``min``/``max`` reduction finds the values' range
first (an extra pass over a lazily generated input).  Values and dtype then equal the in-memory
result's.

Clusters
--------
Nothing here is tied to a scheduler: ``.compute()`` runs on the threaded scheduler, or on any
``dask.distributed`` cluster once a ``Client`` is connected (``LocalCluster`` or remote).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import convolution, layer, pooling
from ._arith import INT64_MAX, _abs_sum_max, accumulator, as_operand, check_rank
from ._taps import FILL, padded_index
from ._validation import check_choice, fail, shape_tuple
from .conventions import PADDING_MODES
from .spec import AxisGeometry, ConvSpec, check_cells, layer_spec, plain_spec, pool_spec

try:
    import dask.array as da
    from dask.array.overlap import overlap as _overlap
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("refconv.dask needs Dask: pip install 'refconv[dask]'") from exc


def _as_dask(func: str, x: Any) -> da.Array:
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


def _result_dtype(func: str, x: da.Array, w: np.ndarray, lead: int, extra: int = 0) -> np.dtype:
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


def _check_padding(func: str, name: str, value: Any, x: da.Array, spec: ConvSpec, axes: tuple[int, ...]) -> None:
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


def _blocked(
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


def _plain(func: str, x: Any, w: Any, flip: bool, mode, stride, dilation, boundary, method) -> da.Array:
    x = _as_dask(func, x)
    w = as_operand(func, "w", w)
    spec = plain_spec(func, x.shape, w.shape, mode=mode, stride=stride, dilation=dilation, boundary=boundary)
    axes = tuple(range(x.ndim))
    _check_padding(func, "mode", mode, x, spec, axes)
    kernel = np.flip(w) if flip else w
    dtype = _result_dtype(func, x, kernel[None], lead=1)

    def block(b: np.ndarray) -> np.ndarray:
        # Errors in a block name the function the user called (the kernel is already flipped).
        return convolution._plain(
            func,
            b,
            kernel,
            flip=False,
            mode="valid",
            stride=spec.stride,
            dilation=spec.dilation,
            boundary="constant",
            method=method,
        )

    return _blocked(x, spec, axes, 0, block, dtype)


def correlate(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    method: str = "auto",
) -> da.Array:
    """:func:`refconv.correlate` on a Dask array (``w`` in memory); lazy, exact per block.

    Examples
    --------
    >>> import dask.array as da
    >>> x = da.from_array(np.arange(10), chunks=3)
    >>> correlate(x, [1, 10], mode="same", stride=2).compute()   # 10*0, 1*1 + 10*2, 3 + 40, ...
    array([ 0, 21, 43, 65, 87])
    """
    return _plain("correlate", x, w, False, mode, stride, dilation, boundary, method)


def convolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    method: str = "auto",
) -> da.Array:
    """:func:`refconv.convolve` on a Dask array (``w`` in memory).

    Examples
    --------
    >>> import dask.array as da
    >>> convolve(da.from_array(np.arange(6), chunks=2), [1, 10, 100], mode="full").compute()
    array([  0,   1,  12, 123, 234, 345, 450, 500])
    """
    return _plain("convolve", x, w, True, mode, stride, dilation, boundary, method)


def conv(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    method: str = "auto",
) -> da.Array:
    """:func:`refconv.conv` on a Dask array ``(N, C_in, *spatial)``, chunked over batch and space.

    Input channels are gathered into one chunk (every output reads all channels of its group);
    output channels come out in chunks of ``C_out / groups`` per group.

    Examples
    --------
    >>> import dask.array as da
    >>> x = da.from_array(np.arange(12).reshape(1, 2, 6), chunks=(1, 1, 2))
    >>> conv(x, np.array([[[1, 1], [1, -1]]]), padding=1).compute()  # (0+0) + (0-6), (0+1) + (6-7), ...
    array([[[-6,  0,  2,  4,  6,  8, 16]]])
    """
    func = "conv"
    x = _as_dask(func, x)
    w = as_operand(func, "w", w)
    if bias is not None:
        bias = as_operand(func, "bias", bias)
    if x.ndim != w.ndim or w.ndim < 3:
        raise fail(
            func,
            "x.shape",
            x.shape,
            f"does not match w.shape={w.shape}",
            "x (N, C_in, *spatial) with w (C_out, C_in/groups, *kernel)",
        )
    boundary = PADDING_MODES[check_choice(func, "padding_mode", padding_mode, tuple(PADDING_MODES))]
    spec = layer_spec(
        func, x.shape[2:], w.shape[2:], padding=padding, stride=stride, dilation=dilation, boundary=boundary
    )
    _check_padding(func, "padding", padding, x, spec, tuple(range(2, x.ndim)))
    c_out = w.shape[0]
    if bias is not None:
        layer._check_bias(func, bias, c_out)  # at once, as in memory, not when computed
    if bias is not None and bias.dtype == object:  # Fractions, SymPy or big ints: exact objects
        dtype = np.dtype(object)
    elif bias is not None and bias.dtype.kind in "fc":  # NaN/inf biases too: no integer bound needed
        dtype = np.result_type(_result_dtype(func, x, w, lead=1), bias.dtype)
    else:
        extra = 0 if bias is None else int(np.max(np.abs(bias.astype(object)), initial=0))
        dtype = _result_dtype(func, x, w, lead=1, extra=extra)
    x = x.rechunk({1: -1})
    axes = tuple(range(2, x.ndim))

    def block(b: np.ndarray) -> np.ndarray:
        return layer.conv(b, w, bias, stride=spec.stride, dilation=spec.dilation, groups=groups, method=method)

    return _blocked(x, spec, axes, 0, block, dtype, out_lead={1: (c_out,)})


def _pool_setup(func: str, x: Any, kernel_size, stride, padding, dilation, ceil_mode, axes):
    x = _as_dask(func, x)
    kernel_size = shape_tuple(func, "kernel_size", kernel_size)  # as the in-memory _setup validates it
    probe_axes = pooling._axes(func, axes, x.ndim, len(kernel_size), kernel_size)
    spec = pool_spec(
        func,
        tuple(x.shape[a] for a in probe_axes),
        kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
    )
    _check_padding(func, "kernel_size", kernel_size, x, spec, probe_axes)  # ceil_mode's overhang, as in memory
    return x, spec, probe_axes


def max_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
) -> da.Array:
    """:func:`refconv.max_pool` on a Dask array (values; no indices).

    Padded and ceil-overhang cells never win: they hold ``-inf`` (floats), the dtype's minimum
    (integers) or, for exact object arrays, the least value of ``x`` (found by one eager pass, only
    when there is padding or overhang), and every window holds at least one input cell (torch's
    ``padding <= k/2``; a dilated window of padding only is refused for exact ``x``, as in memory),
    so the values equal :func:`refconv.max_pool`'s.

    Examples
    --------
    >>> import dask.array as da
    >>> max_pool(da.from_array(np.array([[3, 1, 4, 1, 5, 9, 2]]), chunks=(1, 2)), 2, ceil_mode=True).compute()
    array([[3, 4, 9, 2]])
    """
    func = "max_pool"
    x, spec, axes = _pool_setup(func, x, kernel_size, stride, padding, dilation, ceil_mode, axes)
    if x.dtype.kind == "c":
        raise fail(func, "x", x, "is complex, which has no order", "real numbers", TypeError)
    if x.dtype.kind != "f":
        pooling._refuse_empty(func, spec, dilation, padding)  # as in memory: no -inf for exact x
    if x.dtype.kind in "iu":
        fill = np.iinfo(x.dtype).min
    elif x.dtype.kind == "f":
        fill = -np.inf
    elif any(g.lo or g.hi or g.overhang for g in spec.axes):
        fill = _least(func, x)
    else:
        fill = 0

    def block(b: np.ndarray) -> np.ndarray:
        return pooling.max_pool(b, spec.kernel_shape, stride=spec.stride, dilation=spec.dilation, axes=axes)

    return _blocked(x, spec, axes, fill, block, x.dtype)


def _least(func: str, x: da.Array):
    """The least value of an exact object array: a padded cell holding it never changes a window's
    maximum, since every window also holds an input cell (an eager pass over ``x``)."""
    if x.size == 0:  # no window, no maximum: any fill will do
        return 0
    try:
        return x.min().compute()
    except TypeError as exc:
        raise pooling._unordered(func, x, exc) from None


def avg_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    axes: Any = None,
) -> da.Array:
    """:func:`refconv.avg_pool` on a Dask array: window sums per block, then the divisor.

    The sums are the in-memory window sums (zeros in padded and overhang cells); the divisor of
    each output — ``divisor_override``, or the count of window cells inside the padded input
    (``count_include_pad``) or inside the input — comes from the geometry block by block, and the
    division is the in-memory one, so floats are bit-identical and exact inputs give the same
    Fractions.

    Examples
    --------
    >>> import dask.array as da
    >>> avg_pool(da.from_array(np.array([1, 2, 3, 4, 5]), chunks=2), 2, padding=1,
    ...          count_include_pad=False).compute().tolist()
    [Fraction(1, 1), Fraction(5, 2), Fraction(9, 2)]
    """
    func = "avg_pool"
    x, spec, axes = _pool_setup(func, x, kernel_size, stride, padding, 1, ceil_mode, axes)
    pooling.avg_pool(
        np.zeros((1,) * x.ndim, dtype=x.dtype),
        (1,) * len(axes),
        axes=axes,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    )  # validate flags
    given = x.dtype
    if x.dtype.kind == "f" and accumulator(x.dtype) != x.dtype:
        # float16: window sums in float64 (the in-memory accumulator), rounded once after the division.
        x = x.astype(accumulator(x.dtype))
    dtype = np.dtype(object) if x.dtype.kind in "iuO" else x.dtype
    result = dtype if dtype.kind == "O" else given

    def block(b: np.ndarray) -> np.ndarray:
        return pooling.avg_pool(b, spec.kernel_shape, stride=spec.stride, divisor_override=1, axes=axes)

    sums = _blocked(x, spec, axes, 0, block, dtype)
    if count_include_pad:
        edges = (lambda g: -g.lo, lambda g: g.n + g.hi)
    else:
        edges = (lambda g: 0, lambda g: g.n)

    def divide(total: np.ndarray, block_info=None) -> np.ndarray:
        if divisor_override is not None:
            divisor = np.array(int(divisor_override))
        else:
            where = block_info[0]["array-location"]
            divisor = pooling._counts(spec, *edges, outputs=tuple(range(*where[a]) for a in axes))
            # _counts orders its axes as `axes` lists them; the block orders them as x does.
            divisor = np.transpose(divisor, [axes.index(a) for a in sorted(axes)])
            divisor = divisor.reshape(tuple(total.shape[a] if a in axes else 1 for a in range(ndim)))
        if dtype.kind != "O":
            with np.errstate(**pooling._IEEE):
                return (total / divisor.astype(total.real.dtype)).astype(result, copy=False)
        return pooling._ratio(total, divisor)

    ndim = x.ndim
    return sums.map_blocks(divide, dtype=result, meta=np.empty((0,) * x.ndim, dtype=result))


def lp_pool(
    x: Any, p: float, kernel_size: Any, *, stride: Any = None, ceil_mode: bool = False, axes: Any = None
) -> da.Array:
    """:func:`refconv.lp_pool` on a Dask array: ceil overhang cells hold 0, which adds nothing.

    Examples
    --------
    >>> import dask.array as da
    >>> lp_pool(da.from_array(np.array([3, 4, 0, 5, 12]), chunks=2), 2, 2, ceil_mode=True).compute().tolist()
    [5, 5, 12]
    """
    func = "lp_pool"
    x, spec, axes = _pool_setup(func, x, kernel_size, stride, 0, 1, ceil_mode, axes)
    probe = pooling.lp_pool(np.zeros((1,) * x.ndim, dtype=x.dtype), p, (1,) * len(axes), axes=axes)

    def block(b: np.ndarray) -> np.ndarray:
        return pooling.lp_pool(b, p, spec.kernel_shape, stride=spec.stride, axes=axes)

    return _blocked(x, spec, axes, 0, block, probe.dtype)


__all__ = ["correlate", "convolve", "conv", "max_pool", "avg_pool", "lp_pool"]
