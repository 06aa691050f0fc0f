"""Bad calls of refconv._taps, the index arithmetic under every method: its own refusal of a boundary
that the public functions would have refused first (the last guard, so that a new caller cannot index
past it silently)."""

import numpy as np
from _bad_calls_row import bad, exactly

from refconv._taps import boundary_index

ROWS = [
    bad(boundary_index, np.arange(3), 3, "mirror")
    >> (ValueError, exactly("boundary_index: boundary='mirror' is not recognised")),
]
