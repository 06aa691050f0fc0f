"""scikit-image with refconv's signatures: ``skimage.measure.block_reduce`` as pooling.

``block_reduce(image, block_size, func, cval)`` cuts the image into non-overlapping blocks and
reduces each with ``func``; where a side is not a multiple of the block, the image is first
padded **at the end** with ``cval`` so that the last block is whole.  So:

- Windows are blocks: ``stride`` equal to ``kernel_size`` (refconv's default), no ``padding``, no
  ``dilation``; the pooled axes are the last ones (block size 1 on every axis before them).
- ``func=np.max`` with ``cval=-inf`` is :func:`refconv.max_pool` (the padded cells never win):
  ``ceil_mode=True`` keeps the partial last block, ``ceil_mode=False`` drops it (the adapter
  crops block_reduce's result to refconv's output shape).
- ``func=np.mean`` is :func:`refconv.avg_pool` where every kept block is whole; a partial block
  in ceil mode is refused (block_reduce divides by the whole block, cval cells included; refconv,
  as torch, by the cells inside the input).
- ``func=np.sum`` with ``cval=0`` is :func:`refconv.avg_pool` with ``divisor_override=1``, partial
  blocks included.

Examples
--------
>>> max_pool.translate(np.ones((2, 5)), 2, ceil_mode=True)
skimage.measure.block_reduce(x, block_size=(1, 2), func=np.max, cval=-inf)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..strategies._spaces import Options
from . import PeerCall, _availability, adapter, refuse
from ._translate import _pool_operand, _problems

_DTYPES = ("float32", "float64")

available = _availability("skimage")


class _Shown(str):
    """A keyword value printed as it is written (``func=np.max``, not ``func='np.max'``)."""

    def __repr__(self) -> str:
        return str(self)


def _blocks(name: str, x: Any, kernel_size: Any, axes: Any, **geometry: Any):
    """``x``, block_reduce's ``block_size`` and the :class:`ConvSpec`; refusals for non-block windows."""
    x, spec = _pool_operand(name, x, kernel_size, axes, _DTYPES, geometry)
    if spec.stride != spec.kernel_shape:
        raise refuse(name, f"stride {spec.stride} (blocks: the stride is the kernel {spec.kernel_shape})")
    if any(pair != (0, 0) for pair in spec.pads):
        raise refuse(name, f"padding {spec.pads} (block_reduce pads only at the end, to whole blocks)")
    if any(d != 1 for d in spec.dilation):
        raise refuse(name, f"dilation {spec.dilation}")
    return x, (1,) * (x.ndim - spec.ndim) + spec.kernel_shape, spec


def _call(x: np.ndarray, block: tuple, spec, func: str, cval: float) -> PeerCall:
    """block_reduce, cropped to refconv's output shape (it keeps every partial block)."""
    keep = (slice(None),) * (x.ndim - spec.ndim) + tuple(slice(0, g.out) for g in spec.axes)

    def run():
        import skimage.measure

        return skimage.measure.block_reduce(x, block_size=block, func=getattr(np, func), cval=cval)[keep]

    return PeerCall(
        "skimage.measure.block_reduce", ("x",), {"block_size": block, "func": _Shown(f"np.{func}"), "cval": cval}, run
    )


def _blockwise(case: tuple) -> tuple:
    """A drawn pooling problem made a block one: stride the kernel, no padding or dilation."""
    (x, kernel_size), kwargs = case
    kept = {k: kwargs[k] for k in ("ceil_mode", "count_include_pad") if k in kwargs}
    if "divisor_override" in kwargs:
        kept["divisor_override"] = 1
    return (x, kernel_size), kept


def _fits(case: tuple) -> bool:
    (x, kernel_size), _ = case
    k = (kernel_size,) if isinstance(kernel_size, (int, np.integer)) else tuple(kernel_size)
    return all(ki <= n for ki, n in zip(k, np.shape(x)[np.ndim(x) - len(k) :]))


def _block_problems(kind: str):
    def problems(opt: Options):
        return _problems(f"{kind}_pool")(opt).map(_blockwise).filter(_fits)

    return problems


@adapter("max_pool", "skimage", _block_problems("max"), conventions="blocks: stride = kernel; cval=-inf at the end")
def max_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
    pad_rule: str = "torch",
) -> PeerCall:
    """``skimage.measure.block_reduce(x, block, np.max, cval=-inf)``, as :func:`refconv.max_pool`.

    Examples
    --------
    >>> max_pool.translate(np.ones(5), 2, stride=1)
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: skimage.max_pool: stride (1,) (blocks: the stride is the kernel (2,))
    is not supported by the peer
    """
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    x, block, spec = _blocks("skimage.max_pool", x, kernel_size, axes, **geometry, pad_rule=pad_rule)
    return _call(x, block, spec, "max", -math.inf)


@adapter(
    "avg_pool", "skimage", _block_problems("avg"), conventions="np.mean of whole blocks; np.sum: divisor_override=1"
)
def avg_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    axes: Any = None,
    pad_rule: str = "torch",
) -> PeerCall:
    """``block_reduce`` with ``np.mean`` (or ``np.sum`` for ``divisor_override=1``), as :func:`refconv.avg_pool`.

    Examples
    --------
    >>> avg_pool.translate(np.ones((3, 4)), (2, 2), divisor_override=1, ceil_mode=True)
    skimage.measure.block_reduce(x, block_size=(2, 2), func=np.sum, cval=0.0)
    """
    name = "skimage.avg_pool"
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    x, block, spec = _blocks(name, x, kernel_size, axes, **geometry, pad_rule=pad_rule)
    if divisor_override is not None:
        if divisor_override != 1:
            raise refuse(name, f"divisor_override={divisor_override!r} (np.sum is divisor_override=1)")
        return _call(x, block, spec, "sum", 0.0)
    if any(g.out * g.k > g.n for g in spec.axes):
        raise refuse(name, "a partial last block with np.mean (it divides by the whole block)")
    return _call(x, block, spec, "mean", 0.0)


__all__ = ["available", "max_pool", "avg_pool"]
