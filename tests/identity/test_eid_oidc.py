"""The OpenID Connect adapter against a fake identity provider inside the tests: an RSA key made here,
discovery and JWKS served through a replaced HTTP client — no network."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from bistand.identity import oidc
from bistand.identity.base import EidError
from bistand.people import personnummer as pnr
from bistand.tenancy.models import Membership
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, UnitFactory

ISSUER = "https://idp.example.test"
CLIENT_ID = "bistand-e-tjanst"
SECRET = "hemlig-klientnyckel-minst-32-byte-lang"
NUMBER = pnr.test_number(dt.date(1979, 11, 2), 6).normalised


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeIdP:
    """Discovery, JWKS and token endpoints of an identity provider, answering in-process."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-1"
        self.codes: dict[str, dict] = {}
        self.claims: dict = {}
        self.header: dict = {}
        self.signing_key = self.key
        self.algorithm = "RS256"
        self.discovery_issuer = ISSUER
        self.requests: list[tuple[str, str]] = []
        self.jwks_keys = None

    def jwk(self, key=None, kid=None):
        data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk((key or self.key).public_key()))
        data.update({"kid": kid or self.kid, "use": "sig", "alg": "RS256"})
        return data

    def get_json(self, url, *, timeout):
        self.requests.append(("GET", url))
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return {"issuer": self.discovery_issuer, "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                    "code_challenge_methods_supported": ["S256"]}
        if url == f"{ISSUER}/jwks":
            return {"keys": self.jwks_keys if self.jwks_keys is not None else [self.jwk()]}
        raise AssertionError(f"unexpected GET {url}")

    def authorize(self, url: str) -> dict:
        """The user logs in at the IdP: a code for the authorization request in ``url``."""
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        code = f"code-{len(self.codes)}"
        self.codes[code] = query
        return {"code": code, "state": query["state"]}

    def post_form(self, url, data, *, headers, timeout):
        self.requests.append(("POST", url))
        assert url == f"{ISSUER}/token"
        request = self.codes.pop(data["code"], None)
        if request is None:
            return {"_status": 400, "error": "invalid_grant"}
        assert headers["Authorization"] == "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        assert data["redirect_uri"] == request["redirect_uri"]
        # PKCE: the verifier must match the challenge of the authorization request.
        if _b64(hashlib.sha256(data["code_verifier"].encode()).digest()) != request["code_challenge"]:
            return {"_status": 400, "error": "invalid_grant"}
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "anv-123", "iat": now, "exp": now + 300,
                  "nonce": request["nonce"], "https://id.oidc.se/claim/personalIdentityNumber": NUMBER,
                  "given_name": "Olle", "family_name": "Oidc", **self.claims}
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jwt.encode(claims, self.signing_key, algorithm=self.algorithm,
                           headers={"kid": self.kid, **self.header})
        return {"access_token": "at", "token_type": "Bearer", "id_token": token}


