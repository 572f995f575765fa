"""Model fields shared by the apps."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from django.db import models


class TextJSONField(models.JSONField):
    """A JSONField kept on PostgreSQL as `json` (the text exactly as written) instead of `jsonb`; on other
    databases exactly a JSONField.

    For documents that are written once and read whole, never queried inside with jsonb operators: turning
    `jsonb` into text costs the server about 4.5 µs a document (a million stored calculation inputs read by
    the what-if: about 3 s of the server's CPU more than `json`, docs/performance.md). `json` also keeps the
    keys in the order written, as SQLite does. Key lookups (``field__key``) still work on `json`; containment
    (``__contains``, ``__has_key``) does not (PostgreSQL has those operators for `jsonb` only), so do not use
    them on such a field.

    Values are written with the field's encoder as `json` and read as text (no decoding by psycopg: the
    field's decoder, e.g. one that gives exact Decimals, reads it)."""

    def db_type(self, connection) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        return Json(value, dumps=partial(json.dumps, cls=self.encoder))

    def select_format(self, compiler, sql: str, params: Any) -> tuple[str, Any]:
        # psycopg would decode a `json` column itself (floats, and Django's decoder would then get a dict);
        # as text, the field's decoder reads it, exactly as Django reads `jsonb` (which it loads as text).
        if compiler.connection.vendor == "postgresql":
            return f"({sql})::text", params
        return super().select_format(compiler, sql, params)
