"""The ONNX front end: ONNX nodes and graphs evaluated with refconv's kernels, attributes taken as ONNX gives them.

Not a peer adapter (:mod:`refconv.adapters.onnxruntime` runs ONNX Runtime *against* refconv): this
module makes refconv an ONNX evaluator.  :func:`run_node` evaluates one node -- an
``onnx.NodeProto`` or, without onnx installed, ``(op_type, attributes)`` -- and :func:`evaluate`
a whole model or graph through ``onnx.reference.ReferenceEvaluator``, with one ``OpRun`` per op of
:data:`OPS` (:func:`new_ops`) calling refconv; every other op is the reference evaluator's.

How ONNX's attributes become refconv's arguments (in one place, the private ``_onnx_ops``):

- ``pads`` is ONNX's ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]``, read as refconv's
  ``((begin, end), ...)``; ``auto_pad`` ``VALID`` is zero pads and ``SAME_UPPER``/``SAME_LOWER`` are
  :func:`refconv.conventions.same_pads`' ``"onnx_upper"``/``"onnx_lower"`` (``pads`` then ignored).
- ``strides`` and ``dilations`` default to 1 (pools included: refconv's pool stride defaults
  to the window, so it is always passed); ``kernel_shape``, when given, must be the weight's.
- ``ConvTranspose``: ``output_shape`` (spatial, or with ``N, C`` in front) sets the pads by the
  spec's rule, ``total = s*(m-1) + output_padding + d*(k-1) + 1 - output_shape``, split with the
  extra cell at the end for ``SAME_UPPER`` and at the start otherwise
  (:func:`refconv.conventions.same_split`); ``SAME_*`` without it means ``output_shape = m*s``.
- ``MaxPool``'s ``Indices`` are flat over the whole ``N*C*spatial`` tensor, the spatial part
  row-major (``storage_order=0``) or column-major (``1``); ties go to the first cell.
- ``AveragePool``'s ``count_include_pad`` defaults to 0 (refconv's to True: always passed);
  ``LpPool`` is the p-norm of each window (``|x|``), :func:`refconv.lp_pool`.

Arithmetic: integer inputs are exact (results checked against the output dtype's range, never
wrapped).  Float inputs run refconv's float path in their dtype (``arithmetic="float"``), or are
read as exact rationals and the exact result rounded once, half to even (``arithmetic="exact"``).

What refconv cannot express yet raises :class:`refconv.adapters.Unsupported`, naming the attribute.

Examples
--------
>>> run_node(("Conv", {"pads": [1, 0], "strides": [2]}), [np.array([[[1, 2, 3, 4]]]), np.array([[[1, 10]]])])
[array([[[10, 32]]])]
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ._onnx_ops import _SCHEMA, _checked_attributes, _kernels, _refuse

#: The ops this front end evaluates with refconv (ONNX's default domain).
OPS = (
    "Conv",
    "ConvTranspose",
    "ConvInteger",
    "QLinearConv",
    "MaxPool",
    "AveragePool",
    "LpPool",
    "GlobalMaxPool",
    "GlobalAveragePool",
    "GlobalLpPool",
    "DeformConv",
    "MaxUnpool",
)

#: ``arithmetic=`` choices for float inputs.
ARITHMETIC = ("float", "exact")


def available() -> bool:
    """Whether onnx is installed (nothing is imported); :func:`run_node` on ``(op_type, attributes)`` needs none.

    Returns
    -------
    bool
        True when ``import onnx`` would succeed.

    See Also
    --------
    evaluate : needs onnx (its reference evaluator runs the graph).

    Examples
    --------
    >>> available() in (True, False)
    True
    """
    return importlib.util.find_spec("onnx") is not None


# ---------------------------------------------------------------------------------------------
# Attributes -> refconv arguments
# ---------------------------------------------------------------------------------------------


def _node_parts(node: Any) -> tuple[str, dict[str, Any], int]:
    """``(op_type, attributes, outputs asked for)`` of a NodeProto or an ``(op_type, attributes)`` pair."""
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[0], str) and isinstance(node[1], Mapping):
        return node[0], dict(node[1]), 0
    if hasattr(node, "op_type") and hasattr(node, "attribute"):
        from onnx import helper

        if node.domain not in ("", "ai.onnx"):
            raise _refuse("run_node", f"domain {node.domain!r}")
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        return node.op_type, attributes, sum(1 for name in node.output if name)
    raise fail(
        "onnx.run_node", "node", node, "is not an ONNX node", "an onnx.NodeProto or (op_type, attributes)", TypeError
    )


# ---------------------------------------------------------------------------------------------
# Arithmetic and dtypes
# ---------------------------------------------------------------------------------------------


def _as_exact(op: str, name: str, a: np.ndarray) -> np.ndarray:
    """A float array as exact rationals (every finite float is one); non-finite values are refused."""
    if a.dtype.kind != "f":
        return a
    if not np.isfinite(a).all():
        raise fail(f"onnx.{op}", name, a, 'holds NaN or inf, which arithmetic="exact" cannot read', "finite floats")
    return np.frompyfunc(lambda v: Fraction(float(v)), 1, 1)(a).astype(object).reshape(a.shape)


def _rounded(y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Exact values rounded once to ``dtype`` (SymPy's roots evaluated to 60 digits first)."""
    from ..exact import rounded

    def rational(v):
        if isinstance(v, (int, Fraction)):
            return v
        return Fraction(str(v.evalf(60)))  # an LpPool root: 60 digits, far beyond float64's 17

    return rounded("rational", np.frompyfunc(rational, 1, 1)(y).astype(object), dtype)


