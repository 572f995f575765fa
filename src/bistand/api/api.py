"""The Bistånd API (django-ninja), mounted at /api/v1/ (see bistand/urls.py).

The OpenAPI document is committed as docs/api/openapi.json; regenerate it with
``bistand export-openapi --out docs/api/openapi.json`` after changing the API (a test compares them).
"""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from .auth import AUTH
from .limits import MAX_AMOUNT_KRONOR, MAX_NESTING, with_business_limits
from .schemas import calculation_input_schema

DESCRIPTION = """\
Beräkning av försörjningsstöd (ekonomiskt bistånd) enligt riksnormen och kommunens lokala regler.

Samma beräkning som kommandot `bistand calculate`: samma indata (calculation.schema.json), samma
resultat (calculation-result.md) och samma felmeddelanden.

**Inloggning.** Antingen som inloggad personal (sessionskaka och CSRF-token i huvudet `X-CSRFToken`)
eller med en API-nyckel för externa system: `Authorization: Bearer <nyckel>`. En nyckel skapas med
`bistand create-api-client NAMN` och visas bara då.

**Gränser.** Kroppen ska vara JSON (`Content-Type: application/json`, annars 415), högst
`BISTAND_API_MAX_BODY_BYTES` byte (standard 2 000 000), nästlad högst {nesting} nivåer och utan samma
nyckel två gånger i ett objekt (annars 422). Ett belopp får vara högst {ceiling} kronor och månaden
måste ligga i ett år som har en riksnorm (annars 422 med fältet).
""".format(nesting=MAX_NESTING, ceiling=f"{MAX_AMOUNT_KRONOR:,}".replace(",", " "))


class BistandAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"]["CalculationInput"] = with_business_limits(calculation_input_schema())
        return schema


api = BistandAPI(
    title="Bistånd API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    response = api.create_response(
        request,
        {"detail": "Du måste logga in eller skicka en giltig API-nyckel (Authorization: Bearer <nyckel>)."},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="bistand"'
    return response


from .calculations import router as calculations_router  # noqa: E402

api.add_router("/", calculations_router)
