"""Running one problem: the implementation called on copies (with an optional timeout) and judged;
how one failure is told from another."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..exact import OPS, widen_bfloat16
from ..problem import Problem, arg_names
from ._judge import Verdict, _compare, _reference

__all__ = ["evaluate"]


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

    Parameters
    ----------
    impl : callable
        Called as ``impl(*args, **kwargs)`` with copies of ``problem``'s arguments.
    problem : Problem
        The call to make.
    dtype, arithmetic, method
        As in :func:`judge`.
    timeout : float, optional
        Seconds the call may take; past them the verdict is "timed out" (the call is left
        running in a daemon thread: Python cannot stop it).

    Returns
    -------
    Verdict
        The judgement of the answer, or the failure the call itself was.

    See Also
    --------
    judge : the judgement of an answer already computed.
    refconv.check : evaluates many problems and reduces the first failure.

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
            # bfloat16 operands as the float32 values they are: refconv's ops compute in NumPy's dtypes.
            out = OPS[problem.op].resolve()(*widen_bfloat16(problem.args), **problem.kwargs)
    except Exception:  # a refusal: outside every problem space
        return False
    return np.asarray(out).size > 0


def _fails_as(verdict: Verdict, kind: str) -> bool:
    """``verdict`` is a failure of class ``kind`` (see :func:`_failure_class`)."""
    return not verdict.passed and _failure_class(verdict) == kind
