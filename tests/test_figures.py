"""`refconv figures`: every figure is produced, and the data behind it is right.

The data tests need no matplotlib (except figure 9.6's photograph) and compare each figure's
numbers and patterns with values derived here by hand — equation 9.6 written out, the band of a
width-3 "same" matrix, the figure's typed values — never with pixels.  The rendering tests draw
every figure once at a low resolution and check the files, the index and the report links.
"""

import glob
import json
import os
import re
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy

from refconv import cli
from refconv import figures as F

DPI = 30  # legibility is checked by eye at the default; tests only need the files


# --------------------------------------------------------------------------------------------
# The data behind each figure
# --------------------------------------------------------------------------------------------


def test_figure_9_1_is_equation_9_6_on_symbols():
    d = F.figure_9_1_data()
    a = np.array(sympy.symbols("a b c d e f g h i j k l")).reshape(3, 4)
    k = np.array(sympy.symbols("w x y z")).reshape(2, 2)
    assert (d.input == a).all() and (d.kernel == k).all()
    # S(i, j) = sum_m sum_n I(i + m, j + n) K(m, n), "valid": 2 x 3 outputs.
    for i in range(2):
        for j in range(3):
            expected = sum(a[i + m, j + n] * k[m, n] for m in range(2) for n in range(2))
            assert sympy.expand(d.output[i, j] - expected) == 0
            assert sympy.expand(sympy.sympify(d.labels[i, j]) - expected) == 0
    assert d.labels[0, 0] == "a*w + b*x + e*y + f*z"  # the seed's upper-left entry, as drawn
    assert d.region == ((0, 0), (0, 1), (1, 0), (1, 1))  # the box: cells (0 + m, 0 + n)


def _band(n: int) -> np.ndarray:
    """Width-3 "same" correlation on n cells: output o reads inputs o-1, o, o+1 (those that exist)."""
    o, i = np.indices((n, n))
    return abs(o - i) <= 1


@pytest.mark.parametrize("make", [F.figure_9_2_data, F.figure_9_3_data])
def test_connectivity_pattern_is_the_sparse_matrix_pattern(make):
    d = make()
    stored = d.sparse.tocoo()
    matrix_pattern = np.zeros(d.sparse.shape, dtype=bool)
    matrix_pattern[stored.row, stored.col] = True
    assert (d.sparse_pattern == matrix_pattern).all()  # what is plotted is the matrix's
    assert (d.sparse_pattern == _band(5)).all()
    assert d.dense_pattern.shape == (5, 5) and d.dense_pattern.all()
    assert d.unit == 2 and d.dense_lit.tolist() == [0, 1, 2, 3, 4]
    assert d.sparse_lit.tolist() == [1, 2, 3]  # x3 -> s2, s3, s4 (9.2); s3 <- x2, x3, x4 (9.3)


def test_connectivity_views_are_a_column_and_a_row():
    below, above = F.figure_9_2_data(), F.figure_9_3_data()
    assert below.view == "below" and above.view == "above"
    assert below.sparse_lit.tolist() == np.flatnonzero(below.sparse_pattern[:, 2]).tolist()
    assert above.sparse_lit.tolist() == np.flatnonzero(above.sparse_pattern[2]).tolist()


def test_figure_9_4_reach_and_growth():
    d = F.figure_9_4_data(depth=5)
    for P in d.patterns:
        assert (P == _band(5)).all()
    assert [r.tolist() for r in d.reach] == [[2], [1, 2, 3], [0, 1, 2, 3, 4]]
    assert d.field.size == (5,)
    m = np.arange(1, 6)
    # size = 1 + sum_l (k_l - 1) * jump_{l-1}: width-3 layers add 2 each; stride 2 doubles the
    # jump, 1 + 2*(1 + 2 + ... + 2^(m-1)); a (3, 1) layer and a (2, 2) pool add 3 * 2^j per pair.
    assert d.growth["kernel 3"].tolist() == (1 + 2 * m).tolist()
    assert d.growth["kernel 3, stride 2"].tolist() == (2 ** (m + 1) - 1).tolist()
    assert d.growth["kernel 3 + pool 2 (stride 2)"].tolist() == (3 * 2**m - 2).tolist()


