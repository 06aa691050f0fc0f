"""The command line: `refconv verify` prints a table and its exit status means something."""

import os
import re
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


# --- unusable output paths and messages that name the argument --------------------------------


def _never_runs():
    raise AssertionError("verify ran its checks although --report is unusable")


@pytest.fixture
def one_check(monkeypatch):
    """``verify`` with a single check that fails loudly if it runs."""
    monkeypatch.setattr(cli, "discover", lambda: [Check("c", "a claim", "eq. 9.6", "hand", _never_runs)])


@pytest.mark.parametrize(
    ("where", "why"),
    [
        (lambda d: d, r"is a directory; expected a file path$"),
        (lambda d: d / "missing" / "r.md", r"cannot be written \(No such file or directory\)"),
        (lambda d: d / "a-file" / "r.md", r"cannot be written \(Not a directory\)"),
    ],
    ids=["directory", "missing-folder", "under-a-file"],
)
def test_verify_refuses_an_unusable_report_before_running(where, why, tmp_path, capsys, one_check):
    (tmp_path / "a-file").write_text("x")
    path = where(tmp_path)
    assert cli.main(["verify", "--quiet", "--report", str(path)]) == 2
    captured = capsys.readouterr()
    assert re.search(rf"^refconv verify: argument --report: '{re.escape(str(path))}' {why}", captured.err), captured.err
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_verify_refuses_a_report_in_a_read_only_folder(tmp_path, capsys, one_check):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert cli.main(["verify", "--quiet", "--report", str(folder / "r.md")]) == 2
    finally:
        folder.chmod(0o755)
    err = capsys.readouterr().err
    assert "argument --report: " in err and "Permission denied" in err, err


def test_verify_report_check_leaves_no_file_behind(tmp_path, capsys, monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "discover", lambda: [Check("c", "a claim", "eq. 9.6", "hand", lambda: seen.append(1))])
    report = tmp_path / "r.md"
    monkeypatch.setattr(cli, "_table", lambda rows: (seen.append(report.exists()), "")[1])
    assert cli.main(["verify", "--quiet", "--report", str(report)]) == 0
    assert seen == [1, False]  # the probe file was removed before the checks ran
    assert report.read_text().startswith("# refconv verify report")


def test_verify_figures_without_report_and_a_file_as_folder(tmp_path, capsys, one_check):
    assert cli.main(["verify", "--quiet", "--figures", str(tmp_path)]) == 2
    assert "argument --figures: is used only with --report" in capsys.readouterr().err
    afile = tmp_path / "f"
    afile.write_text("x")
    assert cli.main(["verify", "--quiet", "--report", str(tmp_path / "r.md"), "--figures", str(afile)]) == 2
    err = capsys.readouterr().err
    assert f"argument --figures: '{afile}' exists and is not a directory; expected a directory path" in err


def test_figures_out_must_be_a_usable_directory(tmp_path, capsys):
    afile = tmp_path / "f"
    afile.write_text("x")
    assert cli.main(["figures", "--out", str(afile)]) == 2
    assert f"refconv figures: argument --out: '{afile}' exists and is not a directory" in capsys.readouterr().err
    assert cli.main(["figures", "--out", str(afile / "sub")]) == 2
    assert "argument --out: " in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["matrix", "a b", "3xq"], "refconv matrix: INPUT_SHAPE='3xq' is not a shape; expected lengths joined by 'x'"),
        (["matrix", "a b", ""], "refconv matrix: INPUT_SHAPE='' is not a shape"),
        (["matrix", "a b", "3", "--stride", "0"], "refconv matrix: argument --stride: conv_matrix: stride=0 has an"),
        (["matrix", "a b", "3", "--dilation", "-1"], "refconv matrix: argument --dilation: conv_matrix: dilation=-1"),
        (["matrix", "a b", "3", "--boundary", "mirror"], "argument --boundary: conv_matrix: boundary='mirror' is not"),
        (["matrix", "a b", "1"], "refconv matrix: argument KERNEL: conv_matrix: w shape (2,) does not fit"),
        (["figures", "--out", "{tmp}", "--dpi", "1"], "refconv figures: argument --dpi: render: dpi=1 is too small"),
        (["figures", "--out", "{tmp}", "--only", "nope"], "refconv figures: argument --only: render: only=['nope']"),
        (["verify", "--only", "nope"], "refconv verify: argument --only: ['nope'] matches no claim"),
        (["check", "nosuch"], "refconv check: argument TARGET: resolve: target='nosuch' is not recognised"),
        (["check", "numpy.convolve", "--dtype", "float17"], "argument --dtype: 'float17' is not a NumPy dtype"),
        (["check", "numpy.convolve", "--like", "nope"], "refconv check: argument --like: resolve: target='nope'"),
        (["check", "numpy.convolve", "--like", "os:getcwd"], "argument --like: 'os:getcwd' is not an adapter"),
        (["check", "numpy.convolve", "--op", "frob"], "refconv check: argument --op: check: op='frob'"),
        (["check", "numpy.convolve", "--max-examples", "0"], "argument --max-examples: check: max_examples=0"),
    ],
)
def test_every_cli_message_names_its_argument(argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert cli.main([*argv, "--quiet"] if argv[0] in ("check", "verify") else argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_unusable_report_in_a_subprocess_exits_2_without_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "refconv", "verify", "--quiet", "--report", str(tmp_path / "no" / "r.md")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "refconv verify: argument --report: " in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""  # nothing ran


def test_argument_error_names_only_known_parameters():
    assert (
        cli.argument_error("x", ValueError("f: a=1 bad; expected 2"), {"a": "--a"})
        == "refconv x: argument --a: f: a=1 bad; expected 2"
    )
    assert cli.argument_error("x", ValueError("f: b=1 bad"), {"a": "--a"}) == "refconv x: f: b=1 bad"
    assert cli.argument_error("x", ValueError("plain words"), {"a": "--a"}) == "refconv x: plain words"
