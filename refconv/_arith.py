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


def as_operand(func: str, name: str, value) -> np.ndarray:
    """``value`` as an array refconv can compute with, or a TypeError naming ``name``."""
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise fail(func, name, value, "is not an array", "an array of numbers", TypeError)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise fail(func, name, value, f"is not a rectangular array ({exc})", "an array of numbers", TypeError) from None
    kind = arr.dtype.kind
    if kind == "b":
        raise fail(func, name, value, "is a bool array", "numbers (cast with .astype(int) for 0/1)", TypeError)
    if kind in "iufc":
        return arr
    if kind == "O":
        exact = (numbers.Rational, np.integer, _sympy_basic())
        kinds = set(map(type, arr.flat))
        if all(issubclass(t, exact) and not issubclass(t, (bool, np.bool_)) for t in kinds):
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
