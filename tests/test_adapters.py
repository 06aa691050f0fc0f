"""refconv.adapters: every adapter passes refconv.check where its peer is installed; the peers' known
findings reproduce; translation refuses what a peer cannot express; peers load lazily."""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import refconv
from refconv import adapters
from refconv.adapters import Unsupported
from refconv.exact import OPS
from refconv.strategies._spaces import Options

_PEER_PACKAGE = {
    "numpy": "numpy",
    "scipy": "scipy",
    "torch": "torch",
    "jax": "jax",
    "onnxruntime": "onnxruntime",
    "onnx_reference": "onnx",
    "astropy": "astropy",
    "tinygrad": "tinygrad",
    "skimage": "skimage",
    "cupy": "cupy",
}


def _examples() -> int:
    # The thorough profile runs the acceptance budget (>= 500 per adapter and dtype); the default
    # ci profile a third of its examples (each example is a call into the peer, and JAX compiles).
    n = settings.default.max_examples
    return n if n >= 500 else max(15, n // 3)


def _cases():
    for a in adapters.adapters():
        if a.op not in OPS:
            continue
        for dtype in ("float32", "float64"):
            if dtype in a.dtypes:
                yield pytest.param(a.name, dtype, id=f"{a.name}-{dtype}")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Tiny tensors: torch's thread pool costs more than it saves on a shared 2-core machine.
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(("name", "dtype"), list(_cases()))
def test_adapter_conforms(name, dtype):
    info = adapters.ADAPTERS[name]
    pytest.importorskip(_PEER_PACKAGE[info.peer])
    result = adapters.check(name, dtype=dtype, max_examples=_examples(), seed=0, skip_known=True)
    assert result.passed, str(result)
    assert result.examples >= _examples() and result.worst_ratio < 1


# ---- findings: each reproduces on its minimal case, and the checker finds it unaided -----------------


def correlate2d_as_correlate(x, w, *, mode="valid", stride=1, dilation=1, boundary="constant"):
    """scipy.signal.correlate2d called as if its "same" were scipy.signal.correlate's."""
    import scipy.signal

    return scipy.signal.correlate2d(x, w, mode=mode)


def test_scipy_1968_correlate2d_same_is_not_correlate_same():
    result = adapters.check(
        correlate2d_as_correlate, "correlate", like="scipy.correlate", ranks=(2,), dtype="float64", max_examples=300
    )
    assert not result.passed
    problem = result.counterexample
    assert problem.kwargs["mode"] == "same" and any(k % 2 == 0 for k in problem.args[1].shape), problem.describe()
    assert "from test_adapters import correlate2d_as_correlate as impl" in result.repro
    # The notes' hand case: A = 1..9 (3x3), K = [[1, 2], [3, 4]].  correlate's "same" pads one row and
    # column before, correlate2d's one after.
    a, k = np.arange(1.0, 10.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]])
    ours = refconv.correlate(a, k, mode="same")
    assert ours[0, 0] == 4 * 1 and ours[1, 1] == 1 * 1 + 2 * 2 + 3 * 4 + 4 * 5
    theirs = correlate2d_as_correlate(a, k, mode="same")
    assert theirs[0, 0] == 1 * 1 + 2 * 2 + 3 * 4 + 4 * 5 and theirs[2, 2] == 1 * 9
    # The adapter knows: refconv's "same" is refused, correlate2d's own "same" is its explicit pads.
    with pytest.raises(Unsupported, match=r"padding \(\(1, 0\), \(1, 0\)\)"):
        adapters.scipy.correlate2d(a, k, mode="same")
    assert np.array_equal(adapters.scipy.correlate2d(a, k, mode=((0, 1), (0, 1))), theirs)


