"""``device=`` on the torch and jax adapters: operands go to the device, results come back as NumPy,
the device and the math flags in force are recorded; an absent device is refused; the CLI's --device.

Every test runs on the CPU device, so CPU CI exercises the device path; nothing here needs a GPU."""

import numpy as np
import pytest

from refconv import adapters
from refconv.adapters import Unsupported
from refconv.adapters._registry import OnDevice, on_device
from refconv.cli import main

rng = np.random.default_rng(20)
X2 = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)
W2 = rng.standard_normal((6, 2, 3, 2)).astype(np.float32)
B6 = rng.standard_normal(6).astype(np.float32)
WT = rng.standard_normal((4, 3, 2, 3)).astype(np.float32)  # conv_transpose: (C_in, C_out/g, *k)
X1 = rng.standard_normal((3, 2, 11))

TORCH_CALLS = [
    ("conv", (X2, W2, B6), {"stride": (2, 1), "padding": 1, "groups": 2}),
    ("conv", (X2, W2), {"padding": 1, "padding_mode": "circular", "groups": 2}),  # the nn.Conv2d module path
    ("conv_transpose", (X2, WT), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("max_pool", (X1, 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool", (X2, (2, 3)), {"stride": 1, "count_include_pad": False}),
    ("lp_pool", (np.abs(X1), 2, 3), {"stride": 2}),
]
JAX_CALLS = [
    ("conv", (X2, W2, B6), {"stride": (2, 1), "padding": ((1, 0), (0, 2)), "groups": 2}),
    ("conv_transpose", (X2, WT), {"stride": 2, "padding": 1, "output_padding": 1}),
    ("max_pool", (X1, 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool", (X1, 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("conv_general_dilated", (X1, X1[:2, :, :3], (2,), "SAME"), {"rhs_dilation": (2,)}),
]
TORCH_FLAGS = (
    "torch.backends.cuda.matmul.allow_tf32",
    "torch.backends.cudnn.allow_tf32",
    "torch.backends.cudnn.deterministic",
)


def _peer(name):
    pytest.importorskip("jax" if name == "jax" else "torch")
    return getattr(adapters, name)


@pytest.mark.parametrize(
    "peer,fn,args,kwargs", [("torch", *c) for c in TORCH_CALLS] + [("jax", *c) for c in JAX_CALLS], ids=str
)
def test_cpu_device_gives_the_default_paths_values(peer, fn, args, kwargs):
    adapter = getattr(_peer(peer), fn)
    default = adapter(*args, **kwargs)
    by_keyword = adapter(*args, **kwargs, device="cpu")
    bound = adapter.on("cpu")
    assert isinstance(by_keyword, np.ndarray) and isinstance(bound(*args, **kwargs), np.ndarray)
    assert by_keyword.dtype == default.dtype
    np.testing.assert_array_equal(by_keyword, default, strict=True)
    np.testing.assert_array_equal(bound(*args, **kwargs), default, strict=True)
    call = bound.translate(*args, **kwargs)
    assert call.device == bound.device and repr(call) == repr(adapter.translate(*args, **kwargs))


def test_torch_records_the_device_and_the_flags_in_force():
    torch = pytest.importorskip("torch")
    call = adapters.torch.conv.translate(X2, W2, device=torch.device("cpu"))
    assert call.device == "cpu"
    assert set(TORCH_FLAGS) <= set(call.flags)
    assert all(isinstance(call.flags[f], bool) for f in TORCH_FLAGS)
    # Read when the call is made, not fixed: flipping a flag shows in the next call's record.
    # (through cudnn.flags(): torch.testing._internal, imported by another test module, forbids
    # setting the global flags directly)
    cudnn = torch.backends.cudnn
    before = cudnn.deterministic
    keep = dict(enabled=cudnn.enabled, benchmark=cudnn.benchmark, allow_tf32=cudnn.allow_tf32)
    with cudnn.flags(deterministic=not before, **keep):
        assert adapters.torch.conv.translate(X2, W2, device="cpu").flags["torch.backends.cudnn.deterministic"] is (
            not before
        )
    assert adapters.torch.conv.on("cpu").flags() == adapters.torch.math_flags()
    # Without a device nothing is recorded (and translating needs no torch).
    plain = adapters.torch.conv.translate(X2, W2)
    assert plain.device is None and plain.flags == {}


def test_jax_records_the_device_and_its_default_precision():
    jax = pytest.importorskip("jax")
    call = adapters.jax.conv.translate(X2, W2, device=jax.devices("cpu")[0])
    assert call.device == "cpu:0" and call.device in adapters.jax.devices()
    assert call.flags["jax_default_matmul_precision"] == jax.config.jax_default_matmul_precision
    with jax.default_matmul_precision("highest"):
        assert adapters.jax.conv.translate(X2, W2, device="cpu").flags["jax_default_matmul_precision"] == "highest"
    assert adapters.jax.conv.translate(X2, W2).device is None


def test_an_absent_device_is_refused_naming_device_and_the_ones_there():
    torch = pytest.importorskip("torch")
    if torch.cuda.device_count() > 7:
        pytest.skip("this machine has a cuda:7")
    with pytest.raises(ValueError, match=r"torch.conv: device='cuda:7' is not available here; expected one of 'cpu'"):
        adapters.torch.conv.on("cuda:7")
    with pytest.raises(ValueError, match=r"torch.conv_transpose: device='cuda:7' .*'cpu'"):
        adapters.torch.conv_transpose(X2, WT, device="cuda:7")
    with pytest.raises(ValueError, match=r"check: device='cuda:7' is not available here"):
        on_device("check", adapters.torch.conv, adapters.torch.conv.adapter, "cuda:7")


def test_an_absent_jax_device_is_refused():
    jax = pytest.importorskip("jax")
    if len(adapters.jax._platform(jax, "gpu")) > 7:
        pytest.skip("this machine has a gpu:7")
    with pytest.raises(ValueError, match=r"jax.conv: device='gpu:7' is not available here; expected one of 'cpu:0'"):
        adapters.jax.conv.on("gpu:7")


def test_mps_has_no_float64(monkeypatch):
    pytest.importorskip("torch")
    from refconv.adapters import torch as torch_adapters

    monkeypatch.setattr(torch_adapters, "_resolve", lambda func, device: "mps")
    with pytest.raises(Unsupported, match=r"torch.conv: float64 on mps"):
        torch_adapters.conv.translate(X2.astype(np.float64), W2.astype(np.float64), device="mps")
    assert torch_adapters.conv.translate(X2, W2, device="mps").device == "mps"  # float32 goes


def test_a_bound_adapter_is_checked_as_the_adapter_is():
    pytest.importorskip("torch")
    bound = adapters.torch.conv.on("cpu")
    assert isinstance(bound, OnDevice) and repr(bound) == "refconv.adapters.torch.conv.on('cpu')"
    impl, info = adapters.resolve(bound)
    assert impl is bound and info.name == "torch.conv" and info.devices is not None
    result = adapters.check(bound, dtype="float32", max_examples=15)
    assert result.passed, result


def test_a_broken_device_path_is_caught(monkeypatch):
    # Negative control: results really come back through the device path (here, one that loses a bit).
    pytest.importorskip("torch")
    from refconv.adapters import torch as torch_adapters

    host = torch_adapters._host
    monkeypatch.setattr(torch_adapters, "_host", lambda t: host(t) * np.float32(1 + 2**-10))
    result = adapters.check(adapters.torch.conv.on("cpu"), dtype="float32", max_examples=30)
    assert not result.passed and "bound" in result.reason


def test_cli_device_cpu_end_to_end(capsys):
    pytest.importorskip("torch")
    argv = ["check", "torch", "--op", "conv", "--device", "cpu", "--dtype", "float32", "--max-examples", "10"]
    assert main(argv + ["--quiet"]) == 0
    out = capsys.readouterr().out
    assert "torch.conv@cpu" in out and "PASS" in out
    assert "torch on cpu: " in out and all(f"{flag}=" in out for flag in TORCH_FLAGS)


def test_cli_jax_device(capsys):
    pytest.importorskip("jax")
    argv = ["check", "jax.max_pool", "--device", "cpu", "--dtype", "float64", "--max-examples", "5", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "jax.max_pool@cpu:0" in out and "jax on cpu:0: jax_default_matmul_precision=" in out


def test_cli_refuses_an_absent_device_and_a_peer_without_devices(capsys):
    torch = pytest.importorskip("torch")
    if torch.cuda.device_count() <= 7:
        assert main(["check", "torch", "--op", "conv", "--device", "cuda:7", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "refconv check: argument --device: check: device='cuda:7' is not available here" in err
    assert main(["check", "numpy.correlate", "--device", "cpu", "--quiet"]) == 2
    assert "argument --device: check: device='cpu' is not taken by numpy.correlate" in capsys.readouterr().err
    assert main(["check", "refconv:conv", "--op", "conv", "--device", "cpu", "--quiet"]) == 2
    assert "device='cpu' is not taken by 'refconv:conv'" in capsys.readouterr().err


def test_adapters_check_runs_on_a_device_and_records_it():
    pytest.importorskip("torch")
    from refconv import adapters

    result = adapters.check("torch.conv", device="cpu", max_examples=5)
    assert result.passed and result.device == "cpu"
    assert result.flags["torch.backends.cudnn.allow_tf32"] in (True, False)
    assert "device cpu" in str(result)
    with pytest.raises(ValueError, match=r"^check: device='cuda:7' is not available here"):
        if "cuda:7" in adapters.torch.devices():
            pytest.skip("this machine has cuda:7")
        adapters.check("torch.conv", device="cuda:7", max_examples=5)
