"""Operand strategies (:func:`arrays`) and whole problems: a geometry with its operands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .._validation import is_int
from ..spec import ConvSpec, layer_spec, plain_spec
from ._caps import (
    KINDS,
    MAX_DENOMINATOR,
    MAX_DIMS,
    MAX_SIDE,
    MAX_VALUE,
    SYMBOLIC_MAX_DIMS,
    SYMBOLIC_MAX_SIDE,
    _bad,
    _choice,
    _count,
)
from ._geometry import LayerSpec, layer_specs, plain_specs, pooling_specs

__all__ = [
    "arrays",
    "PlainProblem",
    "LayerProblem",
    "PoolProblem",
    "plain_problems",
    "layer_problems",
    "pooling_problems",
]

# --- operands -------------------------------------------------------------------------------------


def _symbol_array(shape: tuple[int, ...], prefix: str) -> np.ndarray:
    import sympy

    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sympy.Symbol(prefix + "_".join(map(str, index)) if index else prefix)
    return out


def arrays(
    shape: Any,
    *,
    kind: str = "int",
    dtype: Any = None,
    max_value: int = MAX_VALUE,
    max_denominator: int = MAX_DENOMINATOR,
    integer_valued: bool = False,
    prefix: str = "x",
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of one kind of number, for exact or float checks.

    Parameters
    ----------
    shape : tuple of int, or a strategy of them
        The arrays' shape (an int for one axis).
    kind : {"int", "fraction", "symbolic", "float"}
        ``"int"``: a NumPy integer array (``dtype``, default ``int64``), values in
        ``[-max_value, max_value]`` clipped to the dtype's range.  ``"fraction"``: an object array
        of :class:`fractions.Fraction`.  ``"symbolic"``: an object array of distinct SymPy symbols
        named ``prefix`` + index (``x0_1``), the generic operand of figure 9.1 (nothing is drawn
        but the shape).  ``"float"``: a float array (``dtype``, default ``float64``), no NaN or
        infinity.
    max_value, max_denominator : int
        Bounds of the numbers drawn.
    integer_valued : bool
        For ``kind="float"``: draw integers stored as floats.  Products and sums of small integers
        are exact in floating point, so a float implementation can then be held to exact answers.
    dtype : dtype, optional
        For ``kind="int"`` an integer dtype (default ``int64``), for ``kind="float"`` a float
        dtype (default ``float64``); must be None for ``"fraction"`` (object arrays).  Ignored
        for ``"symbolic"``.
    prefix : str
        Symbol name prefix for ``kind="symbolic"``.

    Returns
    -------
    SearchStrategy of numpy.ndarray
        Arrays of ``shape``.

    See Also
    --------
    plain_problems : operands drawn by this for a plain call.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> find(arrays((2, 2), kind="symbolic", prefix="w"), lambda a: True, settings=quick)
    array([[w0_0, w0_1],
           [w1_0, w1_1]], dtype=object)
    >>> a = find(arrays(3, kind="float", integer_valued=True), lambda a: True, settings=quick)
    >>> a.dtype, bool((a == a.round()).all())
    (dtype('float64'), True)
    """
    func = "arrays"
    kind = _choice(func, "kind", kind, KINDS)
    max_value = _count(func, "max_value", max_value, 0)
    max_denominator = _count(func, "max_denominator", max_denominator, 1)
    if not isinstance(integer_valued, bool):
        raise _bad(func, "integer_valued", integer_valued, "is not a bool", "True or False")
    if not isinstance(prefix, str) or not prefix.isidentifier():
        raise _bad(func, "prefix", prefix, "is not an identifier", "a symbol name such as 'x'")
    if isinstance(shape, st.SearchStrategy):
        shapes = shape
    else:
        if is_int(shape):
            shape = (shape,)
        if not isinstance(shape, Sequence) or not all(is_int(v) and v >= 0 for v in shape):
            raise _bad(func, "shape", shape, "is not a shape", "a tuple of ints >= 0, or a strategy of them")
        shapes = st.just(tuple(int(v) for v in shape))
    if kind == "symbolic":
        return shapes.map(lambda s: _symbol_array(s, prefix))
    if kind == "fraction":
        if dtype is not None:
            raise _bad(func, "dtype", dtype, "was given with kind='fraction'", "dtype=None (object arrays)")
        elements = st.fractions(-max_value, max_value, max_denominator=max_denominator)
        return shapes.flatmap(lambda s: hnp.arrays(object, s, elements=elements))
    if kind == "int":
        dt = np.dtype(np.int64 if dtype is None else dtype)
        if dt.kind not in "iu":
            raise _bad(func, "dtype", dtype, "is not an integer dtype", "an integer dtype such as 'int8' or 'uint16'")
        info = np.iinfo(dt)
        elements = st.integers(max(int(info.min), -max_value), min(int(info.max), max_value))
        return shapes.flatmap(lambda s: hnp.arrays(dt, s, elements=elements))
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise _bad(func, "dtype", dtype, "is not a float dtype", "'float16', 'float32' or 'float64'")
    if integer_valued:
        elements = st.integers(-max_value, max_value).map(float)
    else:
        elements = st.floats(-max_value, max_value, width=8 * dt.itemsize, allow_nan=False, allow_infinity=False)
    return shapes.flatmap(lambda s: hnp.arrays(dt, s, elements=elements))


