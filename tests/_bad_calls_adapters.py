"""Bad calls of refconv.adapters: unknown targets, ops and peers (ValueError/TypeError), and problems a
peer cannot express (Unsupported, a ValueError subclass that the checker never counts as a failure).

None of these needs the peer installed: translation runs before the peer is imported."""

import numpy as np
from _bad_calls_row import bad

import refconv
from refconv import adapters
from refconv.adapters import Unsupported

x1, w1 = np.ones((1, 1, 5)), np.ones((1, 1, 2))

ROWS = [
    bad(adapters.resolve, "tensorflow", "conv") >> (ValueError, r"resolve: target='tensorflow' is not recognised"),
    bad(adapters.resolve, "torch.conv3")
    >> (ValueError, r"resolve: target='torch.conv3' is not an adapter.*'torch.conv'"),
    bad(adapters.resolve, 42) >> (TypeError, r"resolve: target=42 is not a name or a callable"),
    bad(adapters.resolve, "no_such_module_xyz:f") >> (ValueError, r"target='no_such_module_xyz:f' cannot be imported"),
    bad(adapters.resolve, "refconv:no_such_function")
    >> (ValueError, r"target='refconv:no_such_function' names no function"),
    bad(adapters.resolve, "numpy", "conv") >> (ValueError, r"resolve: op='conv' has no numpy adapter"),
    bad(adapters.check, "numpy.correlate", "conv")
    >> (ValueError, r"check: op='conv' is not what numpy.correlate implements"),
    bad(adapters.check, refconv.correlate) >> (TypeError, r"check: op=None is missing"),
    bad(adapters.check, "refconv:correlate", "correlate", like=refconv.correlate)
    >> (ValueError, r"check: like=<function correlate.*> is not an adapter"),
    bad(adapters.check, "refconv:adaptive_avg_pool", "adaptive_avg_pool")
    >> (ValueError, r"check: op='adaptive_avg_pool' is not checked"),
    bad(adapters.check, "onnxruntime.conv", dtype="float64")
    >> (Unsupported, r"onnxruntime.conv: dtype float64 \(it computes in float16, float32\)"),
    bad(adapters.available, "tensorflow") >> (ValueError, r"available: peer='tensorflow' is not recognised"),
    bad(adapters.adapters, "Torch") >> (ValueError, r"adapters: peer='Torch' .*lower case"),
    bad(adapters.torch.conv.translate, x1, w1, padding=((1, 0),))
    >> (Unsupported, r"torch.conv: asymmetric padding \(\(1, 0\),\)"),
    bad(adapters.torch.conv.translate, np.ones((1, 1, 2, 2, 2, 2)), np.ones((1, 1, 1, 1, 1, 1)))
    >> (Unsupported, r"torch.conv: spatial rank 4"),
    bad(adapters.torch.conv.translate, x1.astype(np.int64), w1.astype(np.int64))
    >> (Unsupported, r"torch.conv: dtype int64"),
    bad(adapters.torch.max_pool.translate, np.ones((2, 5)), 2, axes=0) >> (Unsupported, r"torch.max_pool: axes=0"),
    bad(adapters.torch.lp_pool.translate, np.ones((1, 4)), float("inf"), 2) >> (Unsupported, r"torch.lp_pool: p=inf"),
    bad(adapters.torch.conv.translate, x1, w1, padding="sam")
    >> (ValueError, r"torch.conv: padding='sam' is not recognised"),
    bad(adapters.numpy.correlate.translate, np.ones(5), np.ones(2), stride=2)
    >> (Unsupported, r"numpy.correlate: stride \(2,\)"),
    bad(adapters.numpy.convolve.translate, np.ones((2, 5)), np.ones((1, 2)))
    >> (Unsupported, r"numpy.convolve: rank 2"),
    bad(adapters.numpy.correlate.translate, np.ones(5), np.ones(2), mode="same", boundary="wrap")
    >> (Unsupported, r"numpy.correlate: boundary='wrap'"),
    bad(adapters.numpy.correlate.translate, np.ones(2), np.ones(5), mode="same")
    >> (Unsupported, r"numpy.correlate: mode 'same' with a kernel longer than the input"),
    bad(adapters.scipy.correlate2d.translate, np.ones(5), np.ones(2)) >> (Unsupported, r"scipy.correlate2d: rank 1"),
    bad(adapters.scipy.correlate2d.translate, np.ones((3, 3)), np.ones((2, 2)), mode="same")
    >> (Unsupported, r"scipy.correlate2d: padding \(\(1, 0\), \(1, 0\)\)"),
    bad(adapters.scipy.convolve2d.translate, np.ones((3, 3)), np.ones((3, 3)), mode="same", boundary="edge")
    >> (Unsupported, r"scipy.convolve2d: boundary='edge'"),
    bad(adapters.scipy.correlate.translate, np.ones(5), np.ones(2), mode="full", boundary="reflect")
    >> (Unsupported, r"scipy.correlate: boundary='reflect'"),
    bad(adapters.scipy.ndimage_correlate.translate, np.ones(5), np.ones(2), mode="valid")
    >> (Unsupported, r"scipy.ndimage_correlate: padding \(\(0, 0\),\)"),
    bad(adapters.scipy.fftconvolve.translate, np.ones(5, np.float16), np.ones(2, np.float16))
    >> (Unsupported, r"scipy.fftconvolve: dtype float16"),
    bad(adapters.jax.conv.translate, x1, w1, padding_mode="reflect")
    >> (Unsupported, r"jax.conv: padding_mode='reflect'"),
    bad(adapters.jax.conv.translate, np.ones((1, 5)), w1)
    >> (Unsupported, r"jax.conv: an unbatched input of shape \(1, 5\)"),
    bad(
        adapters.onnxruntime.conv_transpose.translate,
        x1.astype(np.float32),
        w1.astype(np.float32),
        dilation=2,
        output_padding=1,
    )
    >> (Unsupported, r"onnxruntime.conv_transpose: output_padding \(1,\) not below the stride \(1,\)"),
    bad(adapters.onnxruntime.avg_pool.translate, np.ones((1, 6), np.float32), (2,), divisor_override=3)
    >> (Unsupported, r"onnxruntime.avg_pool: divisor_override"),
    bad(adapters.onnxruntime.lp_pool.translate, np.ones((1, 6), np.float32), 1.5, 2)
    >> (Unsupported, r"onnxruntime.lp_pool: p=1.5"),
]

