"""refconv.adapters.cupy: cupyx.scipy called as refconv's functions, on a CUDA device.

cupy needs an NVIDIA GPU, so most of this runs without it: translation (which never imports cupy),
registration, refusals (the translation refusals are rows of ``_bad_calls_adapters.py``), and the
run and device path against a stand-in ``cupy`` whose ``cupyx.scipy`` is SciPy behind a fake
device (so operands must go through ``cupy.asarray`` under ``cupy.cuda.Device`` and come back by
``cupy.asnumpy``).  The live checks at the end skip where cupy or a CUDA device is absent."""

import importlib.machinery
import re
import subprocess
import sys
import types

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

import refconv
from refconv import adapters
from refconv.adapters import Unsupported
from refconv.adapters import cupy as C
from refconv.adapters import scipy as S

TINY32 = 2.0**-126  # float32's smallest normal


# ---- registration: one cupy twin per scipy adapter ---------------------------------------------------


def test_every_scipy_adapter_has_a_cupy_twin_with_its_space_and_a_device():
    assert "cupy" in adapters.PEERS and adapters.PEERS["cupy"][0] == ("cupy",)
    twins = {a.name.split(".", 1)[1]: a for a in adapters.adapters("cupy")}
    originals = {a.name.split(".", 1)[1]: a for a in adapters.adapters("scipy")}
    assert list(twins) == list(originals)
    for function, twin in twins.items():
        original = originals[function]
        assert (twin.op, twin.method, twin.dtypes) == (original.op, original.method, original.dtypes), function
        assert twin.problems is original.problems, function
        assert twin.devices is C.DEVICES and C.SUBNORMALS in twin.findings, function
        assert twin.conventions.endswith("on a CUDA device (cupy)"), function
    assert adapters.resolve("cupy", "convolve")[1].name == "cupy.convolve"
    assert adapters.resolve("cupy.ndimage_convolve")[0] is C.ndimage_convolve


def test_the_finding_avoids_subnormal_operands_only():
    avoids = C.SUBNORMALS.avoids
    assert avoids((np.float32([1.0, -3.5]), np.float32([2.0**-60])), {})
    assert not avoids((np.float32([1.0]), np.float32([2.0**-70])), {})  # the product 2**-70 * x may be subnormal
    assert "F32_F32_F32_FTZ" in C.SUBNORMALS.summary and "cupy/cuda/compiler.py" in C.SUBNORMALS.link


# ---- translation, without cupy ---------------------------------------------------------------------

x5, w2, w3, w4 = np.ones(5), np.ones(2), np.ones(3), np.ones(4)
TRANSLATIONS = [
    # mode "same" of an even kernel: refconv's (and scipy.signal's) larger half goes before.
    (C.correlate, (x5, w2), {"mode": "same"}, "cupyx.scipy.signal.correlate(x, w, mode='same', method='direct')"),
    (C.convolve, (x5, w3), {"mode": "full"}, "cupyx.scipy.signal.convolve(x, w, mode='full', method='direct')"),
    (C.fftconvolve, (x5, w3), {"mode": ((1, 1),)}, "cupyx.scipy.signal.fftconvolve(x, w, mode='same')"),
    (C.oaconvolve, (x5, w3), {}, "cupyx.scipy.signal.oaconvolve(x, w, mode='valid')"),
    # correlate2d's own "same" is (0, 1) for k = 2 (scipy#1968); "fill" is the default boundary.
    (
        C.correlate2d,
        (np.ones((3, 3)), np.ones((2, 2))),
        {"mode": ((0, 1), (0, 1)), "boundary": "symmetric"},
        "cupyx.scipy.signal.correlate2d(x, w, mode='same', boundary='symm')",
    ),
    (
        C.convolve2d,
        (np.ones((3, 3)), np.ones((2, 2))),
        {"mode": "full"},
        "cupyx.scipy.signal.convolve2d(x, w, mode='full')",
    ),
    # ndimage: lo = k//2 + origin; k = 4, lo = 3 -> origin 1.  refconv "edge" is ndimage "nearest".
    (
        C.ndimage_correlate,
        (np.ones(7), w4),
        {"mode": ((3, 0),), "boundary": "edge"},
        "cupyx.scipy.ndimage.correlate(x, w, mode='nearest', origin=(1,))",
    ),
    # convolve flips the kernel: k = 2 "same" pads (1, 0), origin -(1 - 1) - 1 = -1; "symmetric" is "reflect".
    (
        C.ndimage_convolve,
        (x5, w2),
        {"mode": "same", "boundary": "symmetric"},
        "cupyx.scipy.ndimage.convolve(x, w, mode='reflect', origin=(-1,))",
    ),
]


