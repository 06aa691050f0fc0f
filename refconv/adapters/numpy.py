"""NumPy with refconv's signatures: ``correlate`` (``numpy.correlate``) and ``convolve`` (``numpy.convolve``).

What the adapter knows: both are 1-D, with no stride, dilation or boundary mode; ``mode`` is
"valid", "same" or "full"; numpy's "same" is the centred one (the larger half of the padding
before, :data:`refconv.conventions.SAME_PRESETS` ``"numpy"``), which is refconv's ``mode="same"``.
When the kernel is longer than the input numpy swaps the operands: "full" is still right, but
"same" then has the kernel's length, so the adapter refuses that.  ``numpy.correlate`` conjugates
its second operand (irrelevant for real inputs).

Examples
--------
>>> correlate.translate(np.arange(5.0), np.ones(2), mode="same")
numpy.correlate(x, w, mode='same')
>>> correlate.translate(np.arange(5.0), np.ones(2), mode="same", stride=2)
Traceback (most recent call last):
...
refconv.adapters.Unsupported: numpy.correlate: stride (2,) is not supported by the peer
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..strategies._peer_spaces import plain_space
from ..strategies._spaces import Options
from . import PeerCall, _availability, adapter, peer_mode, refuse
from ._translate import _plain_operands, _require_dtype

_DTYPES = ("float16", "float32", "float64")


available = _availability("numpy")


def _problems(opt: Options):
    return plain_space(
        opt, (1,), modes=("valid", "same", "full"), max_stride=1, max_dilation=1, boundaries=("constant",)
    )


def _translate(name: str, function: str, x: Any, w: Any, mode: Any, stride: Any, dilation: Any, boundary: str):
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, _DTYPES)
    if x.ndim != 1 or w.ndim != 1:
        raise refuse(name, f"rank {x.ndim} (numpy's are 1-D)")
    geometry = {"mode": mode, "stride": stride, "dilation": dilation, "boundary": boundary}
    x, w, spec = _plain_operands(name, x, w, _DTYPES, geometry)
    peer = peer_mode(name, spec, "numpy")
    if peer != "valid" and spec.boundary != "constant":
        raise refuse(name, f"boundary={boundary!r} (numpy pads with zeros)")
    if peer == "same" and w.size > x.size:
        raise refuse(name, "mode 'same' with a kernel longer than the input (numpy swaps them)")
    f = getattr(np, function)
    return PeerCall(f"numpy.{function}", ("x", "w"), {"mode": peer}, lambda: f(x, w, mode=peer))


@adapter("correlate", "numpy", _problems, dtypes=_DTYPES, conventions="1-D; 'same' centred (larger half before)")
def correlate(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``numpy.correlate``, as :func:`refconv.correlate`.

    Examples
    --------
    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]), mode="full")
    array([10., 21., 32.,  3.])
    """
    return _translate("numpy.correlate", "correlate", x, w, mode, stride, dilation, boundary)


@adapter("convolve", "numpy", _problems, dtypes=_DTYPES, conventions="1-D; 'same' centred (larger half before)")
def convolve(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``numpy.convolve``, as :func:`refconv.convolve`.

    Examples
    --------
    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]), mode="same")
    array([ 1., 12., 23.])
    """
    return _translate("numpy.convolve", "convolve", x, w, mode, stride, dilation, boundary)


__all__ = ["available", "correlate", "convolve"]
