"""The plugin registry for outside systems: register data (SSBTEK), e-ID, … (Open Forms style: a
registry of plugins per kind, each with a name and a configuration check).

A plugin is a class registered under a *kind* (``ssbtek``, ``eid`` …) and a *name* (``simulator``,
``oidc`` …), next to its class::

    from bistand.common.plugins import Plugin, register

    @register("ssbtek", "simulator")
    class SimulatorClient(SsbtekClient): ...

The module that holds it is imported by its app's ``AppConfig.ready()`` (``bistand.registers`` for
SSBTEK, ``bistand.identity`` for e-ID): plugins are found by registration, never by walking packages, so
a municipality can add its own plugin in an app of its own outside the repository — list the app in
``INSTALLED_APPS`` and import the plugin's module in its ``ready()``. A plugin that is configured but
not registered fails at start-up (``manage.py check``) and on use, never silently.

Using the configured plugin of a kind::

    from bistand.common import plugins
    client = plugins.get("ssbtek")          # BISTAND_SSBTEK_PLUGIN, default "simulator"
    provider = plugins.get("eid")           # BISTAND_EID_PLUGIN, default "simulator"

The setting of a kind is ``BISTAND_<KIND>_PLUGIN`` (upper case); its default is ``simulator``. The
registry makes one instance per call of :func:`get`; plugins read their configuration from Django
settings when they are used, so that a changed setting (and ``override_settings`` in tests) takes effect.

:func:`check_config` asks the configured plugin of each kind whether it can be used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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


T = TypeVar("T", bound=type)

DEFAULT_PLUGIN = "simulator"


class UnknownPlugin(LookupError):
    """No plugin of that kind and name is registered."""


class Registry:
    def __init__(self) -> None:
        self._plugins: dict[str, dict[str, type]] = {}

    # --- registering -----------------------------------------------------------------------------
    def register(self, kind: str, name: str) -> Callable[[T], T]:
        """Class decorator: make ``cls`` the plugin ``name`` of ``kind``."""

        def decorator(cls: T) -> T:
            existing = self._plugins.setdefault(kind, {}).get(name)
            if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
                raise ValueError(f"a {kind} plugin named {name!r} is already registered ({existing.__qualname__})")
            cls.kind = kind  # type: ignore[attr-defined]
            cls.name = name  # type: ignore[attr-defined]
            self._plugins[kind][name] = cls
            return cls

        return decorator

    # --- finding ---------------------------------------------------------------------------------
    def plugins(self, kind: str) -> dict[str, type]:
        """Every registered plugin of ``kind``: name → class."""
        return dict(self._plugins.get(kind, {}))

    def configured_name(self, kind: str) -> str:
        return getattr(settings, f"BISTAND_{kind.upper()}_PLUGIN", None) or DEFAULT_PLUGIN

    def get(self, kind: str, name: str | None = None, **kwargs: Any):
        """A new instance of the plugin ``name`` of ``kind`` (default: the one the settings choose).
        Raises :class:`UnknownPlugin` for a name nobody registered."""
        name = name or self.configured_name(kind)
        plugins = self.plugins(kind)
        try:
            cls = plugins[name]
        except KeyError:
            known = ", ".join(sorted(plugins)) or "inga"
            raise UnknownPlugin(
                f"Det finns inget insticksprogram {name!r} för {kind}. Registrerade: {known}."
            ) from None
        return cls(**kwargs)

    def check_config(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        """Problems of the configured plugin of ``kind`` (every kind when None):
        ``[(kind, plugin name, Swedish message), …]``."""
        kinds = [kind] if kind else sorted(set(self._plugins) | set(_KNOWN_KINDS))
        problems: list[tuple[str, str, str]] = []
        for each in kinds:
            name = self.configured_name(each)
            try:
                plugin = self.get(each, name)
            except UnknownPlugin as error:
                problems.append((each, name, str(error)))
                continue
            except PluginConfigurationError as error:
                problems.append((each, name, str(error)))
                continue
            problems.extend((each, name, message) for message in plugin.check_config())
        return problems


def check_plugins(app_configs=None, **kwargs):
    """``manage.py check`` (and every command that runs the checks) warns about each problem with the
    configured plugins of outside systems (e.g. a simulator where simulators are not allowed, or a
    configured plugin that no installed app registered). Registered by the apps that have plugins."""
    from django.core import checks

    return [
        checks.Warning(message, hint=f"Ändra BISTAND_{kind.upper()}_PLUGIN eller insticksprogrammets inställningar.",
                       id=f"bistand.registers.W{index:03d}", obj=f"{kind}:{name}")
        for index, (kind, name, message) in enumerate(check_config(), start=1)
    ]


#: Kinds whose configured plugin is always checked by :meth:`Registry.check_config`.
_KNOWN_KINDS = ("eid", "ssbtek")

registry = Registry()
register = registry.register
get = registry.get
plugins = registry.plugins
check_config = registry.check_config

__all__ = [
    "Plugin",
    "PluginConfigurationError",
    "Registry",
    "UnknownPlugin",
    "check_config",
    "check_plugins",
    "get",
    "plugins",
    "register",
    "registry",
    "simulator_problems",
    "simulators_allowed",
]
