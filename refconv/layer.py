"""Layer functions with PyTorch's conventions: ``conv`` and ``conv_transpose``, any spatial rank, exact.

Both are compositions around the one direct core (:mod:`refconv.methods`), which works on
*channel form* operands ``x (B, G, Ci, *S)`` and ``w (G, Co, Ci, *K)``:

* :func:`conv` reshapes ``x (N, C_in, *S)`` to ``(N, G, C_in/G, *S)`` and the weight
  ``(C_out, C_in/G, *K)`` to ``(G, C_out/G, C_in/G, *K)``; the geometry is
  :class:`refconv.spec.LayerCall`'s, so batches, channels, groups and every rank share one path.
* :func:`conv_transpose` is the exact adjoint of :func:`conv`.  Its geometry is the forward
  convolution of :func:`refconv.spec.transpose_spec`; the adjoint is computed as a correlation on
  the same core: the input is dilated by the stride (zeros between cells), the kernel is
  flipped and its two channel axes swapped, and the pads become ``d*(k-1) - pad`` on each side
  (a negative pad there means cropping the dilated input).

Exactness, float summation order and error messages are those of :func:`refconv.correlate`;
the bias is added after the sum over taps and channels, in the same arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arith import convert, domain, finish
from .conventions import PADDING_MODES as PADDING_MODES  # importable from here, as before
from .methods import METHODS, get_method, resolve
from .methods.adjoint import correlate_direct_adjoint
from .spec import ConvSpec, LayerCall, adjoint_spec, check_cells, check_spec_cells, held_cells, plain_spec

__all__ = ["conv", "conv_transpose"]


def _run(func, method, x, w, bias, spec: ConvSpec | None, out_shape, prepare, adjoint=None):
    """Shared tail: arithmetic domain, channel-form core call, bias, exact finish.

    ``w`` is the channel-form kernel ``(G, Co, Ci, *K)``, so ``lead=2`` makes the no-overflow
    bound take the maximum over output channels of the weights each one sums.  ``prepare`` turns
    the converted ``x`` into the channel-form input of the correlation (a reshape for conv; the
    stride dilation and crop for conv_transpose).  ``spec=None`` means no input cell reaches
    the output (a transposed output made of output padding only): zeros, plus the bias.
    ``adjoint(x, w)``, when given, is how the direct method (and "auto") runs int64 and float
    operands instead (conv_transpose's col2im).
    """
    operands = {"x": x, "w": w} if bias is None else {"x": x, "w": w, "bias": bias}
    kind = domain(func, operands, lead=2)
    get_method(func, method, kind)  # the method's name, and its refusal of exact operands
    dtype = np.result_type(*operands.values()) if kind == "float" else None
    if spec is None:
        y = convert(np.zeros(out_shape, dtype=np.int64), kind, dtype)
    elif adjoint is not None and method in ("direct", "auto") and kind != "object":
        y = adjoint(convert(x, kind, dtype), convert(w, kind, dtype)).reshape(out_shape)
    else:
        xs, ws = prepare(convert(x, kind, dtype)), convert(w, kind, dtype)
        y = METHODS[resolve(func, method, xs, ws, spec, held_cells(x) + held_cells(w))](xs, ws, spec).reshape(out_shape)
        if adjoint is not None and kind == "float" and not (np.isfinite(x).all() and np.isfinite(w).all()):
            # The correlation over the dilated input multiplies an inf by the dilation zeros
            # (NaN); the adjoint never forms those products.  Its non-finite outputs are the
            # definition's, and where only this method's are non-finite it was such a product.
            exact = adjoint(convert(x, kind, dtype), convert(w, kind, dtype)).reshape(out_shape)
            y = np.where(np.isfinite(y) & np.isfinite(exact), y, exact)
    if bias is not None:
        y = y + convert(bias, kind, dtype).reshape((-1,) + (1,) * (len(out_shape) - 2))
    return finish(y, kind)


def _conv_call(func: str, x: Any, w: Any, bias: Any, **kwargs: Any) -> LayerCall:
    """A :func:`conv` call normalised (:meth:`refconv.spec.LayerCall.conv`) and its padded input
    and output budgeted (:data:`refconv.spec.CELL_LIMIT`).

    :func:`conv` and the fast-algorithm error bounds (:mod:`refconv.bounds`) both start here, so
    they accept and refuse the same calls.
    """
    call = LayerCall.conv(func, x, w, bias, **kwargs)
    x, w, spec = call.x, call.w, call.spec
    given = held_cells(x) + held_cells(w)  # a broadcast view holds little: its copies are paid in full
    lead_in, lead_out = (call.n, call.c_in), (call.n, call.c_out)
    check_spec_cells(func, "padding", kwargs.get("padding", 0), spec, lead_in=lead_in, lead_out=lead_out, given=given)
    return call


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
) -> np.ndarray:
    """The convolution layer (a cross-correlation), as ``torch.nn.functional.conv{1,2,3}d``, any rank.

    .. math::

        y_{n,c}(o) = b_c + \\sum_{i=0}^{C_i-1} \\sum_{m} x_{n,\\,gC_i+i}(o s + m d - \\ell)\\, w_{c,i}(m)

    that is ``y[n, c] = bias[c] + sum_{i, m} x[n, g*Ci + i](o*s + m*d - lo) * w[c, i](m)``, where
    ``g`` is the group of output channel ``c``, ``Ci = C_in/groups``, ``s`` the stride, ``d`` the
    dilation and ``lo`` the padding before (every index is per spatial axis).

    Parameters
    ----------
    x : array_like
        Input ``(N, C_in, *spatial)``, or unbatched ``(C_in, *spatial)`` as torch accepts.
        The batch may be empty.
    w : array_like
        Weight ``(C_out, C_in/groups, *kernel)``; ``len(kernel)`` is the spatial rank (1, 2, 3
        and up).
    bias : array_like, optional
        ``(C_out,)``, added to every output cell of its channel.
    stride, dilation : int or tuple of int
        Per spatial axis, as in torch.
    padding : int, tuple of int, "valid", "same", "full" or pairs
        As in torch (``"same"``: the larger half of ``d*(k-1)`` *after*, stride 1 only), plus
        explicit per-side pads ``((before, after), ...)`` as in ONNX and ``"full"``
        (``d*(k-1)`` on both sides).
    groups : int
        Must divide ``C_in`` and ``C_out``; ``groups == C_in`` is depthwise.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        torch's names (``torch.nn.ConvNd``); they are ``numpy.pad``'s ``constant``, ``reflect``,
        ``edge`` and ``wrap`` (:data:`PADDING_MODES`).
    method : {"auto", "direct", ...}
        Algorithm of :mod:`refconv.methods`; every method gives identical results on exact inputs.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *out)`` (or ``(C_out, *out)`` unbatched), ``out`` as in
        :func:`refconv.output_shape` with ``padding=``.

    Raises
    ------
    ValueError
        Channels not divisible by ``groups``, ``C_in != w.shape[1]*groups``, a bias of the wrong
        shape, ``padding="same"`` with a stride > 1, a kernel longer than the padded input, or a
        bad stride/dilation/padding/padding_mode.
    TypeError
        Non-numeric or bool operands, exact object arrays mixed with floats, a non-integer
        ``groups``.

    See Also
    --------
    conv_transpose : the adjoint of conv.
    refconv.correlate : the plain (SciPy-style) cross-correlation on the same core.
    refconv.output_shape : the output shape, with ``padding=``.
    refconv.spec.LayerCall : how the arguments are checked and normalised.

    Notes
    -----
    *Beyond torch, by design.*  refconv's boundaries follow ``numpy.pad`` for any pad width:
    ``"reflect"`` with a pad ``>= n`` and ``"circular"`` with a pad ``> n`` repeat the
    reflection or the period (torch raises); explicit per-side pads and ``"full"`` are accepted;
    any spatial rank is.  torch's functional ``conv*d`` has no ``padding_mode``; it is the module
    ``torch.nn.Conv*d``'s, whose values these are.

    *Exactness* is :func:`refconv.correlate`'s: integers never wrap (``int64`` when
    ``max|x| * max_c sum|w_c| + max|bias| < 2**63``, else Python ints), ``Fraction`` and SymPy
    stay exact.  Floats are computed in ``numpy.result_type(x, w, bias)`` by the chosen method
    (:mod:`refconv.methods` documents each one's evaluation; ``"auto"`` may pick the FFT for
    large float problems, ``method="direct"`` pins the direct sum); the bias is added last.

    Examples
    --------
    >>> x = np.array([[[1, 2, 3, 4, 5]]])           # N=1, C_in=1, length 5
    >>> conv(x, np.array([[[1, 10]]]))
    array([[[21, 32, 43, 54]]])
    >>> conv(x, np.array([[[1, 10]]]), padding="same")     # torch: the extra pad goes after
    array([[[21, 32, 43, 54,  5]]])
    >>> conv(x, np.array([[[1, 10]]]), [100], stride=2, padding_mode="circular", padding=1)
    array([[[115, 132, 154]]])

    Two groups (depthwise): each channel meets its own kernel.

    >>> x2 = np.array([[1, 2, 3], [10, 20, 30]])     # unbatched (C_in=2, 3)
    >>> conv(x2, np.array([[[1, 1]], [[1, -1]]]), groups=2)
    array([[  3,   5],
           [-10, -10]])
    """
    func = "conv"
    call = _conv_call(
        func, x, w, bias, stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode
    )
    return _conv_of(func, call, method)


def _conv_of(func: str, call: LayerCall, method: str) -> np.ndarray:
    """:func:`conv` of a call already normalised (refusals name ``func``): the wrappers that
    normalise a call in their own name (quantized, channels-last) run it without normalising twice."""
    n, c_in, c_out, groups, w = call.n, call.c_in, call.c_out, call.groups, call.w
    w_cf = w.reshape((groups, c_out // groups) + w.shape[1:])
    y = _run(
        func,
        method,
        call.x,
        w_cf,
        call.bias,
        call.spec,
        call.out_shape,
        lambda xs: xs.reshape((n, groups, c_in // groups) + xs.shape[2:]),
    )
    return y if call.batched else y[0]


def _adjoint_geometry(fwd: ConvSpec, func: str) -> tuple[tuple[slice, ...], tuple[slice, ...], ConvSpec | None]:
    """How the adjoint of the forward convolution ``fwd`` runs as a correlation.

    Returns the slices that place the input cells on the stride-dilated grid, the crop of that
    grid (where a pad ``d*(k-1) - pad`` is negative) and the stride-1 correlation spec over the
    cropped grid; the correlation's output shape is ``fwd.input_shape``.  The spec is None when
    the crop leaves nothing: the output then lies wholly in the output padding (e.g. a 1-cell
    input, ``padding=1``, ``output_padding=1``), and no input cell reaches it.
    """
    spread, crop, lengths, pads = [], [], [], []
    for g, (lo, hi) in zip(fwd.axes, adjoint_spec(fwd).pads):
        length = (g.out - 1) * g.stride + 1
        spread.append(slice(None, None, g.stride))
        crop.append(slice(max(0, -lo), length - max(0, -hi)))
        lengths.append(length - max(0, -lo) - max(0, -hi))
        pads.append((max(0, lo), max(0, hi)))
    if min(lengths) < 1:
        return tuple(spread), tuple(crop), None
    spec = plain_spec(func, lengths, fwd.kernel_shape, mode=tuple(pads), dilation=fwd.dilation)
    assert spec.output_shape == fwd.input_shape, (spec, fwd)
    return tuple(spread), tuple(crop), spec


def _check_transpose_cells(func, fwd: ConvSpec, spec: ConvSpec | None, x, w, c_out, stride, dilation) -> None:
    """Refuse a stride-dilated grid, padded grid or output past the budget (refconv.spec.CELL_LIMIT)."""
    # Name the argument that makes the arrays large: the dilation when the kernel's reach
    # exceeds the stride-dilated input, the stride otherwise.
    reach = max(g.dilation * (g.k - 1) - (g.out - 1) * g.stride for g in fwd.axes)
    name, value = ("dilation", dilation) if reach > 0 else ("stride", stride)
    n, c_in, given = x.shape[0], x.shape[1], held_cells(x) + held_cells(w)
    grid = tuple((g.out - 1) * g.stride + 1 for g in fwd.axes)
    check_cells(func, name, value, "a stride-dilated input", (n, c_in, *grid), given)
    if spec is not None:
        check_spec_cells(func, name, value, spec, lead_in=(n, c_in), given=given)
    check_cells(func, name, value, "an output", (n, c_out, *fwd.input_shape), given)


def conv_transpose(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
    method: str = "auto",
) -> np.ndarray:
    """The transposed convolution layer, as ``torch.nn.functional.conv_transpose{1,2,3}d``, any rank.

    It is the exact adjoint of :func:`conv` with the same weight: for every ``x`` and ``y`` of
    matching shapes, ``sum(conv(x, w, **kw) * y) == sum(x * conv_transpose(y, w, **kw))``
    (``output_padding`` picks which input shape the adjoint returns).  Equivalently, every input
    cell ``x[o]`` adds ``x[o] * w[t]`` to output cell ``o*s + t*d - lo``.

    Parameters
    ----------
    x : array_like
        Input ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``.
    w : array_like
        Weight in torch's transposed layout ``(C_in, C_out/groups, *kernel)``.
    bias : array_like, optional
        ``(C_out,)``.
    stride, dilation : int or tuple of int
        The stride and dilation of the convolution this is the adjoint of.
    padding : int, tuple of int, or pairs
        That convolution's padding: the output is cropped by it.  Explicit ``(before, after)``
        pairs are accepted; strings are not (torch has none here).
    output_padding : int or tuple of int
        Cells added after the output on each axis (must be smaller than the stride or the
        dilation on that axis, as in torch).
    groups : int
        Must divide ``C_in``; ``C_out = w.shape[1] * groups``.
    method : {"auto", "direct", ...}
        Algorithm of :mod:`refconv.methods` running the adjoint correlation.

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *out)`` with ``out = (m-1)*s + d*(k-1) + 1 - lo - hi + output_padding``
        per axis (:func:`refconv.spec.transpose_spec`).

    Raises
    ------
    ValueError
        ``C_in`` not divisible by ``groups``, ``x.shape[1] != w.shape[0]``, a bias of the wrong
        shape, ``output_padding`` not smaller than the stride or the dilation, or a padding that
        leaves no output.
    TypeError
        Non-numeric or bool operands, a string padding, a non-integer ``groups``.

    See Also
    --------
    conv : the convolution this is the adjoint of.
    refconv.spec.adjoint_spec : the ``padding``/``output_padding`` that restore conv's input shape.
    refconv.spec.transpose_spec : the forward geometry of these arguments.

    Notes
    -----
    ``method="direct"`` and ``"auto"`` on int64 and float operands run the adjoint of the forward
    convolution directly (:func:`refconv.methods.adjoint.correlate_direct_adjoint`: one GEMM per
    chunk of taps, then each tap's contributions added into place — col2im, as torch does).  The
    other methods, and exact object operands, run it as a correlation on the same core: ``x`` is
    dilated by the stride with zeros, the kernel flipped with its channel axes swapped, and the
    pads are ``d*(k-1) - lo`` before and ``d*(k-1) - hi + output_padding`` after, a negative pad
    cropping.  Both give the identical result on exact inputs.  With NaN or inf they would differ
    where the dilation zeros are concerned: col2im never multiplies them (an inf weight gives
    ``±inf`` there, as torch does), while the correlation over the dilated input would form
    ``inf * 0 = NaN`` with them.  So every method takes the col2im values on the outputs where
    either is non-finite: NaN and inf reach the same outputs, with the same values, whatever the
    method, and every other output is the method's own.  Exactness and the
    no-overflow rule are :func:`conv`'s (the bound sums, per output channel, the weights over
    its input channels and taps).

    Examples
    --------
    >>> conv_transpose(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), stride=2)
    array([[[ 1, 10,  2, 20,  3, 30]]])
    >>> conv_transpose(np.array([[[1, 2, 3]]]), np.array([[[1, 10, 100]]]), padding=1)  # full, cropped by 1
    array([[[ 12, 123, 230]]])

    The adjoint identity, exactly:

    >>> x, w = np.arange(10).reshape(1, 2, 5), np.array([[[1, -2, 3]], [[4, 5, -6]]])
    >>> y = np.array([[[3, -1], [2, 7]]])
    >>> kw = dict(stride=2, groups=2)
    >>> int((conv(x, w, **kw) * y).sum()) == int((x * conv_transpose(y, w, **kw)).sum())
    True
    """
    func = "conv_transpose"
    call = LayerCall.conv_transpose(
        func,
        x,
        w,
        bias,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    x, w, fwd, c_in, c_out, n = call.x, call.w, call.spec, call.c_in, call.c_out, call.n
    spread, crop, spec = _adjoint_geometry(fwd, func)
    _check_transpose_cells(func, fwd, spec, x, w, c_out, stride, dilation)
    # (C_in, C_out/G, *K) -> channel form (G, C_out/G, C_in/G, *K), flipped: the adjoint's kernel.
    rank = fwd.ndim
    w_cf = w.reshape((groups, c_in // groups) + w.shape[1:]).swapaxes(1, 2)
    w_cf = np.flip(w_cf, axis=tuple(range(3, 3 + rank)))

    def prepare(xs: np.ndarray) -> np.ndarray:
        xs = xs.reshape((n, groups, c_in // groups) + xs.shape[2:])
        lengths = tuple((m - 1) * g.stride + 1 for m, g in zip(xs.shape[3:], fwd.axes))
        # np.zeros of object dtype holds Python int 0, which keeps Fractions and SymPy exact.
        grid = np.zeros(xs.shape[:3] + lengths, dtype=xs.dtype)
        grid[(Ellipsis, *spread)] = xs
        return grid[(Ellipsis, *crop)]

    def col2im(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
        # The forward convolution's own kernel, (G, C_in/G, C_out/G, *K): w_cf unflipped.
        forward = np.flip(ws, axis=tuple(range(3, 3 + rank))).swapaxes(1, 2)
        return correlate_direct_adjoint(xs.reshape((n, groups, c_in // groups) + xs.shape[2:]), forward, fwd)

    y = _run(func, method, x, w_cf, call.bias, spec, call.out_shape, prepare, col2im)
    return y if call.batched else y[0]
