"""Bad calls of refconv.receptive (receptive_field)."""

from _bad_calls_row import bad

from refconv.receptive import receptive_field

ROWS = [
    # --- receptive_field
    bad(receptive_field, []) >> (ValueError, r"receptive_field: layers=\[\] is empty"),
    bad(receptive_field, "abc") >> (TypeError, r"layers='abc' is not a sequence of layers"),
    bad(receptive_field, [3, (3, 0)]) >> (ValueError, r"receptive_field: layers\[1\].stride=0 has an entry 0 < 1"),
    bad(receptive_field, [(3, 1, 1, 1, 7)]) >> (TypeError, r"layers\[0\]=\(3, 1, 1, 1, 7\) is not a layer"),
]
