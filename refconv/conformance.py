"""The conformance checker: is an implementation of convolution or pooling right, and if not, where?

:func:`check` drives Hypothesis over problems (geometry from :mod:`refconv.strategies`, valid for
PyTorch by default), calls the implementation **exactly as refconv's own function for the op is
called** -- for ``op="conv"``: ``impl(x, w, bias, stride=, padding=, dilation=, groups=,
padding_mode=)`` -- compares each result with the exact, correctly rounded reference
(:mod:`refconv.exact`) under the rigorous bound (:mod:`refconv.bounds`), and shrinks a failure to
the smallest problem that still fails.  It returns a :class:`CheckResult` with a ``repro`` snippet
that runs as pasted.

:func:`assert_conforms` is the same judgement for one result, for users' own test suites.

The verdict is rigorous in both directions.  The bound is an over-estimate (see
:mod:`refconv.bounds`); the error is compared through the correctly rounded float64 reference
``y64`` with an enclosure ``| |y^ - y| - fl(|y^ - y64|) | <= 2**-52 fl(...) + 2**-53 |y64|``, and any
element whose enclosure straddles the bound is decided again in exact rational arithmetic.  So
a correct implementation of the declared algorithm class never fails, and a failure is a bug.

Integer dtypes are compared exactly (bound 0); max pooling bitwise (NaN matches NaN, ``-0 == 0``).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from . import strategies as rst
from ._validation import check_bool, check_choice, fail, is_int
from .bounds import Arithmetic, error_bound
from .exact import OPS, exact_value, op_form, rounded
from .probes import probes
from .problem import Problem, arg_names
from .reduce import reduce

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
        return rst.plain_specs(min_dims=lo, max_dims=hi, max_side=side)

    return _sized(make, opt).flatmap(
        lambda s: st.tuples(
            _values(s.input_shape, opt.dtype), _values(s.kernel_shape, opt.dtype), st.just(s.kwargs)
        ).map(lambda t: ((t[0], t[1]), t[2]))
    )


def _bias(opt: Options, channels: int) -> st.SearchStrategy:
    on = st.booleans() if opt.bias is None else st.just(opt.bias)
    return on.flatmap(lambda b: _values((channels,), opt.dtype) if b else st.none())


def _conv_problems(opt: Options) -> st.SearchStrategy[tuple]:
    paddings = tuple(p for p in rst.PADDINGS if opt.peer is None or p != "pairs")

    def make(lo, hi, side, family):
        batch, groups, channels = _CAPS[family]
        return rst.layer_specs(
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
        specs = rst.pooling_specs(op=kind, min_dims=lo, max_dims=min(hi, 3), max_side=side, max_leading=leading)
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


#: op name -> strategy of ``(args, kwargs)`` for a run's :class:`Options`.
STRATEGIES: dict[str, Callable[[Options], st.SearchStrategy]] = {
    "correlate": _plain_problems,
    "convolve": _plain_problems,
    "conv": _conv_problems,
    "conv_transpose": _transpose_problems,
    "avg_pool": lambda opt: _pool_problems("avg", opt),
    "max_pool": lambda opt: _pool_problems("max", opt),
}


# ---------------------------------------------------------------------------------------------
# Judging one result
# ---------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """The judgement of one result (see :class:`CheckResult` for the fields' meaning)."""

    passed: bool
    reason: str = ""
    got: Any = None
    expected: Any = None
    bound: Any = None
    index: tuple | None = None
    ratio: float = 0.0
    bound_kind: str = ""


def _exact_at(kind: str, value: Any, index: tuple) -> Fraction | float:
    if kind == "dyadic":
        V, E = value
        return Fraction(int(V[index])) * Fraction(2) ** E
    if kind == "mixed":
        V, E, cls = value
        return float(cls[index]) if not np.isfinite(cls[index]) else Fraction(int(V[index])) * Fraction(2) ** E
    if kind == "rational":
        v = value[index]
        return v if isinstance(v, (int, Fraction)) else float(v)
    return Fraction(float(np.asarray(value)[index]))


@dataclass(frozen=True)
class _Reference:
    """What an answer to a problem is judged against: computed *before* the implementation runs
    (a hostile implementation can change no state the verdict reads), from the problem alone."""

    dtype: np.dtype
    shape: tuple
    ints: np.ndarray | None = None  # integer operands: the exact result
    kind: str = ""  # float operands: the exact value (exact_value's kind and value) ...
    value: Any = None
    y64: np.ndarray | None = None  # ... rounded once to float64 and to the dtype
    expected: np.ndarray | None = None
    bound: Any = None  # componentwise bound array, or a norm-wise Bound
    bound_kind: str = ""


def _reference(problem: Problem, *, dtype: Any = None, arithmetic: Any = None, method: str = "direct") -> _Reference:
    """The exact result of ``problem`` and its error bound (a refusal of the problem propagates)."""
    form = OPS[problem.op]
    # The operands' dtypes (x, w, bias; a pool's kernel_size is no operand) decide the judgement.
    operands = [a for a in problem.args[: len(form.operands)] if isinstance(a, np.ndarray)]
    dtype = np.dtype(dtype) if dtype is not None else np.result_type(*operands)
    if dtype.kind in "iu":
        ints = np.asarray(problem.call(form.resolve()))
        return _Reference(dtype, ints.shape, ints=ints, bound_kind="exact")
    kind, value = exact_value(problem.op, *problem.args, **problem.kwargs)
    y64 = rounded(kind, value, np.float64)
    expected = rounded(kind, value, dtype)
    if form.kind == "select":
        bound: Any = np.zeros(y64.shape)
        bound_kind = "exact (max is one of the inputs)"
    else:
        b = error_bound(
            *problem.args,
            op=problem.op,
            dtype=dtype,
            arithmetic=arithmetic,
            method=method,
            reference=np.where(np.isfinite(y64), y64, 0),
            **problem.kwargs,
        )
        bound = b if b.kind != "componentwise" else np.asarray(b.value)
        bound_kind = f"{b.method}, {b.arithmetic.name}"
    return _Reference(dtype, y64.shape, None, kind, value, y64, expected, bound, bound_kind)


def judge(
    actual: Any, problem: Problem, *, dtype: Any = None, arithmetic: Any = None, method: str = "direct"
) -> Verdict:
    """Judge ``actual`` (an implementation's output for ``problem``) against the exact reference."""
    return _compare(actual, _reference(problem, dtype=dtype, arithmetic=arithmetic, method=method))


def _compare(actual: Any, ref: _Reference) -> Verdict:
    """``actual`` against a reference computed beforehand (see :func:`judge`)."""
    got = np.asarray(actual)
    # Exact results of integer operands may come back as Python ints or Fractions (object arrays),
    # as refconv's own do (avg_pool of ints).
    exact_ints = got.dtype.kind == "O" and all(isinstance(v, (int, np.integer, Fraction)) for v in got.flat)
    if got.dtype.kind not in "iuf" and not exact_ints:
        return Verdict(False, f"returned dtype {got.dtype}, expected a numeric array", got=got)
    if ref.ints is not None:
        expected = ref.ints
        if got.shape != expected.shape:
            return Verdict(False, f"returned shape {got.shape}, expected {expected.shape}", got=got, expected=expected)
        g, e = got.astype(object), expected.astype(object)
        wrong = g != e
        if wrong.any():
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            return Verdict(
                False, "differs from the exact integer result", got[index], expected[index], 0, index, math.inf, "exact"
            )
        return Verdict(True, bound_kind="exact")
    y64, expected, kind, value = ref.y64, ref.expected, ref.kind, ref.value
    if got.shape != y64.shape:
        return Verdict(False, f"returned shape {got.shape}, expected {y64.shape}", got=got, expected=expected)
    g64 = got.astype(np.float64)
    finite = np.isfinite(y64)
    # Non-finite exact results: the class must match (NaN for NaN, the same infinity).
    cls_bad = ~finite & ~((np.isnan(y64) & np.isnan(g64)) | (g64 == y64))
    if not isinstance(ref.bound, np.ndarray):
        return _judge_normwise(got, y64, ref.bound, value, kind)
    bound, bound_kind = ref.bound, ref.bound_kind
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(finite, np.abs(g64 - np.where(finite, y64, 0)), 0.0)
        err = np.where(finite & ~np.isfinite(g64), np.inf, err)
        radius = 2.0**-53 * np.abs(np.where(finite, y64, 0)) + 2.0**-1075
        lower = err * (1 - 2.0**-52) - radius
        upper = err * (1 + 2.0**-52) + radius
    # NaN is never a finite number's value, whatever the bound (an overflowing bound is inf).
    bad = cls_bad | (finite & (lower > bound)) | (finite & np.isnan(g64))
    for index in map(tuple, np.argwhere(finite & ~bad & (upper > bound))):
        # The enclosure straddles the bound: decide exactly.
        if abs(Fraction(float(g64[index])) - _exact_at(kind, value, index)) > Fraction(float(bound[index])):
            bad[index] = True
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # err over a subnormal bound: inf
        ratio = np.where(bound > 0, err / bound, np.where(err > 0, np.inf, 0.0))
    ratio = np.where(cls_bad, np.inf, ratio)
    worst = float(ratio.max(initial=0.0))
    if bad.any():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(np.where(bad, ratio, -1)), ratio.shape))
        return Verdict(
            False,
            "differs from the exact result by more than the bound",
            got[index].item(),
            expected[index].item(),
            float(bound[index]),
            index,
            worst,
            bound_kind,
        )
    return Verdict(True, ratio=worst, bound_kind=bound_kind)


