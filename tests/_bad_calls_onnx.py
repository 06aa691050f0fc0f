"""Bad calls of the ONNX front end (refconv.adapters.onnx): attributes and inputs ONNX's schema does not
allow (ValueError/TypeError), and what ONNX allows but refconv cannot express yet (Unsupported).

Every call uses the ``(op_type, attributes)`` form, so none needs onnx installed.  The rows' functions
live in ``refconv.adapters``, whose table is ``_bad_calls_adapters.py``: it adds :data:`ADAPTER_ROWS`;
this module's own table (:data:`ROWS`) is empty so that no row is counted twice.
"""

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.adapters import Unsupported
from refconv.adapters.onnx import evaluate, new_ops, run_node

X = np.arange(4.0).reshape(1, 1, 4)
W = np.ones((1, 1, 2))
U8 = np.full((1, 1, 33100), 255, np.uint8)

ADAPTER_ROWS = [
    bad(run_node, ("Conv", {"padding": [1, 1]}), [X, W])
    >> (ValueError, r"onnx.Conv: padding=\[1, 1\] is not an attribute of Conv; expected one of auto_pad, dilations"),
    bad(run_node, ("Conv", {"auto_pad": "SAME"}), [X, W]) >> (ValueError, r"onnx.Conv: auto_pad='SAME' .*SAME_UPPER"),
    bad(run_node, ("Conv", {"pads": [1, 1, 1]}), [X, W])
    >> (ValueError, exactly("onnx.Conv: pads=[1, 1, 1] does not have 2 entries per spatial axis (2); expected 2 ints")),
    bad(run_node, ("Conv", {"pads": [-1, 0]}), [X, W])
    >> (ValueError, r"onnx.Conv: pads=\[-1, 0\] has an entry -1 < 0"),
    bad(run_node, ("Conv", {"strides": [0]}), [X, W]) >> (ValueError, r"onnx.Conv: strides=\[0\] has an entry 0 < 1"),
    bad(run_node, ("Conv", {"kernel_shape": [3]}), [X, W])
    >> (ValueError, exactly("onnx.Conv: kernel_shape=[3] is not W's [2]; expected W.shape[2:]")),
    bad(run_node, ("Conv", {}), [X])
    >> (ValueError, r"onnx.Conv: inputs='1 inputs' is not what the op takes; expected 2 to 3"),
    bad(run_node, ("Conv", {}), [None, W]) >> (TypeError, r"onnx.Conv: X=None is missing; expected an array"),
    bad(run_node, ("Conv", {}), [X[0], W[0]])
    >> (ValueError, r"onnx.Conv: X.shape=\(1, 4\) is not \(N, C, \*spatial\)"),
    bad(run_node, ("Conv", {}), [X, W], arithmetic="rational") >> (ValueError, r"onnx.Conv: arithmetic='rational'"),
    bad(run_node, ("Conv", {}), [X * np.nan, W], arithmetic="exact")
    >> (ValueError, r"onnx.Conv: X=<ndarray shape=\(1, 1, 4\) dtype=float64> holds NaN or inf"),
    bad(run_node, "Conv", [X, W]) >> (TypeError, r"onnx.run_node: node='Conv' is not an ONNX node"),
    bad(run_node, ("Relu", {}), [X])
    >> (
        Unsupported,
        exactly(
            "onnx.run_node: op_type 'Relu' (refconv evaluates Conv, ConvTranspose, ConvInteger, "
            "QLinearConv, MaxPool, AveragePool, LpPool, GlobalMaxPool, GlobalAveragePool, GlobalLpPool, "
            "DeformConv, MaxUnpool) cannot be expressed with refconv"
        ),
    ),
    bad(run_node, ("MaxPool", {}), [X])
    >> (ValueError, r"onnx.MaxPool: kernel_shape=None is missing \(it is required\)"),
    bad(run_node, ("MaxPool", {"kernel_shape": [2], "storage_order": 2}), [X])
    >> (ValueError, r"onnx.MaxPool: storage_order=2 is not 0 or 1"),
    bad(run_node, ("MaxPool", {"kernel_shape": [2]}), [X], outputs=3)
    >> (ValueError, r"onnx.MaxPool: outputs=3 is more than the op has"),
    bad(run_node, ("AveragePool", {"kernel_shape": [2], "ceil_mode": 2}), [X])
    >> (ValueError, r"onnx.AveragePool: ceil_mode=2 is not 0 or 1"),
    bad(run_node, ("AveragePool", {"kernel_shape": [2], "count_include_pad": -1}), [X])
    >> (ValueError, r"onnx.AveragePool: count_include_pad=-1 is not 0 or 1"),
    bad(run_node, ("LpPool", {"kernel_shape": [2], "p": 0}), [X])
    >> (ValueError, r"onnx.LpPool: p=0 is not an integer >= 1; expected ONNX's integer p >= 1"),
    bad(run_node, ("MaxUnpool", {"kernel_shape": [2]}), [X, np.array([[[0, 1, 2, 7]]])])  # 5 cells a plane
    >> (Unsupported, r"onnx.MaxUnpool: indices that leave their own \(n, c\) plane cannot be expressed with refconv"),
    bad(run_node, ("MaxUnpool", {"kernel_shape": [2]}), [X, np.array([[[0, 1, 2, 3]]]), np.array([1, 1, 3])])
    >> (ValueError, r"onnx.MaxUnpool: output_shape=\[3\] is smaller than the inferred \[5\]"),
    bad(run_node, ("ConvTranspose", {"output_shape": [9], "auto_pad": "SAME_UPPER"}), [X, W])
    >> (Unsupported, r"onnx.ConvTranspose: output_shape=\[9\] \(zero cells before the full output, pad -2\)"),
    bad(run_node, ("ConvInteger", {}), [U8, U8])  # 255 * 255 * 33100 > 2**31 - 1: refused, not wrapped
    >> (ValueError, r"conv_integer.*int32"),
    bad(run_node, ("DeformConv", {}), [X, W, X])  # offset needs (N, 1*2*1, 3): one per tap of each output
    >> (ValueError, r"deform_conv: offset.shape=\(1, 1, 4\) does not match"),
    bad(new_ops, "double") >> (ValueError, r"new_ops: arithmetic='double'"),
    bad(evaluate, None, {}, arithmetic="double") >> (ValueError, r"onnx.evaluate: arithmetic='double'"),
]

ROWS: list = []
