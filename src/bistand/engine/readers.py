"""Which reader `bistand calculate --batch` uses: chosen explicitly, never guessed (it fails closed).

The compiled reader (``bistand.engine._linescan``, `_linescan.c`) is built at install by setup.py; the
pure-Python reader (msgspec) gives the same results about two and a half times slower. The environment
variable ``BISTAND_BATCH_READER`` chooses:

- ``compiled`` (the default, also when the variable is unset or empty): the compiled reader. When it was
  not built, `ReaderChoiceError` says so and names the variable — a machine that is meant to have it never
  silently goes without;
- ``python``: the pure-Python reader; the compiled one is never imported (for a machine without a C
  compiler, where ``scripts/bootstrap`` records this choice with a warning, and for comparisons).

Any other value is a `ReaderChoiceError` naming the variable. Nothing is chosen by looking at what happens to
be installed: `compiled_reader_built` only lets the error say what is wrong (and how to fix it) before the
plain ``import`` in `load_compiled_reader`, which fails loudly for an extension that is there but broken.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

#: The environment variable, its values (the first is the default), and the compiled reader's module.
READER_VARIABLE = "BISTAND_BATCH_READER"
READER_CHOICES = ("compiled", "python")
DEFAULT_READER = "compiled"
COMPILED_READER_MODULE = "bistand.engine._linescan"


class ReaderChoiceError(ValueError):
    """``BISTAND_BATCH_READER`` asks for a reader that does not exist or was not built."""


def reader_choice(environ: Mapping[str, str] | None = None) -> str:
    """The reader chosen by ``BISTAND_BATCH_READER`` in ``environ`` (default: the process's environment):
    ``"compiled"`` or ``"python"``. Raises `ReaderChoiceError` for any other value."""
    value = (os.environ if environ is None else environ).get(READER_VARIABLE, "")
    choice = value or DEFAULT_READER
    if choice not in READER_CHOICES:
        raise ReaderChoiceError(
            f"{READER_VARIABLE}={value!r} är inte ett giltigt värde. Skriv compiled (standard) eller python."
        )
    return choice


def compiled_reader_built() -> bool:
    """Whether the compiled reader's extension file is in the package (for the error message only)."""
    here = Path(__file__).resolve().parent
    return any((here / f"_linescan{suffix}").is_file() for suffix in EXTENSION_SUFFIXES)


def use_compiled_reader(environ: Mapping[str, str] | None = None, *, built: bool | None = None) -> bool:
    """Whether the batch reads with the compiled reader. Raises `ReaderChoiceError` for an unknown value, and
    for ``compiled`` (the default) when the reader was not ``built`` (default: `compiled_reader_built`)."""
    if reader_choice(environ) == "python":
        return False
    if not (compiled_reader_built() if built is None else built):
        raise ReaderChoiceError(
            f"{READER_VARIABLE} är compiled (standard när variabeln inte är satt), men den kompilerade läsaren "
            f"({COMPILED_READER_MODULE}) är inte byggd. Installera om med scripts/bootstrap där en C-kompilator "
            f"finns, eller sätt {READER_VARIABLE}=python (samma resultat, ungefär två och en halv gång långsammare)."
        )
    return True


def load_compiled_reader() -> ModuleType:
    """The compiled reader, with a plain import: an extension that is there but cannot be loaded fails loudly."""
    from bistand.engine import _linescan

    return _linescan


__all__ = ["COMPILED_READER_MODULE", "DEFAULT_READER", "READER_CHOICES", "READER_VARIABLE", "ReaderChoiceError",
           "compiled_reader_built", "load_compiled_reader", "reader_choice", "use_compiled_reader"]
