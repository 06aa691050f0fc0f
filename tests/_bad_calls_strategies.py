"""Bad calls of refconv.strategies: hypothesis.errors.InvalidArgument naming the argument, raised when the
strategy is built."""

from _bad_calls_row import bad
from hypothesis.errors import InvalidArgument

from refconv import strategies as rst

ROWS = [
    # --- strategies: hypothesis.errors.InvalidArgument naming the argument, when the strategy is built
    bad(rst.plain_specs, max_side=0) >> (InvalidArgument, r"plain_specs: max_side=0 is < 1"),
    bad(rst.plain_specs, max_kernel=2.5) >> (InvalidArgument, r"max_kernel=2.5 is not an integer"),
    bad(rst.plain_specs, min_dims=3, max_dims=2)
    >> (InvalidArgument, r"min_dims=3 is larger than max_dims=2; expected min_dims <= max_dims"),
    bad(rst.plain_specs, modes=("same_upper",))
    >> (InvalidArgument, r"modes=\('same_upper',\) holds 'same_upper', which is not recognised"),
    bad(rst.plain_specs, modes="valid") >> (InvalidArgument, r"modes='valid' is not a sequence"),
    bad(rst.plain_specs, modes=()) >> (InvalidArgument, r"modes=\(\) is empty"),
    bad(rst.plain_specs, boundaries=("zeros",)) >> (InvalidArgument, r"boundaries=\('zeros',\) holds 'zeros'"),
    bad(rst.plain_specs, max_pad=-1) >> (InvalidArgument, r"max_pad=-1 is < 0"),
    bad(rst.layer_specs, max_groups=5, max_channels=4)
    >> (InvalidArgument, r"layer_specs: max_groups=5 exceeds max_channels=4"),
    bad(rst.layer_specs, padding_modes=("constant",))
    >> (InvalidArgument, r"padding_modes=\('constant',\) holds 'constant'"),
    bad(rst.layer_specs, paddings=("full",)) >> (InvalidArgument, r"paddings=\('full',\)"),
    bad(rst.pooling_specs, op="min") >> (InvalidArgument, r"pooling_specs: op='min' is not recognised"),
    bad(rst.arrays, (2,), kind="complex") >> (InvalidArgument, r"arrays: kind='complex'"),
    bad(rst.arrays, (2,), kind="int", dtype="float32") >> (InvalidArgument, r"dtype='float32' is not an integer dtype"),
    bad(rst.arrays, (2,), kind="float", dtype="int8") >> (InvalidArgument, r"dtype='int8' is not a float dtype"),
    bad(rst.arrays, (2,), kind="fraction", dtype="int8")
    >> (InvalidArgument, r"dtype='int8' was given with kind='fraction'"),
    bad(rst.arrays, (-1,)) >> (InvalidArgument, r"arrays: shape=\(-1,\) is not a shape"),
    bad(rst.arrays, (2,), prefix="1x") >> (InvalidArgument, r"prefix='1x' is not an identifier"),
    bad(rst.arrays, (2,), max_value=-1) >> (InvalidArgument, r"max_value=-1 is < 0"),
    bad(rst.arrays, (2,), integer_valued="yes") >> (InvalidArgument, r"integer_valued='yes' is not a bool"),
    bad(rst.plain_problems, kind="symbolic", integer_valued=True)
    >> (InvalidArgument, r"plain_problems: integer_valued=True was given with kind='symbolic'"),
    bad(rst.plain_problems, max_sides=3)
    >> (InvalidArgument, r"plain_problems: max_sides=3 is not a keyword; expected keywords of plain_specs"),
    bad(rst.layer_problems, bias="yes") >> (InvalidArgument, r"layer_problems: bias='yes'"),
    bad(rst.pooling_problems, kind="symbolic") >> (InvalidArgument, r"pooling_problems: kind='symbolic' has no order"),
]
