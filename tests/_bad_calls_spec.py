"""Bad calls of refconv.spec: output_shape and the spec builders.

Rows built with ``exactly(...)`` pin the whole message: the problem and the "expected" part too, so that
a message that loses its function name, its hint or its advice fails.  Each is written out from the
documented format ``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

from _bad_calls_row import bad, exactly

from refconv import output_shape
from refconv.spec import layer_spec, pool_spec, transpose_spec

ROWS = [
    bad(output_shape, (5,), (2,), mode="same", padding=1)
    >> (ValueError, r"output_shape: padding=1 was given together with mode='same'"),
    bad(output_shape, (5,), (2,), padding="same", stride=2)
    >> (ValueError, r"padding='same' is not supported with stride=\(2,\)"),
    bad(output_shape, (5, 5), (2,)) >> (ValueError, r"kernel_shape=\(2,\) has 1 axes but input_shape=\(5, 5\) has 2"),
    bad(output_shape, "55", (2,)) >> (TypeError, r"input_shape='55' is not a shape"),
    bad(output_shape, (5,), (2,), ceil_mode=1) >> (TypeError, r"ceil_mode=1 is not a bool"),
    bad(output_shape, (2,), (5,)) >> (ValueError, r"kernel_shape \(5,\) does not fit input_shape \(2,\)"),
    bad(output_shape, (5,), (2.0,)) >> (TypeError, r"kernel_shape=\(2.0,\) is not a shape"),
    bad(layer_spec, "conv", (0,), (3,))
    >> (ValueError, exactly("conv: x.shape[2:]=(0,) has a length 0 < 1; expected lengths >= 1")),
    bad(layer_spec, "conv", (4,), (0,))
    >> (ValueError, exactly("conv: w.shape[2:]=(0,) has a length 0 < 1; expected lengths >= 1")),
    # transpose_spec, through conv_transpose and directly
    bad(transpose_spec, "conv_transpose", (0,), (2,))
    >> (ValueError, exactly("conv_transpose: x.shape[2:]=(0,) has a length 0 < 1; expected lengths >= 1")),
    bad(transpose_spec, "conv_transpose", (3,), ("2",))
    >> (TypeError, exactly("conv_transpose: w.shape[2:]=('2',) is not a shape; expected a tuple of ints")),
    # output_shape
    bad(output_shape, (5,), (2,), ceil_mode=1)
    >> (TypeError, exactly("output_shape: ceil_mode=1 is not a bool; expected True or False")),
    bad(output_shape, (5,), (2,), mode="same", padding=1)
    >> (
        ValueError,
        exactly(
            "output_shape: padding=1 was given together with mode='same'; expected mode= (SciPy convention) or "
            "padding= (PyTorch convention), not both"
        ),
    ),
    bad(output_shape, (5,), (7,), padding=0)
    >> (
        ValueError,
        exactly(
            "output_shape: kernel_shape (7,) does not fit input_shape (5,) along axis 0: the window spans "
            "d*(k-1)+1 = 1*(7-1)+1 = 7 cells but the padded input has n+lo+hi = 5+0+0 = 5; expected a window no "
            "longer than the padded input "
            "(did you swap input_shape and kernel_shape?)"
        ),
    ),
    bad(output_shape, (5,), (7,), mode="valid")
    >> (
        ValueError,
        exactly(
            "output_shape: kernel_shape (7,) does not fit input_shape (5,) along axis 0: the window spans "
            "d*(k-1)+1 = 1*(7-1)+1 = 7 cells but the padded input has n+lo+hi = 5+0+0 = 5; expected a window no "
            "longer than the padded input "
            "(did you swap input_shape and kernel_shape?)"
        ),
    ),
    # pool_spec, through the pools and directly
    bad(pool_spec, "max_pool", (4,), (0,))
    >> (ValueError, exactly("max_pool: kernel_size=(0,) has a length 0 < 1; expected lengths >= 1")),
    bad(pool_spec, "max_pool", (0,), (2,))
    >> (ValueError, exactly("max_pool: x.shape[axes]=(0,) has a length 0 < 1; expected lengths >= 1")),
    bad(pool_spec, "max_pool", (4, 4), (2,))
    >> (
        ValueError,
        exactly(
            "max_pool: kernel_size=(2,) has 1 entries but 2 axes are pooled; expected one window length per pooled axis"
        ),
    ),
    bad(pool_spec, "max_pool", (4,), (2,), ceil_mode=0)
    >> (TypeError, exactly("max_pool: ceil_mode=0 is not a bool; expected True or False")),
]
