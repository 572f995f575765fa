"""The plugin registry for outside systems: register data (SSBTEK), e-ID, …

Registering a plugin (next to its class)::

    from bistand.registers.registry import register

    @register("ssbtek", "simulator")
    class SimulatorClient(SsbtekClient): ...

Using the configured plugin of a kind::

    from bistand.registers import registry
    client = registry.get("ssbtek")          # BISTAND_SSBTEK_PLUGIN, default "simulator"
    provider = registry.get("eid")           # BISTAND_EID_PLUGIN, default "simulator"

The setting of a kind is ``BISTAND_<KIND>_PLUGIN`` (upper case); its default is ``simulator``. The
plugins of a kind live in the package ``bistand.registers.<kind>``: every module in it is imported the
first time the kind is used, so a plugin registers itself just by being there.

:func:`check_config` asks the configured plugin of each kind whether it can be used.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

from .base import PluginConfigurationError

T = TypeVar("T", bound=type)

DEFAULT_PLUGIN = "simulator"


class UnknownPlugin(LookupError):
    """No plugin of that kind and name is registered."""


class Registry:
    def __init__(self) -> None:
        self._plugins: dict[str, dict[str, type]] = {}
        self._loaded: set[str] = set()

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
    def _load(self, kind: str) -> None:
        """Import every module of the package ``bistand.registers.<kind>`` once (they register
        themselves)."""
        if kind in self._loaded:
            return
        self._loaded.add(kind)
        try:
            package = importlib.import_module(f"{__package__}.{kind}")
        except ModuleNotFoundError as error:
            if error.name != f"{__package__}.{kind}":
                raise
            return
        for module in pkgutil.iter_modules(getattr(package, "__path__", [])):
            importlib.import_module(f"{package.__name__}.{module.name}")

    def plugins(self, kind: str) -> dict[str, type]:
        """Every registered plugin of ``kind``: name → class."""
        self._load(kind)
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


#: Kinds whose configured plugin is always checked by :meth:`Registry.check_config`.
_KNOWN_KINDS = ("eid", "ssbtek")

registry = Registry()
register = registry.register
get = registry.get
plugins = registry.plugins
check_config = registry.check_config

__all__ = ["Registry", "UnknownPlugin", "check_config", "get", "plugins", "register", "registry"]