def _cast(op: str, y: Any, dtype: np.dtype) -> np.ndarray:
    """``y`` in the output dtype ONNX prescribes: exact values rounded once, integers range-checked."""
    y = np.asarray(y)
    if y.dtype == dtype:
        return y
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if y.size and (min(y.reshape(-1)) < info.min or max(y.reshape(-1)) > info.max):
            raise fail(f"onnx.{op}", "result", y, f"does not fit {dtype.name} (ONNX's output type)", "no overflow")
        return y.astype(dtype)
    if y.dtype == object:
        return _rounded(y, dtype)
    return y.astype(dtype)


def _output_dtypes(op: str, inputs: list) -> tuple[np.dtype, ...]:
    """ONNX's output types: T (the first input's), int64 indices, int32 for ConvInteger, y_zero_point's."""
    if op == "ConvInteger":
        return (np.dtype(np.int32),)
    if op == "QLinearConv":
        return (inputs[7].dtype,)
    return (inputs[0].dtype, np.dtype(np.int64))


def _inputs(op: str, inputs: Sequence[Any]) -> list:
    """The inputs as arrays (None for an absent optional one), their number checked against the schema."""
    names = _SCHEMA[op][1]
    required = sum(1 for n in names if not n.endswith("?"))
    inputs = list(inputs)
    while inputs and inputs[-1] is None:
        inputs.pop()
    if not required <= len(inputs) <= len(names):
        raise fail(
            f"onnx.{op}",
            "inputs",
            f"{len(inputs)} inputs",
            "is not what the op takes",
            f"{required} to {len(names)} inputs ({', '.join(n.rstrip('?') for n in names)})",
        )
    for name, value in zip(names, inputs):
        if value is None and not name.endswith("?"):
            raise fail(f"onnx.{op}", name.rstrip("?"), None, "is missing", "an array", TypeError)
    return [None if v is None else np.asarray(v) for v in inputs]


# ---------------------------------------------------------------------------------------------
# The front end
# ---------------------------------------------------------------------------------------------


def run_node(node: Any, inputs: Sequence[Any], *, outputs: int | None = None, arithmetic: str = "float") -> list:
    """Evaluate one ONNX node of :data:`OPS` with refconv, its attributes as ONNX defines them.

    Parameters
    ----------
    node : onnx.NodeProto or tuple
        The node, or ``(op_type, attributes)`` with ``attributes`` a dict of ONNX attribute
        values (``{"pads": [1, 0], "auto_pad": "SAME_UPPER", ...}``): no onnx needed.
    inputs : sequence of array_like
        The node's inputs in ONNX's order; None (or leaving it off the end) for an absent
        optional input.
    outputs : int, optional
        How many outputs to compute (MaxPool: 2 adds ``Indices``); default: the node's outputs,
        or 1 for the ``(op_type, attributes)`` form.
    arithmetic : {"float", "exact"}
        Float inputs in refconv's float path (their dtype), or read as exact rationals with the
        exact result rounded once to the output dtype.  Integer inputs are always exact.

    Returns
    -------
    list of numpy.ndarray
        The outputs, in ONNX's dtypes (``T``; int64 ``Indices``; int32 for ``ConvInteger``).

    Raises
    ------
    refconv.adapters.Unsupported
        An op refconv does not evaluate (yet), or an attribute value it cannot express.
    ValueError, TypeError
        An attribute or input that ONNX's schema does not allow.

    See Also
    --------
    evaluate : a whole model or graph.
    new_ops : the ``OpRun`` classes, for your own ``ReferenceEvaluator``.
    refconv.conv : the kernel behind ``Conv``.

    Examples
    --------
    ``SAME_LOWER`` puts the odd pad cell first: ``[0, 1, 2, 3]`` correlated with ``[1, 10]``:

    >>> x, w = np.array([[[1, 2, 3]]]), np.array([[[1, 10]]])
    >>> run_node(("Conv", {"auto_pad": "SAME_LOWER"}), [x, w])[0].tolist()
    [[[10, 21, 32]]]
    >>> run_node(("Conv", {"auto_pad": "SAME_UPPER"}), [x, w])[0].tolist()
    [[[21, 32, 3]]]

    MaxPool's indices are flat over ``N*C*spatial`` (second channel: offset 4):

    >>> y, i = run_node(("MaxPool", {"kernel_shape": [2], "strides": [2]}), [np.array([[[3, 1, 2, 5], [0, 9, 9, 1]]])],
    ...                 outputs=2)
    >>> y.tolist(), i.tolist()
    ([[[3, 5], [9, 9]]], [[[0, 3], [5, 6]]])
    """
    op, attributes, asked = _node_parts(node)
    if op not in _SCHEMA:
        raise _refuse("run_node", f"op_type {op!r} (refconv evaluates {', '.join(OPS)})")
    arithmetic = check_choice(f"onnx.{op}", "arithmetic", arithmetic, ARITHMETIC)
    attributes = _checked_attributes(op, attributes)
    arrays = _inputs(op, inputs)
    count = outputs if outputs is not None else max(asked, 1)
    if count not in ((1, 2) if op == "MaxPool" else (1,)):
        raise fail(f"onnx.{op}", "outputs", count, "is more than the op has", "1 (MaxPool: 1 or 2)")
    dtypes = _output_dtypes(op, arrays)
    if arithmetic == "exact" and op not in ("ConvInteger", "QLinearConv"):  # those two are exact already
        arrays = [None if a is None else _as_exact(op, n.rstrip("?"), a) for n, a in zip(_SCHEMA[op][1], arrays)]
    keywords = {"outputs": count} if op == "MaxPool" else {}
    results = _kernels()[op](op, attributes, *arrays, **keywords)
    return [_cast(op, y, dtype) for y, dtype in zip(results, dtypes)]


