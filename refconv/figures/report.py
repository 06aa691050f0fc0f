"""Rendering the figures into a folder, the index pages, and the links a report needs.

:func:`render` draws each figure of :data:`refconv.figures.FIGURES` to a PNG and writes the
index: ``index.md``, ``index.html`` and the manifest ``index.json``.  :func:`index_entries` and
:func:`report_section` read the manifest back without matplotlib.  On the index pages each
figure's title is its heading only (the PNGs carry no title of their own), followed by the
picture and a caption that quotes the seed and states what was computed.
"""

from __future__ import annotations

__all__ = ["MANIFEST", "IndexEntry", "render", "index_entries", "report_section", "cli_main"]

import fnmatch
import html
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .._validation import fail, is_int
from . import _draw
from .catalogue import FIGURES, FigureSpec

MANIFEST = "index.json"
_PAGES = ("index.md", "index.html")  # the human-readable index; MANIFEST is the machine-readable one


class IndexEntry(NamedTuple):
    """One rendered figure, as the index lists it.

    Parameters
    ----------
    name : str
        The figure's name (:attr:`FigureSpec.name`), also the PNG's stem.
    title : str
        Its heading on the index page.
    seed : str
        Where the seed has it.
    quote : str
        The seed's words about it.
    caption : str
        What was computed, with its numbers.
    path : pathlib.Path
        The PNG written.

    See Also
    --------
    render : writes the figures and returns their entries.
    index_entries : reads them back from ``index.json``.

    Examples
    --------
    >>> e = IndexEntry("fig-9.1", "Figure 9.1", "figure 9.1, §9.1, p. 334", "An example", "...", Path("fig-9.1.png"))
    >>> e.name, e.path.name
    ('fig-9.1', 'fig-9.1.png')
    """

    name: str
    title: str
    seed: str
    quote: str
    caption: str
    path: Path


def _select(func: str, only: Any) -> list[FigureSpec]:
    if only is None:
        return list(FIGURES)
    if isinstance(only, str):
        only = [only]
    if not isinstance(only, Sequence) or not all(isinstance(p, str) for p in only):
        raise fail(func, "only", only, "is not a list of names", "names or globs such as 'fig-9.*'", TypeError)
    names = [f.name for f in FIGURES]
    for pattern in only:
        if not fnmatch.filter(names, pattern):
            raise fail(func, "only", only, f"has {pattern!r}, which matches no figure", f"globs over {names}")
    return [f for f in FIGURES if any(fnmatch.fnmatch(f.name, p) for p in only)]


def _directory(func: str, name: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise fail(func, name, value, "is not a path", "a directory name (str or os.PathLike)", TypeError)
    return Path(value)


def render(
    out_dir: Any, *, dpi: int = 110, only: Any = None, progress: Callable[[str], None] | None = None
) -> list[IndexEntry]:
    """Draw the figures into ``out_dir``: one PNG each, ``index.md``, ``index.html``, ``index.json``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Directory to write to (created if missing; existing figures are overwritten).
    dpi : int
        Resolution of the PNGs (``>= 10``); a low value renders faster.
    only : str or sequence of str, optional
        Names or globs (``"fig-9.*"``) of the figures to draw; default all of :data:`FIGURES`.
    progress : callable, optional
        Called with one line per PNG written (``wrote DIR/NAME.png``), then one line naming the
        three index files and how many figures they list.

    Returns
    -------
    list of IndexEntry
        What was written, in :data:`FIGURES` order.  The index files list every figure in
        ``out_dir``: those just drawn and those an earlier run (``only=...``) left there.

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'refconv[figures]'``).

    See Also
    --------
    index_entries : reads back what was written.
    report_section : links the figures from a report.
    cli_main : the same from the command line, ``refconv figures``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     entries = render(folder, dpi=20, only="matrix-toeplitz")
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['index.html', 'index.json', 'index.md', 'matrix-toeplitz.png']
    >>> [e.name for e in entries]
    ['matrix-toeplitz']
    """
    func = "render"
    out = _directory(func, "out_dir", out_dir)
    if not is_int(dpi):
        raise fail(func, "dpi", dpi, "is not an int", "an int >= 10", TypeError)
    if dpi < 10:
        raise fail(func, "dpi", dpi, "is too small to draw legibly", "an int >= 10")
    chosen = _select(func, only)
    if progress is not None and not callable(progress):
        raise fail(func, "progress", progress, "is not callable", "a function of one string, or None", TypeError)
    _draw.require_matplotlib()
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for spec in chosen:
        data = spec.data()
        fig = _draw.new_figure(*spec.size)
        # No suptitle: the index page's heading is the title, shown once.
        spec.draw(fig, data)
        path = out / f"{spec.name}.png"
        fig.savefig(path, dpi=dpi)
        entries.append(IndexEntry(spec.name, spec.title, spec.seed, spec.quote, spec.caption(data), path))
        if progress is not None:
            progress(f"wrote {path}")
    listed = _merge(out, entries)
    _write_index(out, listed)
    if progress is not None:
        files = ", ".join(str(out / name) for name in (*_PAGES, MANIFEST))
        progress(f"wrote the index of {len(listed)} figure{'' if len(listed) == 1 else 's'}: {files}")
    return entries


def _merge(out: Path, entries: list[IndexEntry]) -> list[IndexEntry]:
    """The index lists every figure in ``out``: those just drawn and those an earlier run left there."""
    try:
        kept = {e.name: e for e in index_entries(out)}
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):  # no (usable) earlier index
        kept = {}
    kept.update({e.name: e for e in entries})
    return [kept[f.name] for f in FIGURES if f.name in kept]


