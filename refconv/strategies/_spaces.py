"""The problem spaces of :func:`refconv.check`: its run options, operand values, sizing by stage,
the op table :data:`STRATEGIES`, and :class:`ProblemSpace` with the checker's own membership rules.

Every space the checker and the adapters draw from is built here (the adapters' narrowed ones in
:mod:`refconv.strategies._peer_spaces`, from these pieces).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .._validation import is_int
from ..exact import OPS
from ..problem import Problem
from ._caps import PADDINGS
from ._geometry import layer_specs, plain_specs, pooling_specs

__all__ = ["Options", "ProblemSpace", "STRATEGIES"]

# ---------------------------------------------------------------------------------------------
# Values: shrinkable small integers, Hypothesis floats, or seeded random floats
# ---------------------------------------------------------------------------------------------

_ELEMENTWISE_LIMIT = 4096
_EVERY_ELEMENT_LIMIT = 64


def _random_array(seed: int, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Seeded values for arrays too large to draw element by element (they do not shrink)."""
    rng = np.random.default_rng(seed)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(int(info.min), int(info.max), size=shape, endpoint=True, dtype=dtype)
    return rng.uniform(-2, 2, shape).astype(dtype)


def _values(shape: tuple, dtype: np.dtype) -> st.SearchStrategy[np.ndarray]:
    """Operand values, drawn element by element so that failures shrink to simple numbers.

    Small integers first (shrinking moves there when they still fail: exact, readable
    counterexamples), then floats of every kind Hypothesis makes (mantissas that expose wrong
    arithmetic: float16 accumulation, rounded products).
    """
    from hypothesis.extra import numpy as hnp

    if dtype.name == "bfloat16":  # ml_dtypes: Hypothesis has no bfloat16, so float32 values rounded to it
        return _values(shape, np.dtype(np.float32)).map(lambda a: a.astype(dtype))
    if math.prod(shape) > _ELEMENTWISE_LIMIT:
        return st.builds(_random_array, st.integers(0, 2**32 - 1), st.just(shape), st.just(dtype))
    # Small arrays (kernels, biases, small inputs) get every element drawn; large ones a drawn fill
    # value and a sparse set of drawn elements (Hypothesis's default), which keeps shrinking fast.
    fill = st.nothing() if math.prod(shape) <= _EVERY_ELEMENT_LIMIT else None
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return hnp.arrays(dtype, shape, elements=st.integers(int(info.min), int(info.max)), fill=fill)
    small = hnp.arrays(dtype, shape, elements=st.integers(-3, 3).map(float), fill=fill)
    floats = st.floats(-4, 4, width=8 * dtype.itemsize, allow_nan=False, allow_infinity=False)
    return small | hnp.arrays(dtype, shape, elements=floats, fill=fill)


