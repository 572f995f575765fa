"""OpenID Connect adapter: the authorization code flow with PKCE against an e-ID broker (BankID,
Freja eID …) or the municipality's own identity provider (also SITHS eID for staff).

Configuration (environment variables, documented in docs/configuration.md) is read into the settings
``BISTAND_OIDC`` (applicants) and ``BISTAND_STAFF_OIDC`` (staff) — dicts with the keys of
:class:`OidcConfig`. What the adapter does:

1. ``start``: reads the provider's discovery document (``<issuer>/.well-known/openid-configuration``,
   cached for an hour), makes a one-time ``state``, a ``nonce`` and a PKCE ``code_verifier`` (S256
   challenge), remembers them in the session and redirects to the authorization endpoint.
2. ``complete``: takes the attempt for ``state`` (once), exchanges the code at the token endpoint (with
   the verifier and the client's credentials), and validates the ID token: the signature with a key
   from the provider's JWKS (asymmetric algorithms only; the keys are fetched again once when the
   token names an unknown key id — key rotation), ``iss``, ``aud`` (and ``azp`` when there are several
   audiences), ``exp``/``iat`` with a small clock skew, and the ``nonce``. Then it reads the
   personnummer (validated and normalised) and the names from the claims.

HTTP goes through :data:`http` (urllib, with a timeout), which tests replace with a fake identity
provider — the adapter never talks to the network in tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.conf import settings
from django.http import HttpResponseRedirect

from bistand.common.plugins import register
from bistand.people import personnummer as pnr

from .base import EidError, EidIdentity, EidProvider, new_token, remember_pending, take_pending

NAME = "oidc"
DISCOVERY_TTL = 3600
#: Only asymmetric signatures: a token signed with the client secret (HS256) or not at all is refused.
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
#: Claims where e-ID services commonly put the personnummer (the Swedish OIDC profile first).
PERSONNUMMER_CLAIMS = ("https://id.oidc.se/claim/personalIdentityNumber", "personal_identity_number", "ssn", "nin")

_UNAVAILABLE = "Inloggningstjänsten svarar inte just nu. Försök igen om en stund."


@dataclass(frozen=True)
class OidcConfig:
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: str = "openid profile"
    redirect_uri: str = ""  # empty: built from the request and next_url
    personnummer_claim: str = ""  # empty: the first of PERSONNUMMER_CLAIMS present
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    acr_values: str = ""
    token_auth_method: str = "client_secret_basic"  # or client_secret_post, none (public client)
    timeout: float = 10.0
    clock_skew: int = 60
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, name: str) -> OidcConfig:
        raw = dict(getattr(settings, name, None) or {})
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        values = {k.lower(): v for k, v in raw.items()}
        kwargs: dict[str, Any] = {k: values[k] for k in known if values.get(k) not in (None, "")}
        if isinstance(kwargs.get("algorithms"), str):
            kwargs["algorithms"] = tuple(a.strip() for a in kwargs["algorithms"].split(",") if a.strip())
        if "timeout" in kwargs:
            kwargs["timeout"] = float(kwargs["timeout"])
        if "clock_skew" in kwargs:
            kwargs["clock_skew"] = int(kwargs["clock_skew"])
        kwargs["extra"] = {k: v for k, v in values.items() if k not in known}
        return cls(**kwargs)

    def problems(self) -> list[str]:
        out = []
        if not self.issuer:
            out.append("Utfärdaren (ISSUER) saknas.")
        elif not self.issuer.startswith("https://") and not self.extra.get("allow_http"):
            out.append("Utfärdaren (ISSUER) ska vara en https-adress.")
        if not self.client_id:
            out.append("Klient-id (CLIENT_ID) saknas.")
        if self.token_auth_method not in {"client_secret_basic", "client_secret_post", "none"}:
            out.append("TOKEN_AUTH_METHOD ska vara client_secret_basic, client_secret_post eller none.")
        elif self.token_auth_method != "none" and not self.client_secret:
            out.append("Klienthemligheten (CLIENT_SECRET) saknas.")
        bad = [a for a in self.algorithms if a not in ALLOWED_ALGORITHMS]
        if bad:
            out.append(f"Algoritmerna {', '.join(bad)} är inte tillåtna (bara asymmetriska signaturer).")
        return out


class UrllibHttp:
    """The adapter's HTTP: JSON over urllib with a timeout. Tests replace :data:`http`."""

    def get_json(self, url: str, *, timeout: float) -> dict[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        return self._send(request, timeout)

    def post_form(self, url: str, data: dict[str, str], *, headers: dict[str, str], timeout: float) -> dict[str, Any]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            url, data=body, method="POST",
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        return self._send(request, timeout)

    def _send(self, request, timeout: float) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https configured)
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                return {"_status": error.code, **json.loads(error.read().decode("utf-8"))}
            except (ValueError, UnicodeDecodeError):
                raise EidError(_UNAVAILABLE, "idp") from None
        except (urllib.error.URLError, TimeoutError, ValueError, OSError):
            raise EidError(_UNAVAILABLE, "idp") from None


