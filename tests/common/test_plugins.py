"""Plugins are found by registration in their app's ``AppConfig.ready()``, never by walking packages:
a municipality's own plugin app outside the bistand package (tests/plugin_app) registers itself when it
is installed and is then found like the project's own plugins; a configured plugin nobody registered
is reported by ``manage.py check``."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from bistand.common import plugins
from bistand.common.plugins import check_plugins
from bistand.identity.simulator import SimulatorProvider
from bistand.registers.ssbtek.simulator import SimulatorClient

PLUGIN_APP = "tests.plugin_app"


@pytest.fixture
def forget_the_plugin_app():
    yield
    plugins.registry._plugins.get("ssbtek", {}).pop("kommunens-egen", None)
    for name in [name for name in sys.modules if name.startswith(PLUGIN_APP)]:
        del sys.modules[name]


def test_the_projects_plugins_are_registered_by_their_apps():
    assert plugins.plugins("ssbtek")["simulator"] is SimulatorClient
    assert plugins.plugins("eid")["simulator"] is SimulatorProvider


def test_a_plugin_app_outside_the_package_registers_itself_and_is_found(settings, forget_the_plugin_app):
    assert "kommunens-egen" not in plugins.plugins("ssbtek")
    with override_settings(INSTALLED_APPS=[*django_settings.INSTALLED_APPS, PLUGIN_APP]):
        settings.BISTAND_SSBTEK_PLUGIN = "kommunens-egen"
        client = plugins.get("ssbtek")
        assert type(client).__module__ == f"{PLUGIN_APP}.client" and client.name == "kommunens-egen"
        answer = client.fetch(None, dt.date(2026, 3, 1))
        assert answer.facts == [] and answer.source == "kommunens-egen"
        assert not [w for w in check_plugins() if "kommunens-egen" in w.obj]


def test_a_configured_plugin_that_no_app_registered_is_reported_at_start_up(settings):
    settings.BISTAND_SSBTEK_PLUGIN = "kommunens-egen"
    warnings = [w for w in check_plugins() if w.obj == "ssbtek:kommunens-egen"]
    assert warnings and "Det finns inget insticksprogram 'kommunens-egen'" in warnings[0].msg
    with pytest.raises(plugins.UnknownPlugin):
        plugins.get("ssbtek")