def _judge_normwise(got, y64, b, value, kind) -> Verdict:
    lead = b.value.shape
    # The 2-norm scaled by each map's largest error, so that squaring cannot overflow near the
    # range (an infinite or NaN error stays one); float64 evaluation: relative error well below
    # 2**-40, absorbed by the slack below.
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.abs(got.astype(np.float64) - y64).reshape(lead + (-1,))
        scale = d.max(axis=-1, initial=0.0)
        unit = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
        err = np.where(np.isfinite(scale), unit * np.sqrt(((d / unit[..., None]) ** 2).sum(axis=-1)), scale)
    bound = np.asarray(b.value)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(bound > 0, err * (1 - 2.0**-40) / bound, np.where(err > 0, np.inf, 0.0))
    worst = float(ratio.max(initial=0.0))
    if worst > 1:
        index = tuple(int(i) for i in np.unravel_index(np.argmax(ratio), ratio.shape))
        return Verdict(
            False,
            "feature map's 2-norm error exceeds the norm-wise bound",
            float(err[index]),
            0.0,
            float(b.value[index]),
            index,
            worst,
            f"{b.method} (norm-wise), {b.arithmetic.name}",
        )
    return Verdict(True, ratio=worst, bound_kind=f"{b.method} (norm-wise), {b.arithmetic.name}")


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
    """

    draw: Callable[[Options], st.SearchStrategy]
    accepts: Callable[[Problem, Options], bool] = _anything


def _space_of(func: str, op: str, problems: Any) -> ProblemSpace:
    if problems is None:
        return ProblemSpace(STRATEGIES[op])
    if isinstance(problems, ProblemSpace):
        return problems
    if callable(problems):
        return ProblemSpace(problems)
    expected = "a ProblemSpace or a callable options -> strategy"
    raise fail(func, "problems", problems, "is not a problem space", expected, TypeError)


def _peer_rules(problem: Problem, opt: Options) -> bool:
    """The problem is inside the checker's own space: ranks, sizes, bias, and the peer's limits."""
    op, args = problem.op, problem.args
    x = args[0]
    if OPS[op].kind == "bilinear":
        rank = x.ndim if op in ("correlate", "convolve") else x.ndim - 2
    else:
        rank = 1 if is_int(args[1]) else len(args[1])
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
            from .spec import layer_spec

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


# ---------------------------------------------------------------------------------------------
# Running one problem
# ---------------------------------------------------------------------------------------------


def _failure_class(verdict: Verdict) -> str:
    """How a failure is told apart from another: the exception type, or a wrong answer."""
    if verdict.reason.startswith("raised "):
        return verdict.reason.split(":", 1)[0]
    if verdict.reason.startswith("modified"):
        return "modified its input"
    if verdict.reason.startswith("timed out"):
        return "timed out"
    return "wrong answer"


class _TimedOut(Exception):
    pass


def _call(impl: Callable, args: tuple, kwargs: dict, timeout: float | None) -> Any:
    """``impl(*args, **kwargs)``; past ``timeout`` seconds, :class:`_TimedOut` (the call is left
    running in a daemon thread: Python cannot stop it)."""
    if timeout is None:
        return impl(*args, **kwargs)
    box: dict = {}

    def target():
        try:
            box["value"] = impl(*args, **kwargs)
        except BaseException as exc:  # handed back to the caller's thread below
            box["error"] = exc

    worker = threading.Thread(target=target, name="refconv-check-call", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _TimedOut
    if "error" in box:
        raise box["error"]
    return box["value"]


def evaluate(
    impl: Callable,
    problem: Problem,
    *,
    dtype: Any = None,
    arithmetic: Any = None,
    method: str = "direct",
    timeout: float | None = None,
) -> Verdict:
    """Call ``impl`` on copies of ``problem``'s operands and judge its answer (see :func:`judge`).

    The exact reference and the bound are computed first, before ``impl`` runs (a refusal of
    the problem by refconv propagates: the problem is outside every space).  Raising is a
    failure with the exception's message; so is writing into an operand (the implementation
    gets copies, and the problem it is judged on is never changed), and so is not returning
    within ``timeout`` seconds.

    Examples
    --------
    >>> from refconv.problem import Problem
    >>> p = Problem("correlate", (np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0])), {})
    >>> evaluate(lambda x, w: np.array([3.0, 6.0]), p).passed
    True
    >>> def sneaky(x, w):
    ...     x[:] = 0
    ...     return np.zeros(2)
    >>> evaluate(sneaky, p).reason
    'modified its argument x in place'
    """
    # The reference first: nothing the implementation does can change what it is judged against.
    ref = _reference(problem, dtype=dtype, arithmetic=arithmetic, method=method)
    copies = problem.copies()
    try:
        actual = _call(impl, copies, problem.kwargs, timeout)
    except _TimedOut:
        return Verdict(False, f"timed out: no answer within timeout={timeout} s")
    except Exception as exc:  # the implementation raised: a failure, reported with its message
        return Verdict(False, f"raised {type(exc).__name__}: {exc}", got=repr(exc))
    for name, before, after in zip(arg_names(problem.op), problem.args, copies):
        if isinstance(before, np.ndarray) and (after.shape != before.shape or after.tobytes() != before.tobytes()):
            return Verdict(False, f"modified its argument {name} in place", got=actual)
    return _compare(actual, ref)


def _refconv_accepts(problem: Problem) -> bool:
    """refconv's own function takes the call and gives at least one output."""
    try:
        with np.errstate(all="ignore"):
            out = problem.call(OPS[problem.op].resolve())
    except Exception:  # a refusal: outside every problem space
        return False
    return np.asarray(out).size > 0


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """What :func:`check` found.

    Attributes
    ----------
    passed : bool
        No example failed.
    op : str
    counterexample : Problem or None
        The failing problem, reduced to a 1-minimal one by :func:`refconv.reduce.reduce`.
    reason : str
        Why it failed: an exception, a wrong shape, or an error above the bound.
    got, expected, bound : scalars
        At the worst failing output ``index``: the implementation's value, the correctly rounded
        exact value, and the bound (0 for exact comparisons).
    index : tuple or None
    worst_ratio : float
        The largest ``|error| / bound`` over every output of every example run (``inf`` for a
        nonzero error where the bound is 0); below 1 for passing runs.
    examples : int
        Problems run while searching (the canonical probes, then Hypothesis's examples).
    seed : int
        The Hypothesis seed.
    repro : str
        A snippet that reruns the counterexample; it raises ``AssertionError`` when pasted.
    dtype : str
    found_by : str
        ``"probe"`` (one of :mod:`refconv.probes`) or ``"hypothesis"``; empty for a pass.
    reduction_steps, reduction_calls : int
        Reduction moves kept, and calls of the implementation spent reducing.
    minimal : bool
        The counterexample is 1-minimal: no single step of :func:`refconv.reduce.reduction_steps`
        gives a problem of the space that still fails.  False when ``max_shrinks`` ran out first
        (or with ``shrink=False``).
    """

    passed: bool
    op: str
    counterexample: Problem | None = None
    reason: str = ""
    got: Any = None
    expected: Any = None
    bound: Any = None
    index: tuple | None = None
    worst_ratio: float = 0.0
    examples: int = 0
    seed: int = 0
    repro: str = ""
    dtype: str = ""
    found_by: str = ""
    reduction_steps: int = 0
    reduction_calls: int = 0
    minimal: bool = False
    ratios: list = field(default_factory=list, repr=False)
    _reproduces: Callable[[Problem], bool] | None = field(default=None, repr=False, compare=False)

    def reproduces(self, problem: Problem) -> bool:
        """Whether ``problem`` is in this run's problem space and fails as the counterexample does.

        This is the predicate the reducer kept steps by: a test of 1-minimality applies every
        step of :func:`refconv.reduce.reduction_steps` to the counterexample and asks this.
        """
        if self._reproduces is None:
            raise ValueError("CheckResult.reproduces: the run passed; expected a failed check's result")
        return self._reproduces(problem)

    def __str__(self) -> str:
        if self.passed:
            return (
                f"check(op={self.op!r}, dtype={self.dtype}): PASSED {self.examples} examples, "
                f"worst |error|/bound = {self.worst_ratio:.3g}, seed={self.seed}"
            )
        minimal = "1-minimal" if self.minimal else "not 1-minimal (budget spent)"
        return (
            f"check(op={self.op!r}, dtype={self.dtype}): FAILED after {self.examples} examples "
            f"(found by {self.found_by}, seed={self.seed}; reduced in {self.reduction_steps} steps, "
            f"{self.reduction_calls} calls: {minimal}, {self.counterexample.size} cells)"
            f"\n  {self.reason}\n  call: {self.counterexample.describe()}\n  at output {self.index}: "
            f"got {self.got!r}, expected {self.expected!r}, bound {self.bound!r}\n--- repro ---\n{self.repro}"
        )


