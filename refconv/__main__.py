"""``python -m refconv`` is the ``refconv`` command."""

import sys

from .cli import main

__all__: list[str] = []

sys.exit(main())