@pytest.mark.parametrize(
    ("adapter", "args", "kwargs", "expected"), TRANSLATIONS, ids=lambda v: getattr(v, "__name__", "")
)
def test_translation(adapter, args, kwargs, expected):
    call = adapter.translate(*args, **kwargs)
    assert repr(call) == expected and call.device is None and call.flags == {}


def test_translation_is_the_scipy_twins_call_on_cupyx():
    rng = np.random.default_rng(0)
    for function in ("correlate", "convolve", "fftconvolve", "correlate2d", "convolve2d", "ndimage_correlate"):
        for mode in ("valid", "full", ((1, 2), (0, 1)), ((1, 1), (0, 1))):
            x, w = rng.standard_normal((5, 6)), rng.standard_normal((3, 2))
            try:
                theirs = repr(getattr(S, function).translate(x, w, mode=mode))
            except Unsupported as exc:
                with pytest.raises(Unsupported, match=re.escape(str(exc).replace("scipy.", "cupy.", 1))):
                    getattr(C, function).translate(x, w, mode=mode)
                continue
            assert repr(getattr(C, function).translate(x, w, mode=mode)) == "cupyx." + theirs


def test_translating_and_importing_never_import_cupy():
    code = (
        "import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('cupy', 'cupyx'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "import numpy as np\n"
        "from refconv import adapters\n"
        "from refconv.adapters import cupy\n"
        "print(len(adapters.adapters('cupy')), repr(cupy.convolve.translate(np.ones(4), np.ones(2))))\n"
        "print('cupy' in sys.modules, 'cupyx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "8 cupyx.scipy.signal.convolve(x, w, mode='valid', method='direct')",
        "False False",
    ]


def test_a_device_is_refused_where_cupy_is_not_installed(monkeypatch):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert not adapters.available("cupy") and not C.available() and C.devices() == []
    with pytest.raises(
        ValueError, match=r"cupy.correlate: device='cuda' is not available here \(cupy is not installed\)"
    ):
        C.correlate.on("cuda")
    with pytest.raises(ValueError, match=r"check: device=0 is not available here \(cupy is not installed\)"):
        adapters.check("cupy.correlate", device=0, max_examples=1)


# ---- the run and device path, against a stand-in cupy -----------------------------------------------


class _OnDevice:
    """An array "on" a fake CUDA device: only the fake cupy's functions can read it."""

    def __init__(self, a: np.ndarray, device: int):
        self.a, self.device = a, device


