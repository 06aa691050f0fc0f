"""The ONNX front end (refconv.adapters.onnx): ONNX's own backend node tests run through it, hand-derived
cases of each attribute, and properties on generated nodes.

The node tests need onnx >= 1.23 (built in memory by ``load_model_tests``) and skip without it; the
hand-derived cases use the ``(op_type, attributes)`` form and need no onnx.
"""

from __future__ import annotations

import collections
import functools
import importlib.util
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refconv
from refconv.adapters import Unsupported
from refconv.adapters.onnx import OPS, evaluate, run_node

HAVE_ONNX = importlib.util.find_spec("onnx") is not None

#: Node tests the front end cannot run yet, with the reason: strict xfails, so a fix shows up.
NOT_YET = {}


@functools.lru_cache(maxsize=1)
def node_tests() -> dict:
    """name -> (node, [(inputs, expected outputs)], rtol, atol) of every single-node test of OPS."""
    if not HAVE_ONNX:
        return {}
    from onnx.backend.test.loader import load_model_tests

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loader builds every node test; some cast with overflow
        cases = load_model_tests(kind="node")
    found = {}
    for case in cases:
        nodes = case.model.graph.node
        if len(nodes) == 1 and nodes[0].op_type in OPS:
            found[case.name] = (nodes[0], [(list(i), list(o)) for i, o in case.data_sets], case.rtol, case.atol)
    return found


def _inputs(node, given):
    """The data set's inputs in the node's order, None for an absent optional input."""
    present = iter(given)
    return [next(present) if name else None for name in node.input]


def run_case(name: str, arithmetic: str = "float") -> str:
    """'bit-exact', 'agree' or 'not expressible' (Unsupported); AssertionError on a disagreement."""
    node, data, rtol, atol = node_tests()[name]
    bit = True
    for given_inputs, expected in data:
        try:
            got = run_node(node, _inputs(node, given_inputs), arithmetic=arithmetic)
        except Unsupported:
            return "not expressible"
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, e.shape, g.dtype, e.dtype)
            if e.dtype.kind in "iub":
                np.testing.assert_array_equal(g, e)  # integers: exactly
            else:
                np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)  # ONNX's runner tolerance
            bit = bit and np.array_equal(g, e)
    return "bit-exact" if bit else "agree"


def _params():
    names = sorted(node_tests())
    return [
        pytest.param(n, marks=pytest.mark.xfail(raises=Unsupported, strict=True, reason=NOT_YET[n]))
        if n in NOT_YET
        else n
        for n in names
    ]


@pytest.mark.skipif(not HAVE_ONNX, reason="needs onnx >= 1.23 (pip install onnx)")
@pytest.mark.parametrize("name", _params())
def test_onnx_node_test_agrees(name):
    node, data, _, _ = node_tests()[name]
    if name in NOT_YET:
        run_node(node, _inputs(node, data[0][0]))  # raises Unsupported while refconv lacks the op
    assert run_case(name) in ("bit-exact", "agree")


@pytest.mark.skipif(not HAVE_ONNX, reason="needs onnx >= 1.23 (pip install onnx)")
def test_onnx_node_tests_table(capsys):
    table = collections.defaultdict(collections.Counter)
    for name, (node, *_rest) in sorted(node_tests().items()):
        table[node.op_type][run_case(name)] += 1
    columns = ("bit-exact", "agree", "not expressible")
    with capsys.disabled():
        print("\nONNX node tests through refconv.adapters.onnx (agree = within ONNX's rtol/atol, not bit-exact)")
        print(f"{'op':<18}" + "".join(f"{c:>17}" for c in columns))
        for op in sorted(table):
            print(f"{op:<18}" + "".join(f"{table[op][c]:>17}" for c in columns))
        print(f"{'total':<18}" + "".join(f"{sum(t[c] for t in table.values()):>17}" for c in columns))
    assert sum(t["not expressible"] for t in table.values()) == len(NOT_YET)
    assert set(table) >= set(OPS) - {"GlobalLpPool"}  # ONNX has no GlobalLpPool node test
    # Integer ops and max pooling are exact: every one bit-exact.
    for op in ("Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool", "GlobalMaxPool"):
        assert table[op]["agree"] == 0, (op, table[op])


# ---------------------------------------------------------------------------------------------
# Hand-derived cases (no onnx needed: the (op_type, attributes) form)
# ---------------------------------------------------------------------------------------------

x3, w3 = np.array([[[1, 2, 3]]]), np.array([[[1, 10, 100]]])


