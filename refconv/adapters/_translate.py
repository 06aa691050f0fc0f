"""The adapters' shared translation helpers: refusals (:class:`Unsupported`), the peer's "same"
mode, and the small conversions every adapter makes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import is_int

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
