"""Bad calls of refconv.layer_tables (check_layers, layers, heatmap)."""

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.conformance import Verdict
from refconv.layer_tables import TABLES, LayerResult, check_layers, heatmap, layers

_CONV = np.add  # any callable: refused before it runs
_UNANSWERED = LayerResult(TABLES["unet"][0], (1, 1024, 2, 2), Verdict(False, "raised"), 1, 1, np.inf, 0.0, 0.0)

ROWS = [
    # --- layers / check_layers' table
    bad(layers, "resnet") >> (ValueError, r"check_layers: table='resnet' is not recognised; expected one of \["),
    bad(layers, []) >> (ValueError, exactly("check_layers: table=[] is empty; expected at least one table or layer")),
    bad(layers, 3) >> (TypeError, r"check_layers: table=3 is not a table; expected"),
    bad(layers, ["unet", 3]) >> (TypeError, r"check_layers: table=3 is not a table's name or a Layer"),
    bad(check_layers, _CONV, "ResNet50") >> (ValueError, r"table='ResNet50' is not recognised"),
    # --- check_layers' options
    bad(check_layers, None, "unet") >> (TypeError, r"check_layers: impl=None is not callable"),
    bad(check_layers, {"conv": _CONV}, "unet")
    >> (ValueError, r"check_layers: impl=.* has no implementation of \['conv_transpose'\]"),
    bad(check_layers, {"conv_transpose": 3}, "unet") >> (TypeError, r"impl=\{'conv_transpose': 3\} is not callable"),
    bad(check_layers, _CONV, "unet", size="small") >> (ValueError, r"check_layers: size='small' is not recognised"),
    bad(check_layers, _CONV, "unet", size="Quick") >> (ValueError, r"size='Quick' is not recognised \(names are lower"),
    bad(check_layers, _CONV, "unet", dtype="int32") >> (ValueError, r"check_layers: dtype='int32' is not recognised"),
    bad(check_layers, _CONV, "unet", dtype=np.int8) >> (ValueError, r"check_layers: dtype='int8' is not recognised"),
    bad(check_layers, _CONV, "unet", dtype="quad") >> (ValueError, r"check_layers: dtype='quad' is not recognised"),
    bad(check_layers, _CONV, "unet", operands="uniform") >> (ValueError, r"operands='uniform' is not recognised"),
    bad(check_layers, _CONV, "unet", seed=-1) >> (TypeError, r"check_layers: seed=-1 is not a non-negative int"),
    bad(check_layers, _CONV, "unet", reduce="yes") >> (TypeError, r"check_layers: reduce='yes' is not a bool"),
    bad(check_layers, _CONV, "unet", progress=3) >> (TypeError, r"check_layers: progress=3 is not callable"),
    bad(check_layers, _CONV, "unet", max_shrinks=-1)
    >> (TypeError, exactly("check_layers: max_shrinks=-1 is not a non-negative int; expected an int >= 0")),
    bad(check_layers, _CONV, "unet", seed=1.5) >> (TypeError, r"check_layers: seed=1.5 is not a non-negative int"),
    # --- heatmap
    bad(heatmap, "unet.up1.up") >> (TypeError, r"heatmap: result='unet.up1.up' is not a LayerResult"),
    bad(heatmap, _UNANSWERED) >> (ValueError, r"heatmap: result='unet.up1.up' has no ratio map \(no answer came\)"),
]
