"""The API fuzz: every public function, called with arbitrary arguments.

Each public callable of ``refconv.__all__`` (and of ``refconv.dask`` when Dask is installed) is
called with arguments drawn per parameter from three pools: omitted (the default), a *plausible*
value (small arrays of every kind, valid modes and pads, ...) or *junk* (strings, nested tuples,
negative and huge ints, NaN, zero-size arrays, object arrays of junk, wrong dtypes, bool arrays,
datetime arrays, callables, ...).  The only acceptable outcomes are a result or a ``ValueError``
/ ``TypeError`` whose message starts ``<function>: <parameter>`` — never an ``IndexError``,
``ZeroDivisionError``, ``MemoryError``, ``OverflowError``, a NumPy broadcasting error, a
``RecursionError`` or a hang.  Every call is bounded: arrays have at most a few hundred cells,
huge ints must hit a documented guard (``refconv.spec.CELL_LIMIT``, the matrix limits,
``refconv.pooling.POWER_BITS_LIMIT``) at once, and a wall-clock alarm turns a hang into a failure.

Results are checked where a cheap independent check exists: correlate/convolve/conv have the
shape :func:`refconv.output_shape` predicts, and every ``refconv.dask`` result, computed, equals
the in-memory function's on the same arguments.

Each function runs one and a half times the profile's ``max_examples`` (90 in ``ci``: over 3,000
calls over 40 functions); ``refconv.check``, which runs its own search per call, runs a sixth of
the profile's.
"""

from __future__ import annotations

import inspect
import math
import re
import signal
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv

#: Seconds one call may take before it counts as a hang (first calls import SymPy, ~1 s).
CALL_SECONDS = 20

PUBLIC = {
    name: getattr(refconv, name)
    for name in refconv.__all__
    if callable(getattr(refconv, name)) and not inspect.isclass(getattr(refconv, name))
}

try:
    import refconv.dask as rdask
except ImportError:  # pragma: no cover - the dask extra is part of the test extra
    rdask = None

DASK = {} if rdask is None else {f"dask.{name}": getattr(rdask, name) for name in rdask.__all__}


# --------------------------------------------------------------------------------------------
# Junk: values no parameter of refconv accepts, or accepts only at its edges


HUGE = st.sampled_from([10**9, 2**31, 2**63, 2**64 + 1, 10**30, -(10**9), -(2**63)])
INTS = st.one_of(st.integers(-3, 5), HUGE)
FLOATS = st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.5, 1e308]))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    INTS,
    FLOATS,
    st.complex_numbers(max_magnitude=4),
    st.fractions(min_value=-3, max_value=3, max_denominator=4),
    st.text(max_size=4),
    st.sampled_from(["valid", "same", "full", "SAME", "constant", "zeros", "wrap", "dense", "conv", "f32", ""]),
    st.binary(max_size=3),
    st.sampled_from([np.int64(2), np.float64("nan"), np.bool_(True), np.uint8(7), np.float32(-1.5), Ellipsis]),
    st.sampled_from([slice(1, 2), {1: 2}, {3}, object(), int, np.float64, lambda *a, **k: None]),
)
NESTED = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner), max_leaves=6)

JUNK_DTYPES = st.sampled_from(
    [np.int64, np.int8, np.uint64, np.float64, np.float32, np.float16, np.complex128, np.bool_, "U2", "M8[D]", "S2"]
)


def _object_array(values: list, shape_seed: int) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    if len(values) % 2 == 0 and len(values) and shape_seed % 2:
        arr = arr.reshape(2, -1)
    return arr


JUNK_ARRAYS = st.one_of(
    hnp.arrays(JUNK_DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)),
    st.builds(_object_array, st.lists(SCALARS, max_size=6), st.integers(0, 1)),
    st.sampled_from([np.zeros((0,)), np.zeros((2, 0, 3)), np.zeros(()), np.zeros((1, 1, 0, 2), dtype=np.int64)]),
)
JUNK = st.one_of(SCALARS, NESTED, JUNK_ARRAYS)


# --------------------------------------------------------------------------------------------
# Plausible values, per parameter name: small enough that every call is cheap


def _fractions():
    return st.fractions(min_value=-4, max_value=4, max_denominator=4)


