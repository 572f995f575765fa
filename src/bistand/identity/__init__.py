"""The identity app: e-ID (e-legitimation) for applicants and staff sign-in, as plugins of the kind
``eid`` (:mod:`bistand.common.plugins`), registered in :meth:`.apps.IdentityConfig.ready`.

* ``base.py`` — the interface: :class:`~.base.EidProvider` with ``start(request, next_url)`` and
  ``complete(request) -> EidIdentity``;
* ``simulator.py`` — a clearly labelled simulator for development, tests and the demo (pick or type a
  test personnummer); refused in production;
* ``oidc.py`` — OpenID Connect (authorization code flow with PKCE) against an e-ID broker or the
  municipality's identity provider, configured by environment variables (docs/configuration.md);
* ``staff.py`` — staff sign-in through the same OIDC adapter, with roles mapped from claims;
* ``views.py`` / ``urls.py`` — the simulator's page and the staff sign-in pages (under
  ``/e-legitimation/``).

The plugin for applicants is chosen by ``BISTAND_EID_PLUGIN`` (default ``simulator``).
"""