def _fake_cupy(monkeypatch, count: int = 2, flush: bool = False) -> dict:
    """Install a ``cupy`` with ``count`` devices whose ``cupyx.scipy`` runs SciPy on the operands
    it was given by ``asarray``, on the device current then; ``flush``: float32 results below the
    smallest normal become 0, as cupy's ``-ftz=true`` kernels make them.  Returns its log."""
    log = {"current": 0, "calls": []}

    class Device:
        def __init__(self, i=None):
            self.id = log["current"] if i is None else i

        def __enter__(self):
            self.previous, log["current"] = log["current"], self.id
            return self

        def __exit__(self, *exc):
            log["current"] = self.previous

    Device.__module__ = "cupy.cuda.device"

    def asarray(a):
        assert a.dtype.isnative, "cupy takes native byte order"
        return _OnDevice(np.array(a), log["current"])

    def asnumpy(d):
        assert isinstance(d, _OnDevice), "asnumpy takes a device array"
        return d.a.copy()

    def on_device(module, name):
        def peer(in1, in2, **kw):
            assert isinstance(in1, _OnDevice) and isinstance(in2, _OnDevice), "operands not moved to the device"
            assert in1.device == in2.device == log["current"], "operands and call on different devices"
            y = getattr(module, name)(in1.a, in2.a, **kw)
            if flush and y.dtype == np.float32:
                y = np.where(np.abs(y) < TINY32, np.float32(0), y)
            log["calls"].append((f"{module.__name__}.{name}", log["current"], kw))
            return _OnDevice(y, log["current"])

        return peer

    cupy = types.ModuleType("cupy")
    cupy.__spec__ = importlib.machinery.ModuleSpec("cupy", None)
    cupy.asarray, cupy.asnumpy = asarray, asnumpy
    runtime = types.SimpleNamespace(getDeviceCount=lambda: count, getDevice=lambda: log["current"])
    cupy.cuda = types.SimpleNamespace(Device=Device, runtime=runtime)
    signal, ndimage = types.ModuleType("cupyx.scipy.signal"), types.ModuleType("cupyx.scipy.ndimage")
    for name in ("correlate", "convolve", "fftconvolve", "oaconvolve", "correlate2d", "convolve2d"):
        setattr(signal, name, on_device(scipy.signal, name))
    for name in ("correlate", "convolve"):
        setattr(ndimage, name, on_device(scipy.ndimage, name))
    modules = {"cupy": cupy, "cupyx": types.ModuleType("cupyx"), "cupyx.scipy": types.ModuleType("cupyx.scipy")}
    modules |= {"cupyx.scipy.signal": signal, "cupyx.scipy.ndimage": ndimage}
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    log["Device"] = Device
    return log


rng = np.random.default_rng(20)
X2, W2 = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))


@pytest.mark.parametrize("function", [a.name.split(".")[1] for a in adapters.adapters("cupy")])
def test_the_device_path_runs_the_scipy_function_on_the_device(monkeypatch, function):
    log = _fake_cupy(monkeypatch)
    mode = "full" if "ndimage" not in function else ((1, 1), (1, 0))
    expected = getattr(S, function)(X2, W2, mode=mode)
    got = getattr(C, function)(X2, W2, mode=mode, device="cuda:1")
    np.testing.assert_array_equal(got, expected, strict=True)
    peer, device, _ = log["calls"][-1]
    assert peer == getattr(S, function).translate(X2, W2, mode=mode).function and device == 1
    assert log["current"] == 0  # the device is entered for the call only


def test_a_call_records_its_device_and_flags_and_the_default_records_nothing(monkeypatch):
    log = _fake_cupy(monkeypatch)
    monkeypatch.setenv("CUPY_TF32", "1")
    monkeypatch.delenv("CUPY_ACCELERATORS", raising=False)
    assert C.available() and C.devices() == ["cuda:0", "cuda:1"]
    call = C.correlate.translate(X2, W2, device=1)
    assert call.device == "cuda:1"
    assert call.flags == {"CUPY_TF32": "1", "CUPY_ACCELERATORS": None, "cupy.cuda.compiler.ftz": True}
    default = C.correlate.translate(X2, W2)
    assert default.device is None and default.flags == {}
    default()
    assert log["calls"][-1][1] == 0  # cupy's current device
    with log["Device"](1):  # "cuda" is cupy's current device, whichever that is
        assert C.correlate.on("cuda").device == "cuda:1"
    assert C.correlate.on(log["Device"](1)).device == "cuda:1"
    assert repr(C.convolve2d.on(0)) == "refconv.adapters.cupy.convolve2d.on('cuda:0')"


