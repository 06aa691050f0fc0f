"""The proofs under proofs/ as `refconv verify` claims, and the report: every claim, quotation, method, status."""

from __future__ import annotations

import dataclasses
import glob
import html.parser
import os
import re
from pathlib import Path

import numpy as np
import pytest

import refconv
import refconv.pooling
from refconv import cli
from refconv.checks import Check, discover
from refconv.checks import proofs as registry

PROOF_FILES = sorted(registry.proofs_dir().glob("proof_*.py"))
MODULES = {path.stem: registry.load(path) for path in PROOF_FILES}


def test_at_least_nine_claims_each_with_a_proof_and_a_negative_control():
    assert len(MODULES) >= 9, sorted(MODULES)
    names = {c.name for c in discover()}
    for module in MODULES.values():
        assert f"proof-{module.NAME}" in names and f"proof-{module.NAME}-negative" in names, module.NAME
        assert len(module.NEGATIVE_CONTROLS) >= 1, module.NAME
        for attr in ("CLAIM", "SEED", "QUOTE", "METHOD"):
            assert getattr(module, attr).strip(), (module.NAME, attr)
        assert callable(module.test_proof) and callable(module.test_negative_controls), module.NAME


def _seed_text() -> str | None:
    found = glob.glob(os.environ.get("REFCONV_SEED", "/work/shared/seed/000_*.txt"))
    return " ".join(Path(found[0]).read_text(encoding="utf-8").split()) if found else None


def test_quotations_are_the_seeds_words():
    seed = _seed_text()
    if seed is None:
        pytest.skip("the seed text is not available here (set REFCONV_SEED to its path)")
    for module in MODULES.values():
        for fragment in re.split(r"\s*\.\.\.\s*", module.QUOTE):
            fragment = " ".join(fragment.split())
            assert fragment in seed, f"{module.NAME}: {fragment!r} is not in the seed"


# --- a deliberately broken operator makes a proof, and so `refconv verify`, fail -----------------


def _unflipped_convolve(x, w, **kwargs):
    return refconv.correlate(x, w, **kwargs)  # "convolution" without flipping the kernel


def _correlate_ignoring_wrap(x, w, *, boundary="constant", **kwargs):
    return _REAL_CORRELATE(x, w, **kwargs)  # wrap silently treated as zeros


def _conv_transpose_flipped(y, w, bias=None, **kwargs):
    return _REAL_CONV_TRANSPOSE(y, np.flip(np.asarray(w), axis=tuple(range(2, np.ndim(w)))), bias, **kwargs)


def _max_pool_as_average(x, kernel_size, **kwargs):
    kwargs.pop("return_indices", None)
    return refconv.pooling.avg_pool(x, kernel_size, **kwargs)


_REAL_CORRELATE = refconv.correlate
_REAL_CONV_TRANSPOSE = refconv.conv_transpose

BROKEN = [
    (refconv, "convolve", _unflipped_convolve, "proof-flip-commute"),
    (refconv, "correlate", _correlate_ignoring_wrap, "proof-equivariance"),
    (refconv, "conv_transpose", _conv_transpose_flipped, "proof-adjoint"),
    (refconv.pooling, "max_pool", _max_pool_as_average, "proof-pooling-invariance"),
]


