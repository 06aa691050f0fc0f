"""What refconv's checker finds on a device: one Markdown table, ready for the README's findings.

    .venv/bin/python tools/gpu_findings.py                       # on a machine with a CUDA GPU
    .venv/bin/python tools/gpu_findings.py --device cuda:1 --out findings.md
    .venv/bin/python tools/gpu_findings.py --device cpu --quick  # the same rows on the CPU

For each peer with a device -- PyTorch (``torch.nn.functional`` on cuDNN), JAX (XLA), CuPy
(``cupyx.scipy``) -- and each setting of the flags that decide its float32 arithmetic:

- **the quick layer table** (:mod:`refconv.layer_tables`: ResNet-50, MobileNetV2, UNet,
  wav2vec 2.0, 3-D ResNet shapes at CI size, real channel counts), float32, checked by
  :func:`refconv.layer_tables.check_layers` under the float32 bound (``F32_F32_F32``) and, where
  TF32 is on, under ``TORCH_CUDA_F32_DEFAULT`` (TF32 operands, float32 accumulation): outputs over
  the bound (count and fraction of all outputs), the worst ``|error| / bound``, the time;
- **every device adapter** (:func:`refconv.adapters.check`, float32, random problems of the
  adapter's space) without and with the flush-to-zero model (``F32_F32_F32_FTZ``): passed, or the
  reduced counterexample (listed under the table).  Known findings that are conventions, not
  arithmetic (torch's ``lp_pool`` formula), are left out; the subnormal ones are what the FTZ
  column is for, so they are not.

torch runs twice on a CUDA device: TF32 on (``torch.backends.cudnn.allow_tf32`` and
``torch.backends.cuda.matmul.allow_tf32`` True; cuDNN's default for convolutions) and off, each
under ``torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=False, ...)``.
JAX runs with its default precision (``jax_default_matmul_precision``, recorded).  The device is
mapped per peer: ``--device cuda:1`` is torch's ``cuda:1``, JAX's ``gpu:1``, cupy's ``cuda:1``;
``--device cpu`` is torch's and JAX's CPU, and cupy is absent (it computes on CUDA devices only).
A peer that is not installed, or lacks the device, is a row saying so ("absent"); the rest runs.

Options: ``--quick`` (30 examples per adapter check instead of 200; normal operands only, not
also the adversarial ones), ``--layers N`` (the first N layers of the table), ``--ops conv,...``
(the adapter checks of these ops only; ``none`` for none), ``--peers torch,jax,cupy``,
``--out FILE`` (write the Markdown there as well as printing it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import platform
import sys
import time
from collections.abc import Callable, Iterator

PEERS = ("torch", "jax", "cupy")
#: Layer-table ops each peer has device adapters for (cupy's adapters are plain correlate/convolve).
LAYER_OPS = {"torch": ("conv", "conv_transpose"), "jax": ("conv", "conv_transpose"), "cupy": ()}
HEADER = (
    "| peer | device | flags | op / layer table | examples or layers | outputs over the bound (fraction) "
    "| worst ratio | time (s) |"
)
RULE = "|---|---|---|---|---:|---:|---:|---:|"


@dataclasses.dataclass
class Row:
    """One line of the table (``over`` is the outputs-over-the-bound cell, already written)."""

    peer: str
    device: str
    flags: str
    what: str
    size: str = ""
    over: str = ""
    worst: float | None = None
    seconds: float | None = None

    def markdown(self) -> str:
        worst = "" if self.worst is None else f"{self.worst:.3g}"
        seconds = "" if self.seconds is None else f"{self.seconds:.1f}"
        cells = (self.peer, self.device, self.flags, self.what, self.size, self.over, worst, seconds)
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


class Absent(Exception):
    """The peer, or the device, is not here: the row says so and the run goes on."""


def peer_device(peer: str, device: str) -> str:
    """``--device`` in ``peer``'s own naming (Absent where the peer has no such kind of device)."""
    kind, _, index = device.partition(":")
    if peer == "jax":
        return f"{'gpu' if kind == 'cuda' else kind}:{index or 0}"
    if peer == "cupy" and kind != "cuda":
        raise Absent(f"cupy computes on CUDA devices only, not {device!r}")
    return device


def _version(peer: str) -> str:
    try:
        return importlib.metadata.version(peer)
    except importlib.metadata.PackageNotFoundError:
        return "?"


