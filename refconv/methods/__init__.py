"""Methods: interchangeable algorithms ``(x, w, spec) -> y`` over the same channel-form operands.

Each method consumes the same :class:`~refconv.spec.ConvSpec`; on exact inputs every method
gives the identical result.  ``"auto"`` currently always picks ``"direct"``.
"""

from __future__ import annotations

from collections.abc import Callable

from .._validation import check_choice
from .direct import correlate_direct

#: name -> function(x, w, spec) on channel-form operands.
METHODS: dict[str, Callable] = {"direct": correlate_direct}


def get_method(func: str, method: str, kind: str) -> Callable:
    """The implementation for ``method`` ("auto" resolved by operand kind)."""
    check_choice(func, "method", method, ("auto", *METHODS))
    if method == "auto":
        return METHODS["direct"]
    return METHODS[method]
