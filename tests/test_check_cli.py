"""``refconv check TARGET --op OP``: adapters and users' functions from the shell; table, repro, exit status."""

import subprocess
import sys
import textwrap

import pytest

from refconv.cli import main

_MODULE = '''
import numpy as np
import scipy.signal

import refconv


def my_conv(x, w, bias=None, *, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """A correct conv: refconv's own, in float arithmetic."""
    return refconv.conv(x, w, bias, stride=stride, padding=padding, dilation=dilation, groups=groups,
                        padding_mode=padding_mode)


def conv_without_bias(x, w, bias=None, **kwargs):
    """A conv that forgets the bias."""
    return refconv.conv(x, w, None, **kwargs)


def correlate2d_as_correlate(x, w, *, mode="valid", stride=1, dilation=1, boundary="constant"):
    """scipy.signal.correlate2d, called as if its "same" were scipy.signal.correlate's."""
    return scipy.signal.correlate2d(x, w, mode=mode)
'''


@pytest.fixture
def usermod(tmp_path, monkeypatch):
    (tmp_path / "usermod_check.py").write_text(textwrap.dedent(_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "usermod_check"


def test_user_function_that_conforms(usermod, capsys):
    status = main(["check", f"{usermod}:my_conv", "--op", "conv", "--max-examples", "15", "--dtype", "float64"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "usermod_check:my_conv" in out and "PASS" in out
    # The examples column counts the canonical probes and then the 15 Hypothesis examples.
    row = next(line for line in out.splitlines() if line.startswith("usermod_check:my_conv"))
    assert int(row.split()[4]) >= 15, row


def test_user_function_that_fails_prints_a_runnable_repro(usermod, capsys):
    argv = ["check", f"{usermod}:conv_without_bias", "--op", "conv", "--dtype", "float64", "--max-examples", "30"]
    status = main(argv + ["--quiet"])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL" in out and "--- repro ---" in out
    repro = out.split("--- repro ---\n", 1)[1]  # one dtype: one failure, the last thing printed
    assert "from usermod_check import conv_without_bias as impl" in repro
    # The repro raises AssertionError when run, as the checker promises.
    with pytest.raises(AssertionError):
        exec(repro, {})


def test_scipy_1968_from_the_shell(usermod, capsys):
    argv = ["check", f"{usermod}:correlate2d_as_correlate", "--op", "correlate", "--like", "scipy.correlate"]
    status = main(argv + ["--ranks", "2", "--dtype", "float64", "--max-examples", "200", "--quiet"])
    out = capsys.readouterr().out
    assert status == 1
    assert "mode='same'" in out and "from usermod_check import correlate2d_as_correlate as impl" in out


def test_known_finding_is_named_and_can_be_skipped(capsys):
    argv = ["check", "scipy.ndimage_correlate", "--dtype", "float64", "--max-examples", "150", "--quiet"]
    assert main(argv) == 1
    assert "known finding ndimage-drops-tiny-weights" in capsys.readouterr().out
    assert main(argv + ["--skip-known"]) == 0


def test_every_adapter_of_a_peer(capsys):
    assert main(["check", "numpy", "--max-examples", "10", "--quiet"]) == 0
    out = capsys.readouterr().out
    for name in ("numpy.correlate", "numpy.convolve"):
        assert out.count(name) == 2  # float32 and float64


def test_unsupported_dtype_and_bad_targets(capsys):
    assert main(["check", "onnxruntime.conv", "--dtype", "float64", "--quiet"]) == 2
    assert "UNSUPPORTED" in capsys.readouterr().out
    assert main(["check", "tensorflow", "--op", "conv"]) == 2
    assert "target='tensorflow' is not recognised" in capsys.readouterr().err
    assert main(["check", "refconv:conv"]) == 2
    assert "op=None is missing" in capsys.readouterr().err


def test_torch_conv_from_the_shell():
    pytest.importorskip("torch")
    run = subprocess.run(
        [sys.executable, "-m", "refconv", "check", "torch", "--op", "conv", "--max-examples", "20"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("PASS") == 2 and "torch.conv" in run.stdout
    assert "torch.conv float32: ok" in run.stderr  # progress


def test_layers_on_a_real_table_from_the_command_line(capsys):
    pytest.importorskip("torch")
    assert main(["check", "torch", "--layers", "mobilenetv2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "9 layers, 0 failed" in out and "mobilenetv2.features.1.conv.0.0" in out


def test_layers_names_a_bad_table_as_the_option(capsys):
    pytest.importorskip("torch")
    assert main(["check", "torch", "--layers", "nosuch", "--quiet"]) == 2
    assert "refconv check: argument --layers: check_layers: table='nosuch'" in capsys.readouterr().err
