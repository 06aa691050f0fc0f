"""Sphinx configuration of refconv's site (``sphinx-build -W docs docs/_build/html``), built offline.

Offline: MathJax is served from the site itself (the ``sphinx-mathjax-offline`` extension copies
MathJax 3 into ``_static/mathjax`` and points ``mathjax_path`` there), the theme bundles its own
fonts and scripts, and there is no intersphinx (nothing is fetched at build time).

numpydoc validation runs on exactly the objects and checks that ``tools/check_docstrings.py``
validates (its ``CHECKS`` and ``PUBLIC_MODULES`` are imported, not copied), so the build with
``-W`` and the script fail on the same docstrings.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT / "tools"), str(DOCS / "_ext")]

from check_docstrings import CHECKS, PUBLIC_MODULES, public_objects  # noqa: E402
from refconv_docs import dashboard_dir, write_api_pages  # noqa: E402

import refconv  # noqa: E402

project = "refconv"
author = "the refconv authors"
copyright = "the refconv authors, BSD-3-Clause"  # noqa: A001 (Sphinx's name)
release = version = refconv.__version__ if hasattr(refconv, "__version__") else "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "numpydoc",
    "refconv_docs",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store", "**/.pytest_cache"]
root_doc = "index"

# --- API reference: one page per public object (autosummary), one per public module ------------
DOCUMENTED = write_api_pages(DOCS, PUBLIC_MODULES, public_objects)
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types; signatures stay short
autodoc_default_options = {"member-order": "bysource"}
add_module_names = True

# --- numpydoc: the same checks as tools/check_docstrings.py, on the same objects ---------------
numpydoc_show_class_members = False  # methods are documented on the class page by autodoc
numpydoc_validation_checks = set(CHECKS)
# Validate exactly the public objects (by their documented path); exclude everything else that
# autodoc documents on their pages (methods, NamedTuple fields, dataclass attributes).
numpydoc_validation_exclude = {r"^(?!(?:" + "|".join(re.escape(p) for p in DOCUMENTED) + r")$)"}

# --- HTML: pydata-sphinx-theme, no external assets ----------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "refconv"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": []}
html_show_sourcelink = False

if dashboard_dir() is not None:
    tags.add("dashboard")  # noqa: F821 (Sphinx injects `tags` into conf.py's namespace)


def _skip_tuple_fields(app, what, name, obj, skip, options):
    # NamedTuple fields are documented in their class's Parameters section; autodoc would add
    # one "Alias for field number N" entry per field.
    if type(obj).__name__ == "_tuplegetter":
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_tuple_fields)