@contextlib.contextmanager
def _torch_tf32(on: bool) -> Iterator[None]:
    """TF32 on or off for cuDNN convolutions and CUDA matmuls, restored afterwards."""
    import torch

    matmul = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = on
    try:
        with torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=False, allow_tf32=on):
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul


def settings(peer: str, device: str) -> list[tuple[str, Callable[[], contextlib.AbstractContextManager], tuple]]:
    """``(flags label, context manager, layer-table presets)`` for each flag setting to run ``peer`` under."""
    f32 = ("F32_F32_F32",)
    if peer == "torch" and device.startswith("cuda"):
        return [
            ("allow_tf32=True (default)", lambda: _torch_tf32(True), f32 + ("TORCH_CUDA_F32_DEFAULT",)),
            ("allow_tf32=False", lambda: _torch_tf32(False), f32),
        ]
    if peer == "jax":
        from refconv.adapters import jax as adapter

        precision = adapter.math_flags()["jax_default_matmul_precision"]
        return [(f"jax_default_matmul_precision={precision}", contextlib.nullcontext, f32)]
    if peer == "cupy":
        return [("-ftz=true (always)", contextlib.nullcontext, f32)]
    return [("-", contextlib.nullcontext, f32)]


def layer_rows(peer: str, device: str, flags: str, presets: tuple, opt: argparse.Namespace) -> list[Row]:
    """``check_layers`` of ``peer``'s conv and conv_transpose on ``device``, one row per preset and operands."""
    from refconv import adapters
    from refconv.layer_tables import check_layers, layers

    rows = layers("all")[: opt.layers] if opt.layers else layers("all")
    module = getattr(adapters, peer)
    impls = {op: getattr(module, op).on(device) for op in LAYER_OPS[peer] if any(r.op == op for r in rows)}
    out = []
    for operands in ("normal",) if opt.quick else ("normal", "adversarial"):
        for preset in presets:
            start = time.perf_counter()
            report = check_layers(impls, list(rows), dtype="float32", arithmetic=preset, operands=operands)
            seconds = time.perf_counter() - start
            over = sum(r.over for r in report.rows)
            outputs = sum(r.outputs for r in report.rows)
            worst = max(r.worst_ratio for r in report.rows)
            out.append(
                Row(
                    peer,
                    device,
                    flags,
                    f"quick layer table ({operands} operands), {preset}",
                    f"{len(report.rows)} layers, {len(report.failed)} failed",
                    f"{over:,} of {outputs:,} ({over / outputs:.3g})",
                    worst,
                    seconds,
                )
            )
    return out


def _where(info) -> Callable[[tuple, dict], bool]:
    """Problems that no finding of ``info`` touches, except the subnormal ones (the FTZ model's)."""
    from refconv.adapters import no_subnormals

    conventions = [f for f in info.findings if f.avoids is not no_subnormals]
    return lambda args, kwargs: all(f.avoids(args, kwargs) for f in conventions)


def _counterexample(result) -> str:
    """The reduced counterexample in one line: the call, small operands' values, got / exact / bound."""
    problem = result.counterexample
    values = [
        f"{name}={a.ravel().tolist()}"
        for name, a in zip(("x", "w"), problem.args)
        if hasattr(a, "ravel") and a.size <= 8
    ]
    where = f"got {result.got!r}, exact {result.expected!r}, bound {result.bound!r} at {result.index}"
    return "; ".join([f"`{problem.describe()}`", *values, f"{result.reason}: {where}"])


def check_rows(peer: str, device: str, flags: str, opt: argparse.Namespace, notes: list) -> list[Row]:
    """``adapters.check`` of each of ``peer``'s adapters on ``device``, without and with the FTZ model."""
    from refconv import adapters
    from refconv.exact import OPS

    out = []
    for info in adapters.adapters(peer):
        if info.op not in OPS or (opt.ops is not None and info.op not in opt.ops) or "float32" not in info.dtypes:
            continue
        for arithmetic in ("F32_F32_F32", "F32_F32_F32_FTZ"):
            start = time.perf_counter()
            what = f"{info.name} ({info.op}), {arithmetic}"
            try:
                result = adapters.check(
                    info.name, device=device, dtype="float32", arithmetic=arithmetic, where=_where(info), **opt.budget
                )
            except ValueError as exc:  # a model refconv has no bound for (FTZ pools), said in the row
                out.append(Row(peer, device, flags, what, "", f"not run: {exc}".split("; expected")[0]))
                continue
            seconds = time.perf_counter() - start
            if result.passed:
                over = "0 (passed)"
            else:
                size = sum(getattr(a, "size", 1) for a in result.counterexample.args[:2])
                over = f"failed: counterexample [{len(notes) + 1}] of {size} elements"
                notes.append(f"{peer} {device} {flags}, {what}: {_counterexample(result)}")
            out.append(Row(peer, device, flags, what, f"{result.examples} examples", over, result.worst_ratio, seconds))
    return out


