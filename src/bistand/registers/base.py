"""What every plugin for an outside system has in common (Open Forms style: a registry of plugins per
kind, each with a name and a configuration check).

A plugin is a class registered with :func:`bistand.registers.registry.register` under a *kind*
(``ssbtek``, ``eid`` …) and a *name* (``simulator``, ``oidc`` …). The registry makes one instance per
call of :func:`bistand.registers.registry.get`; plugins read their configuration from Django settings
when they are used, so that a changed setting (and ``override_settings`` in tests) takes effect.
"""

from __future__ import annotations

from django.conf import settings


class PluginConfigurationError(Exception):
    """A plugin cannot be used with the current settings (message in Swedish)."""


class Plugin:
    """Base class for plugins. Subclasses set ``verbose_name`` and may override :meth:`check_config`."""

    #: Filled in by the registry: the kind and the name the plugin is registered under.
    kind: str = ""
    name: str = ""
    #: Swedish name shown to administrators.
    verbose_name: str = ""
    #: True for plugins that only simulate the outside system (development, tests, the demo). They are
    #: refused when ``BISTAND_ALLOW_SIMULATORS`` is false (the production settings).
    is_simulator: bool = False

    def check_config(self) -> list[str]:
        """Problems with the plugin's configuration, as Swedish sentences; empty when it can be used."""
        return simulator_problems(self)


def simulators_allowed() -> bool:
    """False in production (``bistand.settings.production`` sets ``BISTAND_ALLOW_SIMULATORS = False``)."""
    return bool(getattr(settings, "BISTAND_ALLOW_SIMULATORS", True))


def simulator_problems(plugin) -> list[str]:
    if getattr(plugin, "is_simulator", False) and not simulators_allowed():
        return [
            f"{plugin.verbose_name or plugin.name} är en simulator för test och får inte användas i drift "
            "(BISTAND_ALLOW_SIMULATORS är av)."
        ]
    return []