def test_figure_9_5_uses_of_one_parameter():
    d = F.figure_9_5_data()
    a, b, c = sympy.symbols("a b c")
    assert d.parameter == b and d.dense_parameter == sympy.Symbol("W33")
    # "same", width 3: entry (o, i) holds tap i - o + 1; b (tap 1) is on the diagonal, at every location.
    for o in range(5):
        for i in range(5):
            expected = {0: a, 1: b, 2: c}.get(i - o + 1, 0)
            assert d.conv[o, i] == expected
    assert (d.conv_uses == np.eye(5, dtype=bool)).all()
    assert (d.conv_pattern == _band(5)).all()
    expected_dense = np.zeros((5, 5), dtype=bool)
    expected_dense[2, 2] = True
    assert (d.dense_uses == expected_dense).all()


def test_figure_9_6_edges_and_counts_of_the_photograph():
    pytest.importorskip("matplotlib")
    d = F.figure_9_6_data()
    h, w = d.image.shape
    assert (h, w) == (600, 512) and d.image.dtype == np.float64
    assert 0 <= d.image.min() and d.image.max() <= 1
    # Each pixel minus its left neighbour (exact: one rounding either way).
    assert np.array_equal(d.edges, d.image[:, 1:] - d.image[:, :-1])
    c = d.cost
    assert c.output_shape == (h, w - 1)
    assert c.flops == h * (w - 1) * 3  # two multiplications and one addition per output
    assert c.dense_entries == w * h * (w - 1) * h
    assert c.dense_flops == h * (w - 1) * (2 * h * w - 1)
    assert c.sparse_nnz == 2 * (w - 1) * h and c.sparse_flops == c.flops
    assert d.seed_cost.flops == 319 * 280 * 3 == 267_960 and d.seed_cost.sparse_nnz == 178_640


def test_figure_9_6_on_a_given_image():
    gray = np.array([[0, 255, 255], [0, 0, 255]], dtype=np.uint8)
    d = F.figure_9_6_data(gray)
    assert d.edges.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert d.cost.flops == 2 * 2 * 3 and d.cost.dense_entries == 3 * 2 * 2 * 2 and d.cost.sparse_nnz == 2 * 2 * 2
    rgb = np.repeat(np.array([[0.25, 0.5], [1.0, 0.0]])[..., None], 3, axis=2)  # equal channels: that gray
    assert np.allclose(F.figure_9_6_data(rgb).image, [[0.25, 0.5], [1.0, 0.0]], rtol=0, atol=1e-15)


def test_figure_9_8_values_typed_from_the_book():
    d = F.figure_9_8_data()
    tenth = Fraction(1, 10)
    # The book's figure 9.8: detector 0.1 1. 0.2 0.1 in view pools to 1. 1. 1. 0.2; shifted right by
    # one the detector row reads 0.3 0.1 1. 0.2 and pools to 0.3 1. 1. 1.
    assert d.before.tolist()[1:5] == [1 * tenth, 1, 2 * tenth, 1 * tenth]
    assert d.after.tolist()[1:5] == [3 * tenth, 1 * tenth, 1, 2 * tenth]
    assert d.pooled_before.tolist() == [1, 1, 1, 2 * tenth]
    assert d.pooled_after.tolist() == [3 * tenth, 1, 1, 1]
    assert not d.detector_unchanged.any()
    assert d.pooled_unchanged.tolist() == [False, True, True, False]
    assert d.fractions == (0, Fraction(1, 2))
    o, i = np.indices(d.windows.shape)
    assert (d.windows == ((i >= o) & (i <= o + 2))).all()  # window o covers cells o..o+2


def test_toeplitz_picture():
    d = F.toeplitz_data()
    expected = [["", "", "", "", "", ""] for _ in range(4)]
    for r in range(4):
        expected[r][r : r + 3] = ["a", "b", "c"]
    assert d.labels.tolist() == expected
    assert bool(d.structure) and d.structure.structure == "Toeplitz matrix"


def test_doubly_block_toeplitz_picture():
    d = F.doubly_block_toeplitz_data()
    k = [["a", "b"], ["c", "d"]]
    for (o0, o1, i0, i1), _ in np.ndenumerate(np.empty((2, 3, 3, 4))):
        m, n = i0 - o0, i1 - o1  # output (o0, o1) reads input (o0 + m, o1 + n) through tap (m, n)
        expected = k[m][n] if 0 <= m < 2 and 0 <= n < 2 else ""
        assert d.labels[o0 * 3 + o1, i0 * 4 + i1] == expected
    assert d.block_shape == (3, 4) and bool(d.structure)


