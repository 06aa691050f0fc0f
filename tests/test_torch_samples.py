"""PyTorch's own OpInfo and ModuleInfo samples, translated call by call into refconv (issue 23, acceptance 5).

Every sample torch's test suite draws for conv, conv_transpose, every pool, the adaptive pools,
fractional and Lp pooling, max_unpool, unfold, fold and pad runs through torch and through refconv in
float64 and is compared: shapes and indices exactly, values to ``|refconv - torch| <= 1e-12 * scale``
with ``scale = max(1, max |torch|)`` (the two sum a window in different orders, so last bits may
differ; pooling, unfold and pad copy values and agree bit for bit, counted separately).

The translation runs in two steps.  A ModuleInfo sample becomes a functional call (the module's
attributes after its forward are the functional's arguments: ``_module_call``); an OpInfo sample is a
functional call already.  Then one translator per op family maps torch's functional arguments to
refconv's (``TRANSLATE``).  A sample refconv cannot express raises ``NotExpressible`` with the reason;
a refusal (``ValueError``/``TypeError`` from refconv where torch succeeds) is counted apart; a sample
torch itself rejects is counted apart too (and refconv is asked whether it refuses as well).

Run with ``-s`` to print the table.  Every sample is run (no subsampling): about 4,000 in all.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")  # torch.testing._internal imports it

from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402
from torch.testing._internal.common_modules import module_db  # noqa: E402

import refconv  # noqa: E402
from refconv.pooling import lp_pool_torch  # noqa: E402

RTOL = 1e-12


class NotExpressible(Exception):
    """A torch call refconv has no form for (the message is the reason)."""


# ---------------------------------------------------------------------------------------------------------------
# Which torch ops and modules run, and the family (translator) of each.


def _family(name: str) -> str | None:
    """The op family of an OpInfo or ModuleInfo name, ``None`` for ops this test does not cover."""
    for pattern, family in _FAMILIES:
        if re.fullmatch(pattern, name):
            return family
    return None


_FAMILIES = [
    (r"nn\.functional\.conv[123]d|(Lazy)?Conv[123]d", "conv"),
    (r"nn\.functional\.conv_transpose[123]d|(Lazy)?ConvTranspose[123]d", "conv_transpose"),
    (r"nn\.functional\.max_pool[123]d|MaxPool[123]d", "max_pool"),
    (r"nn\.functional\.avg_pool[123]d|AvgPool[123]d", "avg_pool"),
    (r"LPPool[123]d", "lp_pool"),
    (r"nn\.functional\.adaptive_avg_pool[123]d|AdaptiveAvgPool[123]d", "adaptive_avg_pool"),
    (r"nn\.functional\.adaptive_max_pool[123]d|AdaptiveMaxPool[123]d", "adaptive_max_pool"),
    (r"nn\.functional\.fractional_max_pool[23]d|FractionalMaxPool[23]d", "fractional_max_pool"),
    (r"nn\.functional\.max_unpool[123]d", "max_unpool"),
    (r"nn\.functional\.unfold|Unfold", "unfold"),
    (r"Fold", "fold"),
    (r"nn\.functional\.pad|constant_pad_nd|(Reflection|Replication|Zero|Circular|Constant)Pad[123]d", "pad"),
]

#: torch's functional parameter names after ``input``, per family: positional sample args bind to them.
PARAMS = {
    "conv": ("weight", "bias", "stride", "padding", "dilation", "groups"),
    "conv_transpose": ("weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"),
    "max_pool": ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
    "avg_pool": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
    "adaptive_avg_pool": ("output_size",),
    "adaptive_max_pool": ("output_size", "return_indices"),
    "fractional_max_pool": ("kernel_size", "output_size", "output_ratio", "return_indices", "_random_samples"),
    "max_unpool": ("indices", "kernel_size", "stride", "padding", "output_size"),
    "unfold": ("kernel_size", "dilation", "padding", "stride"),
    "pad": ("pad", "mode", "value"),
    "constant_pad_nd": ("pad", "value"),
}

#: Samples refconv cannot express or refuses although torch computes them: op -> (count, reason).  Strict: the
#: test fails when a count changes, so a fix shrinks this table.
NOT_EXPRESSIBLE: dict[str, tuple[int, str]] = {}


# ---------------------------------------------------------------------------------------------------------------
# Step 1: a sample as (family, rank, input, torch's functional kwargs).


def _rank(name: str, default: int) -> int:
    match = re.search(r"([123])d$", name)
    return int(match.group(1)) if match else default


def _np(value: Any) -> Any:
    return value.detach().numpy() if isinstance(value, torch.Tensor) else value


def _op_call(op: Any, sample: Any) -> tuple[str, dict[str, Any]]:
    """An OpInfo sample's arguments bound to torch's functional parameter names."""
    family = "constant_pad_nd" if op.name == "constant_pad_nd" else _family(op.name)
    names = PARAMS[family]
    kwargs = dict(zip(names, sample.args))
    kwargs.update(sample.kwargs)
    if family == "constant_pad_nd":
        family = "pad"
        kwargs["mode"] = "constant"
    return family, kwargs


def _module_call(module: Any, family: str) -> dict[str, Any]:
    """A module's forward as its functional call: the functional's arguments are the module's attributes."""
    m = module
    if family in ("conv", "conv_transpose"):
        kwargs = {k: getattr(m, k) for k in ("weight", "bias", "stride", "padding", "dilation", "groups")}
        kwargs["padding_mode"] = m.padding_mode
        if family == "conv_transpose":
            kwargs["output_padding"] = m.output_padding
        return kwargs
    if family == "lp_pool":
        return {"p": m.norm_type, "kernel_size": m.kernel_size, "stride": m.stride, "ceil_mode": m.ceil_mode}
    if family == "pad":
        kind = type(m).__name__[:-5]  # "ReflectionPad2d" -> "Reflection"
        mode = {"Reflection": "reflect", "Replication": "replicate", "Circular": "circular"}.get(kind, "constant")
        return {"pad": m.padding, "mode": mode, "value": getattr(m, "value", 0.0)}
    if family == "fractional_max_pool":
        return {
            "kernel_size": m.kernel_size,
            "output_size": m.output_size,
            "output_ratio": m.output_ratio,
            "return_indices": m.return_indices,
            "_random_samples": m._random_samples,
        }
    names = PARAMS[family] + (("count_include_pad", "divisor_override") if family == "avg_pool" else ())
    return {k: getattr(m, k) for k in names if hasattr(m, k)}


