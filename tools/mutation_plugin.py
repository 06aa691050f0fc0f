"""pytest plugin for mutation runs (tools/mutation.sh loads it with ``-p mutation_plugin``).

refconv memoizes specs (:mod:`refconv.spec`) and small matrices (:mod:`refconv.methods`).  mutmut
maps each mutated function to the tests that call it; a test served from a cache never calls the
function, so the map would miss it and the mutant would be run against too few tests.  Emptying
the caches before every test makes each test compute what it reads.
"""

import pytest


@pytest.fixture(autouse=True)
def _fresh_refconv_caches():
    from refconv import spec
    from refconv.methods import dense, direct, sparse

    caches = (
        spec.plain_spec,
        spec.layer_spec,
        spec.pool_spec,
        dense.dense_matrix,
        sparse.sparse_matrix,
        direct._flat_plan,
        spec.adjoint_phases,
    )
    for cached in caches:
        cached.cache_clear()
    yield
