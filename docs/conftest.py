"""pytest over docs/: the pages' ``>>>`` blocks run as doctests (``--doctest-glob='*.rst'``).

conf.py and the Sphinx extension are not test modules, and the pages Sphinx generates (API stubs,
the build) repeat the docstrings that ``--doctest-modules`` already runs from ``refconv/``.
"""

import importlib.util

import pytest

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_ext/*", "_build/*", "_generated/*", "api/*"]

#: pages whose examples call torch (the ``peers`` extra); without it they skip as a whole.
TORCH_PAGES = {"findings.rst", "implementer.rst"}


@pytest.fixture(autouse=True)
def _needs_torch(request):
    if request.node.path.name in TORCH_PAGES and importlib.util.find_spec("torch") is None:
        pytest.skip("this page's examples need torch (pip install -e '.[peers]')")