class _Found(BaseException):
    """The first failing example: a BaseException, so Hypothesis stops at once (no replay)."""


def _import_line(impl: Callable) -> str:
    """``from module import name as impl`` when ``impl`` can be imported back, else a placeholder."""
    module, qualname = getattr(impl, "__module__", None), getattr(impl, "__qualname__", "")
    if module and qualname and "<" not in qualname:
        try:
            obj = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            if obj is impl:
                if "." in qualname:
                    head, rest = qualname.split(".", 1)
                    return f"from {module} import {head}\nimpl = {head}.{rest}"
                return f"from {module} import {qualname} as impl"
        except Exception:  # not importable as named: fall through to the placeholder
            pass
    return f"impl = ...  # bind your implementation here ({impl!r} cannot be imported by name)"


def _repro(impl: Callable, problem: Problem, dtype: np.dtype, arithmetic: Any, method: str) -> str:
    lines = ["import numpy as np", "import refconv", _import_line(impl), "", *problem.source()]
    call = problem.call_text()
    oracle = [f"dtype={dtype.name!r}"]
    if arithmetic is not None:
        oracle.append(f"arithmetic={arithmetic.name if isinstance(arithmetic, Arithmetic) else arithmetic!r}")
    if method != "direct":
        oracle.append(f"method={method!r}")
    lines.append(f"refconv.assert_conforms(impl({call}), {problem.op!r}, {call}, {', '.join(oracle)})")
    return "\n".join(lines) + "\n"