def _write_index(out: Path, entries: list[IndexEntry]) -> None:
    from .. import __version__

    manifest = [
        {"name": e.name, "title": e.title, "seed": e.seed, "quote": e.quote, "caption": e.caption, "file": e.path.name}
        for e in entries
    ]
    (out / MANIFEST).write_text(json.dumps({"refconv": __version__, "figures": manifest}, indent=1) + "\n")
    md = [
        "# The seed's figures, drawn by refconv",
        "",
        f"refconv {__version__}: every figure below is computed by the library (`refconv figures`), nothing is drawn "
        "by hand. Captions quote the seed (chapter 9 of *Deep Learning*) and state what was computed.",
        "",
    ]
    for e in entries:
        md += [f"## {e.title}", "", _md_image(e, e.path.name), "", _full_caption_md(e), ""]
    (out / "index.md").write_text("\n".join(md), encoding="utf-8")
    (out / "index.html").write_text(_html_page(entries), encoding="utf-8")


def _md(text: str) -> str:
    """Plain text for Markdown: ``a*w + b*x`` must not turn into emphasis, ``[[-1, 1]]`` into a link."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _md_image(e: IndexEntry, href: str) -> str:
    # The alt text is the figure's name, not its title: the heading above already shows the title.
    return f"![{_md(e.name)}]({href})"


def _full_caption_md(e: IndexEntry) -> str:
    return f"*Seed {_md(e.seed)}:* “{_md(e.quote)}” {_md(e.caption)}"


def _html_figures(entries: list[IndexEntry], href: Callable[[IndexEntry], str], heading: str) -> str:
    esc = html.escape
    parts = []
    for e in entries:
        parts.append(
            f'<figure id="{esc(e.name)}"><{heading}>{esc(e.title)}</{heading}>'
            f'<a href="{esc(href(e))}"><img src="{esc(href(e))}" alt="{esc(e.name)}" style="max-width:100%"></a>'
            f"<figcaption><i>Seed {esc(e.seed)}:</i> “{esc(e.quote)}” {esc(e.caption)}</figcaption></figure>"
        )
    return "\n".join(parts)


def _html_page(entries: list[IndexEntry]) -> str:
    from .. import __version__

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>refconv figures</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}figure{margin:0 0 2.5em 0}"
        "figcaption{font-size:95%}</style></head><body>\n<h1>The seed's figures, drawn by refconv</h1>\n"
        f"<p>refconv {html.escape(__version__)}: every figure is computed by the library (<code>refconv figures</code>)"
        ", nothing is drawn by hand. Captions quote the seed (chapter 9 of <i>Deep Learning</i>) and state what was "
        "computed.</p>\n" + _html_figures(entries, lambda e: e.path.name, "h2") + "\n</body></html>\n"
    )


def index_entries(out_dir: Any) -> list[IndexEntry]:
    """The figures :func:`render` wrote to ``out_dir``, read from its ``index.json`` (no matplotlib needed).

    Parameters
    ----------
    out_dir : str or os.PathLike
        A directory :func:`render` (or ``refconv figures --out``) wrote to.

    Returns
    -------
    list of IndexEntry
        Every figure the index lists, in :data:`FIGURES` order, with the PNG's path in ``out_dir``.

    Raises
    ------
    ValueError
        ``out_dir`` holds no ``index.json`` (nothing was rendered there) or one that lists a missing PNG.

    See Also
    --------
    render : writes the folder.
    report_section : links its figures from a report.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = render(folder, dpi=20, only="matrix-toeplitz")
    ...     read = index_entries(folder)
    ...     [(e.name, e.seed, e.path.name) for e in read], read == written
    ([('matrix-toeplitz', '§9.1, p. 333', 'matrix-toeplitz.png')], True)
    """
    func = "index_entries"
    out = _directory(func, "out_dir", out_dir)
    manifest = out / MANIFEST
    if not manifest.is_file():
        raise fail(func, "out_dir", out_dir, f"holds no {MANIFEST}", "a directory written by `refconv figures --out`")
    entries = []
    for item in json.loads(manifest.read_text())["figures"]:
        path = out / item["file"]
        if not path.is_file():
            raise fail(func, "out_dir", out_dir, f"lacks {item['file']} listed in {MANIFEST}", "a complete rendering")
        entries.append(IndexEntry(item["name"], item["title"], item["seed"], item["quote"], item["caption"], path))
    return entries


def report_section(out_dir: Any, report_path: Any, *, html: bool = False) -> str:
    """A "Figures" section for a report at ``report_path`` linking the figures in ``out_dir``.

    For ``refconv verify --report FILE``: append ``report_section(DIR, FILE, html=FILE.endswith(".html"))``
    after rendering into ``DIR``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        A directory :func:`render` wrote to.
    report_path : str or os.PathLike
        Where the report will be written; links are relative to its folder.
    html : bool
        ``True`` for an HTML fragment, ``False`` (default) for Markdown.

    Returns
    -------
    str
        The section: a "Figures" heading, then each figure's title, linked picture and caption.

    See Also
    --------
    render : writes the figures first.
    index_entries : what the section lists.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = render(Path(folder) / "figures", dpi=20, only="matrix-toeplitz")
    ...     section = report_section(Path(folder) / "figures", Path(folder) / "report.md")
    >>> for line in section.splitlines()[:7]:
    ...     print(line)
    ## Figures
    <BLANKLINE>
    The seed's figures, computed by refconv (`refconv figures`; [index](figures/index.md)).
    <BLANKLINE>
    ### Convolution as a matrix: Toeplitz (1-D)
    <BLANKLINE>
    [![matrix-toeplitz](figures/matrix-toeplitz.png)](figures/matrix-toeplitz.png)
    """
    func = "report_section"
    report = _directory(func, "report_path", report_path)
    if not isinstance(html, bool):
        raise fail(func, "html", html, "is not a bool", "True (HTML fragment) or False (Markdown)", TypeError)
    entries = index_entries(out_dir)
    base = Path(os.path.abspath(report)).parent

    def href(e: IndexEntry) -> str:
        return Path(os.path.relpath(os.path.abspath(e.path), base)).as_posix()

    index = Path(os.path.relpath(os.path.abspath(Path(out_dir) / "index.md"), base)).as_posix()
    if html:
        return (
            "<h2>Figures</h2>\n<p>The seed's figures, computed by refconv (<code>refconv figures</code>).</p>\n"
            + _html_figures(entries, href, "h3")
            + "\n"
        )
    lines = ["## Figures", "", f"The seed's figures, computed by refconv (`refconv figures`; [index]({index})).", ""]
    for e in entries:
        lines += [f"### {e.title}", "", f"[{_md_image(e, href(e))}]({href(e)})", "", _full_caption_md(e), ""]
    return "\n".join(lines)


def cli_main(out: str, *, dpi: int = 110, only: Sequence[str] | None = None) -> int:
    """``refconv figures --out DIR [--dpi N] [--only GLOB ...]``: render, print what was written, return the status.

    Parameters
    ----------
    out : str
        The directory to write to.
    dpi : int
        Resolution of the PNGs.
    only : sequence of str, optional
        Names or globs of the figures to draw; default all.

    Returns
    -------
    int
        ``0`` on success; ``2`` when matplotlib is missing or an argument is bad (the message goes
        to standard error).

    See Also
    --------
    render : does the work; its progress lines are what is printed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cli_main(folder, dpi=20, only=["matrix-toeplitz"])      # doctest: +ELLIPSIS
    wrote .../matrix-toeplitz.png
    wrote the index of 1 figure: .../index.md, .../index.html, .../index.json
    0
    """
    try:
        render(out, dpi=dpi, only=only, progress=print)
    except ImportError as exc:
        print(f"refconv figures: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"refconv figures: {exc}", file=sys.stderr)
        return 2
    return 0
