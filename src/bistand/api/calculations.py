"""POST /api/v1/calculations and /api/v1/calculations/batch: the calculation of `bistand calculate`
over HTTP.

The raw request body goes straight to the rules package's decoder (`bistand.rules.decode_input`), so a
request is accepted or refused exactly like the same JSON given to the CLI, with the same field and
Swedish message. The answer is written by the rules package's own JSON encoder, so amounts are exact
JSON numbers, identical to the CLI's output. The batch endpoint hands its households to the batch engine
of `bistand calculate --batch` (`bistand.engine.batch_io.calculate_documents`): the same lines, joined
as one JSON array.
"""

from __future__ import annotations

import msgspec
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router

from bistand.engine.batch_io import calculate_documents
from bistand.rules import CalculationInputError, decode_input
from bistand.rules.calculate import calculate, encode_json

from .limits import UnsupportedMediaType, check_business_limits, read_json_body
from .schemas import (
    MAX_BATCH_SIZE,
    BatchCalculationResult,
    CalculationError,
    CalculationResult,
    Message,
)

router = Router(tags=["Beräkningar"])

_INPUT_REF = {"$ref": "#/components/schemas/CalculationInput"}
_EXAMPLE = {
    "month": "2026-03",
    "household": {
        "adults": [{"id": "a1", "age": 34, "consecutive_months_on_assistance": 2}],
        "children": [{"id": "c1", "age": 5, "lunch_away_from_home": True}],
    },
    "costs": [{"type": "rent", "amount": 7450}],
    "incomes": [{"type": "child_benefit", "member": "a1", "amount": 1250}],
}
_ERRORS = {401: Message, 403: Message, 415: Message, 422: CalculationError}
_RESPONSE_TEXTS = {
    200: {"description": "Beräkningen är klar."},
    401: {"description": "Inte inloggad och ingen giltig API-nyckel."},
    403: {"description": "Ingen behörighet, eller CSRF-token saknas för en inloggad användare."},
    415: {"description": "Kroppen är inte JSON (Content-Type måste vara application/json)."},
    422: {
        "description": "Indata kan inte beräknas: fältet och ett meddelande på svenska. Också när kroppen är "
        "större än gränsen, nästlad för djupt eller har samma nyckel två gånger i ett objekt."
    },
}


def _error_response(exc: CalculationInputError) -> JsonResponse:
    body = {"detail": str(exc), "field": exc.field, "message": exc.message, "index": exc.index}
    return JsonResponse(body, status=422, json_dumps_params={"ensure_ascii": False})


def _unsupported(exc: UnsupportedMediaType) -> JsonResponse:
    return JsonResponse({"detail": str(exc)}, status=415, json_dumps_params={"ensure_ascii": False})


def _json(payload) -> HttpResponse:
    return HttpResponse(encode_json(payload), content_type="application/json")


def _local_dir():
    return settings.BISTAND_LOCAL_PARAMETERS_DIR


@router.post(
    "/calculations",
    response={200: CalculationResult, **_ERRORS},
    operation_id="calculate",
    summary="Beräkna försörjningsstöd för ett hushåll",
    description=(
        "Tar samma JSON som `bistand calculate FILE.json` (calculation.schema.json) och svarar med samma "
        "resultat, med alla steg (`lines`). Indata som inte följer schemat, en `member` som inte finns i "
        "hushållet eller en `dwelling_size` som är mindre än hushållet ger 422 med fältets JSON-sökväg och "
        "ett meddelande på svenska."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _INPUT_REF, "example": _EXAMPLE}},
        },
        "responses": _RESPONSE_TEXTS,
    },
)
def calculate_one(request: HttpRequest):
    try:
        household = decode_input(read_json_body(request))
        check_business_limits(household)
        result = calculate(household, local_dir=_local_dir())
    except UnsupportedMediaType as exc:
        return _unsupported(exc)
    except CalculationInputError as exc:
        return _error_response(exc)
    return _json(result.to_dict(trace=True))


@router.post(
    "/calculations/batch",
    response={200: list[BatchCalculationResult], **_ERRORS},
    operation_id="calculate_batch",
    summary=f"Beräkna försörjningsstöd för många hushåll (högst {MAX_BATCH_SIZE})",
    description=(
        f"Tar en lista med högst {MAX_BATCH_SIZE} hushåll (varje post som för POST /calculations) och svarar "
        "med en lista med ett resultat per hushåll, i samma ordning. Stegen (`lines`) kommer bara med "
        "`trace=true`. Är något hushåll fel beräknas inget: svaret är 422 med hushållets plats (`index`, "
        "räknat från 0), fältet och meddelandet."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "maxItems": MAX_BATCH_SIZE, "items": _INPUT_REF},
                    "example": [_EXAMPLE],
                }
            },
        },
        "responses": _RESPONSE_TEXTS,
    },
)
def calculate_batch(
    request: HttpRequest,
    trace: bool = Query(False, description="Ta med varje steg (`lines`) i resultaten."),
):
    try:
        items = msgspec.json.decode(read_json_body(request), type=list[msgspec.Raw])
    except UnsupportedMediaType as exc:
        return _unsupported(exc)
    except CalculationInputError as exc:
        return _error_response(exc)
    except msgspec.ValidationError:
        return _error_response(CalculationInputError("", "Indata ska vara en lista (JSON-array) med hushåll."))
    except msgspec.DecodeError as exc:
        return _error_response(CalculationInputError("", f"Indata är inte giltig JSON ({exc})."))
    if len(items) > MAX_BATCH_SIZE:
        return _error_response(
            CalculationInputError(
                "", f"Listan har {len(items)} hushåll. Skicka högst {MAX_BATCH_SIZE} hushåll per anrop."
            )
        )
    try:
        for i, item in enumerate(items):
            check_business_limits(decode_input(bytes(item), index=i), index=i)
        results = calculate_documents([bytes(item) for item in items], trace=trace, local_dir=_local_dir())
    except CalculationInputError as exc:
        return _error_response(exc)
    return HttpResponse(b"[" + b",".join(results) + b"]", content_type="application/json")
