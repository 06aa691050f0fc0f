"""Which arithmetic a call runs in, decided once from its operands.

The exactness contract (README, "Exactness"):

* **integer dtypes** (``int8`` .. ``int64``, ``uint8`` .. ``uint64``): the result is exact.  It
  is computed in ``int64`` when ``B = max|x| * max_c sum|w_c| + max|bias| < 2**63`` — ``B``
  bounds the absolute value of every partial sum in any order, so nothing can wrap — and
  otherwise in Python ints, returned as an ``object`` array.  The result dtype therefore
  depends on the values: ``int64`` whenever it provably holds the result.
* **object arrays** of Python ``int``, :class:`fractions.Fraction` or SymPy expressions: exact,
  returned as an ``object`` array of the same kinds; SymPy results are expanded.  Python floats
  inside object arrays are refused (an exact oracle would otherwise mix in rounding silently).
* **float and complex dtypes**: computed in ``numpy.result_type(x, w)``; each output is the sum
  over kernel taps in row-major order of the products, each product and each addition rounded
  in that dtype (so the direct method's error is covered by ``gamma_k``).  No conjugation:
  complex inputs follow eq. 9.6 as written (``scipy.signal.correlate`` conjugates ``w``).
* ``bool`` arrays are refused with a TypeError: cast them to ``int`` if you mean 0/1.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import fail

__all__ = [
    "INT64_MAX",
    "MAX_RANK",
    "check_rank",
    "as_operand",
    "domain",
    "fits_int64",
    "accumulator",
    "convert",
    "finish",
]

INT64_MAX = 2**63 - 1


_SYMPY_BASIC: type | None = None


def _sympy_basic() -> type:
    """``sympy.Basic``, imported on first use (importing SymPy costs ~0.3 s)."""
    global _SYMPY_BASIC
    if _SYMPY_BASIC is None:
        from sympy import Basic

        _SYMPY_BASIC = Basic
    return _SYMPY_BASIC


def _is_sympy(value) -> bool:
    return isinstance(value, _sympy_basic())


#: The most axes an operand may have.  NumPy's iterators (``ndarray.flat``, ``np.nditer``)
#: take at most 32 axes and the matrix of a rank-r correlation is indexed by ``2*r`` axes (the
#: direct method's views add three more), so 16 is the largest rank every function and method
#: computes, with NumPy 1 and 2 alike.
MAX_RANK = 16


def check_rank(func: str, name: str, value, ndim: int) -> None:
    """Refuse an operand of more than :data:`MAX_RANK` axes, before any work (NumPy would fail
    deep inside with an ``IndexError`` about its axis limit)."""
    if ndim > MAX_RANK:
        raise fail(
            func,
            name,
            value,
            f"has {ndim} axes, more than refconv supports",
            f"at most {MAX_RANK} axes (refconv._arith.MAX_RANK, bounded by NumPy's 32-axis iterators)",
        )


def _to_numpy(func: str, name: str, value):
    """``value`` as a NumPy array of its own dtype, or a TypeError naming ``name``.

    A masked array with a masked entry is refused (``np.asarray`` would drop the mask and
    compute with the hidden values); one with nothing masked is its data.  A tensor that
    requires grad is detached (refconv never differentiates).  Any other failure of a foreign
    array's conversion (``__array__`` raising, a tensor on the ``meta`` device) becomes a
    TypeError naming ``name``.
    """
    if isinstance(value, np.ma.MaskedArray):
        if np.ma.getmaskarray(value).any():
            raise fail(
                func,
                name,
                value,
                f"has {int(np.ma.count_masked(value))} masked entries of {value.size}, which refconv cannot honour",
                "a plain array (fill it with .filled(value) first)",
                TypeError,
            )
        return np.asarray(value.data)
    if getattr(value, "requires_grad", False) is True and callable(getattr(value, "detach", None)):
        value = value.detach()
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:
        if isinstance(value, (list, tuple)):
            raise fail(
                func, name, value, f"is not a rectangular array ({exc})", "an array of numbers", TypeError
            ) from None
        problem = f"cannot be converted to a NumPy array ({type(exc).__name__}: {exc})"
        raise fail(func, name, value, problem, "an array of numbers", TypeError) from None
    except Exception as exc:  # a foreign __array__ may raise anything
        problem = f"cannot be converted to a NumPy array ({type(exc).__name__}: {exc})"
        raise fail(func, name, value, problem, "an array of numbers", TypeError) from None


def as_operand(func: str, name: str, value) -> np.ndarray:
    """``value`` as an array refconv can compute with, or a TypeError/ValueError naming ``name``.

    The one home of operand checks, for every function and adapter:

    * ``None``, strings, dicts and sets, ``bool`` arrays and non-numeric dtypes are refused;
    * a masked array with a masked entry is refused (one with nothing masked is its data); other
      NumPy subclasses (``np.matrix``) and foreign arrays (tensors, ``__array__``) are their
      values as a plain ndarray; a tensor that requires grad is detached; a conversion that
      fails is a TypeError naming ``name``;
    * a non-native byte order (``'>f8'``) is converted to the native one, so results and their
      dtypes equal those of the native copy;
    * more than :data:`MAX_RANK` axes is a ValueError;
    * object arrays must hold exact numbers: Python ints (NumPy integers become Python ints),
      :class:`fractions.Fraction`, or finite SymPy expressions free of ``sympy.Float`` (a binary
      float with a precision, so not exact).  Python floats, SymPy objects that are not
      expressions (``Eq``, ``Interval``, ``true``, matrices) and ``oo``/``nan``/``zoo`` are refused.
    """
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise fail(func, name, value, "is not an array", "an array of numbers", TypeError)
    arr = _to_numpy(func, name, value)
    check_rank(func, name, value, arr.ndim)
    kind = arr.dtype.kind
    if kind == "b":
        raise fail(func, name, value, "is a bool array", "numbers (cast with .astype(int) for 0/1)", TypeError)
    if kind in "iufc":
        return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))
    if kind == "O":
        basic = _sympy_basic()
        exact = (numbers.Rational, np.integer, basic)
        kinds = set(map(type, arr.flat))
        if all(issubclass(t, exact) and not issubclass(t, (bool, np.bool_)) for t in kinds):
            if any(issubclass(t, basic) for t in kinds):
                _check_sympy(func, name, value, arr)
            if any(issubclass(t, np.integer) for t in kinds):  # NumPy scalars would wrap: use Python ints
                arr = _python_ints(arr).astype(object)
            return arr
        for item in arr.flat:
            if (
                type(item) is bool
                or isinstance(item, np.bool_)
                or not (isinstance(item, exact) or isinstance(item, numbers.Rational))
            ):
                raise fail(
                    func,
                    name,
                    value,
                    f"holds {type(item).__name__} {item!r}",
                    "an object array of int, Fraction or SymPy expressions (or a float dtype)",
                    TypeError,
                )
        return arr
    raise fail(func, name, value, f"has dtype {arr.dtype}", "an integer, float, complex or object array", TypeError)


def _check_sympy(func: str, name: str, value, arr: np.ndarray) -> None:
    """Refuse SymPy entries that are not exact finite expressions (see :func:`as_operand`)."""
    from sympy import Expr, Float, S
    from sympy.matrices.expressions import MatrixExpr

    nonfinite = (S.NaN, S.Infinity, S.NegativeInfinity, S.ComplexInfinity)
    basic = _sympy_basic()
    for item in arr.flat:
        if not isinstance(item, basic):
            continue
        if not isinstance(item, Expr) or isinstance(item, MatrixExpr):
            shown = " ".join(repr(item).split())  # a matrix's repr spans lines
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            problem = f"holds SymPy {type(item).__name__} {shown}, which is not a number or an expression"
            raise fail(func, name, value, problem, "int, Fraction or SymPy expressions (sympy.Expr)", TypeError)
        # Atoms (symbols, integers, rationals) are the common case: test them without a tree walk.
        if isinstance(item, Float) or (not item.is_Atom and item.has(Float)):
            problem = f"holds {item!r}, a SymPy Float (a binary float with a precision, not an exact number)"
            expected = "exact numbers (sympy.Rational('0.1'), sympy.nsimplify) or a float dtype"
            raise fail(func, name, value, problem, expected, TypeError)
        if item in nonfinite or (not item.is_Atom and item.has(*nonfinite)):
            problem = f"holds {item!r}, which is not finite"
            raise fail(func, name, value, problem, "finite exact numbers or expressions", TypeError)


_python_ints = np.frompyfunc(lambda v: int(v) if isinstance(v, np.integer) else v, 1, 1)


def _abs_max(arr: np.ndarray) -> int:
    if arr.size == 0:
        return 0
    return max(abs(int(arr.max())), abs(int(arr.min())))


def _abs_sum_max(w: np.ndarray, lead: int) -> int:
    """``max_c sum|w_c|`` over the leading ``lead`` axes (output channels), exactly."""
    flat = np.abs(w.astype(object)).reshape(int(np.prod(w.shape[:lead], dtype=np.int64)), -1)
    return max((int(sum(row)) for row in flat), default=0)


def domain(func: str, operands: dict[str, np.ndarray], *, lead: int = 0) -> str:
    """The arithmetic for ``operands`` (``x``, ``w``, optional ``bias``): "float", "int64" or "object".

    ``lead`` is the number of leading axes of ``w`` that index separate outputs (channels),
    over which the bound takes the maximum rather than the sum.
    """
    kinds = {name: arr.dtype.kind for name, arr in operands.items()}
    if "O" in kinds.values():
        floats = [n for n, k in kinds.items() if k in "fc"]
        if floats:
            objs = [n for n, k in kinds.items() if k == "O"]
            raise fail(
                func,
                floats[0],
                operands[floats[0]],
                f"is a {operands[floats[0]].dtype} array while {objs[0]} is an exact object array",
                "operands of one kind: all exact or all float",
                TypeError,
            )
        return "object"
    if any(k in "fc" for k in kinds.values()):
        return "float"
    return "int64" if fits_int64(operands, lead=lead) else "object"


def fits_int64(operands: dict[str, np.ndarray], *, lead: int = 0) -> bool:
    """The no-overflow rule: ``max|x| * max_c sum|w_c| (+ max|bias|) <= 2**63 - 1`` for integer
    operands (integer dtypes, or object arrays of Python ints), so every partial sum fits int64."""
    x, w = operands["x"], operands["w"]
    bound = _abs_max(x) * _abs_sum_max(w, lead)
    if "bias" in operands:
        bound += _abs_max(operands["bias"])
    return bound <= INT64_MAX


def accumulator(dtype: np.dtype) -> np.dtype:
    """The dtype a pool sums a float ``dtype`` in: ``float64`` for floats narrower than ``float32``
    (``float16``), ``dtype`` itself otherwise.

    A ``float16`` window sum overflows at 65504 although the mean fits (PyTorch accumulates half
    in ``float32`` on CPU).  Every ``float16`` value is an integer multiple of ``2**-24`` below
    ``2**16``, so ``float64`` sums of up to ``2**13`` of them are exact, and the pools round once,
    at the end, to ``dtype``.
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize < 4:
        return np.dtype(np.float64)
    return dtype


def convert(arr: np.ndarray, kind: str, float_dtype=None) -> np.ndarray:
    """``arr`` in the arithmetic ``kind`` (int64 arrays become Python ints for "object")."""
    if kind == "int64":
        return arr.astype(np.int64, copy=False)
    if kind == "object":
        return arr.astype(object)
    return arr.astype(float_dtype, copy=False)


def finish(result: np.ndarray, kind: str) -> np.ndarray:
    """Normalise an exact object result: expand SymPy entries, keep ints and Fractions."""
    if kind != "object" or result.size == 0:
        return result
    basic = _sympy_basic()
    if any(isinstance(v, basic) for v in result.flat):
        from sympy import expand

        return np.frompyfunc(expand, 1, 1)(result).astype(object)
    return result
