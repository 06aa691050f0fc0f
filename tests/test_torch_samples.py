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

Run with ``-s`` to print the table.  Every sample is run (no subsampling): 4,308 with torch 2.13, about 30 s.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# ---------------------------------------------------------------------------------------------------------------
# Running: every sample as (op, family, rank, torch thunk, input, kwargs), then both sides and the verdict.

Sample = tuple[str, str, int, Callable[[], Any], np.ndarray, dict[str, Any]]


def _random_samples(x: Any, r: int, seed: int) -> Any:
    """Deterministic ``_random_samples`` for a fractional pool sample that lets torch draw its own."""
    batch = 1 if x.dim() == r + 1 else x.shape[0]
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(batch, x.shape[-r - 1], r, generator=gen, dtype=x.dtype)


def _op_samples() -> list[Sample]:
    out = []
    for op in op_db:
        if (op.name != "constant_pad_nd" and _family(op.name) is None) or op.variant_test_name == "grad":
            continue  # max_unpoolNd's "grad" variant draws a subset of the plain samples
        label = op.name.removeprefix("nn.functional.") + (f"[{op.variant_test_name}]" if op.variant_test_name else "")
        for i, sample in enumerate(op.sample_inputs("cpu", torch.float64)):
            family, kwargs = _op_call(op, sample)
            rank = _rank(op.name, 0)
            if family == "fractional_max_pool" and kwargs.get("_random_samples") is None:
                kwargs["_random_samples"] = _random_samples(sample.input, rank, i)
            args = (sample.input,) + tuple(sample.args)
            extra = {k: v for k, v in kwargs.items() if k == "_random_samples" or k in sample.kwargs}

            def thunk(op: Any = op, args: tuple = args, extra: dict = extra) -> Any:
                return op(*args, **extra)

            out.append((label, family, rank, thunk, sample.input, kwargs))
            if family == "unfold":
                out.append(_fold_sample(sample.input, kwargs))
    return out


def _fold_sample(x: Any, kwargs: dict[str, Any]) -> Sample:
    """``F.fold`` on ``F.unfold``'s output of an unfold sample (torch has no Fold ModuleInfo)."""
    opts = {k: kwargs[k] for k in ("kernel_size", "dilation", "padding", "stride") if k in kwargs}

    def cols() -> Any:
        return torch.nn.functional.unfold(x, **opts)

    def thunk() -> Any:
        return torch.nn.functional.fold(cols(), output_size=tuple(x.shape[-2:]), **opts)

    try:
        fold_input = cols()
    except RuntimeError:
        fold_input = x  # torch refuses the unfold, so the fold sample counts as a torch refusal
    return ("fold(unfold)", "fold", 2, thunk, fold_input, dict(opts, output_size=tuple(x.shape[-2:])))


def _module_samples() -> list[Sample]:
    out = []
    for info in module_db:
        name = info.module_cls.__name__
        family = _family(name)
        if family is None:
            continue
        inputs = info.module_inputs_func(info, device="cpu", dtype=torch.float64, requires_grad=False, training=False)
        for sample in inputs:
            ctor, fwd = sample.constructor_input, sample.forward_input
            x = fwd.args[0]

            def thunk(ctor=ctor, fwd=fwd, family=family, info=info) -> Any:
                module = info.module_cls(*ctor.args, **ctor.kwargs).to(torch.float64)
                result = module(*fwd.args, **fwd.kwargs)
                return result, _module_call(module, family)

            out.append((name, family, _rank(name, 1), thunk, x, {}))
    return out


def _values_agree(got: np.ndarray, want: np.ndarray) -> bool:
    if got.shape != want.shape:
        return False
    got = np.asarray(got, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(want[np.isfinite(want)]), initial=0.0)))
    same_nan = np.array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    return (
        same_nan
        and np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
        and bool(np.all(np.abs(got[finite] - want[finite]) <= RTOL * scale))
    )