# --- problems -------------------------------------------------------------------------------------


class PlainProblem(NamedTuple):
    """Operands and keywords of a plain call; ``problem.call(f)`` is ``f(x, w, **kwargs)``.

    Parameters
    ----------
    x, w : numpy.ndarray
        The input and the kernel (same rank).
    kwargs : dict
        ``mode``, ``stride``, ``dilation`` and ``boundary``.

    See Also
    --------
    plain_problems : draws them.
    PlainSpec : the geometry alone.

    Examples
    --------
    >>> import refconv
    >>> p = PlainProblem(np.array([1, 2, 3]), np.array([1, -1]), {"mode": "valid"})
    >>> p.call(refconv.correlate).tolist(), p.spec.output_shape
    ([-1, -1], (2,))
    """

    x: np.ndarray
    w: np.ndarray
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(x, w, **kwargs)``."""
        return f(self.x, self.w, **self.kwargs)

    @property
    def spec(self) -> ConvSpec:
        return plain_spec("plain_problems", self.x.shape, self.w.shape, **self.kwargs)


class LayerProblem(NamedTuple):
    """Operands and keywords of a layer call; ``problem.call(f)`` is ``f(x, w, bias, **kwargs)``.

    Parameters
    ----------
    x : numpy.ndarray
        ``(N, C_in, *spatial)``.
    w : numpy.ndarray
        ``(C_out, C_in / groups, *kernel)``.
    bias : numpy.ndarray or None
        ``(C_out,)``, or None.
    kwargs : dict
        ``stride``, ``padding``, ``dilation``, ``groups`` and ``padding_mode``.

    See Also
    --------
    layer_problems : draws them.
    LayerSpec : the geometry alone.

    Examples
    --------
    >>> import refconv
    >>> p = LayerProblem(np.ones((1, 1, 3), int), np.ones((2, 1, 2), int), np.array([0, 10]), {"padding": 1})
    >>> p.call(refconv.conv).tolist()
    [[[1, 2, 2, 1], [11, 12, 12, 11]]]
    """

    x: np.ndarray
    w: np.ndarray
    bias: np.ndarray | None
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(x, w, bias, **kwargs)``."""
        return f(self.x, self.w, self.bias, **self.kwargs)

    @property
    def spec(self) -> ConvSpec:
        kw = {k: self.kwargs[k] for k in ("padding", "stride", "dilation")}
        return layer_spec("layer_problems", self.x.shape[2:], self.w.shape[2:], **kw)


