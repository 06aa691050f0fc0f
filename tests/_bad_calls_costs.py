"""Bad calls of refconv.costs (conv_cost)."""

from _bad_calls_row import bad

from refconv.costs import conv_cost

ROWS = [
    # conv_cost and the matrix methods
    bad(conv_cost, (5,), (6,)) >> (ValueError, r"conv_cost: kernel_shape \(6,\) does not fit input_shape \(5,\)"),
    bad(conv_cost, (5,), (2, 2))
    >> (ValueError, r"conv_cost: kernel_shape=\(2, 2\) has 2 axes but input_shape=\(5,\) has 1"),
    bad(conv_cost, "5", (2,)) >> (TypeError, r"conv_cost: input_shape='5' is not a shape"),
    bad(conv_cost, (5,), (2,), boundary="zeros") >> (ValueError, r"conv_cost: boundary='zeros'"),
    bad(conv_cost, (10**9,), (10**3,))
    >> (
        ValueError,
        r"^conv_cost: input_shape=\(1000000000,\) needs an index table on axis 0 of shape \(999999001, 1000\)",
    ),
]
