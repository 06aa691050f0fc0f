"""Hypothesis profiles for the whole suite: ``HYPOTHESIS_PROFILE=ci|dev|thorough``.

``ci`` (the default) keeps the default test run under 10 minutes on 2 cores; ``dev`` is quicker
for editing; ``thorough`` runs ten times ``ci``'s examples.
"""

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
settings.register_profile("dev", max_examples=20, **_common)
settings.register_profile("thorough", max_examples=600, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
