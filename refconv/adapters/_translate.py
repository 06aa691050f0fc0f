"""The adapters' shared translation helpers: refusals (:class:`Unsupported`), the peer's "same"
mode, the small conversions every adapter makes, the operand checks and specs of the layer and
pooling translators, and their problem spaces."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import is_int
from ..spec import layer_spec, plain_spec, pool_spec, transpose_spec
from ..strategies._peer_spaces import narrowed
from ..strategies._spaces import STRATEGIES, Options

__all__ = ["Unsupported", "refuse", "peer_mode"]


class Unsupported(ValueError):
    """The peer cannot express this problem (or dtype): a declared limit, not a conformance failure.

    See Also
    --------
    refuse : builds one with the standard message.

    Examples
    --------
    >>> from refconv.adapters import numpy
    >>> try:
    ...     numpy.correlate(np.ones((2, 2)), np.ones((1, 1)))
    ... except Unsupported as exc:
    ...     print(exc)
    numpy.correlate: rank 2 (numpy's are 1-D) is not supported by the peer
    """

    # Its public home, for tracebacks and pickling (it is re-exported there).
    __module__ = "refconv.adapters"


def refuse(name: str, what: str) -> Unsupported:
    """The :class:`Unsupported` for adapter ``name``: ``"<name>: <what> is not supported by the peer"``.

    Parameters
    ----------
    name : str
        The adapter's name.
    what : str
        What the peer cannot express.

    Returns
    -------
    Unsupported
        The exception, to raise.

    See Also
    --------
    Unsupported : the declared-limit exception.

    Examples
    --------
    >>> refuse("numpy.correlate", "stride (2,)")
    Unsupported('numpy.correlate: stride (2,) is not supported by the peer')
    """
    return Unsupported(f"{name}: {what} is not supported by the peer")


def _require_dtype(name: str, x: np.ndarray, dtypes: tuple[str, ...]) -> None:
    """Refuse operands whose dtype the peer does not compute in."""
    if x.dtype.name not in dtypes:
        raise refuse(name, f"dtype {x.dtype.name} (it computes in {', '.join(dtypes)})")


def peer_mode(name: str, spec: Any, same: str) -> str:
    """The peer's ``mode`` ("valid", "full" or "same", its "same" being ``same``'s preset) whose pads
    are ``spec``'s; :class:`Unsupported` when none is.

    Parameters
    ----------
    name : str
        The adapter's name, for the refusal.
    spec : ConvSpec
        The call's normal form (:func:`refconv.spec.plain_spec`).
    same : str
        The peer's "same" preset, a name in :data:`refconv.conventions.SAME_PRESETS`.

    Returns
    -------
    str
        ``"valid"``, ``"full"`` or ``"same"``.

    See Also
    --------
    refconv.conventions.same_pads : the pads of each preset.

    Examples
    --------
    >>> from refconv.spec import plain_spec
    >>> peer_mode("p", plain_spec("f", (5,), (2,), mode="same"), "scipy.signal")
    'same'
    >>> peer_mode("p", plain_spec("f", (5,), (2,), mode="same"), "scipy.correlate2d")
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: p: padding ((1, 0),) (its modes: valid, full ((1, 1),), same ((0, 1),))
    is not supported by the peer
    """
    from ..conventions import same_pads

    if all(pair == (0, 0) for pair in spec.pads):
        return "valid"
    full = tuple((g.extent - 1, g.extent - 1) for g in spec.axes)
    centre = same_pads(same, spec.input_shape, spec.kernel_shape, stride=spec.stride, dilation=spec.dilation)
    for mode, pads in (("full", full), ("same", centre)):
        if spec.pads == pads:
            return mode
    raise refuse(name, f"padding {spec.pads} (its modes: valid, full {full}, same {centre})")


def _ints(value: Any, ndim: int) -> tuple[int, ...]:
    """An int or per-axis ints, as a tuple (already validated by refconv's spec)."""
    return (int(value),) * ndim if is_int(value) else tuple(int(v) for v in value)


def _flat_leading(x: np.ndarray, rank: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """``x`` as ``(1, C, *spatial)`` with every leading axis folded into ``C`` (pooling is per plane)."""
    lead = x.shape[: x.ndim - rank]
    return x.reshape((1, int(np.prod(lead, dtype=int)), *x.shape[x.ndim - rank :])), lead


def _plain_operands(name: str, x: Any, w: Any, dtypes: tuple[str, ...], geometry: dict) -> tuple:
    """``x``, ``w`` as arrays and the :func:`plain_spec` of ``correlate(x, w, **geometry)`` (mode, stride,
    dilation, boundary), refusing a dtype not in ``dtypes`` and any stride or dilation but 1."""
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, dtypes)
    spec = plain_spec(name, x.shape, w.shape, **geometry)
    for key in ("stride", "dilation"):
        if any(v != 1 for v in getattr(spec, key)):
            raise refuse(name, f"{key} {getattr(spec, key)}")
    return x, w, spec


def _problems(op: str, ranks: tuple[int, ...] = (1, 2, 3), *, any_peer: bool = False) -> Callable[[Options], Any]:
    """An adapter's ``problems(opt)``: refconv's own space for ``op``, narrowed to the peer's ``ranks``
    (``any_peer``: with ``peer=None``, so not only torch's problems are drawn)."""

    def problems(opt: Options) -> Any:
        opt = narrowed(opt, ranks)
        return STRATEGIES[op](dataclasses.replace(opt, peer=None) if any_peer else opt)

    return problems


def _require_batched(name: str, x: np.ndarray, rank: int, peer: str) -> None:
    """Refuse an input without its ``N, C`` axes (``peer`` names who wants them)."""
    if x.ndim != rank + 2:
        raise refuse(name, f"an unbatched input of shape {x.shape} ({peer} wants N, C, *spatial)")


def _conv_operands(
    name: str,
    x: Any,
    w: Any,
    dtypes: tuple[str, ...],
    geometry: dict,
    *,
    padding_mode: str = "zeros",
    pads_with: str | None = None,
    batched: str | None = None,
    rank_ok: Callable[[str, int], int] | None = None,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """``x``, ``w`` as arrays and the :func:`layer_spec` of ``conv(x, w, **geometry)``, refusing a dtype
    not in ``dtypes``, a rank ``rank_ok(name, rank)`` refuses, a ``padding_mode`` other than zeros
    (when ``pads_with`` names who pads with zeros only) and an unbatched input (when ``batched``
    names who wants ``N, C``)."""
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, dtypes)
    rank = w.ndim - 2 if rank_ok is None else rank_ok(name, w.ndim - 2)
    spec = layer_spec(name, x.shape[-rank:], w.shape[2:], **geometry)
    if pads_with is not None and padding_mode != "zeros":
        raise refuse(name, f"padding_mode={padding_mode!r} ({pads_with} pads with zeros)")
    if batched is not None:
        _require_batched(name, x, rank, batched)
    return x, w, spec


def _transpose_operands(
    name: str,
    x: Any,
    w: Any,
    dtypes: tuple[str, ...],
    geometry: dict,
    *,
    batched: str | None = None,
    rank_ok: Callable[[str, int], int] | None = None,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """``x``, ``w`` as arrays and the forward spec (:func:`transpose_spec`) of
    ``conv_transpose(x, w, **geometry)``, with :func:`_conv_operands`' refusals."""
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, dtypes)
    rank = w.ndim - 2 if rank_ok is None else rank_ok(name, w.ndim - 2)
    if batched is not None:
        _require_batched(name, x, rank, batched)
    return x, w, transpose_spec(name, x.shape[-rank:], w.shape[2:], **geometry)


def _pool_operand(
    name: str,
    x: Any,
    kernel_size: Any,
    axes: Any,
    dtypes: tuple[str, ...],
    geometry: dict,
    *,
    pooled: str = "the adapter pools the last axes",
    rank_ok: Callable[[str, int], int] | None = None,
) -> tuple[np.ndarray, Any]:
    """``x`` as an array and the :func:`pool_spec` of pooling its last axes by ``kernel_size``, refusing a
    dtype not in ``dtypes``, a rank ``rank_ok(name, rank)`` refuses and ``axes`` other than the last
    (``pooled`` says which the peer pools)."""
    x = np.asarray(x)
    _require_dtype(name, x, dtypes)
    rank = 1 if isinstance(kernel_size, (int, np.integer)) else len(kernel_size)
    if rank_ok is not None:
        rank_ok(name, rank)
    if axes is not None and tuple(a % x.ndim for a in np.atleast_1d(axes)) != tuple(range(x.ndim - rank, x.ndim)):
        raise refuse(name, f"axes={axes!r} ({pooled})")
    return x, pool_spec(name, x.shape[x.ndim - rank :], kernel_size, **geometry)
