"""The checker's run: validate the arguments, probe, search, confirm and reduce the first failure."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .._validation import check_bool, check_choice, fail, is_int
from ..bounds import Arithmetic
from ..exact import op_form
from ..exact._rounding import is_float
from ..probes import probes
from ..problem import Problem
from ..reduce import reduce
from ..strategies._spaces import STRATEGIES, Options, ProblemSpace, _peer_rules
from ._judge import Verdict
from ._result import CheckResult, _repro
from ._run import _fails_as, _failure_class, _refconv_accepts, evaluate

__all__ = ["check"]


class _Found(BaseException):
    """The first failing example: a BaseException, so Hypothesis stops at once (no replay)."""


def _validated(func, impl, dtype, integers, seed, bias, shrink, method, peer, ranks, arithmetic) -> np.dtype:
    if not callable(impl):
        raise fail(func, "impl", impl, "is not callable", "a function called like refconv's op", TypeError)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise fail(func, "dtype", dtype, "is not a dtype", "a float or integer NumPy dtype", TypeError) from None
    if not (dt.kind in "iu" or is_float(dt)):
        raise fail(func, "dtype", dtype, "is not supported", "float16/32/64, bfloat16 or an integer dtype")
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
        from ..bounds import PRESETS

        check_choice(func, "arithmetic", arithmetic, tuple(PRESETS))
    return dt


def _checked_timeout(func: str, timeout: Any) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise fail(func, "timeout", timeout, "is not a number", "seconds > 0, or None", TypeError)
    if not timeout > 0 or math.isinf(timeout):
        raise fail(func, "timeout", timeout, "is not a positive finite number", "seconds > 0, or None")


def _space_of(func: str, op: str, problems: Any) -> ProblemSpace:
    """The ``problems=`` argument of :func:`check` as a :class:`ProblemSpace` (default: the op's own)."""
    if problems is None:
        return ProblemSpace(STRATEGIES[op])
    if isinstance(problems, ProblemSpace):
        return problems
    if callable(problems):
        return ProblemSpace(problems)
    expected = "a ProblemSpace or a callable options -> strategy"
    raise fail(func, "problems", problems, "is not a problem space", expected, TypeError)


@dataclass
class _Run:
    """One :func:`check` run: how a problem is judged, which problems belong, and the tallies so far."""

    impl: Callable
    op: str
    dtype: np.dtype
    arithmetic: Any
    method: str
    timeout: float | None
    space: ProblemSpace
    opt: Options
    calls: int = 0
    worst: float = 0.0
    ratios: list = field(default_factory=list)
    phase: str = "probe"

    def valid(self, problem: Problem) -> bool:
        """``problem`` belongs: refconv takes it, it is inside the run's options and the space accepts it."""
        return _refconv_accepts(problem) and _peer_rules(problem, self.opt) and self.space.accepts(problem, self.opt)

    def run(self, problem: Problem) -> Verdict:
        """The implementation's verdict on ``problem``."""
        return evaluate(
            self.impl, problem, dtype=self.dtype, arithmetic=self.arithmetic, method=self.method, timeout=self.timeout
        )

    def attempt(self, problem: Problem) -> None:
        """Run one searched problem; raise :class:`_Found` on a failure, else tally its ratio."""
        self.calls += 1
        try:
            verdict = self.run(problem)
        except (ValueError, TypeError):
            # refconv refuses to compute the reference (a drawn problem past the memory budget,
            # at high ranks): outside the space, not a verdict on the implementation.
            if _refconv_accepts(problem):
                raise
            self.calls -= 1
            return
        if not verdict.passed:
            raise _Found(problem, verdict)
        self.worst = max(self.worst, verdict.ratio)
        self.ratios.append(verdict.ratio)

    def search(self, ranks: tuple[int, ...], max_examples: int, seed: int) -> None:
        """The probes the space accepts, then (if all pass) two seeded Hypothesis stages."""
        for probe in probes(self.op, ranks=ranks, dtype=self.dtype):
            if self.valid(probe):
                self.attempt(probe)
        self.phase = "hypothesis"
        # Two stages, each a deterministic Hypothesis run: tiny problems first (a third of the
        # budget), then the whole space.  No shrinking phase: the reducer does that.
        tiny = max(1, max_examples // 3)
        for stage, budget, stage_seed in (("tiny", tiny, seed), ("full", max_examples - tiny, seed + 1)):
            if budget >= 1:
                strategy = self.space.draw(dataclasses.replace(self.opt, stage=stage))
                _search(strategy, self.op, self.attempt, budget, stage_seed)

    def confirmed(self, problem: Problem, verdict: Verdict) -> tuple[Verdict, str | None]:
        """Run a failing problem again: its verdict and failure class, or a nondeterministic
        verdict and None (nothing to reduce) when the repeated call does not fail the same way."""
        kind = _failure_class(verdict)
        again = verdict if kind == "timed out" else self.run(problem)
        if again.passed or _failure_class(again) != kind:
            reason = f"nondeterministic: the same input first failed ({verdict.reason}), then " + (
                "passed" if again.passed else f"failed otherwise ({again.reason})"
            )
            return dataclasses.replace(verdict, reason=reason), None
        return verdict, kind


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
        Operand dtype: float16/32/64 or ml_dtypes' bfloat16 (judged under the bound; bfloat16 operands
        are float32 values rounded to it, and the implementation gets bfloat16 arrays), or an
        integer dtype (exact).
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
        Passed, or the reduced counterexample with its verdict and a repro snippet.

    See Also
    --------
    assert_conforms : the same judgement for one result.
    refconv.adapters.check : checks a peer library through its adapter.
    refconv.reduce.reduce : the reducer.

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
    _checked_timeout(func, timeout)
    space = _space_of(func, form.name, problems)
    opt = Options(dt, tuple(ranks), peer, max_side, long_side, bias, "full")
    run = _Run(impl, form.name, dt, arithmetic, method, timeout, space, opt)
    try:
        run.search(tuple(ranks), max_examples, seed)
    except _Found as found:
        problem, verdict = found.args
    else:
        return CheckResult(
            True, form.name, worst_ratio=run.worst, examples=run.calls, seed=seed, dtype=dt.name, ratios=run.ratios
        )
    verdict, kind = run.confirmed(problem, verdict)

    def reproduces(candidate: Problem) -> bool:
        return kind is not None and run.valid(candidate) and _fails_as(run.run(candidate), kind)

    steps, calls, minimal = 0, 0, False
    if shrink and kind not in (None, "timed out"):
        reduction = reduce(problem, lambda c: _fails_as(run.run(c), kind), valid=run.valid, budget=max_shrinks)
        problem, steps, calls, minimal = reduction.problem, reduction.steps, reduction.calls, reduction.minimal
        verdict = run.run(problem)
    result = CheckResult(
        False,
        form.name,
        problem,
        verdict,
        max(run.worst, verdict.ratio),
        run.calls,
        seed,
        _repro(impl, problem, dt, arithmetic, method),
        dt.name,
        run.phase,
        steps,
        calls,
        minimal,
        run.ratios,
    )
    result._reproduces = reproduces
    return result


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
