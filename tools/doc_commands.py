"""Print the shell block of a docs page that contains a marker, so CI runs it exactly as pasted.

    python tools/doc_commands.py docs/guides/researcher.rst "refconv figures" | bash -e

The block is the first ``.. code-block:: bash`` (or ``console``/``shell``) whose body contains the
marker; comments after ``#`` stay (bash ignores them).  Exit status 1 if there is none, so a page
that loses its commands fails CI instead of running nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def shell_block(text: str, marker: str) -> str | None:
    """The body of the first shell code block of reStructuredText ``text`` that contains ``marker``."""
    pattern = re.compile(r"^\.\. code-block:: (?:bash|console|shell)\n\n((?:(?:   .*)?\n)+)", re.M)
    for match in pattern.finditer(text):
        body = "\n".join(line[3:] for line in match[1].splitlines()).strip()
        if marker in body:
            return body + "\n"
    return None


def main(argv: list[str]) -> int:
    path, marker = argv
    block = shell_block(Path(path).read_text(), marker)
    if block is None:
        print(f"{path}: no shell block contains {marker!r}", file=sys.stderr)
        return 1
    sys.stdout.write(block)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
