"""A municipality's own plugin app, outside the bistand package: it registers an SSBTEK client in its
``AppConfig.ready()`` exactly as an app outside the repository would (tests/common/test_plugins.py)."""
