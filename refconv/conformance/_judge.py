"""Judging one result: the exact reference and its bound (computed before the implementation
runs), the comparison under the bound, and :func:`assert_conforms` for users' own tests."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ..bounds import error_bound
from ..exact import OPS, op_form, reference_value, rounded, value_at
from ..exact._rounding import is_float
from ..problem import Problem

__all__ = ["Verdict", "judge", "assert_conforms"]


@dataclass
class Verdict:
    """The judgement of one result: passed or not, and at the worst output, what and why.

    Parameters
    ----------
    passed : bool
        The result is correct: exact for integer operands, within the bound for floats.
    reason : str
        Why it failed (an exception, a wrong dtype or shape, an error above the bound); empty
        for a pass.
    got, expected : object
        At ``index``: the implementation's value and the correctly rounded exact value (for a
        norm-wise bound: the feature map's 2-norm error and 0).
    bound : object
        The bound at ``index`` (0 for exact comparisons).
    index : tuple or None
        The worst failing output (by ``|error| / bound``), or None.
    ratio : float
        The largest ``|error| / bound`` over every output (``inf`` for a nonzero error where the
        bound is 0).
    bound_kind : str
        Which bound judged: ``"exact"``, or the bound's method and arithmetic.

    See Also
    --------
    judge : judges one result.
    evaluate : runs an implementation and judges it.
    CheckResult : holds the verdict on a check's counterexample.

    Examples
    --------
    >>> from refconv.problem import Problem
    >>> p = Problem("correlate", (np.array([1, 2, 4]), np.array([1, 1])), {})
    >>> v = judge(np.array([3, 7]), p)
    >>> v.passed, v.reason, v.index, v.got, v.expected, v.bound_kind
    (False, 'differs from the exact integer result', (1,), np.int64(7), np.int64(6), 'exact')
    """

    passed: bool
    reason: str = ""
    got: Any = None
    expected: Any = None
    bound: Any = None
    index: tuple | None = None
    ratio: float = 0.0
    bound_kind: str = ""


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
    kind, value = reference_value(problem.op, *problem.args, _func="exact_value", **problem.kwargs)
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
    """Judge ``actual`` (an implementation's output for ``problem``) against the exact reference.

    Parameters
    ----------
    actual : array_like
        The implementation's output.
    problem : Problem
        The call it answers.
    dtype : dtype, optional
        The dtype the result is judged in; default: the operands' result type.  Integer
        operands are judged exactly, float ones under the bound.
    arithmetic, method
        The implementation's arithmetic and algorithm class, as in :func:`refconv.error_bound`.

    Returns
    -------
    Verdict
        Passed, or the worst failing output and why.

    See Also
    --------
    evaluate : runs the implementation first.
    assert_conforms : the same judgement as an assertion.

    Examples
    --------
    The sum ``0.1 + 0.2`` rounded once is within the bound; an answer one unit in the last
    place further is not:

    >>> from refconv.problem import Problem
    >>> p = Problem("correlate", (np.array([0.1, 0.2]), np.array([1.0, 1.0])), {})
    >>> judge(np.array([0.1 + 0.2]), p).passed, judge(np.array([np.nextafter(0.1 + 0.2, 1)]), p).passed
    (True, False)
    """
    return _compare(actual, _reference(problem, dtype=dtype, arithmetic=arithmetic, method=method))


def _compare(actual: Any, ref: _Reference) -> Verdict:
    """``actual`` against a reference computed beforehand (see :func:`judge`)."""
    got = np.asarray(actual)
    # Exact results of integer operands may come back as Python ints or Fractions (object arrays),
    # as refconv's own do (avg_pool of ints).
    exact_ints = got.dtype.kind == "O" and all(isinstance(v, (int, np.integer, Fraction)) for v in got.flat)
    if got.dtype.kind not in "iu" and not is_float(got.dtype) and not exact_ints:
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
        if abs(Fraction(float(g64[index])) - value_at(kind, value, index)) > Fraction(float(bound[index])):
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

    Parameters
    ----------
    actual : array_like
        The result to judge.
    op : str
        The op, as in :data:`refconv.exact.OPS` (``"conv"``, ``"correlate"``, ``"max_pool"``, ...).
    *args
        The op's positional arguments (operands of one kind: all integer or all float).
    dtype : dtype, optional
        The dtype ``actual`` was computed in; default: the operands' result type.
    arithmetic, method
        The arithmetic and algorithm class of the computation, as in :func:`refconv.error_bound`.
    **kwargs
        The op's keyword arguments.

    Raises
    ------
    AssertionError
        With the call, the worst output's index, got, expected (correctly rounded exact value),
        the bound and ``|error| / bound``.

    See Also
    --------
    judge : the judgement as a :class:`Verdict`.
    refconv.check : searches for a problem that fails.

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