def _validated(func, impl, dtype, integers, seed, bias, shrink, method, peer, ranks, arithmetic) -> np.dtype:
    if not callable(impl):
        raise fail(func, "impl", impl, "is not callable", "a function called like refconv's op", TypeError)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise fail(func, "dtype", dtype, "is not a dtype", "a float or integer NumPy dtype", TypeError) from None
    if dt.kind not in "iuf" or (dt.kind == "f" and dt.itemsize > 8):
        raise fail(func, "dtype", dtype, "is not supported", "float16/32/64 or an integer dtype")
    for name, value in integers:
        if not is_int(value):
            raise fail(func, name, value, "is not an integer", "an int >= 1", TypeError)
        if value < 1:
            raise fail(func, name, value, "is < 1", "an int >= 1")
    if not is_int(seed):
        raise fail(func, "seed", seed, "is not an integer", "an int", TypeError)
    check_bool(func, "bias", bias, none=True)
    check_bool(func, "shrink", shrink)
    check_choice(func, "method", method, ("direct", "winograd", "fft"))
    if peer is not None:
        check_choice(func, "peer", peer, ("torch",))
    if (
        is_int(ranks)
        or not isinstance(ranks, (tuple, list))
        or not ranks
        or not all(is_int(r) and r >= 1 for r in ranks)
    ):
        raise fail(func, "ranks", ranks, "is not a tuple of spatial ranks", "e.g. (1, 2)")
    if arithmetic is not None and not isinstance(arithmetic, Arithmetic):
        from .bounds import PRESETS

        check_choice(func, "arithmetic", arithmetic, tuple(PRESETS))
    return dt


