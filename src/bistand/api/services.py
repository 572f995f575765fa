"""Writes for the API app: creating API clients and recording their use."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiClient

KEY_PREFIX = "bst_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> str:
    """A new API key: a fixed prefix (so that leaked keys are easy to spot) and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_api_client(*, name: str) -> tuple[ApiClient, str]:
    """Create an active API client. Returns the client and the key, which is not stored and cannot be
    shown again."""
    name = name.strip()
    if not name:
        raise ValueError("Ange ett namn för API-klienten.")
    if ApiClient.objects.filter(name=name).exists():
        raise ValueError(f"Det finns redan en API-klient som heter {name!r}.")
    key = generate_key()
    client = ApiClient.objects.create(name=name, key_prefix=key[:12], key_hash=hash_key(key))
    return client, key


def authenticate_key(key: str) -> ApiClient | None:
    """The active client that owns `key`, or None. Records when the client was last used."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    client = ApiClient.objects.filter(key_hash=hash_key(key), is_active=True).first()
    if client is None:
        return None
    now = timezone.now()
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
    return client


def deactivate_api_client(*, client: ApiClient) -> ApiClient:
    ApiClient.objects.filter(pk=client.pk).update(is_active=False)
    client.is_active = False
    return client