def test_conv_auto_pad_and_onnx_pads_order():
    # [x1_begin, x2_begin, x1_end, x2_end] = [1, 0, 0, 2]: axis 0 gets (1, 0), axis 1 gets (0, 2).
    x, w = np.array([[[[1, 2], [3, 4]]]]), np.array([[[[1]]]])
    y = run_node(("Conv", {"pads": [1, 0, 0, 2]}), [x, w])[0]
    assert y.tolist() == [[[[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]]]]
    # SAME with k=2 on [1, 2, 3]: UPPER pads (0, 1): [1+20, 2+30, 3+0]; LOWER (1, 0): [0+10, 1+20, 2+30].
    assert run_node(("Conv", {"auto_pad": "SAME_UPPER"}), [x3, w3[..., :2]])[0].tolist() == [[[21, 32, 3]]]
    assert run_node(("Conv", {"auto_pad": "SAME_LOWER"}), [x3, w3[..., :2]])[0].tolist() == [[[10, 21, 32]]]
    assert run_node(("Conv", {"auto_pad": "VALID", "pads": [5, 5]}), [x3, w3])[0].tolist() == [[[321]]]


def test_conv_transpose_output_shape_and_same():
    # Full output of [1,2,3] (k=3, s=2) with [1,10,100]: [1, 10, 102, 20, 203, 30, 300].
    same = {"strides": [2]}
    upper = run_node(("ConvTranspose", {**same, "auto_pad": "SAME_UPPER"}), [x3, w3])[0]
    lower = run_node(("ConvTranspose", {**same, "auto_pad": "SAME_LOWER"}), [x3, w3])[0]
    assert upper.tolist() == [[[1, 10, 102, 20, 203, 30]]]  # the odd cell trimmed at the end
    assert lower.tolist() == [[[10, 102, 20, 203, 30, 300]]]  # ... at the start
    # output_shape without auto_pad splits as SAME_LOWER: total 7-5 = 2 -> (1, 1).
    assert run_node(("ConvTranspose", {**same, "output_shape": [5]}), [x3, w3])[0].tolist() == [
        [[10, 102, 20, 203, 30]]
    ]
    # An output longer than the full one: zero cells at the end (output padding), N and C given too.
    longer = run_node(("ConvTranspose", {**same, "output_shape": [1, 1, 8]}), [x3, w3])[0]
    assert longer.tolist() == [[[1, 10, 102, 20, 203, 30, 300, 0]]]
    assert run_node(("ConvTranspose", {"group": 2}), [np.array([[[2], [5]]]), np.array([[[1, 10]], [[100, 1000]]])])[
        0
    ].tolist() == [[[2, 20], [500, 5000]]]


def test_max_pool_indices_storage_order():
    # One 2x3 plane per channel, kernel 2x2 stride 1; the second channel's indices are offset by 6.
    x = np.array([[[[1, 9, 2], [3, 4, 8]], [[7, 0, 0], [0, 0, 6]]]])
    y, rows = run_node(("MaxPool", {"kernel_shape": [2, 2]}), [x], outputs=2)
    _, cols = run_node(("MaxPool", {"kernel_shape": [2, 2], "storage_order": 1}), [x], outputs=2)
    assert y.tolist() == [[[[9, 9]], [[7, 6]]]]
    # 9 at (0,1): row-major 1, column-major 0*1 + 1*2 = 2; 6 at (1,2): 5 and 1 + 2*2 = 5; 7 at (0,0): 0.
    assert rows.tolist() == [[[[1, 1]], [[6, 11]]]]
    assert cols.tolist() == [[[[2, 2]], [[6, 11]]]]
    assert rows.dtype == np.int64


def test_average_and_lp_pools():
    x = np.array([[[2.0, 4.0, 9.0]]])
    # count_include_pad defaults to 0 in ONNX: the padded window [pad, 2] averages over 1 cell.
    assert run_node(("AveragePool", {"kernel_shape": [2], "pads": [1, 0]}), [x])[0].tolist() == [[[2.0, 3.0, 6.5]]]
    cip = {"kernel_shape": [2], "pads": [1, 0], "count_include_pad": 1}
    assert run_node(("AveragePool", cip), [x])[0].tolist() == [[[1.0, 3.0, 6.5]]]
    # LpPool is the p-norm of |x| (p=1 on signed input: |-3| + |4| = 7); GlobalLpPool: sqrt(9 + 16) = 5.
    assert run_node(("LpPool", {"kernel_shape": [2], "p": 1, "strides": [2]}), [np.array([[[-3.0, 4.0]]])])[
        0
    ].tolist() == [[[7.0]]]
    assert run_node(("GlobalLpPool", {}), [np.array([[[[3.0, 4.0]]]])])[0].tolist() == [[[[5.0]]]]
    assert run_node(("GlobalMaxPool", {}), [np.array([[[[3, 4]], [[7, 1]]]])])[0].tolist() == [[[[4]], [[7]]]]