def _arrays(min_dims: int, max_dims: int, max_side: int, min_side: int = 0) -> st.SearchStrategy:
    shapes = hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)
    return st.one_of(
        hnp.arrays(st.sampled_from([np.int64, np.int8, np.uint8, np.float64, np.float32]), shapes),
        hnp.arrays(np.int64, shapes, elements=st.integers(-5, 5)),
        hnp.arrays(np.float64, shapes, elements=st.floats(-4, 4, width=32)),
        hnp.arrays(object, shapes, elements=_fractions()),
        hnp.arrays(object, shapes, elements=st.integers(-(2**70), 2**70)),
    )


def _shapes(max_dims: int = 3, max_side: int = 4, min_side: int = 1) -> st.SearchStrategy:
    return st.lists(st.integers(min_side, max_side), min_size=1, max_size=max_dims).map(tuple)


_PER_AXIS = st.one_of(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
_PADS = st.one_of(
    st.integers(0, 2),
    st.lists(st.integers(0, 2), min_size=1, max_size=3).map(tuple),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=3).map(tuple),
)
_WEIGHTS = st.sampled_from(
    [
        lambda d: 1 / (1 + d**2),
        lambda d: 2 - d if d < 2 else 0,
        lambda d: 1,
        lambda d: -1,
        lambda d: math.nan,
        lambda d: "heavy",
        np.array([1, 3]),
        [[1, 2], [3, 4]],
        np.array([0.5, 0.25, 0.25]),
    ]
)
_MATRICES = st.one_of(
    hnp.arrays(st.sampled_from([np.int64, np.float64]), hnp.array_shapes(min_dims=2, max_dims=2, max_side=6)),
    st.builds(lambda w, n: refconv.conv_matrix(w, (n,)), hnp.arrays(np.int64, st.integers(1, 3)), st.integers(3, 6)),
    st.builds(
        lambda w, n: refconv.conv_matrix(w, (n, n), format="sparse"),
        hnp.arrays(np.int64, (2, 2), elements=st.integers(-3, 3)),
        st.integers(2, 3),
    ),
    st.builds(lambda w: refconv.conv_matrix(w, (3,), format="sympy"), hnp.arrays(object, 2, elements=_fractions())),
)
_LAYER = st.one_of(
    st.integers(1, 4),
    st.tuples(st.integers(1, 4), st.integers(1, 3)),
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2)),
    st.tuples(_shapes(2, 3), _shapes(2, 3)),
)

