"""The plugin registry and the e-ID plugins registered in it."""

from __future__ import annotations

import pytest

from bistand.common import plugins as registry
from bistand.common.plugins import Plugin
from bistand.identity.oidc import OidcProvider
from bistand.identity.simulator import SimulatorProvider


def test_the_e_id_plugins_register_themselves():
    plugins = registry.plugins("eid")
    assert plugins["simulator"] is SimulatorProvider
    assert plugins["oidc"] is OidcProvider


def test_get_chooses_the_plugin_from_the_settings(settings):
    assert isinstance(registry.get("eid"), SimulatorProvider)
    settings.BISTAND_EID_PLUGIN = "oidc"
    assert isinstance(registry.get("eid"), OidcProvider)
    settings.BISTAND_EID_PLUGIN = "finns-inte"
    with pytest.raises(registry.UnknownPlugin) as caught:
        registry.get("eid")
    assert "oidc" in str(caught.value) and "simulator" in str(caught.value)


def test_a_new_registry_registers_and_refuses_a_second_plugin_with_the_same_name():
    own = registry.Registry()

    @own.register("demo", "a")
    class A(Plugin):
        verbose_name = "A"

    assert own.plugins("demo") == {"a": A} and A.kind == "demo" and A.name == "a"
    with pytest.raises(ValueError):
        @own.register("demo", "a")
        class B(Plugin):
            pass


def test_check_config_reports_simulators_in_production_and_unconfigured_oidc(settings):
    settings.BISTAND_ALLOW_SIMULATORS = False
    problems = registry.check_config("eid")
    assert problems and problems[0][:2] == ("eid", "simulator")
    settings.BISTAND_EID_PLUGIN = "oidc"
    settings.BISTAND_OIDC = {}
    messages = [m for _, _, m in registry.check_config("eid")]
    assert any("ISSUER" in m for m in messages) and any("CLIENT_ID" in m for m in messages)


def test_the_production_settings_switch_simulators_off(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@localhost/db")
    sys.modules.pop("bistand.settings.production", None)
    production = importlib.import_module("bistand.settings.production")
    try:
        assert production.BISTAND_ALLOW_SIMULATORS is False
    finally:
        sys.modules.pop("bistand.settings.production", None)
