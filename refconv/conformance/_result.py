"""What a :func:`~refconv.conformance.check` run found: :class:`CheckResult` and its repro snippet."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..bounds import Arithmetic
from ..problem import Problem
from ._judge import Verdict

__all__ = ["CheckResult"]


@dataclass
class CheckResult:
    """What :func:`check` found: the verdict on the (reduced) counterexample, and how it was found.

    Parameters
    ----------
    passed : bool
        No example failed.
    op : str
        The op checked (``"conv"``, ``"correlate"``, ...).
    counterexample : Problem or None
        The failing problem, reduced to a 1-minimal one by :func:`refconv.reduce.reduce`.
    verdict : Verdict
        The judgement of the counterexample (of no problem for a pass: ``Verdict(True)``); its
        ``reason``, ``got``, ``expected``, ``bound``, ``index`` and ``bound_kind`` are also this
        result's attributes of the same names.
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
        The operands' dtype name.
    found_by : str
        ``"probe"`` (one of :mod:`refconv.probes`) or ``"hypothesis"``; empty for a pass.
    reduction_steps : int
        Reduction moves kept.
    reduction_calls : int
        Calls of the implementation spent reducing.
    minimal : bool
        The counterexample is 1-minimal: no single step of :func:`refconv.reduce.reduction_steps`
        gives a problem of the space that still fails.  False when ``max_shrinks`` ran out first
        (or with ``shrink=False``).
    ratios : list of float
        ``|error| / bound`` of every passing example, in the order run.
    device : str
        The device the implementation ran on (``refconv.adapters.check(..., device=)``), or ``""``.
    flags : dict
        The math flags in force on that device (torch's TF32 and cuDNN flags, JAX's precision).

    See Also
    --------
    check : the run that makes it.
    Verdict : the judgement of one result.

    Examples
    --------
    >>> import refconv
    >>> wrong = lambda x, w, **kw: refconv.correlate(x, w, **kw) + 1
    >>> r = refconv.check(wrong, "correlate", dtype="int64", max_examples=5)
    >>> r.passed, r.found_by, r.reason, int(r.got - r.expected)
    (False, 'probe', 'differs from the exact integer result', 1)
    >>> r.reason == r.verdict.reason and r.minimal
    True
    """

    passed: bool
    op: str
    counterexample: Problem | None = None
    verdict: Verdict = field(default_factory=lambda: Verdict(True))
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
    device: str = ""
    flags: dict = field(default_factory=dict, repr=False)
    # The reducer's predicate, set by check on a failure (see reproduces).
    _reproduces: Callable[[Problem], bool] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def reason(self) -> str:
        """Why it failed: an exception, a wrong shape, or an error above the bound ("" for a pass)."""
        return self.verdict.reason

    @property
    def got(self) -> Any:
        """The implementation's value at the worst failing output ``index``."""
        return self.verdict.got

    @property
    def expected(self) -> Any:
        """The correctly rounded exact value at ``index``."""
        return self.verdict.expected

    @property
    def bound(self) -> Any:
        """The error bound at ``index`` (0 for exact comparisons)."""
        return self.verdict.bound

    @property
    def index(self) -> tuple | None:
        """The worst failing output's index, or None."""
        return self.verdict.index

    @property
    def bound_kind(self) -> str:
        """Which bound judged the counterexample (method and arithmetic, or "exact")."""
        return self.verdict.bound_kind

    def reproduces(self, problem: Problem) -> bool:
        """Whether ``problem`` is in this run's problem space and fails as the counterexample does.

        This is the predicate the reducer kept steps by: a test of 1-minimality applies every
        step of :func:`refconv.reduce.reduction_steps` to the counterexample and asks this.
        """
        if self._reproduces is None:
            raise ValueError("CheckResult.reproduces: the run passed; expected a failed check's result")
        return self._reproduces(problem)

    def __str__(self) -> str:
        text = self._summary()
        return text if not self.device else f"{text}\n  device {self.device}, flags {self.flags}"

    def _summary(self) -> str:
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