@pytest.mark.parametrize("owner, attr, broken, claim", BROKEN, ids=[b[3] for b in BROKEN])
def test_verify_exits_nonzero_when_a_proof_fails_on_a_broken_operator(monkeypatch, capsys, owner, attr, broken, claim):
    monkeypatch.setattr(owner, attr, broken)
    assert cli.main(["verify", "--quiet", "--only", claim]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^{re.escape(claim)}\s.*\sFAIL\s", out, re.MULTILINE), out
    assert f"FAILED: {claim}" in out


def test_the_same_proof_passes_with_the_real_operator(capsys):
    assert cli.main(["verify", "--quiet", "--only", "proof-figure-9.1*"]) == 0
    assert "2 of 2 claims pass" in capsys.readouterr().out


# --- the registry: negative controls that pass, files that do not load, no proofs at all ----------

_PROOF_TEMPLATE = '''
NAME = "{name}"
CLAIM = "a claim"
SEED = "eq. 9.6"
QUOTE = "a quotation"
METHOD = "symbolic"


def prove():
    return "proven"


def _control():
    """{doc}"""
    {body}


NEGATIVE_CONTROLS = (_control,)
'''


def _write_proof(folder: Path, name: str, body: str, doc: str = "A wrong claim.") -> None:
    (folder / f"proof_{name}.py").write_text(_PROOF_TEMPLATE.format(name=name, body=body, doc=doc))


def test_a_negative_control_that_passes_fails_the_claim(tmp_path, monkeypatch, capsys):
    _write_proof(tmp_path, "good", "assert False, 'rejected'")
    _write_proof(tmp_path, "blind", "pass")
    checks = registry.collect(tmp_path)
    assert [c.name for c in checks] == ["proof-blind", "proof-blind-negative", "proof-good", "proof-good-negative"]
    monkeypatch.setattr(cli, "discover", lambda: checks)
    assert cli.main(["verify", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: proof-blind-negative" in out and "3 of 4 claims pass" in out
    assert "passed: the proof does not reject this wrong claim" in out


def test_a_negative_control_failing_otherwise_than_by_assertion_fails_the_claim():
    def crashes():
        raise ZeroDivisionError("not the proof's verdict")

    with pytest.raises(AssertionError, match="raised ZeroDivisionError"):
        registry.run_negative_controls([crashes])
    with pytest.raises(AssertionError, match="no negative control"):
        registry.run_negative_controls([])


def test_a_proof_file_that_does_not_load_is_a_failing_claim(tmp_path):
    (tmp_path / "proof_broken.py").write_text("def (:\n")
    (tmp_path / "proof_partial.py").write_text("NAME = 'partial'\n")
    checks = {c.name: c for c in registry.collect(tmp_path)}
    assert set(checks) == {"proof-broken", "proof-partial"}
    with pytest.raises(AssertionError, match="does not load: SyntaxError"):
        checks["proof-broken"].run()
    with pytest.raises(AssertionError, match="lacks CLAIM, SEED, QUOTE, METHOD, prove, NEGATIVE_CONTROLS"):
        checks["proof-partial"].run()


def test_no_proofs_folder_is_a_failing_claim(tmp_path, monkeypatch):
    monkeypatch.setenv("REFCONV_PROOFS", str(tmp_path / "missing"))
    (check,) = registry.collect()
    with pytest.raises(AssertionError, match="no proof_.*found.*REFCONV_PROOFS"):
        check.run()


# --- the report lists every claim with its quotation, method and status ---------------------------


def _stubbed_rows_checks():
    """Every registered claim with its run replaced by a stub (the report, not the proofs, is under test)."""
    checks = [dataclasses.replace(c, run=lambda: "stub detail") for c in discover()]

    def fails():
        raise AssertionError("deliberately broken | with a pipe\nand a second line")

    checks[1] = dataclasses.replace(checks[1], run=fails)
    # Markdown's special characters in a claim must come back verbatim, not as emphasis or columns.
    checks[2] = dataclasses.replace(checks[2], claim="S = a*w + b*x | sum_m sum_n [x] `y` <z>")
    return checks


def _unescape(cell: str) -> str:
    """Markdown text back to plain text: backslash escapes dropped, a code span's backticks removed."""
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == "`":
        return cell[1:-1].replace("\\|", "|")
    return re.sub(r"\\(.)", r"\1", cell)


def _markdown_rows(text: str) -> dict[str, list[str]]:
    """Table rows of the report by claim name, each cell as plain text (status keeps its ** markers)."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| **"):
            cells = [_unescape(c) for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[re.match(r"\*\*(.+?)\*\*", cells[0]).group(1)] = cells
    return rows


def test_markdown_report_lists_every_claim_with_quotation_method_and_status(tmp_path, monkeypatch, capsys):
    checks = _stubbed_rows_checks()
    monkeypatch.setattr(cli, "discover", lambda: checks)
    report = tmp_path / "report.md"
    assert cli.main(["verify", "--quiet", "--report", str(report)]) == 1
    rows = _markdown_rows(report.read_text(encoding="utf-8"))
    assert list(rows) == [c.name for c in checks]
    for number, c in enumerate(checks):
        claim, seed, quote, method, status, elapsed, detail = rows[c.name]
        assert claim == f"**{c.name}**: {' '.join(c.claim.split())}" and seed == c.seed
        assert quote == (f"“{' '.join(c.quote.split())}”" if c.quote else "")
        assert method == c.method
        assert status == ("**FAIL**" if number == 1 else "PASS")
        assert re.fullmatch(r"\d+\.\d\ds", elapsed)
    assert rows[checks[1].name][6] == "AssertionError: deliberately broken | with a pipe"
    proofs = [c for c in checks if c.name.startswith("proof-")]
    assert len(proofs) >= 18 and all(rows[c.name][2] for c in proofs), "every proof row quotes the seed"
    assert f"{len(checks) - 1} of {len(checks)} claims pass" in report.read_text(encoding="utf-8")


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_html_report_lists_every_claim_with_quotation_method_and_status(tmp_path, monkeypatch, capsys):
    checks = _stubbed_rows_checks()
    checks[0] = dataclasses.replace(checks[0], quote='a <quote> & "more"')
    monkeypatch.setattr(cli, "discover", lambda: checks)
    report = tmp_path / "report.html"
    assert cli.main(["verify", "--quiet", "--report", str(report)]) == 1
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<quote>" not in text  # escaped
    parser = _Cells()
    parser.feed(text)
    header, *rows = parser.rows
    assert header == ["claim", "seed", "quotation", "method", "status", "time", "detail"]
    assert [r[0] for r in rows] == [c.name + c.claim for c in checks]
    for number, (c, row) in enumerate(zip(checks, rows)):
        assert row[1] == c.seed and row[3] == c.method
        assert row[2] == (f"“{c.quote}”" if c.quote else "")
        assert row[4] == ("FAIL" if number == 1 else "PASS")
    assert rows[0][2] == '“a <quote> & "more"”'


def test_end_to_end_report_of_real_proofs(tmp_path, capsys):
    report = tmp_path / "proofs.md"
    assert cli.main(["verify", "--quiet", "--only", "proof-figure-9.1*", "--report", str(report)]) == 0
    rows = _markdown_rows(report.read_text(encoding="utf-8"))
    assert list(rows) == ["proof-figure-9.1", "proof-figure-9.1-negative"]
    assert rows["proof-figure-9.1"][4] == "PASS" and "6/6 boxes" in rows["proof-figure-9.1"][6]
    assert rows["proof-figure-9.1-negative"][3] == "negative control (must fail)"
    assert "2/2 wrong claims rejected" in rows["proof-figure-9.1-negative"][6]


def test_progress_goes_to_stderr(capsys):
    assert cli.main(["verify", "--only", "proof-figure-9.1"]) == 0
    captured = capsys.readouterr()
    assert "[1/1] proof-figure-9.1 ... ok (" in captured.err
    assert "[1/1]" not in captured.out


def test_check_is_the_registry_type():
    assert all(isinstance(c, Check) for c in registry.CHECKS)