# The ONNX front end's rows (refconv.adapters.onnx) are written in _bad_calls_onnx.py.
from _bad_calls_onnx import ADAPTER_ROWS  # noqa: E402

ROWS += ADAPTER_ROWS

# Devices (refconv.adapters.torch/jax ``device=`` and ``.on(device)``): an adapter of a peer without
# devices is refused without importing anything; a device the peer lacks is refused naming `device`
# and listing the available ones (these need the peer installed, to ask it what it has).
from refconv.adapters._registry import on_device  # noqa: E402

ROWS += [
    bad(on_device, "check", adapters.numpy.correlate, adapters.numpy.correlate.adapter, "cpu")
    >> (ValueError, r"check: device='cpu' is not taken by numpy.correlate; expected an adapter of torch, jax or cupy"),
    bad(on_device, "check", refconv.conv, None, "cuda") >> (ValueError, r"check: device='cuda' is not taken by"),
]
if adapters.available("torch"):
    ROWS += [
        bad(adapters.torch.conv.on, "cuda:99")
        >> (ValueError, r"torch.conv: device='cuda:99' is not available here; expected one of 'cpu'"),
        bad(adapters.torch.conv.on, "gpu") >> (ValueError, r"torch.conv: device='gpu' is not a torch device"),
        bad(adapters.torch.conv.on, 3) >> (TypeError, r"torch.conv: device=3 is not a device name or a torch.device"),
        bad(adapters.torch.max_pool.translate, np.ones((1, 4)), 2, device="cuda:99")
        >> (ValueError, r"torch.max_pool: device='cuda:99' is not available here; expected one of 'cpu'"),
    ]
if adapters.available("jax"):
    ROWS += [
        bad(adapters.jax.conv.on, "tpu:99")
        >> (ValueError, r"jax.conv: device='tpu:99' is not available here; expected one of 'cpu:0'"),
        bad(adapters.jax.conv.on, "gpu:x") >> (ValueError, r"jax.conv: device='gpu:x' is not '<platform>'"),
        bad(adapters.jax.conv.on, 3) >> (TypeError, r"jax.conv: device=3 is not a device name or a jax.Device"),
        bad(adapters.jax.avg_pool.translate, np.ones(4), 2, device="cuda:99")
        >> (ValueError, r"jax.avg_pool: device='cuda:99' is not available here"),
    ]

# cupy (refconv.adapters.cupy): the scipy adapters' refusals under cupy's names, and devices that are
# not CUDA devices, refused before cupy is imported (so these hold with or without cupy).
ROWS += [
    bad(adapters.cupy.correlate.translate, np.ones(5), np.ones(2), stride=2)
    >> (Unsupported, r"cupy.correlate: stride \(2,\) is not supported by the peer"),
    bad(adapters.cupy.convolve.translate, np.ones(5), np.ones(3), mode="same", boundary="wrap")
    >> (Unsupported, r"cupy.convolve: boundary='wrap' \(scipy.signal pads with zeros\)"),
    bad(adapters.cupy.correlate2d.translate, np.ones((3, 3)), np.ones((2, 2)), mode="same")
    >> (Unsupported, r"cupy.correlate2d: padding \(\(1, 0\), \(1, 0\)\) \(its modes: valid"),
    bad(adapters.cupy.convolve2d.translate, np.ones(5), np.ones(2))
    >> (Unsupported, r"cupy.convolve2d: rank 1 \(convolve2d is 2-D\)"),
    bad(adapters.cupy.ndimage_correlate.translate, np.ones(5), np.ones(3), mode="full")
    >> (Unsupported, r"cupy.ndimage_correlate: padding \(\(2, 2\),\) \(ndimage's output has the input's shape"),
    bad(adapters.cupy.fftconvolve.translate, np.ones(5, np.int64), np.ones(2, np.int64))
    >> (Unsupported, r"cupy.fftconvolve: dtype int64 \(it computes in float32, float64\)"),
    bad(adapters.cupy.correlate.on, "cpu")
    >> (ValueError, r"cupy.correlate: device='cpu' is not a CUDA device name \(cupy computes on CUDA devices\)"),
    bad(adapters.cupy.correlate.on, "cuda:x") >> (ValueError, r"cupy.correlate: device='cuda:x' is not a CUDA device"),
    bad(adapters.cupy.convolve.on, -1) >> (ValueError, r"cupy.convolve: device=-1 is negative; expected 'cuda'"),
    bad(adapters.cupy.convolve.on, 1.0)
    >> (TypeError, r"cupy.convolve: device=1.0 is not a device name, an int or a cupy.cuda.Device"),
    bad(adapters.cupy.convolve.translate, np.ones(5), np.ones(2), device=True) >> (TypeError, r"device=True is not"),
    bad(adapters.cupy.ndimage_convolve.translate, np.ones(5), np.ones(2), mode="same", device="cuda:99")
    >> (ValueError, r"cupy.ndimage_convolve: device='cuda:99' is not available here"),
]