# ---------------------------------------------------------------------------------------------
# The op table: geometry strategies per op
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The problem space of a :func:`check` run (see its parameters)."""

    dtype: np.dtype
    ranks: tuple[int, ...] = (1, 2)
    peer: str | None = "torch"
    max_side: int = 7
    long_side: int = 48
    bias: bool | None = None
    stage: str = "full"  # "tiny": lengths <= 3, few channels; "full": the whole space


def _sized(make: Callable[[int, int, int, str], st.SearchStrategy], opt: Options) -> st.SearchStrategy:
    """The geometries of a stage.  ``make(min_rank, max_rank, side, family)`` builds one family:

    ``"tiny"``: lengths up to 3, at most 2 batches and 4 channels -- most bugs show there, and a
    failure found on a tiny problem shrinks in a fraction of a second; ``"full"``: lengths up to
    ``max_side`` in every rank, up to 3 batches, 3 groups and 6 channels; ``"long"``: 1-D
    problems of up to ``long_side`` cells (tens of outputs, where tiled implementations go
    wrong), one batch and at most 2 channels, so that they stay small enough to shrink.

    Stage ``"tiny"`` draws the tiny family; stage ``"full"`` all three, tiny first, so that the
    shrinker can move a failure found on a large problem to a tiny one in one step.
    """
    lo, hi = min(opt.ranks), max(opt.ranks)
    # High ranks: the side shrinks so that a problem keeps about _CELLS cells (rank 9 at side 6
    # would be ten million cells per operand: a search that never ends).
    side = min(opt.max_side, max(2, int(_CELLS ** (1 / hi))))
    tiny = make(lo, hi, min(3, side), "tiny")
    if opt.stage == "tiny":
        return tiny
    options = [tiny, make(lo, hi, side, "full")]
    if opt.long_side > opt.max_side:
        options.append(make(1, 1, opt.long_side, "long"))
    return st.one_of(options)


#: About the most cells per spatial operand that a drawn problem has, whatever its rank.
_CELLS = 4096

#: Caps of (batch, groups, channels) per family.
_CAPS = {"tiny": (2, 2, 4), "full": (3, 3, 6), "long": (1, 2, 2)}


def _plain_problems(opt: Options) -> st.SearchStrategy[tuple]:
    def make(lo, hi, side, family):
        return plain_specs(min_dims=lo, max_dims=hi, max_side=side)

    return _sized(make, opt).flatmap(
        lambda s: st.tuples(
            _values(s.input_shape, opt.dtype), _values(s.kernel_shape, opt.dtype), st.just(s.kwargs)
        ).map(lambda t: ((t[0], t[1]), t[2]))
    )


def _bias(opt: Options, channels: int) -> st.SearchStrategy:
    on = st.booleans() if opt.bias is None else st.just(opt.bias)
    return on.flatmap(lambda b: _values((channels,), opt.dtype) if b else st.none())


def _conv_problems(opt: Options) -> st.SearchStrategy[tuple]:
    paddings = tuple(p for p in PADDINGS if opt.peer is None or p != "pairs")

    def make(lo, hi, side, family):
        batch, groups, channels = _CAPS[family]
        return layer_specs(
            min_dims=lo,
            max_dims=hi,
            max_side=side,
            paddings=paddings,
            max_batch=batch,
            max_groups=groups,
            max_channels=channels,
        )

    return _sized(make, opt).flatmap(
        lambda s: st.tuples(
            _values(s.input_shape, opt.dtype),
            _values(s.weight_shape, opt.dtype),
            _bias(opt, s.weight_shape[0]),
            st.just(s.kwargs),
        ).map(lambda t: (t[:3], t[3]))
    )


@st.composite
def _transpose_geometry(draw, lo: int, hi: int, side: int, peer: str | None, family: str):
    """``conv_transpose`` problems: torch's layout ``(C_in, C_out/groups, *k)``, output_padding
    smaller than the stride or the dilation, and (for torch) padding at most ``d*(k-1)``."""
    ndim = draw(st.integers(lo, hi))
    max_batch, max_groups, _ = _CAPS[family]
    groups = draw(st.integers(1, max_groups))
    c_in, c_out_g = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = draw(st.integers(1, max_batch))
    m, k, s, d, p, op = [], [], [], [], [], []
    for _ in range(ndim):
        m.append(draw(st.integers(1, side)))
        k.append(draw(st.integers(1, 4)))
        s.append(draw(st.integers(1, 3)))
        d.append(draw(st.integers(1, 3)))
        reach = d[-1] * (k[-1] - 1)
        top = min(reach, 3) if peer else 3
        p.append(draw(st.integers(0, top)))
        op.append(draw(st.integers(0, max(s[-1], d[-1]) - 1)))
    # Keep the output non-empty: (m-1)s + d(k-1) + 1 - 2p + op >= 1.
    for i in range(ndim):
        while (m[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - 2 * p[i] + op[i] < 1:
            m[i] += 1
    kwargs = {
        "stride": tuple(s),
        "padding": tuple(p),
        "output_padding": tuple(op),
        "groups": groups,
        "dilation": tuple(d),
    }
    return (batch, c_in, *m), (c_in, c_out_g, *k), c_out_g * groups, kwargs


def _transpose_problems(opt: Options) -> st.SearchStrategy[tuple]:
    def make(lo, hi, side, family):
        return _transpose_geometry(lo, hi, max(1, side // 2), opt.peer, family)

    return _sized(make, opt).flatmap(
        lambda g: st.tuples(_values(g[0], opt.dtype), _values(g[1], opt.dtype), _bias(opt, g[2]), st.just(g[3])).map(
            lambda t: (t[:3], t[3])
        )
    )


def _pool_problems(kind: str, opt: Options) -> st.SearchStrategy[tuple]:
    def make(lo, hi, side, family):
        leading = 1 if family == "long" else 2
        specs = pooling_specs(op=kind, min_dims=lo, max_dims=min(hi, 3), max_side=side, max_leading=leading)
        if opt.peer == "torch":
            # torch pools take (C, *spatial) or (N, C, *spatial): at least one leading axis.
            specs = specs.map(
                lambda s: (
                    s if len(s.input_shape) > _rank(s.kernel_size) else s._replace(input_shape=(1, *s.input_shape))
                )
            )
        return specs

    @st.composite
    def extra(draw, s):
        kwargs = dict(s.kwargs)
        if kind == "avg":
            kwargs["count_include_pad"] = draw(st.booleans())
            rank = _rank(s.kernel_size)
            if draw(st.booleans()) and (opt.peer is None or rank >= 2):  # torch: 2-D and 3-D only
                kwargs["divisor_override"] = draw(st.integers(1, 9))
        x = draw(_values(tuple(s.input_shape), opt.dtype))
        return (x, s.kernel_size), kwargs

    return _sized(make, opt).flatmap(extra)


def _rank(kernel_size) -> int:
    return 1 if is_int(kernel_size) else len(kernel_size)


#: The orders of the Lp problems: the sum (1), the Euclidean norm (2, sqrt), integer and fractional
#: powers (3, 1.5, 0.5: p < 1 too) and the maximum (inf).
_LP_ORDERS = (1, 2, 3, 1.5, 0.5, math.inf)


def _weights(shape: tuple, dtype: np.dtype) -> st.SearchStrategy[np.ndarray]:
    """Non-negative weights in ``dtype`` (zeros included: a window may ignore a tap)."""
    from hypothesis.extra import numpy as hnp

    floats = st.floats(0, 4, width=8 * dtype.itemsize)
    return hnp.arrays(dtype, shape, elements=st.integers(0, 4).map(float) | floats)


def _lp_weighted_problems(kind: str, opt: Options) -> st.SearchStrategy[tuple]:
    """``lp_pool(x, p, kernel_size, ...)`` or ``weighted_pool(x, kernel_size, weight, ...)``
    problems on the max pool's geometries (stride, padding, dilation; ceil mode for Lp only)."""

    def make(lo, hi, side, family):
        leading = 1 if family == "long" else 2
        return pooling_specs(op="max", min_dims=lo, max_dims=min(hi, 3), max_side=side, max_leading=leading)

    @st.composite
    def problem(draw, s):
        x = draw(_values(tuple(s.input_shape), opt.dtype))
        if kind == "lp":
            return (x, draw(st.sampled_from(_LP_ORDERS)), s.kernel_size), dict(s.kwargs)
        kwargs = {k: v for k, v in s.kwargs.items() if k != "ceil_mode"}
        shape = (s.kernel_size,) if is_int(s.kernel_size) else tuple(s.kernel_size)
        return (x, s.kernel_size, draw(_weights(shape, opt.dtype))), kwargs

    return _sized(make, opt).flatmap(problem)


