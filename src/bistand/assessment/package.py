"""Instrument packages: reading, validating and fingerprinting (no database).

A package is a YAML (or JSON) document validated by ``schema/instrument-package.schema.json`` plus the
checks a JSON Schema cannot express (unique domain ids, one anchor per level, research fields that
exist). Its checksum is the SHA-256 of the canonical JSON form, so the same content always has the same
checksum whatever the YAML formatting.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).parent / "schema" / "instrument-package.schema.json"
SFP_PATH = Path(__file__).parent / "packages" / "sfp-0.1.yaml"
EXPORT_META_FIELDS = {"ratings.level", "ratings.rater", "occasion.kind", "occasion.date", "rulers.importance",
                      "rulers.confidence"}


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def parse(text: str | bytes) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValidationError(f"Filen går inte att läsa som YAML: {error}") from None
    if not isinstance(data, dict):
        raise ValidationError("Filen innehåller inget instrumentpaket.")
    return _plain(data)


def _plain(value: Any) -> Any:
    """YAML dates and the like as strings, so the package is plain JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def validate(data: dict) -> dict:
    """Raise ValidationError (with every problem found) unless ``data`` is a valid package."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    messages = [f"{'/'.join(str(p) for p in e.absolute_path) or '(roten)'}: {e.message}" for e in errors]
    if not messages:
        messages = _semantic_errors(data["instrument"])
    if messages:
        raise ValidationError(["Instrumentpaketet är inte giltigt."] + messages)
    return data


def _semantic_errors(inst: dict) -> list[str]:
    problems = []
    level_values = [lv["value"] for lv in inst["levels"]]
    if sorted(level_values) != list(range(1, len(level_values) + 1)):
        problems.append("levels: nivåerna ska vara 1, 2, 3 … utan luckor.")
    ids = [d["id"] for d in inst["domains"]]
    if len(set(ids)) != len(ids):
        problems.append("domains: samma id förekommer flera gånger.")
    for domain in inst["domains"]:
        values = sorted(a["value"] for a in domain["anchors"])
        if values != sorted(level_values):
            problems.append(f"domains/{domain['id']}: ska ha exakt en beskrivning per nivå.")
    flag_ids = [f["id"] for f in inst.get("screening_flags", [])]
    if len(set(flag_ids)) != len(flag_ids):
        problems.append("screening_flags: samma id förekommer flera gånger.")
    allowed = set(ids) | EXPORT_META_FIELDS
    for field in inst.get("export", {}).get("research_fields", []):
        if field not in allowed:
            problems.append(f"export/research_fields: okänt fält {field!r}.")
    return problems


def checksum(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_file(path: str | Path) -> dict:
    return validate(parse(Path(path).read_bytes()))


def sfp() -> dict:
    return load_file(SFP_PATH)
