"""The API's request and response documents.

The request document is the contract schema itself (bistand/rules/contract/calculation.schema.json);
the API validates the raw body with the rules package's decoder, so the schema here is documentation
and the decoder is the judge. The response models describe calculation-result.md; they are used for
the OpenAPI document (the view writes the rules package's own JSON, so numbers are exact).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

#: Most households per call to POST /calculations/batch.
MAX_BATCH_SIZE = 1000

Kronor = Annotated[
    Decimal,
    WithJsonSchema({"type": "number", "description": "Kronor, avrundat till hela ören (högst två decimaler)."}),
]


@lru_cache(maxsize=1)
def calculation_input_schema() -> dict[str, Any]:
    """The input contract as an OpenAPI 3.1 schema object: calculation.schema.json without its
    ``$schema`` and ``$id`` keywords (the document as a whole declares the JSON Schema dialect)."""
    text = resources.files("bistand.rules").joinpath("contract/calculation.schema.json").read_text("utf-8")
    schema = json.loads(text)
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema


class TraceLine(BaseModel):
    """One step of the calculation."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"description": "Ett steg i beräkningen."})

    code: str = Field(description="Stegets kod, t.ex. `personal_costs.adults`, `costs.rent`, `amount`.")
    label: str = Field(description="Stegets namn på svenska.")
    amount: Kronor
    reference: str = Field(description="Lagrum och parameterfil som steget bygger på.")


class _ResultBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="Månaden som beräknats.")
    norm_year: int = Field(description="Året vars riksnorm har använts.")
    norm: Kronor = Field(description="Riksnormen för hushållet: personliga kostnader och gemensamma hushållskostnader.")
    costs: Kronor = Field(description="Skäliga kostnader som räknats (efter lokala tak).")
    need: Kronor = Field(description="Behovet: norm + costs.")
    income_counted: Kronor = Field(description="Inkomster som räknas mot behovet.")
    income_disregarded: Kronor = Field(
        description="Inkomster som inte räknas (jobbstimulans, barns arbetsinkomster upp till ett prisbasbelopp)."
    )
    amount: int = Field(ge=0, description="Försörjningsstöd att betala ut, hela kronor: max(0, need − income_counted), avrundat.")
    outcome: Literal["granted", "refused"] = Field(description="`refused` när amount är 0.")


class CalculationResult(_ResultBase):
    """The result of one household's calculation (calculation-result.md), with every step."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"description": "Resultatet för ett hushåll (calculation-result.md), med alla steg."},
    )

    lines: list[TraceLine] = Field(description="Varje steg i beräkningen, i ordning.")
    warnings: list[str] = Field(description="Varningar, t.ex. att ett uppskattat parametervärde har använts.")


class BatchCalculationResult(_ResultBase):
    """The result of one household in a batch; `lines` only when the call asks for `trace=true`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "Resultatet för ett hushåll i en lista; stegen (`lines`) bara med `trace=true`."
        },
    )

    lines: list[TraceLine] = Field(
        default_factory=list, description="Varje steg i beräkningen (bara med `trace=true`)."
    )
    warnings: list[str] = Field(description="Varningar, t.ex. att ett uppskattat parametervärde har använts.")


class CalculationError(BaseModel):
    """The input could not be calculated. The same field and message as `bistand calculate` gives."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "Indata kan inte beräknas. Samma fält och meddelande som `bistand calculate` ger."
        },
    )

    detail: str = Field(description="Hela felmeddelandet som en mening på svenska.")
    field: str = Field(
        description="JSON-sökväg till fältet som är fel, t.ex. `household.children[1].age` eller "
        "`incomes[0].member`. Tom sträng när felet gäller hela dokumentet."
    )
    message: str = Field(description="Vad som är fel, på svenska.")
    index: int | None = Field(
        description="Hushållets plats i listan (räknat från 0) vid POST /calculations/batch; annars null."
    )


class Message(BaseModel):
    """An error without a field (authentication, permission)."""

    model_config = ConfigDict(json_schema_extra={"description": "Ett fel som inte gäller ett fält."})

    detail: str = Field(description="Vad som gick fel, på svenska.")
