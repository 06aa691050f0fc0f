"""pytest plugin for mutation runs (tools/mutation.sh loads it with ``-p mutation_plugin``).

refconv memoizes specs (:mod:`refconv.spec`) and small matrices (:mod:`refconv.methods`).  mutmut
maps each mutated function to the tests that call it; a test served from a cache never calls the
function, so the map would miss it and the mutant would be run against too few tests.  Emptying
the caches before every test makes each test compute what it reads.

A mutant that breaks a memory guard (``refconv.spec.check_cells``) lets a bad-call test allocate
what the guard refuses (gigabytes); the kernel would kill the test process, which mutmut records
as a crash ("segfault"), not a kill.  The address space is therefore capped
(``MUTATION_MEMORY_GB``, default 12): such a test fails with ``MemoryError``, and the mutant is
killed by the test that states the guard.
"""

import os
import resource

import pytest


def pytest_configure(config):
    limit = int(float(os.environ.get("MUTATION_MEMORY_GB", "12")) * 2**30)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


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
