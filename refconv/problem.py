"""One call of an op, as the conformance checker draws, runs, reduces and prints it.

A :class:`Problem` is what :func:`refconv.check` hands an implementation: the op's name, its
positional arguments (operands first, as refconv's own function takes them) and its keywords.
It knows how to call a function on *copies* of its operands (an implementation that writes into
its inputs cannot change the problem it is judged on) and how to print itself as Python source
that rebuilds it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .exact import OPS

__all__ = ["Problem", "arg_names", "literal"]


@dataclass(frozen=True)
class Problem:
    """One call of an op: positional ``args`` (operands first) and keyword ``kwargs``.

    Parameters
    ----------
    op : str
        The op's name, a key of :data:`refconv.exact.OPS` (``"conv"``, ``"correlate"``, ...).
    args : tuple
        The positional arguments, as refconv's function for ``op`` takes them (named by
        :func:`arg_names`): the operands (NumPy arrays; ``bias`` may be None), or for a pool the
        input and ``kernel_size``.
    kwargs : dict
        The keyword arguments of the call.

    See Also
    --------
    arg_names : the names of ``args``.
    literal : how each array prints in :meth:`source`.
    refconv.check : draws, runs and reduces problems.

    Examples
    --------
    >>> p = Problem("correlate", (np.array([1, 2, 3]), np.array([1, 1])), {"mode": "valid"})
    >>> p.size, p.describe()
    (5, "correlate(x: int64 (3,), w: int64 (2,), mode='valid')")
    >>> p.call(lambda x, w, mode: x.sum() + w.sum())
    np.int64(8)
    """

    op: str
    args: tuple
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(*args, **kwargs)`` on copies of the array arguments: ``f`` cannot alter the problem."""
        return f(*self.copies(), **self.kwargs)

    def copies(self) -> tuple:
        """The positional arguments, each array a fresh copy (same dtype, shape and values)."""
        return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in self.args)

    @property
    def size(self) -> int:
        """Total number of input elements (operands and bias)."""
        return sum(np.asarray(a).size for a in self.args if isinstance(a, np.ndarray))

    def describe(self) -> str:
        """``conv(x: float32 (1, 1, 3), w: ..., stride=1, ...)``: the call with shapes, not values."""
        parts = []
        for name, a in zip(arg_names(self.op), self.args):
            if isinstance(a, np.ndarray):
                parts.append(f"{name}: {a.dtype} {a.shape}")
            else:
                parts.append(f"{name}={a!r}")
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.op}({', '.join(parts)})"

    def source(self) -> list[str]:
        """Python lines that bind each positional argument by name (``x = np.array(...)``); an
        ``import ml_dtypes`` first where an operand is bfloat16 (NumPy knows the name only then)."""
        lines = [f"{name} = {literal(a)}" for name, a in zip(arg_names(self.op), self.args)]
        bf16 = any(isinstance(a, np.ndarray) and a.dtype.name == "bfloat16" for a in self.args)
        return (["import ml_dtypes  # registers the bfloat16 dtype"] if bf16 else []) + lines

    def call_text(self) -> str:
        """``x, w, bias, stride=1, ...``: the argument list of the call, by the names of :meth:`source`."""
        args = ", ".join(arg_names(self.op)[: len(self.args)])
        kw = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{args}, {kw}" if kw else args

    def same_as(self, other: Problem) -> bool:
        """Equal op, keywords and arguments (arrays by dtype, shape and bits)."""
        if self.op != other.op or self.kwargs != other.kwargs or len(self.args) != len(other.args):
            return False
        for a, b in zip(self.args, other.args):
            if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
                return False
            if isinstance(a, np.ndarray):
                if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
                    return False
            elif a != b:
                return False
        return True


def arg_names(op: str) -> tuple[str, ...]:
    """The positional parameter names of ``op``'s function: ``("x", "w", "bias")``, ``("x", "kernel_size")``.

    Parameters
    ----------
    op : str
        An op of :data:`refconv.exact.OPS`.

    Returns
    -------
    tuple of str
        The names, operands first.

    See Also
    --------
    Problem.source : binds each argument by these names.

    Examples
    --------
    >>> arg_names("conv"), arg_names("max_pool")
    (('x', 'w', 'bias'), ('x', 'kernel_size'))
    """
    return OPS[op].positional


def literal(a: Any) -> str:
    """Python source that rebuilds ``a`` exactly (floats by their shortest round-trip repr).

    Parameters
    ----------
    a : numpy.ndarray or object
        An array (printed as ``np.array(..., dtype=...)``, NaN and infinities by name), or any
        other value (printed by its ``repr``).

    Returns
    -------
    str
        A Python expression; evaluated with ``numpy`` as ``np``, it equals ``a`` bit for bit.

    See Also
    --------
    Problem.source : the lines of a repro that bind the operands.

    Examples
    --------
    >>> literal(np.array([[0.5, np.nan]], dtype=np.float32))
    "np.array([[0.5, np.nan]], dtype='float32')"
    >>> a = np.array([0.1, -np.inf, 3e-45], dtype=np.float32)
    >>> eval(literal(a)).tobytes() == a.tobytes()
    True
    """
    if not isinstance(a, np.ndarray):
        return repr(a)

    def item(v):
        if isinstance(v, float):
            if math.isnan(v):
                return "np.nan"
            if math.isinf(v):
                return "np.inf" if v > 0 else "-np.inf"
        return repr(v)

    def nest(v):
        return "[" + ", ".join(nest(e) for e in v) + "]" if isinstance(v, list) else item(v)

    body = nest(a.tolist()) if a.ndim else item(a.item())
    return f"np.array({body}, dtype={a.dtype.name!r})"
