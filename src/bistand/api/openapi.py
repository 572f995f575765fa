"""The OpenAPI document as committed in docs/api/openapi.json."""

from __future__ import annotations

import json

from .api import api


def openapi_document() -> dict:
    return api.get_openapi_schema()


def openapi_json() -> str:
    """The document as stable, readable JSON text (two-space indent, UTF-8, final newline)."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
