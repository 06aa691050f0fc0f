"""Checks that ``refconv figures`` draws what the library computes (no matplotlib needed).

Each figure's data function builds its picture one way (mostly from :func:`refconv.conv_matrix`);
here it is compared with the library's *other* route to the same fact — perturbation through
:func:`refconv.correlate`, :func:`refconv.receptive.receptive_field`, the max-pooling shift
condition of :mod:`refconv.properties`, the structure predicates.
"""

from __future__ import annotations

import numpy as np

from . import Check

__all__ = ["figures_data", "CHECKS"]


def figures_data() -> str:
    import sympy

    from .. import figures as F
    from ..convolution import correlate
    from ..matrices import conv_matrix
    from ..pooling import max_pool
    from ..properties import max_pool_shift, parameter_sharing, receptive_field_growth, sparse_interactions
    from ..receptive import receptive_field

    checked = []
    d1 = F.figure_9_1_data()
    y = conv_matrix(d1.kernel, d1.input.shape, format="sympy") * sympy.Matrix(d1.input.ravel().tolist())
    assert all(sympy.expand(a - b) == 0 for a, b in zip(y, d1.output.ravel())), (y, d1.output)
    rows, cols = receptive_field([((2, 2),)]).cells((0, 0))  # the cells output (0, 0) reads, by the index map
    assert set(d1.region) == {(int(r), int(c)) for r in rows for c in cols}, d1.region
    checked.append("9.1")

    measured = sparse_interactions(correlate, (5,), (3,), mode="same").dependence  # by perturbation
    for d in (F.figure_9_2_data(), F.figure_9_3_data()):
        assert (d.sparse_pattern == measured).all(), (d.view, d.sparse_pattern, measured)
    checked.append("9.2/9.3")

    d4 = F.figure_9_4_data(depth=3)
    field = receptive_field_growth(correlate, list(d4.layers), (5,))
    cells = field.cells((d4.unit,))[0]
    assert d4.reach[-1].tolist() == cells[(cells >= 0) & (cells < 5)].tolist(), (d4.reach, cells)
    checked.append("9.4")

    d5 = F.figure_9_5_data()
    uses = parameter_sharing(correlate, (5,), (3,), mode="same").uses
    assert int(d5.conv_uses.sum()) == uses[sorted(uses, key=str)[1]] == 5, (d5.conv_uses, uses)  # central tap
    checked.append("9.5")

    d6 = F.figure_9_6_data(np.arange(12, dtype=np.int64).reshape(3, 4) ** 2)  # no photograph needed
    assert np.allclose(d6.edges, np.diff(d6.image, axis=1)), d6.edges
    checked.append("9.6")

    d8 = F.figure_9_8_data()
    shift = max_pool_shift(max_pool, np.array(d8.z, dtype=object), 3, 1, stride=1)
    assert (shift.unchanged == d8.pooled_unchanged).all() and shift.fraction == d8.fractions[1], shift
    checked.append("9.8")

    for make in (F.toeplitz_data, F.doubly_block_toeplitz_data, F.doubly_block_circulant_data):
        d = make()
        assert d.structure, d.structure.why
        assert (d.labels != "").sum() == sum(1 for v in d.matrix if v != 0)
    checked.append("3 matrix pictures")
    return "figure data agree with perturbation, receptive fields, the pooling shift condition: " + ", ".join(checked)


CHECKS = [
    Check(
        "figures-data",
        "The figures `refconv figures` draws show what the library computes, by a second route",
        "figs. 9.1-9.6, 9.8; §9.1",
        "each figure's data vs perturbation (correlate), receptive_field, max_pool_shift, structure predicates",
        figures_data,
        "For graphical demonstrations of sparse connectivity, see figure 9.2 and figure 9.3.",
    ),
]
