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

The cutting (lazy padding, chunks, halos, the blocks' dtype) is in ``refconv.dask._blocks``.

Clusters
--------
Nothing here is tied to a scheduler: ``.compute()`` runs on the threaded scheduler, or on any
``dask.distributed`` cluster once a ``Client`` is connected (``LocalCluster`` or remote).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import convolution, layer, pooling
from .._arith import accumulator, as_operand
from .._validation import fail, shape_tuple
from ..pooling import _average, _max, _windows
from ..spec import LayerCall, plain_spec, pool_spec

try:
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("refconv.dask needs Dask: pip install 'refconv[dask]'") from exc

from ._blocks import as_dask, blocked, check_padding, result_dtype

__all__ = ["correlate", "convolve", "conv", "max_pool", "avg_pool", "lp_pool"]


def _plain(func: str, x: Any, w: Any, flip: bool, mode, stride, dilation, boundary, method) -> da.Array:
    x = as_dask(func, x)
    w = as_operand(func, "w", w)
    spec = plain_spec(func, x.shape, w.shape, mode=mode, stride=stride, dilation=dilation, boundary=boundary)
    axes = tuple(range(x.ndim))
    check_padding(func, "mode", mode, x, spec, axes)
    kernel = np.flip(w) if flip else w
    dtype = result_dtype(func, x, kernel[None], lead=1)

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

    return blocked(x, spec, axes, 0, block, dtype)


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

    Parameters
    ----------
    x : dask.array.Array or array_like
        The input, any rank (a NumPy array is wrapped; exact object arrays are one chunk).
    w : array_like
        The kernel, in memory, of the same rank.
    mode : {"valid", "same", "full"}, int, tuple or pairs
        As in :func:`refconv.correlate` (centred "same").
    stride : int or tuple of int
        Per axis.
    dilation : int or tuple of int
        Per axis.
    boundary : str
        What a padded cell holds (``numpy.pad``'s names).
    method : str
        The in-memory method each block runs.

    Returns
    -------
    dask.array.Array
        Lazy; its blocks are the in-memory results, so values and dtype equal
        :func:`refconv.correlate`'s.

    See Also
    --------
    convolve : the same with the kernel flipped.
    refconv.correlate : the in-memory function.

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

    Parameters
    ----------
    x : dask.array.Array or array_like
        The input, any rank (a NumPy array is wrapped; exact object arrays are one chunk).
    w : array_like
        The kernel, in memory, of the same rank.
    mode : {"valid", "same", "full"}, int, tuple or pairs
        As in :func:`refconv.correlate` (centred "same").
    stride : int or tuple of int
        Per axis.
    dilation : int or tuple of int
        Per axis.
    boundary : str
        What a padded cell holds (``numpy.pad``'s names).
    method : str
        The in-memory method each block runs.

    Returns
    -------
    dask.array.Array
        Lazy; its blocks are the in-memory results, so values and dtype equal
        :func:`refconv.convolve`'s.

    See Also
    --------
    correlate : convolve is correlate with the kernel flipped.
    refconv.convolve : the in-memory function.

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
    output channels come out in one chunk.  The call is checked at once, with
    :func:`refconv.conv`'s refusals (:class:`refconv.spec.LayerCall`), not when computed.

    Parameters
    ----------
    x : dask.array.Array or array_like
        Input ``(N, C_in, *spatial)``, or unbatched ``(C_in, *spatial)`` as :func:`refconv.conv`
        takes it.
    w : array_like
        Weight ``(C_out, C_in/groups, *kernel)``, in memory.
    bias : array_like, optional
        ``(C_out,)``, in memory.
    stride : int or tuple of int
        Per spatial axis.
    padding : int, tuple of int, "valid", "same", "full" or pairs
        As in :func:`refconv.conv`.
    dilation : int or tuple of int
        Per spatial axis.
    groups : int
        Must divide ``C_in`` and ``C_out``.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        torch's names, as in :func:`refconv.conv`.
    method : str
        The in-memory method each block runs.

    Returns
    -------
    dask.array.Array
        Lazy ``(N, C_out, *out)`` (``(C_out, *out)`` unbatched), equal to :func:`refconv.conv`'s
        result.

    See Also
    --------
    refconv.conv : the in-memory layer.
    correlate : the plain correlation on a Dask array.

    Examples
    --------
    >>> import dask.array as da
    >>> x = da.from_array(np.arange(12).reshape(1, 2, 6), chunks=(1, 1, 2))
    >>> conv(x, np.array([[[1, 1], [1, -1]]]), padding=1).compute()  # (0+0) + (0-6), (0+1) + (6-7), ...
    array([[[-6,  0,  2,  4,  6,  8, 16]]])
    >>> import refconv
    >>> (conv(x[0], np.array([[[1, 1], [1, -1]]]), padding=1).compute() == refconv.conv(x[0].compute(),
    ...     np.array([[[1, 1], [1, -1]]]), padding=1)).all()             # unbatched, as in memory
    np.True_
    """
    func = "conv"
    # The in-memory normaliser, with x kept lazy: every refusal is refconv.conv's, at once.
    call = LayerCall.conv(
        func,
        x,
        w,
        bias,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        padding_mode=padding_mode,
        as_x=as_dask,
    )
    x, w, bias, spec = call.x, call.w, call.bias, call.spec
    check_padding(func, "padding", padding, x, spec, tuple(range(2, x.ndim)))
    if bias is not None and bias.dtype == object:  # Fractions, SymPy or big ints: exact objects
        dtype = np.dtype(object)
    elif bias is not None and bias.dtype.kind in "fc":  # NaN/inf biases too: no integer bound needed
        dtype = np.result_type(result_dtype(func, x, w, lead=1), bias.dtype)
    else:
        extra = 0 if bias is None else int(np.max(np.abs(bias.astype(object)), initial=0))
        dtype = result_dtype(func, x, w, lead=1, extra=extra)
    x = x.rechunk({1: -1})

    def block(b: np.ndarray) -> np.ndarray:
        return layer.conv(b, w, bias, stride=spec.stride, dilation=spec.dilation, groups=groups, method=method)

    y = blocked(x, spec, tuple(range(2, x.ndim)), 0, block, dtype, out_lead={1: (call.c_out,)})
    return y if call.batched else y[0]


def _pool_setup(func: str, x: Any, kernel_size, stride, padding, dilation, ceil_mode, axes):
    x = as_dask(func, x)
    # as the in-memory _setup validates it (one length serves every named axis)
    kernel_size = _windows._one_for_all(shape_tuple(func, "kernel_size", kernel_size), axes)
    probe_axes = _windows._axes(func, axes, x.ndim, len(kernel_size), kernel_size)
    spec = pool_spec(
        func,
        tuple(x.shape[a] for a in probe_axes),
        kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
    )
    check_padding(func, "kernel_size", kernel_size, x, spec, probe_axes)  # ceil_mode's overhang, as in memory
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

    Parameters
    ----------
    x : dask.array.Array or array_like
        The input.
    kernel_size : int or tuple of int
        The window, over the last ``len(kernel_size)`` axes unless ``axes`` names them.
    stride : int or tuple of int, optional
        Defaults to the window.
    padding : int, tuple of int or pairs
        At most ``kernel_size // 2`` per side, as in torch.
    dilation : int or tuple of int
        Per pooled axis.
    ceil_mode : bool
        torch's rule for the output length.
    axes : tuple of int, optional
        The pooled axes.

    Returns
    -------
    dask.array.Array
        Lazy window maxima, of ``x``'s dtype.

    See Also
    --------
    refconv.max_pool : the in-memory function (with indices).
    avg_pool : average pooling on a Dask array.

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
        # as in memory: no -inf for exact x
        _max._refuse_empty(func, spec, dilation, padding, "whose max is -inf", "float x gives -inf, as torch")
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

    return blocked(x, spec, axes, fill, block, x.dtype)


def _least(func: str, x: da.Array):
    """The least value of an exact object array: a padded cell holding it never changes a window's
    maximum, since every window also holds an input cell (an eager pass over ``x``)."""
    if x.size == 0:  # no window, no maximum: any fill will do
        return 0
    try:
        return x.min().compute()
    except TypeError as exc:
        raise _windows._unordered(func, x, exc) from None


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

    Parameters
    ----------
    x : dask.array.Array or array_like
        The input.
    kernel_size : int or tuple of int
        The window, over the last ``len(kernel_size)`` axes unless ``axes`` names them.
    stride : int or tuple of int, optional
        Defaults to the window.
    padding : int, tuple of int or pairs
        At most ``kernel_size // 2`` per side, as in torch.
    ceil_mode : bool
        torch's rule for the output length.
    count_include_pad : bool
        Whether padded cells count in the divisor.
    divisor_override : int, optional
        A fixed divisor instead.
    axes : tuple of int, optional
        The pooled axes.

    Returns
    -------
    dask.array.Array
        Lazy window averages: ``Fraction`` objects for exact inputs, ``x``'s float dtype for floats.

    See Also
    --------
    refconv.avg_pool : the in-memory function.
    max_pool : max pooling on a Dask array.

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

    sums = blocked(x, spec, axes, 0, block, dtype)
    if count_include_pad:
        edges = (lambda g: -g.lo, lambda g: g.n + g.hi)
    else:
        edges = (lambda g: 0, lambda g: g.n)

    def divide(total: np.ndarray, block_info=None) -> np.ndarray:
        if divisor_override is not None:
            divisor = np.array(int(divisor_override))
        else:
            where = block_info[0]["array-location"]
            divisor = _average._counts(spec, *edges, outputs=tuple(range(*where[a]) for a in axes))
            # _counts orders its axes as `axes` lists them; the block orders them as x does.
            divisor = np.transpose(divisor, [axes.index(a) for a in sorted(axes)])
            divisor = divisor.reshape(tuple(total.shape[a] if a in axes else 1 for a in range(ndim)))
        if dtype.kind != "O":
            with np.errstate(**_windows._IEEE):
                return (total / divisor.astype(total.real.dtype)).astype(result, copy=False)
        return _windows._ratio(total, divisor)

    ndim = x.ndim
    return sums.map_blocks(divide, dtype=result, meta=np.empty((0,) * x.ndim, dtype=result))


def lp_pool(
    x: Any, p: float, kernel_size: Any, *, stride: Any = None, ceil_mode: bool = False, axes: Any = None
) -> da.Array:
    """:func:`refconv.lp_pool` on a Dask array: ceil overhang cells hold 0, which adds nothing.

    Parameters
    ----------
    x : dask.array.Array or array_like
        The input.
    p : float
        The power: ``(sum |v|**p) ** (1/p)`` per window.
    kernel_size : int or tuple of int
        The window, over the last ``len(kernel_size)`` axes unless ``axes`` names them.
    stride : int or tuple of int, optional
        Defaults to the window.
    ceil_mode : bool
        torch's rule for the output length.
    axes : tuple of int, optional
        The pooled axes.

    Returns
    -------
    dask.array.Array
        Lazy, of the dtype :func:`refconv.lp_pool` gives ``x``.

    See Also
    --------
    refconv.lp_pool : the in-memory function.
    avg_pool : average pooling on a Dask array.

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

    return blocked(x, spec, axes, 0, block, probe.dtype)