# ---------------------------------------------------------------------------------------------------------------
# Step 2: torch's functional arguments -> the refconv call, one translator per family.


def _axes(x: np.ndarray, r: int) -> tuple[int, ...]:
    return tuple(range(x.ndim - r, x.ndim))


def _tuple(value: Any, r: int) -> tuple[int, ...]:
    return (value,) * r if isinstance(value, int) else tuple(value)


def _batched(fn: Callable[[np.ndarray], Any], x: np.ndarray, spatial: int) -> Any:
    """Run ``fn`` on ``x`` with a batch axis, as torch adds one to an unbatched ``(C, *spatial)`` input."""
    if x.ndim == spatial + 2:
        return fn(x)
    return fn(x[None])[0]


def _conv(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    w, b = _np(kw["weight"]), _np(kw.get("bias"))
    opts = {k: kw[k] for k in ("stride", "padding", "dilation", "groups") if k in kw}
    if isinstance(opts.get("padding"), tuple) or isinstance(opts.get("padding"), list):
        opts["padding"] = tuple(opts["padding"])
    mode = kw.get("padding_mode", "zeros")
    return _batched(lambda xb: refconv.conv(xb, w, b, padding_mode=mode, **opts), x, r)


def _conv_transpose(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    w, b = _np(kw["weight"]), _np(kw.get("bias"))
    if kw.get("padding_mode", "zeros") != "zeros":
        raise NotExpressible("torch refuses it too")
    opts = {k: kw[k] for k in ("stride", "padding", "output_padding", "groups", "dilation") if k in kw}
    return _batched(lambda xb: refconv.conv_transpose(xb, w, b, **opts), x, r)


def _pool_opts(kw: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    opts = {k: kw[k] for k in names if k in kw}
    if opts.get("stride") is not None and len(_tuple(opts["stride"], 1)) == 0:
        opts["stride"] = None  # torch's stride=() (and []) is the window, refconv's None
    return opts


def _max_pool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    opts = _pool_opts(kw, ("stride", "padding", "dilation", "ceil_mode", "return_indices"))
    return refconv.max_pool(x, kw["kernel_size"], axes=_axes(x, r), **opts)


def _avg_pool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    opts = _pool_opts(kw, ("stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"))
    return refconv.avg_pool(x, kw["kernel_size"], axes=_axes(x, r), **opts)


def _lp_pool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    opts = _pool_opts(kw, ("stride", "ceil_mode"))
    return lp_pool_torch(x, kw["p"], kw["kernel_size"], axes=_axes(x, r), **opts)


def _adaptive_avg_pool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    return refconv.adaptive_avg_pool(x, kw["output_size"], axes=_axes(x, r))


def _adaptive_max_pool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    ret = bool(kw.get("return_indices", False))
    return refconv.adaptive_max_pool(x, kw["output_size"], axes=_axes(x, r), return_indices=ret)


def _fractional_max_pool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    samples = _np(kw["_random_samples"])
    if x.ndim == r + 1:
        samples = samples[0]  # torch draws (1, C, r) for an unbatched (C, *spatial) input
    if r == 2:
        samples = samples[..., ::-1]  # torch's 2-D pool stores (W, H)
    size = kw.get("output_size")
    if size is None:  # torch: output_size = int(n * ratio) per axis
        size = tuple(int(n * ratio) for n, ratio in zip(x.shape[-r:], _ratio(kw["output_ratio"], r)))
    size = _tuple(size, r)
    ret = bool(kw.get("return_indices", False))
    return refconv.fractional_max_pool(x, _tuple(kw["kernel_size"], r), size, samples, return_indices=ret)


def _ratio(ratio: Any, r: int) -> tuple[float, ...]:
    return (ratio,) * r if isinstance(ratio, (int, float)) else tuple(ratio)


def _max_unpool(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    k = _tuple(kw["kernel_size"], r)
    stride = kw.get("stride")
    size = kw.get("output_size")
    return refconv.max_unpool(
        x,
        _np(kw["indices"]),
        k,
        stride=None if stride is None else _tuple(stride, r),
        padding=_tuple(kw.get("padding", 0), r),
        output_size=None if size is None else tuple(size),
    )


def _unfold(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    opts = {k: kw[k] for k in ("dilation", "padding", "stride") if k in kw}
    return _batched(lambda xb: refconv.unfold(xb, kw["kernel_size"], **opts), x, 2)


def _fold(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    opts = {k: kw[k] for k in ("dilation", "padding", "stride") if k in kw}
    return refconv.fold(x, kw["output_size"], kw["kernel_size"], **opts)


def _pad(x: np.ndarray, r: int, kw: dict[str, Any]) -> Any:
    value = kw.get("value")
    return refconv.pad(x, tuple(kw["pad"]), mode=kw.get("mode", "constant"), value=0 if value is None else value)


TRANSLATE: dict[str, Callable[[np.ndarray, int, dict[str, Any]], Any]] = {
    "conv": _conv,
    "conv_transpose": _conv_transpose,
    "max_pool": _max_pool,
    "avg_pool": _avg_pool,
    "lp_pool": _lp_pool,
    "adaptive_avg_pool": _adaptive_avg_pool,
    "adaptive_max_pool": _adaptive_max_pool,
    "fractional_max_pool": _fractional_max_pool,
    "max_unpool": _max_unpool,
    "unfold": _unfold,
    "fold": _fold,
    "pad": _pad,
}