def _global_problems(kind: str, opt: Options) -> st.SearchStrategy[tuple]:
    """A global pool over every axis of an ``x`` of the run's ranks (1 to 3 axes)."""

    def make(lo, hi, side, family):
        return st.integers(lo, min(hi, 3)).flatmap(lambda r: st.tuples(*[st.integers(1, side)] * r))

    @st.composite
    def problem(draw, shape):
        x = draw(_values(shape, opt.dtype))
        extra = {"avg": (), "max": (), "lp": (draw(st.sampled_from(_LP_ORDERS)),)}.get(kind)
        if extra is None:
            extra = (draw(_weights(shape, opt.dtype)),)
        return (x, *extra), {}

    return _sized(make, opt).flatmap(problem)


#: op name -> strategy of ``(args, kwargs)`` for a run's :class:`Options`.
STRATEGIES: dict[str, Callable[[Options], st.SearchStrategy]] = {
    "correlate": _plain_problems,
    "convolve": _plain_problems,
    "conv": _conv_problems,
    "conv_transpose": _transpose_problems,
    "avg_pool": lambda opt: _pool_problems("avg", opt),
    "max_pool": lambda opt: _pool_problems("max", opt),
    "lp_pool": lambda opt: _lp_weighted_problems("lp", opt),
    "weighted_pool": lambda opt: _lp_weighted_problems("weighted", opt),
    "global_avg_pool": lambda opt: _global_problems("avg", opt),
    "global_max_pool": lambda opt: _global_problems("max", opt),
    "global_lp_pool": lambda opt: _global_problems("lp", opt),
    "global_weighted_pool": lambda opt: _global_problems("weighted", opt),
}


