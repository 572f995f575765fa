"""The API's limits on what a request may be, checked before the rules package sees the body.

Each limit is documented in the OpenAPI document (bistand.api.api adds them to the schemas), so a
client generated from it cannot send what the server refuses:

- the body is JSON (`application/json`); other media types, `text/plain` and `multipart` among them,
  are answered 415;
- the body is at most ``BISTAND_API_MAX_BODY_BYTES`` bytes (checked on Content-Length before the
  body is read) and JSON nested at most ``MAX_NESTING`` levels deep; both are answered 422 with the
  documented error document (`CalculationError`), like any other input error;
- an object never names the same key twice;
- an amount is at most ``MAX_AMOUNT_KRONOR`` kronor (10 million), refused with the field's path;
- the month's year is one the rules can calculate, with a riksnorm file or provisional values
  (``supported_years``; bistand.rules.limits, shared with the staff calculation page).
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from bistand.rules import CalculationInputError
from bistand.rules.limits import MAX_AMOUNT_KRONOR, calculable_years, check_business_limits

#: How deeply JSON arrays and objects may nest (the contract needs 4 levels; a batch one more).
MAX_NESTING = 16
#: Media types the API reads.
JSON_MEDIA_TYPE = "application/json"


class UnsupportedMediaType(Exception):
    """The body is not JSON (answered 415)."""

    def __init__(self, content_type: str):
        shown = content_type or "ingen"
        super().__init__(
            f"API:t tar bara emot JSON (Content-Type: {JSON_MEDIA_TYPE}), inte {shown}."
        )


def max_body_bytes() -> int:
    return int(settings.BISTAND_API_MAX_BODY_BYTES)


def supported_years() -> tuple[int, ...]:
    """The years the API accepts: those the rules can calculate (bistand.rules.limits)."""
    return calculable_years()


def month_pattern() -> str:
    """A regular expression (ECMA-262) for the months the API accepts."""
    years = "|".join(str(year) for year in supported_years())
    return f"^({years})-(0[1-9]|1[0-2])$"


def read_json_body(request: HttpRequest) -> bytes:
    """The request body, after the checks of media type, size, nesting and duplicate keys.

    Raises UnsupportedMediaType or CalculationInputError (field "" for the whole document)."""
    content_type = (request.content_type or "").lower()
    if content_type != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(request.META.get("CONTENT_TYPE", ""))
    limit = max_body_bytes()
    too_big = CalculationInputError(
        "", f"Indata är för stort. Skicka högst {limit} byte per anrop (dela upp listan i flera anrop)."
    )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > limit:
        raise too_big
    check_structure(body)
    return body


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def check_structure(body: bytes) -> None:
    """Refuse JSON nested deeper than MAX_NESTING and objects with a key given twice. A body that is not
    JSON at all is left to the rules package's decoder, which names the error."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_NESTING:
                raise CalculationInputError(
                    "", f"Indata är nästlat för djupt. JSON får ha högst {MAX_NESTING} nivåer av listor och objekt."
                )
        else:
            depth -= 1
    try:
        json.loads(body, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, _DuplicateKey):
            raise CalculationInputError(
                "", f"Nyckeln {exc.key!r} finns två gånger i samma objekt. Ange varje fält en gång."
            ) from None
        return  # not JSON: the decoder reports it


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


def with_business_limits(schema: dict) -> dict:
    """A copy of the input contract's schema that states the API's limits: the months that have a
    riksnorm or provisional values, and the amount ceiling."""
    schema = json.loads(json.dumps(schema))
    props = schema["properties"]
    props["month"]["pattern"] = month_pattern()
    props["month"]["description"] += f" The API accepts the years the rules can calculate (with a riksnorm, or provisional values): {', '.join(map(str, supported_years()))}."
    ceiling = f"At most {MAX_AMOUNT_KRONOR} kronor (the API's ceiling)."
    amount_schemas = [
        props["costs"]["items"]["properties"]["amount"],
        props["incomes"]["items"]["properties"]["amount"],
        props["household"]["properties"]["children"]["items"]["properties"]["earnings_this_year_before_month"],
    ]
    for amount in amount_schemas:
        amount["maximum"] = MAX_AMOUNT_KRONOR
        amount["description"] = (amount.get("description", "") + " " + ceiling).strip()
    return schema


__all__ = ["MAX_AMOUNT_KRONOR", "check_business_limits", "read_json_body", "supported_years", "with_business_limits"]