def _verdict(got: Any, want: Any) -> str:
    """``"exact"`` (bit for bit, indices equal), ``"close"`` (within the tolerance) or ``"disagree"``."""
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    want = tuple(_np(w) for w in want)
    if len(got) != len(want):
        return "disagree"
    values, indices = (got[0], want[0]), list(zip(got[1:], want[1:]))
    if any(g.shape != w.shape or not np.array_equal(g, w) for g, w in indices):
        return "disagree"
    if values[0].shape == values[1].shape and np.array_equal(
        np.asarray(values[0], np.float64), values[1], equal_nan=True
    ):
        return "exact"
    return "close" if _values_agree(*values) else "disagree"


def _run(sample: Sample) -> tuple[str, str]:
    """One sample's outcome and detail: agree (exact or close), disagree, refconv refuses, not expressible or
    torch refuses."""
    label, family, rank, thunk, x, kwargs = sample
    try:
        want = thunk()
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        return "torch refuses", _refconv_also_refuses(family, rank, x, kwargs) + str(exc).split("\n")[0][:80]
    if isinstance(want, tuple) and len(want) == 2 and isinstance(want[1], dict):
        want, kwargs = want  # a module: its functional call is known after its forward
    try:
        got = TRANSLATE[family](_np(x), rank, kwargs)
    except NotExpressible as exc:
        return "not expressible", str(exc)
    except (ValueError, TypeError) as exc:
        return "refconv refuses", f"{type(exc).__name__}: {str(exc)[:160]}"
    verdict = _verdict(got, want)
    return ("agree", verdict) if verdict != "disagree" else ("disagree", f"{kwargs!r:.200}")


def _refconv_also_refuses(family: str, rank: int, x: Any, kwargs: dict[str, Any]) -> str:
    if not kwargs:
        return "(module) "
    try:
        TRANSLATE[family](_np(x), rank, kwargs)
    except (ValueError, TypeError, NotExpressible):
        return "(refconv too) "
    return "(refconv computes) "


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[tuple[str, str]]]:
    results: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for sample in _op_samples() + _module_samples():
        results[sample[0]].append(_run(sample))
    return results


COLUMNS = ("agree", "disagree", "refconv refuses", "not expressible", "torch refuses")


def test_every_sample_agrees(outcomes: dict[str, list[tuple[str, str]]]) -> None:
    rows = []
    totals = collections.Counter()
    for label in sorted(outcomes):
        counts = collections.Counter(kind for kind, _ in outcomes[label])
        exact = sum(1 for kind, detail in outcomes[label] if kind == "agree" and detail == "exact")
        totals.update(counts)
        totals["exact"] += exact
        rows.append(f"{label:34} {len(outcomes[label]):6} {exact:6} " + " ".join(f"{counts[c]:8}" for c in COLUMNS))
    header = f"{'op':34} {'all':>6} {'exact':>6} " + " ".join(f"{c[:8]:>8}" for c in COLUMNS)
    total = f"{'total':34} {sum(len(v) for v in outcomes.values()):6} {totals['exact']:6} "
    print("\n" + "\n".join([header, *rows, total + " ".join(f"{totals[c]:8}" for c in COLUMNS)]))
    for label in sorted(outcomes):
        for kind, detail in outcomes[label]:
            if kind not in ("agree",):
                print(f"  {label}: {kind}: {detail}")
    disagreements = {label: [d for k, d in v if k == "disagree"] for label, v in outcomes.items()}
    assert not any(disagreements.values()), {k: v[:3] for k, v in disagreements.items() if v}
    unexpressed = {
        label: sum(1 for k, _ in v if k in ("not expressible", "refconv refuses"))
        for label, v in outcomes.items()
        if any(k in ("not expressible", "refconv refuses") for k, _ in v)
    }
    assert unexpressed == {label: count for label, (count, _) in NOT_EXPRESSIBLE.items()}