GOOD = {
    "x": _arrays(1, 3, 5),
    "w": _arrays(1, 3, 3, min_side=1),
    "bias": st.one_of(st.none(), _arrays(1, 1, 3, min_side=1)),
    "mode": st.one_of(st.sampled_from(["valid", "same", "full"]), _PADS),
    "padding": st.one_of(st.sampled_from(["valid", "same", "full"]), _PADS),
    "stride": _PER_AXIS,
    "dilation": _PER_AXIS,
    "output_padding": st.one_of(st.integers(0, 1), st.lists(st.integers(0, 1), min_size=1, max_size=3).map(tuple)),
    "boundary": st.sampled_from(refconv.BOUNDARIES),
    "padding_mode": st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
    "method": st.sampled_from(["auto", "direct", "dense", "sparse", "fft"]),
    "groups": st.integers(1, 3),
    "input_shape": _shapes(),
    "kernel_shape": _shapes(max_side=3),
    "kernel_size": st.one_of(st.integers(1, 3), _shapes(2, 3)),
    "ceil_mode": st.booleans(),
    "count_include_pad": st.booleans(),
    "return_indices": st.booleans(),
    "divisor_override": st.one_of(st.none(), st.integers(-2, 3)),
    "axes": st.one_of(st.none(), st.integers(-2, 2), st.lists(st.integers(-3, 2), min_size=1, max_size=2).map(tuple)),
    "p": st.sampled_from([1, 2, 3, 0.5, 1.5, math.inf, Fraction(1, 2), Fraction(3, 2)]),
    "weight": _WEIGHTS,
    "shift": st.integers(1, 3),
    "axis": st.integers(-2, 1),
    "pool": st.sampled_from([refconv.max_pool, refconv.avg_pool, lambda v, k, **o: refconv.lp_pool(v, 2, k, **o)]),
    "format": st.sampled_from(["dense", "sparse", "sympy"]),
    "exact": st.one_of(st.none(), st.booleans()),
    "A": _MATRICES,
    "block_shape": _shapes(2, 3),
    "row_shape": _shapes(2, 3),
    "col_shape": _shapes(2, 3),
    "shape": _shapes(2, 3),
    "layers": st.lists(_LAYER, min_size=1, max_size=3),
    "op": st.sampled_from(["conv", "conv_transpose", "correlate", "convolve", "avg_pool", "max_pool"]),
    "dtype": st.sampled_from([None, np.float32, np.float64, np.float16, "float32"]),
    "arithmetic": st.sampled_from([None, "F32_F32_F32", "F16_F16_F32", "TF32_TF32_F32", "BF16x3_F32"]),
    "transform": st.sampled_from([None, "F(2,3)"]),
    "reference": st.one_of(st.none(), _arrays(1, 3, 4)),
    "actual": _arrays(1, 3, 4),
    "impl": st.sampled_from([refconv.conv, refconv.correlate, refconv.max_pool, lambda *a, **k: 1 / 0, None]),
    "max_examples": st.integers(1, 2),
    "shrink": st.just(False),
    "peer": st.none(),
    "seed": st.integers(0, 3),
    "ranks": st.sampled_from([(1,), (2,), (1, 2)]),
    "max_side": st.integers(2, 4),
    "long_side": st.integers(2, 6),
    "max_shrinks": st.integers(0, 3),
    "problems": st.sampled_from([None, 3, "conv"]),
    "timeout": st.sampled_from([None, 5.0, 0, "1"]),
    # issue 23's options
    "pad_rule": st.sampled_from(["torch", "onnx"]),
    "output_size": st.one_of(st.none(), st.integers(1, 4), _shapes(3, 4)),
    "origin": st.one_of(st.integers(-2, 2), st.lists(st.integers(-2, 2), min_size=1, max_size=3).map(tuple)),
    "cval": st.sampled_from([0, 1, -2, 0.5, Fraction(1, 3), math.nan]),
    "layout": st.sampled_from([None, "NWC", "NHWC", "NCHW", "HWC", "NDHWC"]),
    "lhs": _arrays(3, 4, 4, min_side=1),
    "rhs": _arrays(3, 4, 3, min_side=1),
    "window_strides": _PER_AXIS,
    "lhs_dilation": st.one_of(st.none(), _PER_AXIS),
    "rhs_dilation": st.one_of(st.none(), _PER_AXIS),
    "dimension_numbers": st.sampled_from(
        [None, ("NCH", "OIH", "NCH"), ("NHWC", "HWIO", "NHWC"), ("NCHW", "OIHW", "NCHW")]
    ),
    "feature_group_count": st.integers(1, 3),
    "batch_group_count": st.integers(1, 3),
    "overflow": st.sampled_from(["widen", "raise"]),
    "x_zero_point": st.one_of(st.integers(-3, 3), st.sampled_from([np.uint8(3), np.int8(-1)])),
    "w_zero_point": st.one_of(st.integers(-3, 3), st.sampled_from([np.uint8(3), np.int8(-1)]), _arrays(1, 1, 3)),
    "y_zero_point": st.sampled_from([np.uint8(0), np.uint8(128), np.int8(0), 3]),
    "x_scale": st.sampled_from([1, 0.5, np.float32(0.1), Fraction(1, 3), 0, -1.0]),
    "w_scale": st.one_of(st.sampled_from([1, 0.25, np.float32(0.1)]), _arrays(1, 1, 3)),
    "y_scale": st.sampled_from([1, 2.0, np.float32(0.1), 0]),
    "offset": _arrays(3, 4, 4),
    "mask": st.one_of(st.none(), _arrays(3, 4, 4)),
    "offset_groups": st.integers(1, 3),
    "cols": _arrays(2, 3, 6, min_side=1),
    "indices": _arrays(1, 4, 4),
    "accumulate": st.booleans(),
    "samples": st.one_of(_arrays(1, 3, 3), st.lists(st.floats(0, 0.99), min_size=1, max_size=3)),
    "pad": st.one_of(st.integers(-2, 3), st.lists(st.integers(-2, 3), min_size=1, max_size=6).map(tuple), _PADS),
    "value": st.sampled_from([0, 1, -1, 0.5, Fraction(1, 2)]),
    "convention": st.sampled_from(["torch", "numpy"]),
}

