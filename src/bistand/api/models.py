"""API clients: outside tools that call the API with a key instead of a staff session."""

from __future__ import annotations

from django.db import models


class ApiClient(models.Model):
    """An outside tool allowed to call the API.

    Only a SHA-256 hash of the key is stored; the key itself is shown once when the client is
    created (`bistand create-api-client NAME`). The key is 256 random bits, so a fast hash is
    enough: it cannot be guessed, and a leaked database does not reveal usable keys.
    """

    name = models.CharField("namn", max_length=100, unique=True)
    key_prefix = models.CharField(
        "nyckelns början", max_length=12, help_text="De första tecknen i nyckeln, för att känna igen den."
    )
    key_hash = models.CharField("nyckelns kontrollsumma (SHA-256)", max_length=64, unique=True, editable=False)
    is_active = models.BooleanField("aktiv", default=True)
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    last_used_at = models.DateTimeField("senast använd", null=True, blank=True)

    class Meta:
        verbose_name = "API-klient"
        verbose_name_plural = "API-klienter"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
