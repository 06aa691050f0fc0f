"""The deterministic reducer: a failing problem, reduced to a 1-minimal one.

Hypothesis finds failures; its shrinker is a search whose result depends on its release, its
database, its seed and the modules loaded in the process.  :func:`reduce` takes the failing
:class:`~refconv.problem.Problem` that the search found and applies refconv's own reduction
steps to a fixed point, keeping a step only when the problem stays valid (the problem space's
rules, and refconv's function accepts it) and still fails in the same way.  The result is a pure
function of the problem it starts from and of the implementation's answers: the same failure
gives the same counterexample on every machine, Hypothesis release and import order.

The steps (:func:`reduction_steps`), each one change, tried in this order:

1. **structure** -- drop the bias; drop one batch item, one group, one input or output channel
   of every group; drop a spatial axis of length 1 (with its per-axis keywords); drop a leading
   axis of length 1 or one item along it (pools);
2. **sizes** -- drop the first or the last cell of the input along a spatial axis (dropping the
   first moves the failing output towards the origin), the first or last kernel tap, or shrink
   a pool's window by one;
3. **geometry** -- lower a stride, a dilation, a pad or an ``output_padding`` by one (all axes
   at once, or one axis); ``"same"``/``"full"`` to ``"valid"``; boundaries and padding modes to
   zeros; ``ceil_mode``, ``count_include_pad`` and ``divisor_override`` to their defaults;
4. **values** -- replace one element by a simpler one: ``0, 1, -1, 2, -2, 3, -3``, its value
   rounded to an integer, to fewer significand bits, moved one binade towards 1, or its
   absolute value.  "Simpler" is an order (zero first, then fewer significand bits, then an
   exponent nearer 0, then positive before negative; integers by magnitude), so every value step
   strictly descends and the reduction terminates.

A problem is **1-minimal** when no single step of :func:`reduction_steps` gives a valid problem
that still fails.  To get there quickly the reducer also tries coarser moves first (halving an
axis, zeroing a block of elements); they are accelerators, not part of the definition.

Examples
--------
A "failure" that needs two nonzero cells of ``x`` and one nonzero tap, reduced from a random
start (the reducer never looks at what the predicate means):

>>> import numpy as np
>>> from refconv.problem import Problem
>>> x = np.array([3.5, -2.0, 7.25, 1.0, 0.5, 9.0])
>>> start = Problem("correlate", (x, np.array([0.25, 4.0, -1.0])), {"mode": "valid"})
>>> def fails(p):
...     x, w = p.args
...     return np.count_nonzero(x) >= 2 and np.count_nonzero(w) >= 1
>>> done = reduce(start, fails, valid=lambda p: p.args[0].size >= p.args[1].size)
>>> done.problem.args
(array([1., 1.]), array([1.]))
>>> done.minimal, done.steps > 0
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .exact import OPS
from .problem import Problem

__all__ = ["Reduction", "reduce", "reduction_steps", "simpler"]

#: The simplest values, in the order they are tried.
SMALL_VALUES = (0, 1, -1, 2, -2, 3, -3)
#: Significand widths a float is rounded to (only those below its own width).
_BIT_LADDER = (1, 2, 3, 4, 6, 8, 11, 16, 24, 32, 53)


@dataclass(frozen=True)
class Reduction:
    """What :func:`reduce` returns: the reduced problem, and what reducing it took.

    Parameters
    ----------
    problem : Problem
        The reduced problem: still failing, and 1-minimal when ``minimal``.
    steps : int
        Reduction moves kept.
    calls : int
        Times the failure predicate was evaluated (valid candidates only).
    minimal : bool
        True when a whole pass over :func:`reduction_steps` found no step that still fails;
        False when the ``budget`` of calls ran out first.

    See Also
    --------
    reduce : makes it.

    Examples
    --------
    The value steps try 0, 1, -1, 2, -2, 3, -3, so a failure that needs a cell of at least 5
    keeps one cell, with its value:

    >>> p = Problem("correlate", (np.array([5, 0, 7]), np.array([2])), {})
    >>> r = reduce(p, lambda c: c.args[0].max() >= 5)
    >>> r.problem.args[0].tolist(), r.problem.args[1].tolist(), r.minimal, r.calls >= r.steps > 0
    ([7], [0], True, True)
    """

    problem: Problem
    steps: int
    calls: int
    minimal: bool


class _OutOfBudget(Exception):
    pass


def reduce(
    problem: Problem,
    fails: Callable[[Problem], bool],
    *,
    valid: Callable[[Problem], bool] = lambda p: True,
    budget: int = 10_000,
) -> Reduction:
    """Reduce a failing ``problem`` to a 1-minimal one (see the module docstring).

    Parameters
    ----------
    problem : Problem
        A problem for which ``fails`` is true.
    fails : callable
        ``fails(candidate) -> bool``: the candidate still fails (in the same way).
    valid : callable
        ``valid(candidate) -> bool``: the candidate is in the problem space; evaluated first, and
        not counted against ``budget``.
    budget : int
        The most calls of ``fails``; the reduction stops there with ``minimal=False``.

    Returns
    -------
    Reduction
        The reduced problem, the steps kept, the calls of ``fails`` made, and whether the result
        is 1-minimal.

    See Also
    --------
    reduction_steps : the single steps tried.
    refconv.check : reduces the first failing problem it finds.

    Examples
    --------
    A failure that needs a negative input and a kernel of two taps keeps just that (``valid``
    is left at its default, which accepts every candidate, a kernel longer than the input too):

    >>> p = Problem("correlate", (np.array([4, -6, 2, 9]), np.array([3, 5])), {})
    >>> r = reduce(p, lambda c: c.args[1].size == 2 and c.args[0].min() < 0)
    >>> [a.tolist() for a in r.problem.args], r.minimal
    ([[-1], [0, 0]], True)
    """
    calls = 0
    steps = 0

    def keeps(candidate: Problem) -> bool:
        nonlocal calls
        if not valid(candidate):
            return False
        if calls >= budget:
            raise _OutOfBudget
        calls += 1
        return bool(fails(candidate))

    current = problem
    try:
        # Coarse moves while they succeed, then sweeps over the single steps: a sweep resumes at
        # the position of its last success, and the run ends after a whole sweep without one.
        while True:
            for candidate in _accelerators(current):
                if keeps(candidate):
                    current, steps = candidate, steps + 1
                    break
            else:
                break
        position, clean = 0, False
        while not clean:
            clean, position = True, 0
            while True:
                found = None
                for index, (_, candidate) in enumerate(reduction_steps(current)):
                    if index >= position and keeps(candidate):
                        found = index, candidate
                        break
                if found is None:
                    break
                position, current = found[0], found[1]
                steps += 1
                clean = False
    except _OutOfBudget:
        return Reduction(current, steps, calls, False)
    return Reduction(current, steps, calls, True)


# ---------------------------------------------------------------------------------------------
# Where each op keeps its axes and per-axis keywords
# ---------------------------------------------------------------------------------------------


def _rank(problem: Problem) -> int:
    return OPS[problem.op].rank_of(problem.args, problem.kwargs)


def _x_axis(problem: Problem, axis: int) -> int:
    """The axis of ``x`` that is spatial axis ``axis``."""
    return problem.args[0].ndim - _rank(problem) + axis


#: Keywords whose value may be given per spatial axis.
_PER_AXIS = ("stride", "dilation", "padding", "output_padding", "mode")


def _replace(problem: Problem, args: tuple | None = None, **kwargs: Any) -> Problem:
    new_kwargs = {**problem.kwargs, **kwargs}
    return Problem(problem.op, problem.args if args is None else tuple(args), new_kwargs)


def _with_arg(problem: Problem, i: int, value: Any) -> tuple:
    args = list(problem.args)
    args[i] = value
    return tuple(args)


def _drop(a: np.ndarray, axis: int, index: int | slice) -> np.ndarray:
    keep = np.ones(a.shape[axis], dtype=bool)
    keep[index] = False
    return np.compress(keep, a, axis=axis)


def _is_per_axis(value: Any, rank: int) -> bool:
    return isinstance(value, tuple) and len(value) == rank


# ---------------------------------------------------------------------------------------------
# The single steps
# ---------------------------------------------------------------------------------------------


def reduction_steps(problem: Problem) -> Iterator[tuple[str, Problem]]:
    """Every single reduction step of ``problem``, as ``(label, candidate)``, in the order tried.

    Candidates are not checked for validity: the caller's problem space decides.

    Parameters
    ----------
    problem : Problem
        The problem to step from.

    Yields
    ------
    tuple of (str, Problem)
        A label naming the step, and the candidate: first the structure (axes, channels,
        groups, bias), then sizes, then the geometry's keywords, then each value towards a
        simpler one (:func:`simpler`).

    See Also
    --------
    reduce : keeps the steps that still fail.

    Examples
    --------
    >>> p = Problem("correlate", (np.array([5, 0]), np.array([1])), {"stride": 2})
    >>> for label, candidate in reduction_steps(p):
    ...     print(f"{label:28} {candidate.args[0].tolist()} {candidate.args[1].tolist()} {candidate.kwargs}")
    x: drop first cell of axis 0 [0] [1] {'stride': 2}
    x: drop last cell of axis 0  [5] [1] {'stride': 2}
    stride: lower by 1           [5, 0] [1] {'stride': 1}
    x[0]: 5 -> 0                 [0, 0] [1] {'stride': 2}
    x[0]: 5 -> 1                 [1, 0] [1] {'stride': 2}
    x[0]: 5 -> -1                [-1, 0] [1] {'stride': 2}
    x[0]: 5 -> 2                 [2, 0] [1] {'stride': 2}
    x[0]: 5 -> -2                [-2, 0] [1] {'stride': 2}
    x[0]: 5 -> 3                 [3, 0] [1] {'stride': 2}
    x[0]: 5 -> -3                [-3, 0] [1] {'stride': 2}
    w[0]: 1 -> 0                 [5, 0] [0] {'stride': 2}
    """
    yield from _structure_steps(problem)
    yield from _size_steps(problem)
    yield from _geometry_steps(problem)
    yield from _value_steps(problem)


def _structure_steps(problem: Problem) -> Iterator[tuple[str, Problem]]:
    op, args = problem.op, problem.args
    form = OPS[op]
    rank = _rank(problem)
    if form.bias and len(args) > 2 and args[2] is not None:
        yield "bias: drop", _replace(problem, _with_arg(problem, 2, None))
    if op in ("conv", "conv_transpose"):
        yield from _channel_steps(problem)
    if rank > 1:
        for axis in range(rank):
            if _droppable_axis(problem, axis):
                yield f"drop spatial axis {axis}", _drop_spatial_axis(problem, axis)
    if form.kind != "bilinear":
        x = args[0]
        for axis in range(x.ndim - rank):
            if x.shape[axis] == 1:
                squeezed = x.reshape(_without(x.shape, axis))
                yield f"x: drop leading axis {axis}", _replace(problem, _with_arg(problem, 0, squeezed))
            else:
                yield f"x: drop first item of axis {axis}", _replace(problem, _with_arg(problem, 0, x[_at(x, axis, 1)]))
                yield f"x: drop last item of axis {axis}", _replace(problem, _with_arg(problem, 0, _drop(x, axis, -1)))


def _without(shape: tuple, axis: int) -> tuple:
    return shape[:axis] + shape[axis + 1 :]


def _at(a: np.ndarray, axis: int, start: int, stop: int | None = None) -> tuple:
    index = [slice(None)] * a.ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _channel_steps(problem: Problem) -> Iterator[tuple[str, Problem]]:
    """Batch items, groups and channels of a layer call, keeping every group the same size."""
    x, w = problem.args[0], problem.args[1]
    bias = problem.args[2] if len(problem.args) > 2 else None
    groups = int(problem.kwargs.get("groups", 1))
    transpose = problem.op == "conv_transpose"
    # Channels per group: input (x's axis 1) and output (bias); w's axes hold them as
    # (out, in/groups) for conv and (in, out/groups) for conv_transpose.
    c_in = x.shape[1] // groups
    c_out = (w.shape[1] if transpose else w.shape[0] // groups) if w.ndim >= 2 else 0

    def build(x_, w_, b_, **kw):
        args = [x_, w_] + ([b_] if len(problem.args) > 2 else [])
        return _replace(problem, tuple(args), **kw)

    for i in range(x.shape[0]) if x.shape[0] > 1 else ():
        yield f"x: drop batch item {i}", build(np.delete(x, i, 0), w, bias)
    if groups > 1:
        for j in range(groups):
            xs = np.delete(x, np.s_[j * c_in : (j + 1) * c_in], 1)
            if transpose:
                ws = np.delete(w, np.s_[j * c_in : (j + 1) * c_in], 0)
            else:
                ws = np.delete(w, np.s_[j * c_out : (j + 1) * c_out], 0)
            bs = None if bias is None else np.delete(bias, np.s_[j * c_out : (j + 1) * c_out])
            yield f"drop group {j}", build(xs, ws, bs, groups=groups - 1)
    if c_in > 1:
        for c in range(c_in):
            cols = [j * c_in + c for j in range(groups)]
            ws = np.delete(w, cols, 0) if transpose else np.delete(w, c, 1)
            yield f"drop input channel {c} of each group", build(np.delete(x, cols, 1), ws, bias)
    if c_out > 1:
        for c in range(c_out):
            rows = [j * c_out + c for j in range(groups)]
            ws = np.delete(w, c, 1) if transpose else np.delete(w, rows, 0)
            bs = None if bias is None else np.delete(bias, rows)
            yield f"drop output channel {c} of each group", build(x, ws, bs)


def _droppable_axis(problem: Problem, axis: int) -> bool:
    x_len = problem.args[0].shape[_x_axis(problem, axis)]
    return x_len == 1 and _kernel_lengths(problem)[axis] == 1


def _kernel_lengths(problem: Problem) -> tuple[int, ...]:
    rank = _rank(problem)
    if OPS[problem.op].kind == "bilinear":
        return problem.args[1].shape[-rank:] if rank else ()
    at = OPS[problem.op].kernel_index
    if at is None:  # a global pool: its window is the whole of the pooled (trailing) axes
        return tuple(problem.args[0].shape[problem.args[0].ndim - rank :])
    k = problem.args[at]
    return (int(k),) if isinstance(k, (int, np.integer)) else tuple(int(v) for v in k)


def _drop_spatial_axis(problem: Problem, axis: int) -> Problem:
    rank = _rank(problem)
    args = list(problem.args)
    x = args[0]
    args[0] = x.reshape(_without(x.shape, _x_axis(problem, axis)))
    if OPS[problem.op].kind == "bilinear":
        w = args[1]
        args[1] = w.reshape(_without(w.shape, w.ndim - rank + axis))
    elif OPS[problem.op].kernel_index is not None:
        at = OPS[problem.op].kernel_index
        if not isinstance(args[at], (int, np.integer)):
            args[at] = _without(tuple(args[at]), axis)
    kwargs = {name: _without(v, axis) if _is_per_axis(v, rank) else v for name, v in problem.kwargs.items()}
    return Problem(problem.op, tuple(args), kwargs)


def _size_steps(problem: Problem) -> Iterator[tuple[str, Problem]]:
    rank = _rank(problem)
    x = problem.args[0]
    for axis in range(rank):
        xa = _x_axis(problem, axis)
        if x.shape[xa] > 1:
            yield f"x: drop first cell of axis {axis}", _replace(problem, _with_arg(problem, 0, x[_at(x, xa, 1)]))
            yield f"x: drop last cell of axis {axis}", _replace(problem, _with_arg(problem, 0, _drop(x, xa, -1)))
    if OPS[problem.op].kind == "bilinear":
        w = problem.args[1]
        for axis in range(rank):
            wa = w.ndim - rank + axis
            if w.shape[wa] > 1:
                yield f"w: drop first tap of axis {axis}", _replace(problem, _with_arg(problem, 1, w[_at(w, wa, 1)]))
                yield f"w: drop last tap of axis {axis}", _replace(problem, _with_arg(problem, 1, _drop(w, wa, -1)))
    elif OPS[problem.op].kernel_index is not None:
        at = OPS[problem.op].kernel_index
        k = problem.args[at]
        for axis, length in enumerate(_kernel_lengths(problem)):
            if length > 1:
                smaller = length - 1 if isinstance(k, (int, np.integer)) else _set(tuple(k), axis, length - 1)
                yield f"kernel_size: shrink axis {axis}", _replace(problem, _with_arg(problem, at, smaller))


def _set(values: tuple, i: int, value: Any) -> tuple:
    return values[:i] + (value,) + values[i + 1 :]


#: keyword -> (its floor, its default-like simplest value)
_LOWERABLE = {"stride": 1, "dilation": 1, "padding": 0, "output_padding": 0, "mode": 0}
#: keyword -> value the keyword simplifies to (one step)
_DEFAULTS = {
    "boundary": "constant",
    "padding_mode": "zeros",
    "ceil_mode": False,
    "count_include_pad": True,
    "divisor_override": None,
}


def _geometry_steps(problem: Problem) -> Iterator[tuple[str, Problem]]:
    rank = _rank(problem)
    for name, value in problem.kwargs.items():
        if name in _LOWERABLE:
            floor = _LOWERABLE[name]
            for label, lowered in _lowered(value, rank, floor):
                yield f"{name}: {label}", _replace(problem, **{name: lowered})
        elif name in _DEFAULTS and value != _DEFAULTS[name]:
            yield f"{name}: {value!r} -> {_DEFAULTS[name]!r}", _replace(problem, **{name: _DEFAULTS[name]})


def _lowered(value: Any, rank: int, floor: int) -> Iterator[tuple[str, Any]]:
    """Every one-step lowering of a per-axis keyword's value (an int, ints, pairs or a mode name)."""
    if isinstance(value, str):
        if value == "full":
            yield "'full' -> 'same'", "same"
        if value != "valid":
            yield f"{value!r} -> 'valid'", "valid"
        return
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value > floor:
            yield "lower by 1", int(value) - 1
            if rank > 1:
                for axis in range(rank):
                    yield f"lower axis {axis} by 1", _set((int(value),) * rank, axis, int(value) - 1)
        return
    if isinstance(value, tuple):
        for axis, v in enumerate(value):
            if isinstance(v, tuple):
                for side, name in enumerate(("before", "after")):
                    if v[side] > floor:
                        yield f"lower axis {axis} {name} by 1", _set(value, axis, _set(v, side, v[side] - 1))
            elif isinstance(v, (int, np.integer)) and v > floor:
                yield f"lower axis {axis} by 1", _set(value, axis, int(v) - 1)


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def simpler(value: Any) -> tuple:
    """The order of simplicity the value steps descend: zero first, then fewer significand bits,
    then an exponent nearer 0, then positive before negative (integers: by magnitude).

    Parameters
    ----------
    value : int or float
        A number (NumPy scalars included); non-finite floats sort after every finite one.

    Returns
    -------
    tuple
        The sort key: smaller is simpler.

    See Also
    --------
    reduction_steps : tries simpler values in this order.

    Examples
    --------
    >>> sorted([3.0, -1.0, 0.5, 0.0, 1.0, 1.25, 2.0], key=simpler)
    [0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 1.25]
    """
    if isinstance(value, (int, np.integer)):
        return (value != 0, 0, abs(int(value)), value < 0)
    v = float(value)
    if not math.isfinite(v):
        return (True, 1 << 20, 0, False)
    if v == 0:
        return (False, 0, 0, math.copysign(1, v) < 0)
    mantissa, exponent = math.frexp(abs(v))
    m = int(mantissa * 2**60)
    bits = 60 - ((m & -m).bit_length() - 1)
    return (True, bits, abs(exponent - 1), v < 0)


