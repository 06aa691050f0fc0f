"""The built documentation site: offline assets, an API page per public object, and a browser check.

These tests read a site already built (``.ci/run`` builds it with ``sphinx-build -W docs
docs/_build/html``; ``$REFCONV_DOCS_HTML`` names another build) and skip cleanly when there is
none.  The browser check loads pages in headless Chromium (``apt-get install chromium``; skipped
where absent) with a virtual-time budget, so MathJax runs before the DOM is dumped, and asserts
the page's title, a rendered formula (MathJax 3's ``<mjx-container>``) and that every
stylesheet and script it references is a file of the site.  Screenshots go into the build
output (``_screenshots/``).  Negative controls run the same check on copies of a page with its
title, its MathJax script or its stylesheet taken away, and require it to fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("REFCONV_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
FRONT = "index.html"
API_PAGE = "api/generated/refconv.conv.html"
THEME_CSS = "pydata-sphinx-theme.css"

needs_site = pytest.mark.skipif(not (SITE / FRONT).is_file(), reason=f"no built site at {SITE} (sphinx-build docs)")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


needs_chromium = pytest.mark.skipif(_chromium() is None, reason="no chromium (apt-get install chromium)")


class _Assets(HTMLParser):
    """The ``<title>`` text and every stylesheet ``href`` and script ``src`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.title, self.stylesheets, self.scripts, self._in_title = "", [], [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.stylesheets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False if tag == "title" else self._in_title

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _assets(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def missing_assets(page: Path, html: str | None = None) -> list[str]:
    """Stylesheets and scripts ``page`` references that are remote or not a file of the site."""
    found = _assets(page.read_text() if html is None else html)
    problems = []
    for url in found.stylesheets + found.scripts:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:  # http(s)://, //cdn..., data: — nothing may load from outside
            problems.append(f"{url}: not a local file")
        elif not (page.parent / unquote(parts.path)).is_file():
            problems.append(f"{url}: missing")
    if not any(THEME_CSS in s for s in found.stylesheets):
        problems.append(f"no {THEME_CSS} stylesheet")
    return problems


def browser_problems(page: Path, title: str, formula: bool, screenshot: Path | None = None) -> list[str]:
    """Load ``page`` in headless Chromium; what is wrong with its title, formula and assets."""
    chromium = _chromium()
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
    # Virtual time runs the page's scripts (MathJax typesets asynchronously) before the dump.
    timing = ["--virtual-time-budget=20000", "--window-size=1280,1600"]
    dom = subprocess.run(
        [*base, *timing, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*base, *timing, f"--screenshot={screenshot}", page.as_uri()], capture_output=True, timeout=120, check=True
        )
    problems = []
    rendered = _assets(dom)
    if title not in rendered.title:
        problems.append(f"title {rendered.title!r} lacks {title!r}")
    if formula and "<mjx-container" not in dom:
        problems.append("no rendered formula (<mjx-container>)")
    return problems + missing_assets(page, dom)


def _has_math(page: Path) -> bool:
    # Sphinx marks every formula for MathJax with the class "math" (inline \(...\), display \[...\]).
    return re.search(r'class="math[ "]', page.read_text()) is not None


@needs_site
def test_no_remote_script_or_stylesheet_anywhere():
    pages = sorted(SITE.rglob("*.html"))
    # _static/ holds the theme's template fragments, not pages; asv/ is the dashboard (tools/asv_vendor.py
    # checks its assets) and links no theme stylesheet.
    pages = [p for p in pages if p.relative_to(SITE).parts[0] not in ("_static", "asv")]
    assert len(pages) > 50
    bad = {str(p.relative_to(SITE)): m for p in pages if (m := missing_assets(p))}
    assert not bad, bad
    # MathJax itself is served from the site.
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").is_file()


@needs_site
def test_every_public_object_and_module_has_a_page():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from check_docstrings import PUBLIC_MODULES, public_objects
    finally:
        sys.path.remove(str(ROOT / "tools"))
    import refconv

    missing = [p for p in public_objects() if not (SITE / "api" / "generated" / f"{p}.html").is_file()]
    missing += [m for m in PUBLIC_MODULES if not (SITE / "api" / "modules" / f"{m}.html").is_file()]
    assert not missing, missing
    # every name of refconv.__all__ that is a function or class is documented under refconv.<name>
    callables = [n for n in refconv.__all__ if callable(getattr(refconv, n))]
    assert all((SITE / "api" / "generated" / f"refconv.{n}.html").is_file() for n in callables)


@needs_site
def test_gallery_shows_every_figure():
    from refconv.figures import FIGURES

    html = (SITE / "gallery.html").read_text()
    for spec in FIGURES:
        assert f"{spec.name}.png" in html, spec.name
        assert (SITE / "_images" / f"{spec.name}.png").is_file(), spec.name


@needs_site
@needs_chromium
@pytest.mark.parametrize(("path", "title"), [(FRONT, "refconv"), (API_PAGE, "refconv.conv")])
def test_page_renders_in_a_browser(path, title):
    page = SITE / path
    assert _has_math(page)  # the front page has eq. 9.6, refconv.conv's docstring its layer formula
    shot = SITE / "_screenshots" / (Path(path).stem + ".png")
    assert browser_problems(page, title, True, screenshot=shot) == []
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one


@pytest.fixture(scope="module")
def site_copy(tmp_path_factory):
    if not (SITE / FRONT).is_file():
        pytest.skip(f"no built site at {SITE}")
    copy = tmp_path_factory.mktemp("site") / "html"
    shutil.copytree(SITE, copy, ignore=shutil.ignore_patterns("_images", "_sources", "_screenshots", "asv"))
    return copy


def _variant(site: Path, name: str, edit) -> Path:
    page = site / name
    page.write_text(edit((site / FRONT).read_text()))
    return page


@needs_chromium
def test_browser_check_fails_without_title_formula_or_stylesheet(site_copy):
    assert browser_problems(site_copy / FRONT, "refconv", True) == []  # the unmodified copy passes
    untitled = _variant(
        site_copy, "untitled.html", lambda h: re.sub(r"<title>.*?</title>", "<title></title>", h, flags=re.S)
    )
    assert any("title" in p for p in browser_problems(untitled, "refconv", True))
    no_mathjax = _variant(site_copy, "nomath.html", lambda h: re.sub(r"<script[^>]*mathjax[^>]*></script>", "", h))
    assert browser_problems(no_mathjax, "refconv", True) == ["no rendered formula (<mjx-container>)"]
    unstyled = _variant(
        site_copy, "unstyled.html", lambda h: re.sub(r"<link[^>]*pydata-sphinx-theme\.css[^>]*>", "", h)
    )
    assert browser_problems(unstyled, "refconv", True) == [f"no {THEME_CSS} stylesheet"]
    # The stylesheet still referenced but gone from the site.
    (site_copy / "_static" / "styles" / THEME_CSS).unlink()
    assert any(p.endswith(": missing") and THEME_CSS in p for p in browser_problems(site_copy / FRONT, "refconv", True))


def test_missing_assets_flags_remote_urls(tmp_path):
    (tmp_path / "local.css").write_text("")
    page = tmp_path / "p.html"
    page.write_text(
        f'<link rel="stylesheet" href="local.css"><link rel="stylesheet" href="x/{THEME_CSS}">'
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'
        '<script src="//cdn/x.js"></script>'
    )
    assert missing_assets(page) == [
        f"x/{THEME_CSS}: missing",
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js: not a local file",
        "//cdn/x.js: not a local file",
    ]


def _python_blocks() -> list[tuple[str, str]]:
    """Every block labelled Python in README.md and in the site's pages, with where it is."""
    blocks = [("README.md", b) for b in re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)]
    for page in sorted((ROOT / "docs").rglob("*.rst")):
        if {"_build", "generated", "modules"} & set(page.relative_to(ROOT / "docs").parts):
            continue
        # a code-block / code directive labelled python, and its indented body
        for body in re.findall(
            r"^\.\. code(?:-block)?:: (?:python|py|pycon)\n((?:\n|   .*\n)*)", page.read_text(), re.M
        ):
            blocks.append((str(page.relative_to(ROOT)), body))
    return blocks


def test_every_python_block_is_a_doctest():
    # pytest runs README.md and docs/**/*.rst as doctests (pyproject.toml's --doctest-glob), and a
    # doctest runs only `>>>` lines: a block labelled Python without them would never run.
    blocks = _python_blocks()
    assert sum(where == "README.md" for where, _ in blocks) >= 3
    assert [where for where, body in blocks if not body.lstrip().startswith(">>>")] == []


def test_front_page_has_the_readmes_two_commands():
    # The two commands live in README.md (what a fresh clone shows) and on the site's front page;
    # this keeps the copies equal.
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(python3 -m venv .*?)\n```", readme)
    assert len(commands) == 2 and "refconv verify" in commands[0] and "pytest" in commands[1]
    front = (ROOT / "docs" / "index.rst").read_text()
    assert all(f"\n   {c}\n" in front for c in commands)


def test_doc_commands_reads_the_shell_block_with_the_marker():
    import importlib.util

    spec = importlib.util.spec_from_file_location("doc_commands", ROOT / "tools" / "doc_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = (
        "Text.\n\n.. code-block:: bash\n\n   echo one\n\n"
        ".. code-block:: bash\n\n   refconv figures --out f/\n   ls f/\n\nAfter.\n"
    )
    assert module.shell_block(page, "refconv figures") == "refconv figures --out f/\nls f/\n"
    assert module.shell_block(page, "not there") is None
    # The researcher guide holds the block .ci/run executes.
    assert "refconv figures" in module.shell_block((ROOT / "docs/guides/researcher.rst").read_text(), "refconv figures")
