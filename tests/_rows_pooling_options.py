"""Bad calls of the pooling options of issue 23 (dilation, lp padding, pad_rule, torch's forms).

In the row format of ``_bad_calls_row``; kept out of the ``_bad_calls_*`` glob because the table of
``refconv.pooling`` is ``_bad_calls_pooling.py`` (one table per module), which another engineer
owns: these rows belong there, and run from ``test_pooling_options.py`` until they move.
"""

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.pooling import avg_pool, lp_pool, lp_pool_torch, max_pool, weighted_pool

x1 = [1, 2, 3, 4]

ROWS = [
    # pad_rule
    bad(avg_pool, x1, 2, pad_rule="ONNX")
    >> (ValueError, exactly("avg_pool: pad_rule='ONNX' is not a pad rule; expected one of ('torch', 'onnx')")),
    bad(max_pool, x1, 2, pad_rule=None)
    >> (TypeError, exactly("max_pool: pad_rule=None is not a string; expected one of ('torch', 'onnx')")),
    bad(lp_pool, x1, 2, 2, pad_rule=1) >> (TypeError, r"^lp_pool: pad_rule=1 is not a string"),
    # the ONNX rule: any pads while every window holds an input cell
    bad(avg_pool, [1, 9], 2, stride=1, padding=2, pad_rule="onnx")
    >> (
        ValueError,
        exactly(
            "avg_pool: padding=2 leaves output 0 on axis 0 without an input cell: its taps o*s+t*d-lo = "
            "0*1+t*1-2 (t < 2) miss the input [0, 2); expected pads with which every window holds an input "
            'cell (pad_rule="onnx")'
        ),
    ),
    bad(max_pool, [1, 9], 2, stride=1, padding=(0, 2), pad_rule="onnx")
    >> (ValueError, r"^max_pool: padding=\(0, 2\) leaves output 2 on axis 0 without an input cell"),
    bad(lp_pool, np.ones((1, 2)), 2, (1, 2), stride=1, padding=((0, 0), (4, 4)), dilation=(1, 5), pad_rule="onnx")
    >> (ValueError, r"^lp_pool: padding=.* leaves output 1 on axis 1 without an input cell"),
    bad(weighted_pool, x1, 3, [1, 1, 1], stride=1, padding=(3, 0), pad_rule="onnx")
    >> (ValueError, r"^weighted_pool: padding=\(3, 0\) leaves output 0 on axis 0"),
    # the torch rule stays the default, for the new options too
    bad(lp_pool, x1, 2, 2, padding=2)
    >> (ValueError, r"^lp_pool: padding=2 is more than half the window on axis 0.*as torch requires"),
    bad(lp_pool_torch, np.ones(4), 2, 3, padding=(2, 0))
    >> (ValueError, r"^avg_pool: padding=\(2, 0\) is more than half the window"),
    # dilation for avg/lp/weighted, validated by the one normaliser
    bad(avg_pool, x1, 2, dilation=(1, 2)) >> (ValueError, r"^avg_pool: dilation=\(1, 2\) has 2 entries but there"),
    bad(lp_pool, x1, 2, 2, dilation=1.5) >> (TypeError, r"^lp_pool: dilation=1.5 is not an integer"),
    bad(weighted_pool, x1, 2, [1, 1], dilation=0) >> (ValueError, r"^weighted_pool: dilation=0 has an entry 0 < 1"),
    bad(avg_pool, x1, 2, dilation=4) >> (ValueError, r"^avg_pool: kernel_size=\(2,\) does not fit.*4\*\(2-1\)\+1 = 5"),
    # an exact mean of no cells (dilation over padding only)
    bad(avg_pool, [4], 2, stride=1, padding=1, dilation=2, count_include_pad=False)
    >> (ValueError, r"^avg_pool: dilation=2 with padding=1 leaves window \(0,\) holding padding only, a mean of no"),
    # lp padding: the pad forms of every pool
    bad(lp_pool, x1, 2, 2, padding="same") >> (TypeError, r"^lp_pool: padding='same' is a string"),
    bad(lp_pool, x1, 2, 2, padding=-1) >> (ValueError, r"^lp_pool: padding=-1 has a negative pad"),
    # torch's one-entry and empty forms are taken; other lengths are not
    bad(avg_pool, np.ones((3, 3)), (2, 2), padding=(1, 1, 1))
    >> (ValueError, r"^avg_pool: padding=\(1, 1, 1\) has 3 entries but there are 2 axes"),
    bad(avg_pool, np.ones((3, 3)), (2, 2), stride=(1, 1, 1))
    >> (ValueError, r"^avg_pool: stride=\(1, 1, 1\) has 3 entries but there are 2 axes"),
    bad(max_pool, np.ones((3, 3)), (2, 2), stride=(0,)) >> (ValueError, r"^max_pool: stride=0 has an entry 0 < 1"),
]
