"""Project-wide test configuration. Shared factories live in tests/factories.py."""

from hypothesis import HealthCheck, settings

# The machines that run the suite are shared and often loaded many times over: a property test's examples are
# judged by what they assert, never by how long one took (Hypothesis's default 200 ms deadline made
# tests/research/test_anonymise.py fail once under load). Tests that want a tighter bound still set their own.
settings.register_profile("bistand", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bistand")