#: Operands per layer rank: (N, C, *S) inputs and (C_out, C_in/g, *K) weights are the useful cases.
LAYER_X = _arrays(3, 4, 4, min_side=1)
LAYER_W = _arrays(3, 4, 3, min_side=1)
OVERRIDES = {
    "conv": {"x": LAYER_X, "w": LAYER_W},
    "conv_transpose": {"x": LAYER_X, "w": LAYER_W},
    "layer_matrix": {"w": LAYER_W},
    "dask.conv": {"x": LAYER_X, "w": LAYER_W},
    "locally_connected": {"w": _arrays(2, 4, 3, min_side=1)},
    "locally_connected_matrix": {"w": _arrays(2, 4, 3, min_side=1)},
    "check": {"op": st.sampled_from(["conv", "correlate", "max_pool"])},
    "error_bound": {"method": st.sampled_from(["direct", "fft", "winograd"])},
}

#: Junk for parameters that take the caller's own function: a callable that fails raises its own
#: error, which refconv rightly lets through, so only non-callables are junk there.
JUNK_FOR = {"pool": JUNK.filter(lambda v: not callable(v))}

#: Parameters that take ``*args``: the op's operands (exact, error_bound, assert_conforms).
STAR_ARGS = st.lists(st.one_of(_arrays(1, 3, 4, min_side=1), LAYER_X, st.none()), min_size=0, max_size=3)
#: Keyword arguments forwarded through ``**kwargs`` (an op's geometry, a pool's options).
STAR_KWARGS = st.dictionaries(
    st.sampled_from(["stride", "mode", "padding", "dilation", "groups", "kernel_size", "ceil_mode", "bogus"]),
    st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"]), st.booleans(), JUNK),
    max_size=2,
)


@st.composite
def calls(draw, name: str, fn) -> tuple[tuple, dict]:
    """Positional and keyword arguments for ``fn``: each parameter omitted, plausible or junk."""
    args, kwargs = [], {}
    positional = True  # False once a positional parameter was omitted or passed by keyword
    for param in inspect.signature(fn).parameters.values():
        good = OVERRIDES.get(name, {}).get(param.name, GOOD.get(param.name, JUNK))
        junk = JUNK_FOR.get(param.name, JUNK)
        if param.kind is param.VAR_POSITIONAL:
            if positional:
                args.extend(draw(st.one_of(STAR_ARGS, st.lists(JUNK, max_size=3))))
            continue
        if param.kind is param.VAR_KEYWORD:
            named = inspect.signature(fn).parameters
            kwargs.update({k: v for k, v in draw(STAR_KWARGS).items() if k not in kwargs and k not in named})
            continue
        required = param.default is param.empty
        choice = draw(st.sampled_from(["good", "good", "good", "junk"] + ([] if required else ["omit", "omit"])))
        if choice == "omit":
            positional = positional and param.kind is param.KEYWORD_ONLY
            continue
        value = draw(good if choice == "good" else junk)
        by_keyword = param.kind is param.KEYWORD_ONLY or not positional or (not required and draw(st.booleans()))
        if by_keyword:
            kwargs[param.name] = value
            positional = positional and param.kind is param.KEYWORD_ONLY
        else:
            args.append(value)
    return tuple(args), kwargs


# --------------------------------------------------------------------------------------------
# The oracle of the fuzz: what may come back


class Hang(BaseException):
    """A call ran past CALL_SECONDS (a BaseException, so no ``except Exception`` swallows it)."""


def _alarm(signum, frame):
    raise Hang(f"call took more than {CALL_SECONDS} s")


#: The shared geometry's messages call the operands ``x`` and ``w`` ("w shape (5,) does not fit x
#: shape (2,)", "x.ndim=2 and w.ndim=1 differ") also where a function takes their shapes.
#: Parameters that forward operands: `*args` of an op (correlate/conv: x, w, bias; pools: x, kernel_size).
_OPERAND_ALIASES = {"input_shape": {"x"}, "kernel_shape": {"w"}, "args": {"x", "w", "bias", "kernel_size"}}


def _parameter_names(name: str, fn, args: tuple, kwargs: dict) -> set[str]:
    names = set(inspect.signature(fn).parameters) | set(kwargs)
    for param in list(names):
        names |= _OPERAND_ALIASES.get(param, set())
    return names