@functools.lru_cache(maxsize=4)
def _op_classes(arithmetic: str) -> tuple[type, ...]:
    from onnx.reference.op_run import OpRun

    def _run(self, *inputs, **_attributes):
        # The node's own attributes (not the schema-filled kwargs), so run_node reads both alike.
        count = sum(1 for name in self.onnx_node.output if name)
        return tuple(run_node(self.onnx_node, inputs, outputs=count, arithmetic=self._refconv_arithmetic))

    return tuple(type(op, (OpRun,), {"_run": _run, "op_domain": "", "_refconv_arithmetic": arithmetic}) for op in OPS)


def new_ops(arithmetic: str = "float") -> list[type]:
    """``onnx.reference.op_run.OpRun`` classes that evaluate :data:`OPS` with refconv (needs onnx).

    Parameters
    ----------
    arithmetic : {"float", "exact"}
        As in :func:`run_node`.

    Returns
    -------
    list of type
        One class per op of :data:`OPS`, named as the op, for ``ReferenceEvaluator(new_ops=...)``.

    See Also
    --------
    evaluate : uses them.
    run_node : what each class's ``_run`` calls.

    Examples
    --------
    >>> [cls.__name__ for cls in new_ops()][:3] if available() else ["Conv", "ConvTranspose", "ConvInteger"]
    ['Conv', 'ConvTranspose', 'ConvInteger']
    """
    return list(_op_classes(check_choice("new_ops", "arithmetic", arithmetic, ARITHMETIC)))


def evaluate(model_or_graph: Any, feeds: Mapping[str, Any], *, arithmetic: str = "float") -> list:
    """Run an ONNX model or graph, :data:`OPS` evaluated by refconv and every other op by ``onnx.reference``.

    Parameters
    ----------
    model_or_graph : onnx.ModelProto or onnx.GraphProto
        The model; a bare graph runs at onnx's current default opset.
    feeds : mapping of str to array_like
        The graph's inputs by name.
    arithmetic : {"float", "exact"}
        As in :func:`run_node`.

    Returns
    -------
    list of numpy.ndarray
        The graph's outputs, in order.

    Raises
    ------
    refconv.adapters.Unsupported
        A node of :data:`OPS` that refconv cannot express.

    See Also
    --------
    run_node : one node, also without onnx.
    new_ops : the classes, for a ReferenceEvaluator of your own.

    Examples
    --------
    A ConvTranspose whose ``output_shape`` trims one cell at the start (the spec's rule):

    >>> x, w = np.array([[[1.0, 2, 3]]]), np.array([[[1.0, 10]]])
    >>> if available():
    ...     from onnx import TensorProto, helper
    ...     node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], output_shape=[3])
    ...     io = [helper.make_tensor_value_info(n, TensorProto.DOUBLE, None) for n in "xwy"]
    ...     y = evaluate(helper.make_graph([node], "g", io[:2], io[2:]), {"x": x, "w": w})[0]
    ... else:
    ...     y = run_node(("ConvTranspose", {"output_shape": [3]}), [x, w])[0]
    >>> y.tolist()
    [[[12.0, 23.0, 30.0]]]
    """
    arithmetic = check_choice("onnx.evaluate", "arithmetic", arithmetic, ARITHMETIC)
    from onnx import GraphProto, helper
    from onnx.reference import ReferenceEvaluator

    model = helper.make_model(model_or_graph) if isinstance(model_or_graph, GraphProto) else model_or_graph
    evaluator = ReferenceEvaluator(model, new_ops=new_ops(arithmetic))
    return list(evaluator.run(None, {name: np.asarray(value) for name, value in feeds.items()}))


__all__ = ["OPS", "ARITHMETIC", "available", "run_node", "evaluate", "new_ops"]