# ---------------------------------------------------------------------------------------------------------------
# The two refconv forms these samples needed, by hand and as properties (torch as the peer).


def test_one_length_for_every_named_axis_by_hand() -> None:
    x = np.arange(16).reshape(1, 4, 4)  # windows [[0, 1], [4, 5]], [[2, 3], [6, 7]], ...
    assert refconv.max_pool(x, 2, axes=(1, 2)).tolist() == [[[5, 7], [13, 15]]]
    assert refconv.avg_pool(x, (2,), axes=(-2, -1)).tolist() == [[[2.5, 4.5], [10.5, 12.5]]]  # (0+1+4+5)/4 = 2.5
    assert refconv.adaptive_max_pool(x, 1, axes=(1, 2)).tolist() == [[[15]]]
    # torch's lp_pool2d(ones, 2, 2) = sqrt(mean(1) * 2 * 2) = 2: the window is 2 x 2, not 2
    assert lp_pool_torch(np.ones((1, 2, 2)), 2, 2, axes=(1, 2)).tolist() == [[[2.0]]]


def test_replicate_after_a_crop_to_nothing_by_hand() -> None:
    # torch: out[j] = x[clamp(j - left, 0, n - 1)]; left = -3 on [1, 2, 3] reads x[2] twice
    assert refconv.pad([1, 2, 3], (-3, 2), mode="replicate").tolist() == [3, 3]
    assert refconv.pad([1, 2, 3], (2, -3), mode="replicate").tolist() == [1, 1]
    with pytest.raises(ValueError, match="holds no cells"):
        refconv.pad([1, 2, 3], (-3, 2), mode="circular")  # torch returns uninitialised memory here


@given(
    x=st.lists(st.integers(-9, 9), min_size=1, max_size=6),
    lo=st.integers(-6, 6),
    hi=st.integers(-6, 6),
)
def test_replicate_is_the_clamped_index(x: list[int], lo: int, hi: int) -> None:
    n = len(x)
    if n + min(lo, 0) + min(hi, 0) < 0 or n + lo + hi < 0:
        return  # a crop longer than the axis: refused by both
    want = [x[min(max(j - lo, 0), n - 1)] for j in range(n + lo + hi)]
    assert refconv.pad(x, (lo, hi), mode="replicate").tolist() == want
    if not want:
        return  # an empty result: refconv returns it, torch refuses ("Calculated output W: 0")
    got = torch.nn.functional.pad(torch.tensor([[x]], dtype=torch.float64), (lo, hi), mode="replicate")
    assert got[0, 0].tolist() == want


@given(
    shape=st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 5)),
    k=st.integers(1, 3),
    ceil_mode=st.booleans(),
    data=st.data(),
)
def test_one_length_matches_torch(shape: tuple[int, int, int], k: int, ceil_mode: bool, data: Any) -> None:
    k = min(k, shape[1], shape[2])
    x = np.array(data.draw(st.lists(st.integers(-50, 50), min_size=math.prod(shape), max_size=math.prod(shape))))
    x = x.reshape(shape).astype(np.float64)
    t = torch.from_numpy(x)
    got, index = refconv.max_pool(x, k, axes=(1, 2), ceil_mode=ceil_mode, return_indices=True)
    want, want_index = torch.nn.functional.max_pool2d(t, k, ceil_mode=ceil_mode, return_indices=True)
    assert got.tolist() == want.tolist() and index.tolist() == want_index.tolist()
    assert (
        refconv.max_pool(x, k, axes=(1, 2), ceil_mode=ceil_mode).tolist()
        == refconv.max_pool(x, (k, k), ceil_mode=ceil_mode).tolist()
    )
    side = max(1, min(shape[1:]) // 2)
    adaptive = refconv.adaptive_avg_pool(x, side, axes=(1, 2))
    np.testing.assert_allclose(adaptive, torch.nn.functional.adaptive_avg_pool2d(t, side).numpy(), rtol=1e-12)
