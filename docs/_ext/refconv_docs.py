"""Sphinx glue for refconv's site: the API module pages, the figure gallery, the asv dashboard.

* **API pages.**  :func:`write_api_pages` writes ``api/modules/<module>.rst`` for every module of
  ``tools/check_docstrings.PUBLIC_MODULES`` (the same list numpydoc validation runs over, so the
  site documents exactly what is validated).  Each page holds the module's docstring and an
  ``autosummary`` with ``:toctree:`` of the callables whose *documented home* is that module
  (:func:`check_docstrings.public_objects`: the first public module that exports the object), so
  every public object has one page, and links to the names it re-exports from elsewhere.
* **Gallery.**  The ``refconv-figures`` directive draws the seed's figures with
  :func:`refconv.figures.render` at build time and shows each with the library's own title,
  caption and quotation (:func:`refconv.figures.index_entries`): nothing is copied by hand.
* **Dashboard.**  When a published, vendored asv dashboard exists (``.asv/html/index.html``, or
  ``$REFCONV_ASV_HTML``), it is copied to ``<site>/asv/`` and the tag ``dashboard`` is set, so
  the dashboard page links to it; otherwise the page says how to publish it.
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
FIGURES_DIR = "_generated/figures"  # under the source dir (gitignored), so Sphinx copies the PNGs


def _write_if_changed(path: Path, text: str) -> None:
    # Rewriting an unchanged page would make Sphinx re-read it (and its autosummary stubs) every build.
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _heading(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def module_page(module_name: str, homes: dict[str, str]) -> str:
    """The reST of one public module's page; ``homes`` maps ``id(obj)`` keys to documented paths."""
    module = importlib.import_module(module_name)
    own, elsewhere, constants = [], [], []
    for attr in module.__all__:
        obj = getattr(module, attr)
        if not callable(obj):
            constants.append(attr)
            continue
        home = homes[id(obj)]
        (own if home == f"{module_name}.{attr}" else elsewhere).append((attr, home))
    lines = [_heading(f"``{module_name}``", "="), f".. automodule:: {module_name}"]
    if module_name in homes.values():
        # refconv.exact is both a module and the function refconv.exact: the function's page is the
        # one the name resolves to, so the module is described without a second index entry.
        lines.append("   :no-index:")
    lines.append("")
    if own:
        lines += ["", _heading("Functions and classes", "-"), ".. autosummary::", "   :toctree: ../generated", ""]
        lines += [f"   {attr}" for attr, _ in own]
        lines.append("")
    if elsewhere:
        lines += ["", _heading("Also exported here", "-")]
        lines.append("These names are the same objects as the ones linked, documented on their pages:\n")
        lines += [f"* ``{module_name}.{attr}`` is :obj:`{home}`" for attr, home in elsewhere]
        lines.append("")
    if constants:
        lines += ["", _heading("Constants", "-")]
        lines.append("Described in the module's docstring above: " + ", ".join(f"``{c}``" for c in constants) + ".\n")
    return "\n".join(lines)


def write_api_pages(srcdir: Path, public_modules, public_objects) -> list[str]:
    """Write ``api/modules/*.rst`` for every public module; returns the documented paths."""
    found = public_objects()
    homes = {id(obj): path for path, obj in found.items()}
    for name in public_modules:
        _write_if_changed(srcdir / "api" / "modules" / f"{name}.rst", module_page(name, homes))
    return list(found)


class FiguresDirective(SphinxDirective):
    """``.. refconv-figures::``: every figure of :data:`refconv.figures.FIGURES`, drawn at build time."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from refconv.figures import index_entries

        out = Path(self.env.srcdir) / FIGURES_DIR
        result: list[nodes.Node] = []
        for entry in index_entries(out):
            section = nodes.section(ids=[nodes.make_id(entry.name)])
            section += nodes.title(text=entry.title)
            quote = nodes.block_quote()
            quote += nodes.paragraph(text=f"“{entry.quote}” ({entry.seed})")
            section += quote
            figure = nodes.figure()
            # A leading "/" makes the path relative to the source directory, wherever this page is.
            figure += nodes.image(uri=f"/{FIGURES_DIR}/{entry.path.name}", alt=entry.title)
            figure += nodes.caption(text=entry.caption)
            section += figure
            result.append(section)
        return result


class ParameterNamesDirective(SphinxDirective):
    """``.. refconv-parameter-names::``: :data:`refconv.conventions.PARAMETER_NAMES` as a table,
    read from the one home at build time (the page holds no copy)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from refconv.conventions import PARAMETER_NAMES

        header = ("refconv", "SciPy", "PyTorch", "JAX", "ONNX")
        table = nodes.table()
        group = nodes.tgroup(cols=len(header))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in header]

        def row(cells) -> nodes.row:
            out = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += nodes.paragraph(text="—" if cell is None else cell)
                out += entry
            return out

        head, body = nodes.thead(), nodes.tbody()
        head += row(header)
        body += [row(names) for names in PARAMETER_NAMES]
        group += [head, body]
        return [table]


def _render_figures(app) -> None:
    # Drawn once per build (about 10 s) before any page is read, so the images exist when the
    # gallery page is read and copied.
    from refconv.figures import render

    render(Path(app.srcdir) / FIGURES_DIR)


def dashboard_dir() -> Path | None:
    """The published asv dashboard to include, if there is one."""
    path = Path(os.environ.get("REFCONV_ASV_HTML", ROOT / ".asv" / "html"))
    return path if (path / "index.html").is_file() else None


def _copy_dashboard(app, exc) -> None:
    source = dashboard_dir()
    if exc is None and source is not None and app.builder.format == "html":
        shutil.copytree(source, Path(app.outdir) / "asv", dirs_exist_ok=True)


def setup(app):
    app.add_directive("refconv-figures", FiguresDirective)
    app.add_directive("refconv-parameter-names", ParameterNamesDirective)
    app.connect("builder-inited", _render_figures)
    app.connect("build-finished", _copy_dashboard)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