def test_exact_arithmetic_rounds_once():
    # 1 + 2**-24 + 2**-24 = 1 + 2**-23 exactly (a float32); summed left to right in float32 it is 1.
    x = np.array([[[1.0, 2.0**-24, 2.0**-24]]], dtype=np.float32)
    w = np.ones((1, 1, 3), np.float32)
    y = run_node(("Conv", {}), [x, w], arithmetic="exact")[0]
    assert y.dtype == np.float32 and float(y[0, 0, 0]) == 1 + 2.0**-23


def test_conv_integer_is_exact_int32():
    x, w = np.array([[[200, 100]]], np.uint8), np.array([[[3, 2]]], np.uint8)
    y = run_node(("ConvInteger", {}), [x, w, np.uint8(100), np.uint8(1)])[0]
    assert y.dtype == np.int32 and y.tolist() == [[[(200 - 100) * 2 + (100 - 100) * 1]]]


# ---------------------------------------------------------------------------------------------
# Properties on generated nodes
# ---------------------------------------------------------------------------------------------


@st.composite
def pool_nodes(draw):
    """A MaxPool node (attributes) and an int input of 1 or 2 spatial axes whose windows all fit."""
    ndim = draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(ndim)]
    spatial = [draw(st.integers(k, 6)) for k in kernel]
    attributes = {"kernel_shape": kernel, "strides": [draw(st.integers(1, 3)) for _ in range(ndim)]}
    attributes["pads"] = [draw(st.integers(0, k // 2)) for k in kernel * 2]
    attributes["storage_order"] = draw(st.integers(0, 1))
    shape = [draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial]
    x = draw(st.lists(st.integers(-50, 50), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    return attributes, np.array(x, dtype=np.int64).reshape(shape)


@given(pool_nodes())
def test_max_pool_indices_point_at_the_maxima(case):
    attributes, x = case
    y, indices = run_node(("MaxPool", attributes), [x], outputs=2)
    spatial = x.shape[2:]
    # Undo the storage order within each plane, then read the whole tensor at the flat index.
    plane, within = np.divmod(indices, int(np.prod(spatial)))
    order = "F" if attributes["storage_order"] else "C"
    row_major = np.ravel_multi_index(np.unravel_index(within, spatial, order=order), spatial)
    np.testing.assert_array_equal(x.reshape(-1)[plane * int(np.prod(spatial)) + row_major], y)
    assert (plane == np.arange(x.shape[0] * x.shape[1]).reshape(x.shape[:2] + (1,) * len(spatial))).all()


@st.composite
def conv_nodes(draw):
    """A Conv node's attributes (explicit pads or an auto_pad) and integer-valued float64 operands."""
    ndim = draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(ndim)]
    dilation = [draw(st.integers(1, 2)) for _ in range(ndim)]
    spatial = [draw(st.integers(d * (k - 1) + 1, 7)) for k, d in zip(kernel, dilation)]
    attributes = {"strides": [draw(st.integers(1, 3)) for _ in range(ndim)], "dilations": dilation}
    auto_pad = draw(st.sampled_from(["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]))
    if auto_pad == "NOTSET":
        attributes["pads"] = [draw(st.integers(0, 2)) for _ in range(2 * ndim)]
    else:
        attributes["auto_pad"] = auto_pad
    c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ints = st.integers(-9, 9)
    x = np.array(draw(st.lists(ints, min_size=c_in * int(np.prod(spatial)), max_size=c_in * int(np.prod(spatial)))))
    w = np.array(
        draw(st.lists(ints, min_size=c_out * c_in * int(np.prod(kernel)), max_size=c_out * c_in * int(np.prod(kernel))))
    )
    return attributes, x.reshape([1, c_in, *spatial]).astype(float), w.reshape([c_out, c_in, *kernel]).astype(float)


@given(conv_nodes())
def test_conv_agrees_with_onnx_reference_exactly(case):
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    attributes, x, w = case
    node = helper.make_node("Conv", ["x", "w"], ["y"], **attributes)
    io = [helper.make_tensor_value_info(n, TensorProto.DOUBLE, None) for n in "xwy"]
    model = helper.make_model(
        helper.make_graph([node], "g", io[:2], io[2:]), opset_imports=[helper.make_opsetid("", 22)]
    )
    ours = evaluate(model, {"x": x, "w": w})[0]
    theirs = ReferenceEvaluator(model).run(None, {"x": x, "w": w})[0]
    # Integer-valued float64 sums are exact in both: equal bit for bit, and equal to run_node's.
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, run_node(node, [x, w])[0])
    assert ours.dtype == np.float64 == refconv.conv(x, w).dtype
