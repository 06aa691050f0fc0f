"""Real layer shapes, and checking an implementation on them: :func:`check_layers`, :func:`heatmap`.

Bugs in convolution kernels live at layer sizes: tiling, split-K reductions, vectorised tails,
and the device's arithmetic (TF32, bfloat16) over thousands of taps.  :data:`TABLES` holds the
shapes of real layers, each row a :class:`Layer` with its source (the paper and the torchvision
or fairseq module it is read from):

=================  ==========================================================================
``"resnet50"``     ResNet-50 (He et al. 2016, torchvision ``resnet50``, v1.5: stride in the
                   3x3): the 7x7 stride-2 stem, 1x1 and 3x3 bottleneck convolutions of every
                   stage, the stride-2 3x3s and the stride-2 1x1 downsampling projections
``"mobilenetv2"``  MobileNetV2 (Sandler et al. 2018, torchvision ``mobilenet_v2``): the stem,
                   depthwise 3x3 (stride 1 and 2, ``groups = channels``), pointwise 1x1
                   expansions and projections
``"unet"``         UNet's 2x2 stride-2 up-convolution (Ronneberger et al. 2015), as
                   ``nn.ConvTranspose2d(c, c // 2, 2, stride=2)`` (milesial/Pytorch-UNet)
``"wav2vec2"``     the wav2vec 2.0 feature encoder (Baevski et al. 2020; fairseq
                   ``conv_feature_layers``): kernel 10 stride 5 on the waveform, then kernel 3
                   and kernel 2 stride 2 at 512 channels
``"video3d"``      3x3x3 convolutions of a 3-D ResNet (Tran et al. 2018, torchvision ``r3d_18``)
=================  ==========================================================================

Every row has two input shapes.  ``size="full"`` is the real one, at a batch of 8 images (4
waveforms of one second at 16 kHz, 2 clips of 16 frames); ``size="quick"`` is CI-sized: batch 1
and the spatial sides cut (channels, kernels, strides, pads and groups stay as they are, so the
reduction depth of every output is the real one), so that the exact reference of each layer
takes well under a second.  ``"all"`` is every table, in the order above.

:func:`check_layers` draws seeded random operands per layer, computes the exact, correctly
rounded reference and the rigorous bound once (:mod:`refconv.conformance`'s judgement, which
reads :mod:`refconv.exact` and :mod:`refconv.bounds`), runs the implementation, and reports per
layer the outputs over the bound (count and fraction), the worst ``|error| / bound``, the time,
and where the excess lies: a map of the worst ratio over the output plane, which
:func:`heatmap` draws (tile edges of a blocked kernel show up as lines).

Operands
--------
``operands="normal"`` draws ``x`` and ``w`` from the standard normal distribution (signed, as
real activations before a nonlinearity and real weights are).  Rounding errors of random signed
operands cancel like a random walk (``~sqrt(n)``) while the rigorous bound grows like ``n`` with
the ``n`` taps of an output, so on deep layers (a 3x3 convolution over 512 channels: 4,608
taps) an implementation that rounds its operands to TF32 stays inside the float32 bound.
``operands="adversarial"`` draws positive operands whose bits below bfloat16's and TF32's
precision are ``1010...``: any rounding of them to a shorter significand errs in the same
direction for every operand, the errors add up like ``n``, and reduced-precision products are
caught on every layer of the tables; a correct float32 implementation still passes.
"""

from __future__ import annotations

from ._report import LayerResult, LayersReport, check_layers, heatmap
from ._tables import TABLES, Layer, layers

__all__ = ["Layer", "TABLES", "LayerResult", "LayersReport", "check_layers", "heatmap", "layers"]