def test_ndimage_drops_weights_below_dbl_epsilon():
    finding = adapters.scipy.TINY_WEIGHTS
    x, w = np.array([2.0**60]), np.array([2.0**-60])  # exact product 1
    assert refconv.correlate(x, w, mode="same")[0] == 1.0
    assert adapters.scipy.ndimage_correlate(x, w, mode="same")[0] == 0.0
    assert not finding.avoids((x, w), {}) and finding.avoids((x, np.array([2.0**-51])), {})
    result = adapters.check("scipy.ndimage_correlate", dtype="float64", max_examples=300)
    assert not result.passed and not finding.avoids(result.counterexample.args, result.counterexample.kwargs)


def test_xla_flushes_subnormals():
    pytest.importorskip("jax")
    tiny = 2.0**-1040  # a float64 subnormal: exactly representable, and 1 * tiny is exact
    got = adapters.jax.conv(np.array([[[1.0]]]), np.array([[[tiny]]]))
    assert refconv.conv(np.array([[[1.0]]]), np.array([[[tiny]]]))[0, 0, 0] == tiny
    assert got[0, 0, 0] == 0.0
    assert not adapters.no_subnormals((np.array([tiny]),), {})


def _lp_cases(peer: str, dtype: str, p_integral: bool = False):
    info = adapters.ADAPTERS[f"{peer}.lp_pool"]
    cases = info.problems(Options(np.dtype(dtype), ranks=(1, 2, 3), peer=None))
    if p_integral:
        cases = cases.filter(lambda case: case[0][1] == int(case[0][1]))
    return cases.filter(lambda case: info.supports(*case))


@given(st.data())
def test_torch_lp_pool_is_lp_pool_torch(data):
    pytest.importorskip("torch")
    (x, p, k), kwargs = data.draw(_lp_cases("torch", "float64"))
    got = adapters.torch.lp_pool(x, p, k, **kwargs)
    expected = refconv.pooling.lp_pool_torch(x, p, k, **kwargs)
    assert got.shape == expected.shape
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    # Both evaluate the same float64 formula; only the order of the window sum may differ.
    scale = refconv.pooling.lp_pool_torch(np.abs(x), p, k, **kwargs)
    ok = np.isnan(got) | (np.abs(got - expected) <= 1e-12 * np.nan_to_num(scale) + 1e-300)
    assert ok.all(), (got, expected)


def test_torch_lp_pool_differs_from_the_norm():
    pytest.importorskip("torch")
    # No absolute value: p = 1 on [-1, 2, -3, 4] gives -1+2 and -3+4, the norm |-1|+|2| and |-3|+|4|.
    x = np.array([[-1.0, 2.0, -3.0, 4.0]])
    assert adapters.torch.lp_pool(x, 1, 2).tolist() == [[-1 + 2, -3 + 4]]
    assert refconv.lp_pool(x, 1, 2).tolist() == [[1 + 2, 3 + 4]]
    # Ceil mode: the last window [5] is clipped to one cell and scaled by K = 2: sqrt(2 * 5**2).
    x = np.array([[3.0, 4.0, 2.0, 2.0, 5.0]])
    got = adapters.torch.lp_pool(x, 2, 2, ceil_mode=True)
    assert math.isclose(got[0, 2], math.sqrt(2 * 25), rel_tol=1e-15)
    assert refconv.lp_pool(x, 2, 2, ceil_mode=True)[0, 2] == 5
    assert got[0, 0] == 5 and math.isclose(got[0, 1], math.sqrt(8), rel_tol=1e-15)