def _rounded_bits(v: float, bits: int) -> float:
    mantissa, exponent = math.frexp(v)
    return math.ldexp(round(mantissa * 2**bits), exponent - bits)


def _candidates(v: Any, dtype: np.dtype) -> list:
    """Simpler values for one element, in the order tried, each representable in ``dtype``."""
    key = simpler(v)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        out = [c for c in SMALL_VALUES if info.min <= c <= info.max]
        out += [int(v) // 2 if v > 0 else -((-int(v)) // 2), -int(v)]
    else:
        f = float(v)
        out = [float(c) for c in SMALL_VALUES]
        if math.isfinite(f) and f != 0:
            out.append(float(round(f)))
            out += [_rounded_bits(f, b) for b in _BIT_LADDER if b < key[1]]
            out.append(f * 2 if abs(f) < 1 else f / 2)
            out.append(abs(f))
    seen, result = set(), []
    for c in out:
        try:
            cast = np.array(c).astype(dtype)
        except (OverflowError, ValueError):
            continue
        if cast.item() != c or c in seen:
            continue
        seen.add(c)
        if simpler(c) < key:
            result.append(c)
    return result


def _value_steps(problem: Problem) -> Iterator[tuple[str, Problem]]:
    names = ("x", "w", "bias") if OPS[problem.op].kind == "bilinear" else ("x",)
    for i, name in enumerate(names):
        a = problem.args[i] if i < len(problem.args) else None
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "iuf":
            continue
        flat = a.reshape(-1)
        for j in range(flat.size):
            v = flat[j].item()
            for c in _candidates(v, a.dtype):
                b = flat.copy()
                b[j] = c
                where = np.unravel_index(j, a.shape)
                yield (
                    f"{name}[{', '.join(map(str, where))}]: {v!r} -> {c!r}",
                    _replace(problem, _with_arg(problem, i, b.reshape(a.shape))),
                )


# ---------------------------------------------------------------------------------------------
# Accelerators: coarse moves tried before the single steps
# ---------------------------------------------------------------------------------------------


def _accelerators(problem: Problem) -> Iterator[Problem]:
    rank = _rank(problem)
    x = problem.args[0]
    # Halve long spatial axes (keep the front, or the back, half).
    for axis in range(rank):
        xa = _x_axis(problem, axis)
        n = x.shape[xa]
        if n >= 4:
            yield _replace(problem, _with_arg(problem, 0, x[_at(x, xa, n // 2)]))
            yield _replace(problem, _with_arg(problem, 0, x[_at(x, xa, 0, n - n // 2)]))
    if OPS[problem.op].kind == "bilinear" and x.ndim > rank and x.shape[0] >= 4:
        yield _replace(problem, _with_arg(problem, 0, x[: x.shape[0] // 2]))
    # Zero blocks of elements: the whole operand, then halves, quarters, ... (delta debugging).
    names = (0, 1, 2) if OPS[problem.op].kind == "bilinear" else (0,)
    for i in names:
        a = problem.args[i] if i < len(problem.args) else None
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "iuf" or a.size < 4:
            continue
        flat = a.reshape(-1)
        parts = 1
        while parts <= flat.size // 2:
            for chunk in np.array_split(np.arange(flat.size), parts):
                if chunk.size and np.any(flat[chunk] != 0):
                    b = flat.copy()
                    b[chunk] = 0
                    yield _replace(problem, _with_arg(problem, i, b.reshape(a.shape)))
            parts *= 2