def test_doubly_block_circulant_picture():
    d = F.doubly_block_circulant_data()
    k = [["a", "b"], ["c", "d"]]
    for (i0, i1, j0, j1), _ in np.ndenumerate(np.empty((3, 3, 3, 3))):
        m, n = (i0 - j0) % 3, (i1 - j1) % 3  # y[i] = sum w[m, l] x[(i - m) mod 3, (j - l) mod 3]
        expected = k[m][n] if m < 2 and n < 2 else ""
        assert d.labels[i0 * 3 + i1, j0 * 3 + j1] == expected
    assert d.block_shape == (3, 3) and bool(d.structure)


def test_data_needs_no_matplotlib():
    code = (
        "import sys, refconv.figures as F\n"
        "[f() for f in (F.figure_9_1_data, F.figure_9_2_data, F.figure_9_4_data, F.figure_9_5_data,"
        " F.figure_9_8_data, F.toeplitz_data)]\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _seed_text():
    found = glob.glob(os.environ.get("REFCONV_SEED", "/work/shared/seed/000_*.txt"))
    return open(found[0], encoding="utf-8").read() if found else None


def test_captions_quote_the_seed_verbatim():
    seed = _seed_text()
    if seed is None:
        pytest.skip("the seed text is not available")
    flat = " ".join(seed.split())
    for spec in F.FIGURES:
        assert " ".join(spec.quote.split()) in flat, spec.name
        assert re.search(r"§9\.[123]", spec.seed), spec.seed
    for spec in F.FIGURES:
        if spec.name.startswith("fig-9.") and spec.name != "fig-9.8":
            assert f"Figure {spec.name[4:]}:" in flat  # the cited figure is the seed's


# --------------------------------------------------------------------------------------------
# Rendering: one PNG per figure, the index, the report links, the command line
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("figures")
    return out, F.render(out, dpi=DPI)


def test_every_figure_is_a_non_empty_png(rendered):
    from matplotlib import image as mimage

    out, entries = rendered
    assert [e.name for e in entries] == [f.name for f in F.FIGURES]
    assert len(entries) == 10
    for e in entries:
        assert e.path == out / f"{e.name}.png"
        assert e.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = mimage.imread(e.path)
        assert pixels.shape[0] > 50 and pixels.shape[1] > 50, (e.name, pixels.shape)
        assert pixels[..., :3].std() > 0.01, e.name  # something was drawn, not a blank page


def test_index_shows_every_figure_with_its_seed_citation(rendered):
    out, entries = rendered
    md = (out / "index.md").read_text(encoding="utf-8")
    page = (out / "index.html").read_text(encoding="utf-8")
    for e in entries:
        assert f"]({e.name}.png)" in md and f'src="{e.name}.png"' in page
        assert f"*Seed {e.seed}:*" in md and e.quote in md
    assert "Seed figure 9.1, §9.1, p. 334" in md
    assert md.count("![") == len(entries) and page.count("<figure") == len(entries)
    assert F.index_entries(out) == entries
    manifest = json.loads((out / "index.json").read_text())
    assert [m["file"] for m in manifest["figures"]] == [e.path.name for e in entries]


def test_captions_state_the_computed_numbers(rendered):
    _, entries = rendered
    captions = {e.name: e.caption for e in entries}
    h, w = 600, 512
    assert f"{h * (w - 1) * 3:,} floating point operations" in captions["fig-9.6"]
    assert f"{w * h * (w - 1) * h:,} entries" in captions["fig-9.6"]
    assert f"{2 * (w - 1) * h:,} entries" in captions["fig-9.6"]
    assert "a*w + b*x + e*y + f*z" in captions["fig-9.1"]
    assert "connects x3 with s2, s3, s4" in captions["fig-9.2"]
    assert "connects s3 with x2, x3, x4" in captions["fig-9.3"]
    assert "gives 0 and 1/2" in captions["fig-9.8"]
    assert "Toeplitz matrix holds" in captions["matrix-toeplitz"]


def test_figure_9_8_caption_explains_the_grey_cells_and_the_footer(rendered):
    _, entries = rendered
    caption = {e.name: e.caption for e in entries}["fig-9.8"]
    d = F.figure_9_8_data()
    # The grey cells are the two end cells, each read by one window only (derived here from the
    # windows: cell c is read by windows max(0, c-2)..min(3, c)).
    reads = [sum(1 for o in range(4) if o <= c <= o + 2) for c in range(6)]
    assert [c for c, n in enumerate(reads) if n == 1] == [0, 5]
    assert "grey-outlined cells at both ends (0.3 and 0 before the shift, 0 and 0.1 after)" in caption
    assert "read by only one pooling window" in caption and "outside the book's four-unit view" in caption
    # The footer's orange and its fractions are named in the caption, with the counts behind them.
    assert "Orange marks a value the shift changed: 6 of 6 detector values but only 2 of 4 pooled ones" in caption
    assert "The footer states the unchanged fractions" in caption
    assert d.fractions == (0, Fraction(1, 2))


def test_each_title_is_shown_once(rendered, tmp_path, monkeypatch):
    import html

    from matplotlib.text import Text

    from refconv.figures import _draw

    out, entries = rendered
    md = (out / "index.md").read_text(encoding="utf-8")
    page = (out / "index.html").read_text(encoding="utf-8")
    for e in entries:
        assert md.count(e.title) == 1 and page.count(html.escape(e.title)) == 1, e.name
    # ... and not a second time inside the picture: no text drawn in a figure is its title.
    drawn = []
    make = _draw.new_figure
    monkeypatch.setattr(_draw, "new_figure", lambda *size: drawn.append(make(*size)) or drawn[-1])
    again = F.render(tmp_path, dpi=DPI, only=["fig-9.[18]", "matrix-toeplitz"])
    assert [e.name for e in again] == ["fig-9.1", "fig-9.8", "matrix-toeplitz"] and len(drawn) == 3
    for fig, e in zip(drawn, again):
        texts = [t.get_text() for t in fig.findobj(Text)]
        assert texts and e.title not in texts, (e.name, texts)


@pytest.mark.parametrize("html", [False, True])
def test_report_section_links_resolve(rendered, tmp_path, html):
    out, entries = rendered
    report = tmp_path / "sub" / ("report.html" if html else "report.md")
    report.parent.mkdir()
    text = F.report_section(out, report, html=html)
    links = re.findall(r'src="([^"]+)"', text) if html else re.findall(r"\]\(([^)]+\.png)\)", text)
    assert len(set(links)) == len(entries)
    for link in links:
        assert not os.path.isabs(link) and (report.parent / link).resolve().is_file()
    assert ("<h2>Figures</h2>" if html else "## Figures") in text


def test_command_line(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert cli.main(["figures", "--out", str(tmp_path), "--dpi", str(DPI), "--only", "matrix-toeplitz"]) == 0
    assert (tmp_path / "matrix-toeplitz.png").stat().st_size > 0 and (tmp_path / "index.md").is_file()
    out = capsys.readouterr().out
    # Every file written is announced: the PNG, then the index pages and the manifest.
    assert f"wrote {tmp_path / 'matrix-toeplitz.png'}" in out
    for name in ("index.md", "index.html", "index.json"):
        assert (tmp_path / name).is_file() and str(tmp_path / name) in out, name
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "no-such-figure"]) == 2
    assert "matches no figure" in capsys.readouterr().err