@given(st.data())
@settings(max_examples=max(10, settings.default.max_examples // 3))
def test_onnxruntime_lp_pool_is_the_norm(data):
    pytest.importorskip("onnxruntime")
    (x, p, k), kwargs = data.draw(_lp_cases("onnxruntime", "float32", p_integral=True))
    got = adapters.onnxruntime.lp_pool(x, p, k, **kwargs).astype(np.float64)
    norm = refconv.lp_pool(x.astype(np.float64), p, k, **kwargs)
    # float32 sums of |x|**p (small integers or even powers): a relative error of a few ulps.
    assert np.allclose(got, norm, rtol=1e-5, atol=1e-30), (got, norm)


# ---- translation, support and registry -----------------------------------------------------------


def test_translation_shows_the_peer_call_without_the_peer():
    call = adapters.torch.conv.translate(np.ones((1, 1, 5)), np.ones((1, 1, 4)), padding="same")
    assert repr(call) == "torch.nn.functional.conv1d(x, w, None, stride=(1,), padding='same', dilation=(1,), groups=1)"
    # JAX and ONNX use their own names for their own "same" rules, with the stride.
    x, w = np.ones((1, 1, 5), np.float32), np.ones((1, 1, 2), np.float32)
    assert adapters.jax.conv.translate(x, w, stride=2, padding=((0, 1),)).keywords["padding"] == "SAME"
    assert adapters.jax.conv.translate(x, w, stride=2, padding=((1, 0),)).keywords["padding"] == "SAME_LOWER"
    assert adapters.jax.conv.translate(x, w, stride=2, padding=((1, 1),)).keywords["padding"] == ((1, 1),)
    onnx = adapters.onnxruntime.conv.translate(x, w, padding=((1, 0),))
    assert onnx.keywords["auto_pad"] == "SAME_LOWER"
    # onnxruntime#20582: SAME_* with dilation is refused by ORT, so explicit pads go instead.
    assert adapters.onnxruntime.conv.translate(x, w, padding=((1, 1),), dilation=2).keywords["pads"] == [1, 1]


def test_supports_is_the_translation():
    torch_conv = adapters.ADAPTERS["torch.conv"]
    x, w = np.ones((1, 1, 5)), np.ones((1, 1, 2))
    assert torch_conv.supports((x, w), {"padding": ((1, 1),)})
    assert not torch_conv.supports((x, w), {"padding": ((1, 0),)})
    numpy_correlate = adapters.ADAPTERS["numpy.correlate"]
    assert numpy_correlate.supports((np.ones(5), np.ones(2)), {"mode": "same"})
    assert not numpy_correlate.supports((np.ones(2), np.ones(5)), {"mode": "same"})  # numpy swaps: length 5
    assert numpy_correlate.supports((np.ones(2), np.ones(5)), {"mode": "full"})


def test_refusals_are_not_failures():
    # scipy.correlate has no stride: its problem space never holds one, so the check passes.
    result = adapters.check("scipy.correlate", dtype="float64", max_examples=20)
    assert result.passed
    # refconv.check itself, without the adapter's space, calls the adapter on strided problems too.
    direct = refconv.check(adapters.scipy.correlate, "correlate", dtype="float64", max_examples=60)
    assert not direct.passed and "Unsupported" in direct.reason


def test_registry_and_resolve():
    names = [a.name for a in adapters.adapters("scipy")]
    assert names[:2] == ["scipy.correlate", "scipy.convolve"] and "scipy.ndimage_convolve" in names
    assert adapters.resolve("torch", "max_pool")[1].name == "torch.max_pool"
    fn, info = adapters.resolve("refconv:conv")
    assert fn is refconv.conv and info is None
    assert adapters.resolve(adapters.numpy.convolve)[1].name == "numpy.convolve"
    assert all(a.conventions for a in adapters.adapters())


def test_user_function_is_checked_on_every_problem():
    assert adapters.check("refconv:conv", "conv", dtype="float64", max_examples=10).passed


def test_available_and_lazy_import(monkeypatch):
    assert adapters.available("numpy")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert not adapters.available("jax")


def test_adapter_modules_import_without_their_peers():
    code = (
        "import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'jax', 'jaxlib', 'onnx', 'onnxruntime'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Absent())\n"
        "import numpy as np\n"
        "from refconv import adapters\n"
        "from refconv.adapters import jax, onnxruntime, torch\n"
        "print(len(adapters.adapters()), repr(torch.conv.translate(np.ones((1, 1, 3)), np.ones((1, 1, 2)))))\n"
        "try:\n    jax.conv(np.ones((1, 1, 3)), np.ones((1, 1, 2)))\n"
        "except ImportError as exc:\n    print('ImportError', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "torch.nn.functional.conv1d(x, w, None" in out and "ImportError" in out
