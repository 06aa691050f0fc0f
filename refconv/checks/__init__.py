"""The claims ``refconv verify`` checks, collected from the modules of this package.

Each module defines ``CHECKS``, a list of :class:`Check`.  A check's ``run`` returns a one-line
detail on success and raises ``AssertionError`` (or any exception) on failure.  New topics add a
module here; nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Check", "discover"]


@dataclass(frozen=True)
class Check:
    """One verifiable claim."""

    name: str
    claim: str
    seed: str
    method: str
    run: Callable[[], str]
    quote: str = ""


def discover() -> list[Check]:
    """Every check of every module in this package, in module order."""
    found: list[Check] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "CHECKS", ()))
    return found