@pytest.fixture
def idp(monkeypatch, settings):
    fake = FakeIdP()
    monkeypatch.setattr(oidc, "http", fake)
    oidc.clear_caches()
    settings.BISTAND_OIDC = {"ISSUER": ISSUER, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": SECRET}
    yield fake
    oidc.clear_caches()


@pytest.fixture
def session_request():
    from django.contrib.sessions.backends.db import SessionStore

    def make(path="/", **query):
        request = RequestFactory().get(path, query)
        request.session = store
        return request

    store = SessionStore()
    return make


def login(idp, session_request, **tamper):
    provider = oidc.OidcProvider()
    start = provider.start(session_request(), "/e-tjanst/logga-in/klar/")
    assert start.status_code == 302
    answer = idp.authorize(start["Location"])
    answer.update(tamper)
    return provider.complete(session_request("/e-tjanst/logga-in/klar/", **answer))


pytestmark = pytest.mark.django_db


def test_authorization_request_uses_pkce_state_and_nonce(idp, session_request):
    response = oidc.OidcProvider().start(session_request(), "/e-tjanst/logga-in/klar/")
    url = urlparse(response["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/authorize"
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == "http://testserver/e-tjanst/logga-in/klar/"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32 and query["state"] != query["nonce"]
    assert "openid" in query["scope"].split()


def test_a_valid_login_gives_the_identity(idp, session_request):
    identity = login(idp, session_request)
    assert identity.personnummer == NUMBER
    assert (identity.given_name, identity.family_name, identity.provider) == ("Olle", "Oidc", "oidc")


def test_the_discovery_document_is_cached(idp, session_request):
    login(idp, session_request)
    login(idp, session_request)
    assert idp.requests.count(("GET", f"{ISSUER}/.well-known/openid-configuration")) == 1


@pytest.mark.parametrize("claims", [
    {"nonce": "fel-nonce"},
    {"aud": "en-annan-klient"},
    {"iss": "https://annan.example.test"},
    {"exp": int(time.time()) - 3600},
    {"aud": [CLIENT_ID, "annan"], "azp": "annan"},
    {"sub": None},
])
def test_id_tokens_with_wrong_claims_are_refused(idp, session_request, claims):
    idp.claims = claims
    with pytest.raises(EidError) as caught:
        login(idp, session_request)
    assert caught.value.code == "token"


def test_a_token_signed_with_another_key_is_refused(idp, session_request):
    idp.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(EidError):
        login(idp, session_request)


@pytest.mark.parametrize("algorithm,key", [("HS256", SECRET), ("none", None)])
def test_symmetric_or_unsigned_tokens_are_refused(idp, session_request, algorithm, key):
    idp.algorithm, idp.signing_key = algorithm, key
    with pytest.raises(EidError):
        login(idp, session_request)


def test_a_rotated_key_is_fetched_again(idp, session_request):
    login(idp, session_request)  # JWKS with key-1 is now cached
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp.signing_key, idp.kid = new_key, "key-2"
    idp.jwks_keys = [idp.jwk(new_key, "key-2")]
    identity = login(idp, session_request)
    assert identity.personnummer == NUMBER
    assert idp.requests.count(("GET", f"{ISSUER}/jwks")) == 2


def test_a_wrong_pkce_verifier_fails_at_the_token_endpoint(idp, session_request):
    provider = oidc.OidcProvider()
    start = provider.start(session_request(), "/klar/")
    answer = idp.authorize(start["Location"])
    idp.codes[answer["code"]]["code_challenge"] = "annan-utmaning"
    with pytest.raises(EidError) as caught:
        provider.complete(session_request("/klar/", **answer))
    assert caught.value.code == "token"


def test_state_is_checked_and_used_once(idp, session_request):
    provider = oidc.OidcProvider()
    answer = idp.authorize(provider.start(session_request(), "/klar/")["Location"])
    with pytest.raises(EidError) as caught:
        provider.complete(session_request("/klar/", code=answer["code"], state="okänt"))
    assert caught.value.code == "state"
    provider.complete(session_request("/klar/", **answer))
    with pytest.raises(EidError):
        provider.complete(session_request("/klar/", **answer))


def test_an_error_from_the_idp_is_a_cancelled_login(idp, session_request):
    provider = oidc.OidcProvider()
    answer = idp.authorize(provider.start(session_request(), "/klar/")["Location"])
    with pytest.raises(EidError) as caught:
        provider.complete(session_request("/klar/", state=answer["state"], error="access_denied"))
    assert caught.value.code == "cancelled"


def test_a_discovery_document_for_another_issuer_is_refused(idp, session_request):
    idp.discovery_issuer = "https://evil.example.test"
    with pytest.raises(EidError) as caught:
        oidc.OidcProvider().start(session_request(), "/klar/")
    assert caught.value.code == "config"


def test_applicants_need_a_personnummer_claim(idp, session_request):
    idp.claims = {"https://id.oidc.se/claim/personalIdentityNumber": None}
    with pytest.raises(EidError) as caught:
        login(idp, session_request)
    assert caught.value.code == "claims"


def test_check_config_reports_missing_settings(settings):
    settings.BISTAND_OIDC = {"ISSUER": "http://idp.example.test", "CLIENT_ID": "", "ALGORITHMS": "RS256,HS256"}
    problems = oidc.OidcProvider().check_config()
    assert any("https-adress" in p for p in problems)
    assert any("CLIENT_ID" in p for p in problems)
    assert any("HS256" in p for p in problems)


def test_the_e_service_logs_in_through_oidc(client, idp, settings):
    settings.BISTAND_EID_PLUGIN = "oidc"
    start = client.get("/e-tjanst/logga-in/")
    assert start["Location"].startswith(f"{ISSUER}/authorize?")
    answer = idp.authorize(start["Location"])
    response = client.get("/e-tjanst/logga-in/klar/", answer)
    assert response.status_code == 302 and response["Location"] == "/e-tjanst/mitt-arende/"
    assert client.session["bistand_applicant"]["personnummer"] == NUMBER


# --- staff sign-in --------------------------------------------------------------------------------------


@pytest.fixture
def staff_idp(monkeypatch, settings):
    fake = FakeIdP()
    monkeypatch.setattr(oidc, "http", fake)
    oidc.clear_caches()
    settings.BISTAND_STAFF_OIDC = {
        "ISSUER": ISSUER, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": SECRET, "USERNAME_CLAIM": "hsa_id",
        "ROLES_CLAIM": "groups",
        "ROLE_MAP": json.dumps({"bistand-handlaggare-0680": "caseworker@0680/Försörjningsstöd",
                                "bistand-chef-0680": {"role": "manager", "municipality": "0680"}}),
    }
    fake.claims = {"hsa_id": "SE2321000131-E000000000001", "https://id.oidc.se/claim/personalIdentityNumber": None}
    yield fake
    oidc.clear_caches()


def staff_login(client, idp):
    start = client.get("/e-legitimation/personal/?next=/handlaggning/")
    assert start.status_code == 302, start.content
    return client.get("/e-legitimation/personal/klar/", idp.authorize(start["Location"]))


def test_staff_sign_in_maps_roles_from_claims(client, staff_idp):
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    unit = UnitFactory(municipality=municipality, name="Försörjningsstöd")
    staff_idp.claims["groups"] = ["bistand-handlaggare-0680", "okand-grupp"]
    response = staff_login(client, staff_idp)
    assert response.status_code == 302 and response["Location"] == "/handlaggning/"
    user = get_user_model().objects.get(username="SE2321000131-E000000000001")
    assert (user.first_name, user.last_name) == ("Olle", "Oidc")
    assert not user.has_usable_password()
    assert list(Membership.objects.filter(user=user).values_list("role", "municipality__code", "unit")) == [
        (Role.CASEWORKER, "0680", unit.pk)]
    assert client.get("/handlaggning/personer/").status_code == 200


def test_staff_roles_follow_the_claims_at_every_sign_in(client, staff_idp):
    MunicipalityFactory(code="0680")
    staff_idp.claims["groups"] = ["bistand-handlaggare-0680"]
    staff_login(client, staff_idp)
    client.logout()
    staff_idp.claims["groups"] = ["bistand-chef-0680"]
    staff_login(client, staff_idp)
    user = get_user_model().objects.get(username="SE2321000131-E000000000001")
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.MANAGER]


def test_staff_without_a_mapped_role_are_not_let_in(client, staff_idp):
    MunicipalityFactory(code="0680")
    staff_idp.claims["groups"] = ["någon-annan-grupp"]
    response = staff_login(client, staff_idp)
    assert response.status_code == 400
    assert "Du har ingen roll i Bistånd" in response.content.decode()
    assert not get_user_model().objects.filter(username="SE2321000131-E000000000001").exists()
    assert "_auth_user_id" not in client.session


def test_the_staff_login_page_offers_e_id_only_when_configured(client, staff_idp, settings):
    assert "Logga in med e-legitimation (SITHS-kort)" in client.get("/konto/logga-in/").content.decode()
    settings.BISTAND_STAFF_OIDC = {}
    assert "SITHS" not in client.get("/konto/logga-in/").content.decode()
    assert client.get("/e-legitimation/personal/").status_code == 404