class PoolProblem(NamedTuple):
    """Operands and keywords of a pooling call; ``problem.call(f)`` is ``f(x, kernel_size, **kwargs)``.

    Parameters
    ----------
    x : numpy.ndarray
        The input, pooled over its last axes.
    kernel_size : int or tuple of int
        The window.
    kwargs : dict
        The op's keywords (``stride``, ``padding``, ``dilation``, ``ceil_mode``, as drawn).

    See Also
    --------
    pooling_problems : draws them.
    PoolSpec : the geometry alone.

    Examples
    --------
    >>> import refconv
    >>> PoolProblem(np.array([3, 1, 4, 1, 5]), 2, {"stride": 2, "ceil_mode": True}).call(refconv.max_pool).tolist()
    [3, 4, 5]
    """

    x: np.ndarray
    kernel_size: Any
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(x, kernel_size, **kwargs)``."""
        return f(self.x, self.kernel_size, **self.kwargs)


def _with_options(func: str, build: Callable, spec_options: dict, **fixed: Any) -> st.SearchStrategy:
    """``build(**fixed, **spec_options)``, naming ``spec_options`` when it holds an unknown keyword."""
    unknown = sorted(set(spec_options) - set(build.__kwdefaults__))
    if unknown:
        raise _bad(func, unknown[0], spec_options[unknown[0]], "is not a keyword", f"keywords of {build.__name__}")
    return build(**fixed, **spec_options)


def _problem_caps(kind, max_dims, max_side, default_dims):
    if kind == "symbolic":
        return (
            min(default_dims, SYMBOLIC_MAX_DIMS) if max_dims is None else max_dims,
            SYMBOLIC_MAX_SIDE if max_side is None else max_side,
        )
    return (default_dims if max_dims is None else max_dims, MAX_SIDE if max_side is None else max_side)


def _operand_options(func: str, kind: Any, dtype: Any, integer_valued: Any) -> tuple[str, dict]:
    kind = _choice(func, "kind", kind, KINDS)
    options = {"kind": kind, "dtype": dtype}
    if kind == "float":
        options["integer_valued"] = integer_valued
    elif integer_valued:
        raise _bad(func, "integer_valued", integer_valued, f"was given with kind={kind!r}", "kind='float'")
    # Validate the operand options now, not at the first draw.
    arrays((1,), **options)
    return kind, options


def plain_problems(
    *,
    kind: str = "int",
    dtype: Any = None,
    integer_valued: bool = False,
    max_dims: int | None = None,
    max_side: int | None = None,
    **spec_options: Any,
) -> st.SearchStrategy[PlainProblem]:
    """Plain problems ``(x, w, kwargs)`` for ``correlate``-like functions.

    Parameters
    ----------
    kind, dtype, integer_valued
        The operands, as in :func:`arrays` (``x`` and ``w`` share the kind and dtype; symbolic
        operands are named ``x...`` and ``w...``).
    max_dims, max_side : int, optional
        Caps; the defaults are ``MAX_DIMS``/``MAX_SIDE``, or ``SYMBOLIC_MAX_*`` for symbols.
    **spec_options
        Any keyword of :func:`plain_specs`.

    Returns
    -------
    SearchStrategy of PlainProblem
        Valid problems, operands of one kind.

    See Also
    --------
    plain_specs : the geometries alone.
    arrays : the operands.

    Examples
    --------
    >>> import refconv
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> p = find(plain_problems(min_dims=2, max_dims=2, modes=("same",)), lambda p: True, settings=quick)
    >>> p.x.ndim, p.kwargs["mode"], p.call(refconv.correlate).shape == p.spec.output_shape
    (2, 'same', True)
    """
    func = "plain_problems"
    kind, options = _operand_options(func, kind, dtype, integer_valued)
    max_dims, max_side = _problem_caps(kind, max_dims, max_side, MAX_DIMS)
    specs = _with_options(func, plain_specs, spec_options, max_dims=max_dims, max_side=max_side)
    return specs.flatmap(
        lambda s: st.builds(
            PlainProblem,
            arrays(s.input_shape, prefix="x", **options),
            arrays(s.kernel_shape, prefix="w", **options),
            st.just(s.kwargs),
        )
    )


def layer_problems(
    *,
    kind: str = "int",
    dtype: Any = None,
    integer_valued: bool = False,
    bias: bool | None = None,
    max_dims: int | None = None,
    max_side: int | None = None,
    **spec_options: Any,
) -> st.SearchStrategy[LayerProblem]:
    """Layer problems ``(x, w, bias, kwargs)`` for ``conv``-like functions (PyTorch's layouts).

    Parameters
    ----------
    kind, dtype, integer_valued
        The operands, as in :func:`arrays`.
    bias : bool, optional
        ``True``: always a bias, ``False``: never (``None`` is passed), ``None``: either.
    max_dims, max_side : int, optional
        Caps (default 2 spatial axes; ``SYMBOLIC_MAX_*`` for symbols).
    **spec_options
        Any keyword of :func:`layer_specs`.

    Returns
    -------
    SearchStrategy of LayerProblem
        Valid problems (for PyTorch too, without ``"pairs"`` padding).

    See Also
    --------
    layer_specs : the geometries alone.
    arrays : the operands.

    Examples
    --------
    >>> import refconv
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> p = find(layer_problems(bias=True), lambda p: True, settings=quick)
    >>> p.call(refconv.conv).shape[:2] == (p.x.shape[0], p.w.shape[0]) == (p.x.shape[0], p.bias.shape[0])
    True
    """
    func = "layer_problems"
    kind, options = _operand_options(func, kind, dtype, integer_valued)
    if bias is not None and not isinstance(bias, bool):
        raise _bad(func, "bias", bias, "is not a bool or None", "True, False or None")
    max_dims, max_side = _problem_caps(kind, max_dims, max_side, 2)
    specs = _with_options(func, layer_specs, spec_options, max_dims=max_dims, max_side=max_side)
    with_bias = st.booleans() if bias is None else st.just(bias)

    def build(s: LayerSpec):
        b = with_bias.flatmap(lambda on: arrays((s.weight_shape[0],), prefix="b", **options) if on else st.none())
        return st.builds(
            LayerProblem,
            arrays(s.input_shape, prefix="x", **options),
            arrays(s.weight_shape, prefix="w", **options),
            b,
            st.just(s.kwargs),
        )

    return specs.flatmap(build)


def pooling_problems(
    *,
    op: str = "max",
    kind: str = "int",
    dtype: Any = None,
    integer_valued: bool = False,
    **spec_options: Any,
) -> st.SearchStrategy[PoolProblem]:
    """Pooling problems ``(x, kernel_size, kwargs)`` for ``max_pool``-like functions.

    Parameters
    ----------
    op : {"max", "avg", "lp"}
        Which keywords to draw (see :func:`pooling_specs`).
    kind, dtype, integer_valued
        The input, as in :func:`arrays`; ``"symbolic"`` is refused (a maximum of symbols has no
        value).
    **spec_options
        Any other keyword of :func:`pooling_specs`.

    Returns
    -------
    SearchStrategy of PoolProblem
        Valid problems.

    See Also
    --------
    pooling_specs : the geometries alone.
    arrays : the input.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> p = find(pooling_problems(op="lp"), lambda p: True, settings=settings(database=None, phases=[Phase.generate]))
    >>> sorted(p.kwargs)
    ['ceil_mode', 'stride']
    """
    func = "pooling_problems"
    kind, options = _operand_options(func, kind, dtype, integer_valued)
    if kind == "symbolic":
        raise _bad(func, "kind", kind, "has no order (a maximum of symbols is undefined)", "'int', 'fraction', 'float'")
    specs = _with_options(func, pooling_specs, spec_options, op=op)
    return specs.flatmap(
        lambda s: st.builds(PoolProblem, arrays(s.input_shape, **options), st.just(s.kernel_size), st.just(s.kwargs))
    )
