"""Which reader `bistand calculate --batch` uses, chosen explicitly (no ``try: import … except ImportError``).

The compiled reader (``bistand.engine._linescan``, `_linescan.c`) is built at install where a C compiler
is there (setup.py); the pure-Python reader (msgspec) gives the same results about two and a half times
slower. The environment variable ``BISTAND_BATCH_READER`` chooses:

- ``auto`` (the default; also when the variable is unset or empty): the compiled reader when it was built,
  else the pure-Python one;
- ``compiled``: the compiled reader; when it was not built, `ReaderChoiceError` says so (a machine that is
  meant to have it does not silently go without);
- ``python``: the pure-Python reader; the compiled one is never imported.

Any other value is a `ReaderChoiceError` naming the variable. Whether the compiled reader was built is
asked of the import system with ``importlib.util.find_spec`` (it finds the extension module without
loading it); when it was built and is chosen, ``batch_io`` imports it with a plain import, so a reader that
is there but cannot be loaded fails loudly instead of being taken for "not built".
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping

#: The environment variable, its values, and the compiled reader's module.
READER_VARIABLE = "BISTAND_BATCH_READER"
READER_CHOICES = ("auto", "compiled", "python")
COMPILED_READER_MODULE = "bistand.engine._linescan"


class ReaderChoiceError(ValueError):
    """``BISTAND_BATCH_READER`` asks for a reader that does not exist or was not built."""


def compiled_reader_built() -> bool:
    """Whether the compiled reader was built (its extension module is there), without importing it."""
    return importlib.util.find_spec(COMPILED_READER_MODULE) is not None


def use_compiled_reader(environ: Mapping[str, str] | None = None, *, built: bool | None = None) -> bool:
    """Whether the batch reads with the compiled reader, from ``BISTAND_BATCH_READER`` in ``environ``
    (default: the process's environment) and whether the reader was ``built`` (default:
    `compiled_reader_built`). Raises `ReaderChoiceError` for an unknown value and for ``compiled`` when the
    reader was not built."""
    value = (os.environ if environ is None else environ).get(READER_VARIABLE, "")
    choice = value or "auto"
    if choice not in READER_CHOICES:
        raise ReaderChoiceError(
            f"{READER_VARIABLE}={value!r} är inte ett giltigt värde. Skriv auto, compiled eller python."
        )
    if choice == "python":
        return False
    if built is None:
        built = compiled_reader_built()
    if choice == "compiled" and not built:
        raise ReaderChoiceError(
            f"{READER_VARIABLE}=compiled, men den kompilerade läsaren ({COMPILED_READER_MODULE}) är inte byggd. "
            "Installera om där en C-kompilator finns (scripts/bootstrap), eller välj auto eller python."
        )
    return built


__all__ = ["COMPILED_READER_MODULE", "READER_CHOICES", "READER_VARIABLE", "ReaderChoiceError",
           "compiled_reader_built", "use_compiled_reader"]