def test_partial_renders_accumulate_in_the_index(tmp_path):
    pytest.importorskip("matplotlib")
    F.render(tmp_path, dpi=DPI, only="fig-9.1")
    F.render(tmp_path, dpi=DPI, only=["matrix-toeplitz"])
    assert [e.name for e in F.index_entries(tmp_path)] == ["fig-9.1", "matrix-toeplitz"]
    md = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "](fig-9.1.png)" in md and "](matrix-toeplitz.png)" in md
    assert r"a\*w + b\*x + e\*y + f\*z" in md  # Markdown-escaped: no emphasis


def test_missing_matplotlib_is_a_clear_message(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'refconv\[figures\]'"):
        F.render(tmp_path, only="fig-9.1")
    assert F.cli_main(str(tmp_path), only=["fig-9.1"]) == 2
    assert "needs matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "index.md").exists()


def test_verify_check_agrees_and_catches_a_wrong_picture(monkeypatch):
    from refconv.checks import figures as checks

    assert "9.2/9.3" in checks.figures_data()
    good = F.figure_9_2_data

    def wrong():  # a figure whose drawn pattern lost one connection
        d = good()
        pattern = d.sparse_pattern.copy()
        pattern[0, 0] = False
        return d._replace(sparse_pattern=pattern)

    monkeypatch.setattr(F, "figure_9_2_data", wrong)
    with pytest.raises(AssertionError):
        checks.figures_data()
