"""The README's table of real layers: outputs over the float32 bound, per layer, for torch CPU
float32 and for emulated reduced-precision products (TF32, bfloat16), on the quick layer table.

    .venv/bin/python tools/layer_fractions.py            # prints the Markdown table (about 1 minute)

An implementation with "TF32 products" rounds both operands to 10 fraction bits (round to nearest,
ties to even; as tensor cores read float32 under ``allow_tf32``) and convolves the rounded values
in float32 with torch; "bfloat16 products" rounds them to 7.  Both are judged against the float32
bound (``F32_F32_F32``): each cell is the fraction of the layer's outputs over the bound with the
``normal`` operands / the ``adversarial`` ones (see :mod:`refconv.layer_tables`).
"""

from __future__ import annotations

from refconv.adapters import torch as torch_adapter
from refconv.bounds import round_to
from refconv.layer_tables import check_layers, layers

TORCH = {"conv": torch_adapter.conv, "conv_transpose": torch_adapter.conv_transpose}


def rounded_products(fmt: str) -> dict:
    """torch's conv and conv_transpose on operands rounded to ``fmt`` (``refconv.bounds.round_to``:
    to nearest, ties to even) and kept in float32."""

    def wrap(f):
        return lambda x, w, b, **kw: f(round_to(x, fmt), round_to(w, fmt), b, **kw)

    return {op: wrap(f) for op, f in TORCH.items()}


def _share(fraction: float) -> str:
    """A fraction of outputs: 0 only when none, else two significant digits."""
    return "0" if fraction == 0 else f"{fraction:.2g}"


def main() -> None:
    impls = {
        "torch CPU float32": TORCH,
        "TF32 products": rounded_products("tf32"),
        "bfloat16 products": rounded_products("bf16"),
    }
    reports = {
        (name, operands): check_layers(impl, "all", operands=operands)
        for name, impl in impls.items()
        for operands in ("normal", "adversarial")
    }
    print("| layer | outputs | " + " | ".join(impls) + " |")
    print("|---|---:|" + "---:|" * len(impls))
    for i, layer in enumerate(layers("all")):
        cells = []
        for name in impls:
            a, b = (reports[name, ops].rows[i] for ops in ("normal", "adversarial"))
            cells.append(f"{_share(a.fraction)} / {_share(b.fraction)}")
        print(
            f"| `{layer.name}` | {reports[next(iter(impls)), 'normal'].rows[i].outputs:,} | " + " | ".join(cells) + " |"
        )
    caught = {(name, ops): sum(not row.passed for row in report.rows) for (name, ops), report in reports.items()}
    total = len(layers("all"))
    print()
    print(
        "| layers failed (normal / adversarial) | | "
        + " | ".join(f"{caught[name, 'normal']} / {caught[name, 'adversarial']} of {total}" for name in impls)
        + " |"
    )


if __name__ == "__main__":
    main()
