"""The command line: `refconv verify` prints a table and its exit status means something."""

import subprocess
import sys

import pytest

from refconv import cli
from refconv.checks import Check


def test_verify_passes_and_prints_table(capsys):
    assert cli.main(["verify", "--quiet", "--only", "fig-9.1", "--only", "eq-9.6-flip"]) == 0
    out = capsys.readouterr().out
    assert "fig-9.1" in out and "PASS" in out and "2 of 2 claims pass" in out


def _broken():
    raise AssertionError("deliberately broken operator")


def test_verify_exits_nonzero_when_a_claim_fails(monkeypatch, capsys, tmp_path):
    good = Check("good", "a true claim", "eq. 9.6", "hand-derived", lambda: "fine")
    bad = Check("bad", "a false claim", "fig. 9.1", "hand-derived", _broken, quote="a quotation")
    monkeypatch.setattr(cli, "discover", lambda: [good, bad])
    report = tmp_path / "report.md"
    assert cli.main(["verify", "--quiet", "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "FAILED: bad" in out
    text = report.read_text()
    assert "a quotation" in text and "**FAIL**" in text and "1 of 2 claims pass" in text


def test_verify_unknown_only_is_an_error(capsys):
    assert cli.main(["verify", "--quiet", "--only", "no-such-claim"]) == 2


def test_python_dash_m_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "refconv", "verify", "--quiet", "--only", "fig-9.1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "1 of 1 claims pass" in done.stdout


def test_unknown_command_exits_with_usage():
    with pytest.raises(SystemExit) as info:
        cli.main(["frobnicate"])
    assert info.value.code == 2


def test_verify_report_links_the_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    report, figures = tmp_path / "report.html", tmp_path / "figs"
    assert cli.main(["verify", "--quiet", "--only", "fig-9.1", "--report", str(report), "--figures", str(figures)]) == 0
    text = report.read_text()
    assert 'href="figs/fig-9.1.png"' in text or "figs/fig-9.1.png" in text
    assert (figures / "fig-9.1.png").stat().st_size > 1000
    assert text.rstrip().endswith("</body></html>")


def test_matrix_prints_figure_9_1(capsys):
    assert cli.main(["matrix", "w x; y z", "3x4", "--apply"]) == 0
    out = capsys.readouterr().out
    # The matrix row of the top-left output: w x 0 0 y z 0 0 ... (typed from the definition).
    assert "a⋅w + b⋅x + e⋅y + f⋅z" in out and "g⋅w + h⋅x + k⋅y + l⋅z" in out
    assert out.count("⎡") >= 3  # matrix, input, output


def test_matrix_toeplitz_rows_and_bad_kernel(capsys):
    assert cli.main(["matrix", "a b c", "5"]) == 0
    out = capsys.readouterr().out
    assert "⎡a  b  c  0  0⎤" in out and "⎣0  0  a  b  c⎦" in out
    assert cli.main(["matrix", "a b; c", "5"]) == 2
    assert "KERNEL='a b; c' is not rectangular" in capsys.readouterr().err
    assert cli.main(["matrix", "a b", "1"]) == 2  # kernel longer than the input: refconv's own error
    assert "does not fit" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kernel",
    ["__import__('pathlib').Path('F').touch() x; y z", "1/0", "w+x y", "exec('1') a", "x.__class__ y"],
)
def test_matrix_never_evaluates_the_kernel_text(kernel, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["matrix", kernel, "3x4"]) == 2
    err = capsys.readouterr().err
    assert "KERNEL=" in err and ("neither a name nor a number" in err or "zero denominator" in err), err
    assert list(tmp_path.iterdir()) == []  # nothing was run: no file 'F'


def test_matrix_kernel_numbers_are_exact():
    kernel = cli._parse_kernel("1/3 -0.5; w -v_2")
    import sympy

    assert kernel.tolist() == [[sympy.Rational(1, 3), sympy.Rational(-1, 2)], [sympy.Symbol("w"), -sympy.Symbol("v_2")]]