# ---------------------------------------------------------------------------------------------
# Problem spaces
# ---------------------------------------------------------------------------------------------


def _anything(problem: Problem, opt: Options) -> bool:
    return True


@dataclass(frozen=True)
class ProblemSpace:
    """The problems a :func:`check` run may use: how Hypothesis draws them, and which belong.

    ``draw(options)`` returns a Hypothesis strategy of ``(args, kwargs)``; ``accepts(problem,
    options)`` says whether a problem is in the space.  The canonical probes and every step of
    the reducer are kept only where ``accepts`` is true (and refconv's own function takes the
    call, and it has at least one output), so a counterexample never leaves the space the
    implementation declared.

    Parameters
    ----------
    draw : callable
        ``draw(options)``: a Hypothesis strategy of ``(args, kwargs)`` for the run's options
        (dtype, ranks, sizes, stage, peer).
    accepts : callable, optional
        ``accepts(problem, options) -> bool``; default: every problem.

    See Also
    --------
    STRATEGIES : refconv's own spaces, one per op.
    refconv.check : takes a space as ``problems=``.

    Examples
    --------
    The default space of "correlate", narrowed to kernels of at most 2 taps: the probes, the
    search and every reduction step stay inside it.

    >>> import refconv
    >>> small = ProblemSpace(STRATEGIES["correlate"], lambda p, opt: p.args[1].size <= 2)
    >>> flips = refconv.check(refconv.convolve, "correlate", problems=small, dtype="float64", max_examples=20)
    >>> flips.passed, flips.counterexample.args[1].size <= 2
    (False, True)
    """

    draw: Callable[[Options], st.SearchStrategy]
    accepts: Callable[[Problem, Options], bool] = _anything


def _peer_rules(problem: Problem, opt: Options) -> bool:
    """The problem is inside the checker's own space: ranks, sizes, bias, and the peer's limits."""
    op, args = problem.op, problem.args
    x = args[0]
    rank = OPS[op].rank_of(args, problem.kwargs)
    if rank not in opt.ranks or rank < 1:
        return False
    side = max(opt.max_side, opt.long_side) if rank == 1 else opt.max_side
    if any(n > side for n in x.shape[x.ndim - rank :]):
        return False
    if any(a is not None and a.dtype != opt.dtype for a in args[: len(OPS[op].operands)] if isinstance(a, np.ndarray)):
        return False
    if OPS[op].bias:
        has_bias = len(args) > 2 and args[2] is not None
        if opt.bias is not None and has_bias != opt.bias:
            return False
    if opt.peer != "torch":
        return True
    return _torch_accepts(problem, rank)


def _torch_accepts(problem: Problem, rank: int) -> bool:
    """PyTorch's own limits, which refconv's functions (more general) do not impose."""
    op, args, kw = problem.op, problem.args, problem.kwargs
    x = args[0]
    if op == "conv":
        padding = kw.get("padding", 0)
        if isinstance(padding, tuple) and any(isinstance(p, tuple) for p in padding):
            return False  # torch has no per-side pads
        stride = kw.get("stride", 1)
        if padding == "same" and any(s != 1 for s in (stride if isinstance(stride, tuple) else (stride,))):
            return False
        if kw.get("padding_mode", "zeros") in ("reflect", "circular"):
            from ..spec import layer_spec

            geometry = {k: kw[k] for k in ("padding", "stride", "dilation") if k in kw}
            spec = layer_spec("check", x.shape[2:], args[1].shape[2:], **geometry)
            if any(max(pair) >= n for pair, n in zip(spec.pads, x.shape[2:])):
                return False
    elif op == "conv_transpose":
        w = args[1]
        d = kw.get("dilation", 1)
        p = kw.get("padding", 0)
        for i in range(rank):
            di = d[i] if isinstance(d, tuple) else d
            pi = p[i] if isinstance(p, tuple) else p
            if pi > di * (w.shape[2 + i] - 1):
                return False
    elif op in ("max_pool", "avg_pool"):
        if x.ndim - rank < 1:
            return False  # torch pools take (C, *spatial) or (N, C, *spatial)
        if kw.get("divisor_override") is not None and rank < 2:
            return False
    return True