def _allowed_functions(name: str, args: tuple, kwargs: dict) -> set[str]:
    """Function names an error message may start with: the function itself, or the function the
    caller handed in and asked to run (``pool=``, ``op=``)."""
    short = name.removeprefix("dask.")
    allowed = {short}
    pool = kwargs.get("pool", refconv.max_pool)
    if name == "pooled_unchanged_fraction" and callable(pool):
        # The pool runs as the caller wrote it: its errors (or those of the refconv pool it wraps).
        allowed |= {getattr(pool, "__name__", ""), "max_pool", "avg_pool", "lp_pool"}
    if name in ("error_bound", "exact", "assert_conforms", "check"):
        if name == "error_bound":  # op is a keyword with a default
            op = kwargs.get("op", "conv")
        else:
            op = kwargs.get("op", args[1] if name == "assert_conforms" and len(args) > 1 else args[0] if args else None)
        if isinstance(op, str):
            allowed.add(op)
        if name in ("assert_conforms", "check"):
            # dtype, arithmetic and method are error_bound's, passed through as documented.
            allowed.add("error_bound")
    return allowed


_MESSAGE = re.compile(r"^(?P<func>[\w.]+): (?P<param>[A-Za-z_]\w*)")
#: Python's own argument-binding errors (a keyword the function does not take, passed through
#: ``**options``) name the parameter in their own words.
_BINDING = re.compile(r"^(?P<func>\w+)\(\) got an unexpected keyword argument '(?P<param>\w+)'$")