def check(
    impl: Callable,
    op: str = "conv",
    *,
    problems: Any = None,
    dtype: Any = "float32",
    max_examples: int = 200,
    seed: int = 0,
    arithmetic: Any = None,
    method: str = "direct",
    ranks: tuple[int, ...] = (1, 2),
    peer: str | None = "torch",
    max_side: int = 7,
    long_side: int = 48,
    bias: bool | None = None,
    shrink: bool = True,
    max_shrinks: int = 5000,
    timeout: float | None = None,
) -> CheckResult:
    """Check an implementation of ``op`` against refconv's exact reference; reduce a failure.

    The run has three parts.  (1) The canonical probes of :mod:`refconv.probes` that the problem
    space accepts, smallest first: a fixed list, the same everywhere.  (2) Only if every probe
    passes, a Hypothesis search (tiny problems first, then the whole space; no database).  (3) The
    first failing problem is run once more (an implementation that now passes is reported as
    nondeterministic) and reduced by :func:`refconv.reduce.reduce` to a **1-minimal**
    counterexample: no single reduction step gives a problem of the space that still fails in
    the same way (the same exception type, or a wrong answer).  The reduction is a pure function
    of the failing problem and the implementation's answers, so a bug that a probe finds has the
    same counterexample on every machine, Hypothesis release and import order.

    Parameters
    ----------
    impl : callable
        Called exactly as refconv's function for ``op``: ``impl(x, w, bias, *, stride, padding,
        dilation, groups, padding_mode)`` for "conv"; ``impl(x, w, bias, *, stride, padding,
        output_padding, groups, dilation)`` for "conv_transpose"; ``impl(x, w, *, mode, stride,
        dilation, boundary)`` for "correlate"/"convolve"; ``impl(x, kernel_size, *, stride,
        padding, [dilation,] ceil_mode[, count_include_pad, divisor_override])`` for pools.
        Operands are fresh copies (NumPy arrays of ``dtype``); every keyword is passed.  Raising,
        or writing into an operand, counts as a failure.
    op : {"conv", "conv_transpose", "correlate", "convolve", "avg_pool", "max_pool"}
    problems : ProblemSpace or callable, optional
        The problem space: a :class:`ProblemSpace`, or a callable ``options -> strategy`` (every
        problem it draws belongs).  Default: refconv's own space for ``op`` (:data:`STRATEGIES`).
    dtype : str or dtype
        Operand dtype: float16/32/64 (judged under the bound) or an integer dtype (exact).
    max_examples, seed : int
        Hypothesis budget and seed.  Hypothesis (6.13x and later) mixes literal constants from
        the local modules loaded in the process into its draws, so the search can differ with
        the imports; the probes and the reducer do not.
    arithmetic, method
        The implementation's arithmetic and algorithm class, as in :func:`refconv.error_bound`.
    ranks : tuple of int
        Spatial ranks to draw (pools: at most 3).
    peer : {"torch", None}
        ``"torch"``: only problems PyTorch accepts (no explicit per-side pads, torch's pad limits,
        a channel axis for pools, divisor_override in 2-D/3-D); ``None``: everything refconv accepts.
    max_side, long_side : int
        Input lengths: up to ``max_side`` per axis, and 1-D problems up to ``long_side`` (tens of
        outputs, where tiled implementations go wrong).  ``long_side <= max_side`` turns those off.
    bias : bool or None
        Layer ops: always, never or sometimes a bias.
    shrink : bool
        Reduce a failure (on by default).
    max_shrinks : int
        The most calls of ``impl`` spent reducing; past it the counterexample is reported as
        reduced so far, with ``minimal=False``.
    timeout : float, optional
        Seconds one call of ``impl`` may take; a call that has not returned by then is a failure
        ("timed out").  The call runs in a daemon thread, which Python cannot stop: it is left
        running.  A timed-out problem is not reduced (each step could wait ``timeout``).

    Returns
    -------
    CheckResult

    Examples
    --------
    refconv checks itself, and catches a convolution that forgot to flip the kernel, with a
    counterexample of two input cells and two taps:

    >>> import functools, refconv
    >>> direct = functools.partial(refconv.correlate, method="direct")   # a sum of products
    >>> refconv.check(direct, "correlate", dtype="float64", max_examples=5).passed
    True
    >>> result = refconv.check(refconv.convolve, "correlate", dtype="float64", max_examples=50)
    >>> result.passed, result.minimal, [a.tolist() for a in result.counterexample.args]
    (False, True, [[0.0, 1.0], [0.0, 1.0]])
    """
    func = "check"
    form = op_form(func, op)
    integers = (("max_examples", max_examples), ("max_side", max_side), ("long_side", long_side))
    integers += (("max_shrinks", max_shrinks),)
    dt = _validated(func, impl, dtype, integers, seed, bias, shrink, method, peer, ranks, arithmetic)
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise fail(func, "timeout", timeout, "is not a number", "seconds > 0, or None", TypeError)
        if not timeout > 0 or math.isinf(timeout):
            raise fail(func, "timeout", timeout, "is not a positive finite number", "seconds > 0, or None")
    space = _space_of(func, form.name, problems)
    opt = Options(dt, tuple(ranks), peer, max_side, long_side, bias, "full")
    state = {"calls": 0, "worst": 0.0, "ratios": []}

    def valid(problem: Problem) -> bool:
        return _refconv_accepts(problem) and _peer_rules(problem, opt) and space.accepts(problem, opt)

    def run(problem: Problem) -> Verdict:
        return evaluate(impl, problem, dtype=dt, arithmetic=arithmetic, method=method, timeout=timeout)

    def attempt(problem: Problem) -> None:
        state["calls"] += 1
        try:
            verdict = run(problem)
        except (ValueError, TypeError):
            # refconv refuses to compute the reference (a drawn problem past the memory budget,
            # at high ranks): outside the space, not a verdict on the implementation.
            if _refconv_accepts(problem):
                raise
            state["calls"] -= 1
            return
        if not verdict.passed:
            raise _Found(problem, verdict)
        state["worst"] = max(state["worst"], verdict.ratio)
        state["ratios"].append(verdict.ratio)

    state["phase"] = "probe"
    try:
        for probe in probes(form.name, ranks=tuple(ranks), dtype=dt):
            if valid(probe):
                attempt(probe)
        state["phase"] = "hypothesis"
        # Two stages, each a deterministic Hypothesis run: tiny problems first (a third of the
        # budget), then the whole space.  No shrinking phase: the reducer does that.
        tiny = max(1, max_examples // 3)
        for stage, budget, stage_seed in (("tiny", tiny, seed), ("full", max_examples - tiny, seed + 1)):
            if budget >= 1:
                _search(space.draw(dataclasses.replace(opt, stage=stage)), form.name, attempt, budget, stage_seed)
    except _Found as found:
        problem, verdict = found.args
    else:
        return CheckResult(
            True,
            form.name,
            worst_ratio=state["worst"],
            examples=state["calls"],
            seed=seed,
            dtype=dt.name,
            ratios=state["ratios"],
        )
    kind = _failure_class(verdict)
    again = verdict if kind == "timed out" else run(problem)
    if again.passed or _failure_class(again) != kind:
        verdict = Verdict(
            False,
            f"nondeterministic: the same input first failed ({verdict.reason}), then "
            + ("passed" if again.passed else f"failed otherwise ({again.reason})"),
            verdict.got,
            verdict.expected,
            verdict.bound,
            verdict.index,
            verdict.ratio,
            verdict.bound_kind,
        )
        kind = None  # nothing to reduce: a repeated call does not reproduce the failure

    def reproduces(candidate: Problem) -> bool:
        return kind is not None and valid(candidate) and _fails_as(run(candidate), kind)

    steps, calls, minimal = 0, 0, False
    if shrink and kind not in (None, "timed out"):
        reduction = reduce(problem, lambda c: _fails_as(run(c), kind), valid=valid, budget=max_shrinks)
        problem, steps, calls, minimal = reduction.problem, reduction.steps, reduction.calls, reduction.minimal
        verdict = run(problem)
    return CheckResult(
        False,
        form.name,
        problem,
        verdict.reason,
        verdict.got,
        verdict.expected,
        verdict.bound,
        verdict.index,
        max(state["worst"], verdict.ratio),
        state["calls"],
        seed,
        _repro(impl, problem, dt, arithmetic, method),
        dt.name,
        state["phase"],
        steps,
        calls,
        minimal,
        state["ratios"],
        reproduces,
    )


def _fails_as(verdict: Verdict, kind: str) -> bool:
    return not verdict.passed and _failure_class(verdict) == kind


def _search(strategy: st.SearchStrategy, op: str, attempt: Callable[[Problem], None], budget: int, seed: int) -> None:
    """One seeded Hypothesis run over ``strategy`` (no database, no shrinking, quiet)."""
    run = settings(
        database=None,
        max_examples=budget,
        derandomize=False,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )(hypothesis_seed(seed)(given(strategy)(lambda case: attempt(Problem(op, tuple(case[0]), dict(case[1]))))))
    run()


def assert_conforms(
    actual: Any,
    op: str,
    *args: Any,
    dtype: Any = None,
    arithmetic: Any = None,
    method: str = "direct",
    **kwargs: Any,
) -> None:
    """Assert that ``actual`` is a correct result of refconv's ``op(*args, **kwargs)``.

    For float operands the error must be within the rigorous bound of :func:`refconv.error_bound`
    (``dtype``, ``arithmetic`` and ``method`` as there); integer results must be exact.

    Raises
    ------
    AssertionError
        With the call, the worst output's index, got, expected (correctly rounded exact value),
        the bound and ``|error| / bound``.

    Examples
    --------
    >>> import refconv
    >>> x, w = np.array([0.1, 0.2, 0.3]), np.array([1.0, 1.0])
    >>> assert_conforms(np.array([0.30000000000000004, 0.5]), "correlate", x, w)
    >>> assert_conforms(np.array([0.3, 0.6]), "correlate", x, w)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: correlate(x: float64 (3,), w: float64 (2,)) at output (1,): got 0.6, expected 0.5, bound ...
    """
    form = op_form("assert_conforms", op)
    form.bind("assert_conforms", args, kwargs)
    # The operands (not a pool's kernel_size) as arrays, as refconv's function would take them.
    n_operands = len(form.operands)
    args = tuple(a if i >= n_operands or a is None else np.asarray(a) for i, a in enumerate(args))
    dtypes = {name: a.dtype for name, a in zip(form.operands, args) if a is not None}
    kinds = {dt.kind for dt in dtypes.values()}
    if kinds & {"i", "u"} and "f" in kinds:
        name = next(n for n, dt in dtypes.items() if dt.kind in "iu")
        raise fail(
            "assert_conforms",
            name,
            args[form.operands.index(name)],
            f"is an integer array beside float operands ({', '.join(f'{n}: {dt}' for n, dt in dtypes.items())})",
            "operands of one kind: all integer (judged exactly) or all float (judged under the bound)",
            TypeError,
        )
    if dtype is not None:
        try:
            kind = np.dtype(dtype).kind
        except TypeError:
            raise fail(
                "assert_conforms", "dtype", dtype, "is not a dtype", "an integer or float dtype, or None", TypeError
            ) from None
        if kind not in ("i", "u", "f"):
            raise fail(
                "assert_conforms", "dtype", dtype, "is not a numeric dtype", "an integer or float dtype, or None"
            )
        # The float reference rounds float operands' exact result; integer operands are judged exactly.
        if kind == "f" and kinds & {"i", "u"}:
            raise fail(
                "assert_conforms",
                "dtype",
                dtype,
                "is a float dtype but the operands are integers",
                "dtype=None (integer results are judged exactly), or float operands",
            )
    check_choice("assert_conforms", "method", method, ("direct", "winograd", "fft"))
    problem = Problem(form.name, args, kwargs)
    verdict = judge(actual, problem, dtype=dtype, arithmetic=arithmetic, method=method)
    if verdict.passed:
        return
    where = f" at output {verdict.index}" if verdict.index is not None else ""
    raise AssertionError(
        f"{problem.describe()}{where}: got {verdict.got!r}, expected {verdict.expected!r}, bound {verdict.bound!r} "
        f"({verdict.bound_kind}); |error|/bound = {verdict.ratio:.3g}; {verdict.reason}"
    )


__all__ = [
    "check",
    "CheckResult",
    "assert_conforms",
    "evaluate",
    "judge",
    "Problem",
    "ProblemSpace",
    "Verdict",
    "STRATEGIES",
]