def test_big_endian_operands_reach_cupy_in_native_order(monkeypatch):
    _fake_cupy(monkeypatch)
    x, w = X2.astype(">f8"), W2.astype(">f4").astype(">f8")
    np.testing.assert_array_equal(
        C.correlate(x, w, device=0), scipy.signal.correlate(X2, W2.astype(np.float32), "valid")
    )


def test_a_device_cupy_lacks_is_refused_naming_the_ones_there(monkeypatch):
    _fake_cupy(monkeypatch, count=2)
    with pytest.raises(
        ValueError, match=r"cupy.convolve: device='cuda:2' is not available here; expected one of 'cuda:0', 'cuda:1'$"
    ):
        C.convolve.on("cuda:2")
    _fake_cupy(monkeypatch, count=0)
    with pytest.raises(
        ValueError, match=r"device=0 is not available here; expected a CUDA device \(cupy sees none here\)"
    ):
        C.convolve(X2, W2, device=0)


def test_check_on_a_device_records_it_and_passes_float64(monkeypatch):
    _fake_cupy(monkeypatch)
    result = adapters.check("cupy.convolve2d", dtype="float64", device="cuda:1", max_examples=30)
    assert result.passed, str(result)
    assert result.device == "cuda:1" and result.flags["cupy.cuda.compiler.ftz"] is True


# ---- the subnormal finding: caught without the model, passed with it or with skip_known -------------


def test_flushed_float32_outputs_are_caught_and_the_ftz_model_or_skip_known_passes_them(monkeypatch):
    _fake_cupy(monkeypatch, flush=True)
    t = np.float32(2.0**-70)  # a normal float32; the product 2**-140 is subnormal
    assert refconv.correlate(np.float32([t]), np.float32([t]))[0] == np.float32(2.0**-140)
    assert C.correlate(np.float32([t]), np.float32([t]), device=0)[0] == 0.0
    caught = adapters.check("cupy.correlate", dtype="float32", device=0, max_examples=100)
    assert not caught.passed
    problem = caught.counterexample
    assert sum(np.asarray(a).size for a in problem.args[:2]) <= 2, problem.describe()
    assert not C.SUBNORMALS.avoids(problem.args, problem.kwargs)
    for kwargs in ({"skip_known": True}, {"arithmetic": "F32_F32_F32_FTZ"}):
        result = adapters.check("cupy.correlate", dtype="float32", device=0, max_examples=100, **kwargs)
        assert result.passed, (kwargs, str(result))
    assert adapters.check("cupy.correlate", dtype="float64", device=0, max_examples=100).passed


# ---- live: where cupy and a CUDA device are there -----------------------------------------------------


def _live():
    pytest.importorskip("cupy")
    if not C.devices():
        pytest.skip("cupy sees no CUDA device")


@pytest.mark.parametrize("name", [a.name for a in adapters.adapters("cupy")])
def test_live_adapter_conforms_on_the_device(name):
    _live()
    for dtype in ("float32", "float64"):
        result = adapters.check(name, dtype=dtype, device="cuda", max_examples=60, skip_known=True)
        assert result.passed, str(result)
        assert result.device == C.devices()[0] or result.device in C.devices()


def test_live_float32_flushes_subnormals():
    _live()
    t = np.float32(2.0**-70)
    assert C.correlate(np.float32([t]), np.float32([t]), device="cuda")[0] == 0.0
    assert C.correlate(np.float64([2.0**-540]), np.float64([2.0**-540]), device="cuda")[0] == 2.0**-1080
    ftz = adapters.check(
        "cupy.correlate", dtype="float32", device="cuda", max_examples=60, arithmetic="F32_F32_F32_FTZ"
    )
    assert ftz.passed, str(ftz)
