"""The load test's settings (benchmarks/load.py): production, with only what a load test on one machine
over plain HTTP with simulated e-ID needs changed. Never for a real deployment."""

from .production import *  # noqa: F401,F403

SECURE_SSL_REDIRECT = False  # gunicorn is reached directly over HTTP, without a TLS proxy
SESSION_COOKIE_SECURE = False  # ... so the cookies must travel over HTTP
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
BISTAND_ALLOW_SIMULATORS = True  # applicants log in with the e-ID simulator
AXES_ENABLED = False  # 250 simulated users from one address are not an attack
