"""tools/gpu_findings.py, run on the CPU: the table's header, torch CPU float32 passing, absent peers
saying so, and a failing implementation showing up as a failure (the table is not all passes by
construction)."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
try:
    import gpu_findings
finally:
    sys.path.remove(str(ROOT / "tools"))

HEADER = (
    "| peer | device | flags | op / layer table | examples or layers | outputs over the bound (fraction) "
    "| worst ratio | time (s) |"
)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_cpu_quick_run_prints_the_table_and_torch_cpu_float32_passes(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "findings.md"
    command = [sys.executable, "tools/gpu_findings.py", "--device", "cpu", "--quick", "--layers", "3"]
    command += ["--ops", "conv", "--peers", "torch,cupy", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2] == HEADER and lines[3] == "|---|---|---|---|---:|---:|---:|---:|"
    assert "--device cpu --quick" in lines[0]
    assert out.read_text() == done.stdout
    rows = [_cells(line) for line in lines[4:] if line.startswith("| ")]
    torch_rows = [r for r in rows if r[0].startswith("torch ")]
    # One layer-table row (three layers, F32_F32_F32, normal operands), then torch.conv without and with FTZ.
    assert [r[3] for r in torch_rows] == [
        "quick layer table (normal operands), F32_F32_F32",
        "torch.conv (conv), F32_F32_F32",
        "torch.conv (conv), F32_F32_F32_FTZ",
    ]
    layer = torch_rows[0]
    assert layer[1] == "cpu" and layer[4] == "3 layers, 0 failed" and layer[5].startswith("0 of ")
    assert float(layer[6]) < 1
    assert all(r[5] == "0 (passed)" and float(r[6]) < 1 for r in torch_rows[1:])
    (cupy,) = [r for r in rows if r[0].startswith("cupy")]
    assert cupy[5] == "absent: cupy computes on CUDA devices only, not 'cpu'"


def test_a_failing_layer_implementation_is_reported(monkeypatch):
    # Negative control: torch's conv with its operands cut to bfloat16 (their 16 low bits dropped)
    # must show outputs over the bound, not "0 of".
    pytest.importorskip("torch")
    import numpy as np

    from refconv.adapters import torch as torch_adapter

    class Truncating:
        device = "cpu"

        def __call__(self, x, w, b, **kw):
            cut = [
                (np.ascontiguousarray(a, np.float32).view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)
                for a in (x, w)
            ]
            return torch_adapter.conv(*cut, b, **kw)

    monkeypatch.setattr(torch_adapter.conv, "on", lambda device: Truncating())
    opt = gpu_findings.parse(["--device", "cpu", "--quick", "--layers", "2", "--ops", "none"])
    (row,) = gpu_findings.layer_rows("torch", "cpu", "-", ("F32_F32_F32",), opt)
    assert row.size == "2 layers, 2 failed" and not row.over.startswith("0 of") and row.worst > 1


def test_absent_peers_and_devices_are_rows_not_errors(monkeypatch):
    opt = gpu_findings.parse(["--device", "cuda:99", "--quick", "--peers", "torch,cupy"])
    notes = []
    rows = [r for peer in opt.peers for r in gpu_findings.peer_rows(peer, opt, notes)]
    assert [r.over.split(":")[0] for r in rows] == ["absent", "absent"] and notes == []
    assert "cuda:99" in rows[0].over or "torch is not installed" in rows[0].over
    assert gpu_findings.peer_device("jax", "cuda:1") == "gpu:1" and gpu_findings.peer_device("jax", "cpu") == "cpu:0"


def test_bad_options_are_refused(capsys):
    with pytest.raises(SystemExit):
        gpu_findings.parse(["--peers", "tensorflow"])
    assert "--peers: ['tensorflow'] is not among" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        gpu_findings.parse(["--layers", "-1"])