http = UrllibHttp()

_cache_lock = threading.Lock()
_discovery_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def clear_caches() -> None:
    with _cache_lock:
        _discovery_cache.clear()
        _jwks_cache.clear()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE code verifier (RFC 7636)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@register("eid", NAME)
class OidcProvider(EidProvider):
    """OpenID Connect (see the module docstring). ``settings_name`` chooses the configuration:
    ``BISTAND_OIDC`` for applicants (the default), ``BISTAND_STAFF_OIDC`` for staff, where a
    personnummer is not required."""

    verbose_name = "OpenID Connect (e-legitimation)"

    def __init__(self, settings_name: str = "BISTAND_OIDC", require_personnummer: bool | None = None) -> None:
        self.settings_name = settings_name
        self.config = OidcConfig.from_settings(settings_name)
        self.require_personnummer = settings_name == "BISTAND_OIDC" if require_personnummer is None else require_personnummer

    # --- configuration ------------------------------------------------------------------------------
    def check_config(self) -> list[str]:
        return [f"{self.settings_name}: {p}" for p in self.config.problems()]

    def _ensure_configured(self) -> None:
        if self.config.problems():
            raise EidError("Inloggning med e-legitimation är inte inställd här. Kontakta kommunen.", "config")

    def discovery(self) -> dict[str, Any]:
        issuer = self.config.issuer.rstrip("/")
        now = time.monotonic()
        with _cache_lock:
            cached = _discovery_cache.get(issuer)
        if cached and now - cached[0] < DISCOVERY_TTL:
            return cached[1]
        document = http.get_json(f"{issuer}/.well-known/openid-configuration", timeout=self.config.timeout)
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(key), str) or not document[key]:
                raise EidError(_UNAVAILABLE, "idp")
        if document["issuer"].rstrip("/") != issuer:
            # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
            raise EidError("Inloggningstjänsten är felaktigt inställd (utfärdaren stämmer inte).", "config")
        with _cache_lock:
            _discovery_cache[issuer] = (now, document)
        return document

    def _jwks(self, uri: str, *, refresh: bool = False) -> dict[str, Any]:
        now = time.monotonic()
        with _cache_lock:
            cached = _jwks_cache.get(uri)
        if cached and not refresh and now - cached[0] < DISCOVERY_TTL:
            return cached[1]
        keys = http.get_json(uri, timeout=self.config.timeout)
        if not isinstance(keys.get("keys"), list):
            raise EidError(_UNAVAILABLE, "idp")
        with _cache_lock:
            _jwks_cache[uri] = (now, keys)
        return keys

    # --- the flow -----------------------------------------------------------------------------------
    def redirect_uri(self, request, next_url: str) -> str:
        return self.config.redirect_uri or request.build_absolute_uri(next_url)

    def start(self, request, next_url: str):
        self._ensure_configured()
        document = self.discovery()
        state, nonce, verifier = new_token(), new_token(), new_token(48)
        redirect_uri = self.redirect_uri(request, next_url)
        remember_pending(
            request,
            state,
            {"provider": NAME, "settings": self.settings_name, "nonce": nonce, "verifier": verifier,
             "redirect_uri": redirect_uri, "next_url": next_url},
        )
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.config.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if self.config.acr_values:
            params["acr_values"] = self.config.acr_values
        separator = "&" if "?" in document["authorization_endpoint"] else "?"
        return HttpResponseRedirect(f"{document['authorization_endpoint']}{separator}{urllib.parse.urlencode(params)}")

    def complete(self, request) -> EidIdentity:
        self._ensure_configured()
        state = request.GET.get("state")
        if request.GET.get("error"):
            take_pending(request, state)
            raise EidError("Inloggningen avbröts eller godkändes inte. Försök igen.", "cancelled")
        entry = take_pending(request, state)
        if entry.get("provider") != NAME or entry.get("settings") != self.settings_name:
            raise EidError("Inloggningen kunde inte slutföras. Börja om inloggningen.", "state")
        code = request.GET.get("code")
        if not code:
            raise EidError("Inloggningstjänsten skickade inget svar. Börja om inloggningen.", "token")
        document = self.discovery()
        tokens = self._exchange(document, code, entry)
        claims = self.validate_id_token(tokens.get("id_token"), document, entry["nonce"])
        return self._identity(claims)

    def _exchange(self, document: dict[str, Any], code: str, entry: dict[str, Any]) -> dict[str, Any]:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": entry["redirect_uri"],
            "code_verifier": entry["verifier"],
            "client_id": self.config.client_id,
        }
        headers: dict[str, str] = {}
        if self.config.token_auth_method == "client_secret_basic":
            pair = f"{urllib.parse.quote(self.config.client_id, safe='')}:{urllib.parse.quote(self.config.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        elif self.config.token_auth_method == "client_secret_post":
            data["client_secret"] = self.config.client_secret
        tokens = http.post_form(document["token_endpoint"], data, headers=headers, timeout=self.config.timeout)
        if tokens.get("_status") or tokens.get("error") or not tokens.get("id_token"):
            raise EidError("Inloggningen kunde inte slutföras. Börja om inloggningen.", "token")
        return tokens

    def validate_id_token(self, token: Any, document: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The claims of a valid ID token (raises :class:`EidError` otherwise)."""
        invalid = EidError("Inloggningen kunde inte kontrolleras. Börja om inloggningen.", "token")
        if not isinstance(token, str):
            raise invalid
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise invalid from None
        algorithm = header.get("alg")
        if algorithm not in self.config.algorithms or algorithm not in ALLOWED_ALGORITHMS:
            raise invalid
        key = self._key_for(document["jwks_uri"], header.get("kid"), algorithm)
        if key is None:
            raise invalid
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                audience=self.config.client_id,
                issuer=document["issuer"],
                leeway=self.config.clock_skew,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            raise invalid from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise invalid
        if not nonce or claims.get("nonce") != nonce:
            raise invalid
        return claims

    def _key_for(self, jwks_uri: str, kid: str | None, algorithm: str):
        for refresh in (False, True):
            keys = [k for k in self._jwks(jwks_uri, refresh=refresh)["keys"] if isinstance(k, dict)]
            usable = [k for k in keys if k.get("use", "sig") == "sig"]
            if kid is not None:
                usable = [k for k in usable if k.get("kid") == kid]
            elif len(usable) != 1:
                usable = []
            for candidate in usable:
                try:
                    return jwt.PyJWK(candidate, algorithm=algorithm).key
                except (jwt.PyJWTError, ValueError, TypeError):
                    continue
            if kid is None:
                return None
        return None

    def _identity(self, claims: dict[str, Any]) -> EidIdentity:
        names = [self.config.personnummer_claim] if self.config.personnummer_claim else list(PERSONNUMMER_CLAIMS)
        raw = next((claims[n] for n in names if claims.get(n)), "")
        number = ""
        if raw:
            try:
                number = pnr.normalise(str(raw))
            except pnr.PersonnummerError:
                raise EidError("Inloggningstjänsten gav ett personnummer som inte går att läsa.", "claims") from None
        elif self.require_personnummer:
            raise EidError("Inloggningstjänsten gav inget personnummer. Kontakta kommunen.", "claims")
        return EidIdentity(
            personnummer=number,
            given_name=str(claims.get("given_name") or ""),
            family_name=str(claims.get("family_name") or ""),
            provider=NAME,
            raw_claims=dict(claims),
        )