def check_outcome(name: str, fn, args: tuple, kwargs: dict):
    """Call ``fn`` and return its result, or None after a ValueError/TypeError naming a parameter."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        with warnings.catch_warnings():
            # IEEE arithmetic on inf/NaN inputs may warn from NumPy; the value is the answer.
            warnings.simplefilter("ignore", RuntimeWarning)
            result = fn(*args, **kwargs)
            if name.startswith("dask."):
                result = result.compute(scheduler="synchronous")
        return result
    except AssertionError:
        if name != "assert_conforms":  # its verdict on a non-conforming ``actual`` is an AssertionError
            raise
        return None
    except (ValueError, TypeError) as exc:
        message = str(exc)
        match = _MESSAGE.match(message) or (_BINDING.match(message) if isinstance(exc, TypeError) else None)
        assert match, f"{type(exc).__name__} without '<function>: <param>': {message!r}"
        assert match["func"] in _allowed_functions(name, args, kwargs), message
        assert match["param"] in _parameter_names(name, fn, args, kwargs), message
        assert "could not be broadcast" not in message, message
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool((a == b).all())


def check_result(name: str, fn, args: tuple, kwargs: dict, result) -> None:
    """The cheap independent checks of a successful call (see the module docstring)."""
    if name in ("correlate", "convolve"):
        geometry = {k: kwargs[k] for k in ("mode", "stride", "dilation") if k in kwargs}
        x, w = (np.asarray(a) for a in args[:2])
        assert result.shape == refconv.output_shape(x.shape, w.shape, **geometry)
    elif name == "conv":
        geometry = {k: kwargs[k] for k in ("padding", "stride", "dilation") if k in kwargs}
        x, w = (np.asarray(a) for a in args[:2])
        pads = geometry.pop("padding", 0)
        spatial = refconv.output_shape(x.shape[-(w.ndim - 2) :], w.shape[2:], padding=pads, **geometry)
        batch = x.shape[:1] if x.ndim == w.ndim else ()  # (N, C, *S) or unbatched (C, *S)
        assert result.shape == batch + (w.shape[0],) + spatial
    elif name.startswith("dask."):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            eager = PUBLIC[name.removeprefix("dask.")](*args, **kwargs)
        floats = np.asarray(eager).dtype.kind in "fc"
        if floats and kwargs.get("method", "auto") != "direct":
            # An FFT per block rounds differently from one over the whole array (auto may pick
            # either): equal to rounding, not bit for bit.  Exact dtypes and direct floats are.
            finite = np.abs(eager)[np.isfinite(eager)]
            scale = max(1.0, float(finite.max(initial=0)))
            assert result.shape == eager.shape and result.dtype == eager.dtype, (result, eager)
            assert np.allclose(result, eager, rtol=1e-9, atol=1e-9 * scale, equal_nan=True), (result, eager)
        else:
            assert _same(result, eager), (result, eager)


def _max_examples(name: str) -> int:
    # One and a half times the profile's examples per function (each example is cheap): 90 in
    # ``ci``, over 3,000 calls in all.  refconv.check runs its own Hypothesis search per call: a
    # sixth of the profile's examples.
    profile = settings.default.max_examples
    return max(5, profile // 6) if name == "check" else profile * 3 // 2


FUZZED = {**PUBLIC, **DASK}


def test_every_public_function_is_fuzzed():
    callables = {
        n for n in refconv.__all__ if callable(getattr(refconv, n)) and not inspect.isclass(getattr(refconv, n))
    }
    assert callables == set(PUBLIC)
    assert len(PUBLIC) >= 30, sorted(PUBLIC)
    # Every parameter of every fuzzed function has a plausible pool (or is *args/**kwargs).
    missing = {
        (name, p.name)
        for name, fn in FUZZED.items()
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and p.name not in GOOD
        and p.name not in OVERRIDES.get(name, {})
    }
    assert not missing, sorted(missing)


def test_the_fuzz_runs_at_least_2000_examples_at_the_ci_profiles_60():
    planned = sum(_max_examples(name) for name in FUZZED if name not in KNOWN_BUGS)
    assert planned * 60 >= 2000 * settings.default.max_examples, planned


def test_the_fuzz_oracle_rejects_what_it_must():
    """Negative controls: the oracle fails anonymous errors, wrong names and other exception types."""

    def anonymous(x):
        raise ValueError("bad value")

    def wrong_param(x):
        raise ValueError("anonymous: y=1 is bad; expected 2")

    def index_error(x):
        return [][x]

    def broadcast(x):
        return np.ones(2) + np.ones(3)

    with pytest.raises(AssertionError):
        check_outcome("anonymous", anonymous, (1,), {})
    with pytest.raises(AssertionError):
        check_outcome("anonymous", wrong_param, (1,), {})
    with pytest.raises(IndexError):
        check_outcome("index_error", index_error, (1,), {})
    with pytest.raises(AssertionError):  # NumPy's message names no parameter
        check_outcome("broadcast", broadcast, (1,), {})
    assert check_outcome("anonymous", lambda x: x + 1, (1,), {}) == 2
    # A refusal that names its parameter passes: the guard of a huge padding.
    assert check_outcome("correlate", refconv.correlate, ([1, 2, 3], [1, 1]), {"mode": 10**9}) is None


def test_a_hang_is_reported():
    import time

    global CALL_SECONDS
    saved, CALL_SECONDS = CALL_SECONDS, 0.05
    try:
        with pytest.raises(Hang):
            check_outcome("sleep", lambda: time.sleep(5), (), {})
    finally:
        CALL_SECONDS = saved


#: Public functions where the fuzz found errors that name no parameter and that are not fixed
#: yet, each with the repro as its reason (non-strict xfails: the fuzz passes again once fixed).
#: Empty: the last ones (error_bound, exact, assert_conforms) now name the missing operand.
KNOWN_BUGS: dict[str, str] = {}


def _cases():
    for name in sorted(FUZZED):
        marks = [pytest.mark.xfail(reason=KNOWN_BUGS[name], strict=False)] if name in KNOWN_BUGS else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_cases()))
def test_fuzz(name):
    fn = FUZZED[name]
    # refconv.check runs a Hypothesis search itself, which must not nest inside @given: its calls
    # are drawn first and run after the generating test.
    deferred = []

    # Known bugs fail fast: no shrinking of an expected failure.
    phases = [Phase.explicit, Phase.reuse, Phase.generate] if name in KNOWN_BUGS else list(Phase)

    @settings(max_examples=_max_examples(name), suppress_health_check=list(HealthCheck), phases=phases)
    @given(calls(name, fn))
    def run(call):
        args, kwargs = call
        if name == "check":
            # An omitted max_examples means check's default search (200 problems): a search, not
            # a call, and no hang when it passes 20 s on a busy machine; the fuzz asks for 2.
            positional_budget = len(args) > 3  # impl, op, dtype, max_examples
            if "max_examples" not in kwargs and not positional_budget:
                kwargs = {**kwargs, "max_examples": 2}
            deferred.append((args, kwargs))
            return
        result = check_outcome(name, fn, args, kwargs)
        if result is not None:
            check_result(name, fn, args, kwargs, result)

    run()
    for args, kwargs in deferred:
        check_outcome(name, fn, args, kwargs)


# ============================================================================================
# Hostile and careless callers, by class: what the oracle and the CLI must never do.
# Each class runs over every op (or every installed adapter) and generated inputs; CALLS counts
# the calls per class so that a run can report them (``pytest -s`` prints the tally).

CALLS: dict[str, int] = {}


def _count(kind: str, n: int = 1) -> None:
    CALLS[kind] = CALLS.get(kind, 0) + n


CHECKED_OPS = ("correlate", "convolve", "conv", "conv_transpose", "avg_pool", "max_pool")
#: Past these an implementation "breaks near the range": above an eighth of each dtype's largest
#: value divided by a small kernel sum, which the near-range probes reach (refconv.probes).
_BREAKS_ABOVE = {"float16": 1e4, "float32": 1e36, "float64": 1e306}


def _hostile(op: str, kind: str, dtype: str):
    right = getattr(refconv, op)
    state = {"calls": 0}

    def impl(x, *args, **kwargs):
        expected = right(x, *args, **kwargs)
        state["calls"] += 1
        if kind == "mutates":
            x[...] = 0  # zeros its input and returns what is then "right"
            return right(x, *args, **kwargs)
        if kind == "nan":
            out = np.array(expected, dtype=np.result_type(expected, np.float16), copy=True)
            out.flat[0] = np.nan
            return out
        if kind == "breaks_near_range":
            return np.zeros_like(expected) if np.abs(x).max(initial=0) > _BREAKS_ABOVE[dtype] else expected
        if kind == "flaky":
            return expected + 1 if state["calls"] % 2 == 0 else expected
        if kind == "hangs":
            if x.size > 3:
                import time

                time.sleep(1)
            return expected
        raise AssertionError(kind)

    return impl


_REASONS = {
    "mutates": "modified its argument x in place",
    "nan": "bound",  # "differs from the exact result by more than the bound" (got nan)
    "breaks_near_range": "bound",
    "flaky": "nondeterministic",
    "hangs": "timed out",
}


@pytest.mark.parametrize("kind", sorted(_REASONS))
@pytest.mark.parametrize("op", CHECKED_OPS)
def test_hostile_implementations_never_pass(op, kind):
    dtypes = ("float16", "float32", "float64") if kind == "breaks_near_range" else ("float32",)
    for dtype in dtypes:
        options = {"timeout": 0.3} if kind == "hangs" else {}
        result = refconv.check(_hostile(op, kind, dtype), op, dtype=dtype, max_examples=10, **options)
        _count("hostile implementations (check)")
        assert not result.passed, (op, kind, dtype, str(result))
        assert _REASONS[kind] in result.reason, (op, kind, dtype, str(result))


def test_check_gives_the_same_verdicts_from_several_threads():
    import threading

    cases = [("conv", "flaky"), ("max_pool", "mutates"), ("correlate", "nan"), ("conv_transpose", "nan")]
    alone = [refconv.check(_hostile(op, kind, "float32"), op, dtype="float32", max_examples=5) for op, kind in cases]
    together: dict[int, object] = {}

    def run(i, op, kind):
        together[i] = refconv.check(_hostile(op, kind, "float32"), op, dtype="float32", max_examples=5)

    threads = [threading.Thread(target=run, args=(i, *case)) for i, case in enumerate(cases * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _count("check from threads", len(threads))

    def verdict(result):  # the repro names the function object by its address: not part of it
        return result.passed, result.reason, re.sub(r" at 0x[0-9a-f]+", "", result.repro)

    for i in range(len(cases) * 2):
        assert verdict(together[i]) == verdict(alone[i % len(cases)])


#: Text that Python, or sympify, would run: the CLI must parse it as a kernel or refuse it.
_PYTHON_TEXT = st.sampled_from(
    [
        "__import__('pathlib').Path('{sentinel}').touch() x; y z",
        "1/0",
        'exec(\'open("{sentinel}", "w")\') x',
        "lambda: 0",
        "(lambda: __import__('os'))() x",
        "w x; y z",
        "1 2; 3 4",
        "a.b c",
        "x**2 y",
        "[1, 2]",
        "os.system('true')",
        "",
        ";",
        "w x; y",
    ]
)


@given(st.one_of(_PYTHON_TEXT, st.text(max_size=12)), st.sampled_from(["3x4", "2x2", "3", "0x1", "ax4", "3x4x"]))
@settings(max_examples=max(20, settings.default.max_examples))
def test_cli_matrix_text_is_parsed_never_evaluated(tmp_path_factory, text, shape):
    from refconv.cli import main

    sentinel = tmp_path_factory.mktemp("cli") / "created"
    argv = ["matrix", text.format(sentinel=sentinel) if "{sentinel}" in text else text, shape]
    _count("CLI text")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses an argument: exit 2 with a message
        code = exc.code
    assert code in (0, 1, 2, None), (argv, code)
    assert not sentinel.exists(), argv


def _adapter_functions():
    from refconv import adapters

    for peer in ("numpy", "scipy", "torch"):
        if not adapters.available(peer):
            continue
        module = importlib.import_module(f"refconv.adapters.{peer}")
        for name in ("correlate", "convolve", "conv", "max_pool", "avg_pool"):
            if hasattr(module, name):
                yield pytest.param(peer, name, id=f"{peer}.{name}")


import importlib  # noqa: E402  (used by the parametrisation above, at collection)


def _views(draw, x: np.ndarray) -> list[np.ndarray]:
    """The same values as ``x`` in careless layouts: byte-swapped, strided, reversed, Fortran."""
    swapped = x.astype(x.dtype.newbyteorder(">" if x.dtype.byteorder in "=<" else "<"))
    doubled = np.repeat(x, 2, axis=-1)[..., ::2]
    reversed_twice = np.flip(np.flip(x, -1).copy(), -1)
    return [swapped, doubled, reversed_twice, np.asfortranarray(x)]


@pytest.mark.parametrize(("peer", "name"), list(_adapter_functions()))
@given(data=st.data())
@settings(max_examples=max(10, settings.default.max_examples // 3))
def test_adapters_give_the_same_bits_for_every_layout(peer, name, data):
    from refconv import adapters

    fn = getattr(importlib.import_module(f"refconv.adapters.{peer}"), name)
    layer = name in ("conv", "max_pool", "avg_pool")
    n = data.draw(st.integers(3, 7))
    shape = (1, 2, n) if layer else (n,)
    x = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-8, 8, width=32)))
    if name in ("max_pool", "avg_pool"):
        args = (2,)
    else:
        w = data.draw(hnp.arrays(np.float64, (3, 2, 2) if layer else (2,), elements=st.floats(-8, 8, width=32)))
        args = (w,)
    try:
        expected = np.asarray(fn(x, *args))
    except adapters.Unsupported:
        return
    for view in _views(data.draw, x):
        _count("adapter layouts")
        got = np.asarray(fn(view, *args))
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), (peer, name, view.strides)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5), elements=st.floats()),
    st.sampled_from(["is_toeplitz", "is_circulant"]),
)
def test_predicates_treat_non_finite_entries_like_any_other_value(A, name):
    # NaN (equal to itself here: a structure is about positions) and +-inf are entries like any
    # other, so the answer is the one for the same matrix with each distinct non-finite value
    # replaced by a distinct finite stand-in that A does not hold; and no warning.
    _count("non-finite predicates")
    stand_in = A.copy()
    for i, value in enumerate([np.nan, np.inf, -np.inf]):
        spot = np.isnan(A) if value != value else A == value
        stand_in[spot] = 1e300 + i * 1e290  # far from the generated finite values' spacing
    assume(not np.isin(stand_in[~np.isfinite(A)], A[np.isfinite(A)]).any())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answer = getattr(refconv, name)(A)
    assert bool(answer) == bool(getattr(refconv, name)(stand_in)), (A, answer)


def test_a_kernel_holding_nan_still_gives_a_toeplitz_matrix():
    # By hand: conv_matrix([nan, 2], (3,)) is [[nan, 2, 0], [0, nan, 2]]: constant diagonals.
    A = refconv.conv_matrix(np.array([np.nan, 2.0]), (3,))
    assert np.isnan(A[0, 0]) and np.isnan(A[1, 1]) and A[0, 1] == A[1, 2] == 2
    assert refconv.is_toeplitz(A)
    assert not refconv.is_toeplitz(np.array([[np.nan, 2.0], [0.0, 1.0]]))  # nan vs 1 on the diagonal


def test_zz_report_the_calls_per_class():
    # Runs last in this module (pytest keeps file order): the tally for the closing note.
    print("\nhostile-input fuzz calls per class:", dict(sorted(CALLS.items())))
    assert CALLS, "no class ran"