def peer_rows(peer: str, opt: argparse.Namespace, notes: list) -> list[Row]:
    """Every row of one peer; an absent peer or device is one row that says why."""
    from refconv import adapters

    label = f"{peer} {_version(peer)}"
    try:
        device = peer_device(peer, opt.device)
        if not adapters.available(peer):
            raise Absent(f"{peer} is not installed")
        try:  # the peer's first adapter, bound to the device: refused where the peer lacks it
            on = adapters.resolve(adapters.adapters(peer)[0].name)[0].on(device)
        except ValueError as exc:
            raise Absent(str(exc)) from None
    except Absent as exc:
        return [Row(peer, opt.device, "", "", "", f"absent: {exc}")]
    rows = []
    for flags, context, presets in settings(peer, on.device):
        with context():
            if LAYER_OPS[peer] and opt.layers != 0:
                rows += layer_rows(peer, on.device, flags, presets, opt)
            rows += check_rows(peer, on.device, flags, opt, notes)
    return [dataclasses.replace(r, peer=label) for r in rows]


def _machine(device: str) -> str:
    """The device in words: the CUDA device's name where torch can tell, else the CPU."""
    with contextlib.suppress(Exception):
        import torch

        if device.startswith("cuda") and torch.cuda.is_available():
            return torch.cuda.get_device_name(torch.device(device))
    return f"CPU ({platform.processor() or platform.machine()})"


def markdown(rows: list[Row], notes: list[str], opt: argparse.Namespace, seconds: float) -> str:
    """The table, the command that made it, and the counterexamples it refers to."""
    import refconv

    lines = [
        f"refconv {refconv.__version__}, `{' '.join(['tools/gpu_findings.py', *opt.argv])}` on "
        f"{_machine(opt.device)}, {seconds:.0f} s; float32 throughout; a worst ratio over 1 is outside the bound.",
        "",
        HEADER,
        RULE,
        *(r.markdown() for r in rows),
    ]
    if notes:
        lines += ["", "Counterexamples (reduced):", ""]
        lines += [f"{i}. {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line (see the module's notes)."""
    parser = argparse.ArgumentParser(prog="tools/gpu_findings.py", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="'cuda', 'cuda:1', 'cpu' (default: cuda)")
    parser.add_argument("--quick", action="store_true", help="30 examples per check, normal operands only")
    parser.add_argument("--layers", type=int, default=None, help="only the first N layers of the quick table")
    parser.add_argument("--ops", default=None, help="adapter checks of these ops only (comma-separated; 'none')")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated, of torch,jax,cupy")
    parser.add_argument("--out", default=None, help="also write the Markdown to this file")
    opt = parser.parse_args(argv)
    peers = [p for p in opt.peers.split(",") if p]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"--peers: {unknown} is not among {list(PEERS)}")
    if opt.layers is not None and opt.layers < 0:
        parser.error(f"--layers: {opt.layers} is negative")
    opt.peers = peers
    opt.ops = None if opt.ops is None else [] if opt.ops == "none" else opt.ops.split(",")
    opt.budget = {"max_examples": 30 if opt.quick else 200, "seed": 0}
    opt.argv = argv
    return opt


def main(argv: list[str] | None = None) -> int:
    """Run every row, print the Markdown (and write ``--out``); 0 when it ran, whatever it found."""
    opt = parse(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    rows: list[Row] = []
    notes: list[str] = []
    for peer in opt.peers:
        rows += peer_rows(peer, opt, notes)
    text = markdown(rows, notes, opt, time.perf_counter() - start)
    print(text, end="")
    if opt.out:
        with open(opt.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
