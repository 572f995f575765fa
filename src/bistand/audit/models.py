"""The audit trail: who read whose data (AccessLog) and who changed what (AuditEvent).

Rows are written only through :mod:`bistand.audit.events` (the ``bistand.audit`` logger and its
database adapter) and are never changed or deleted by the application.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from bistand.tenancy import scoping


class AccessAction(models.TextChoices):
    VIEW = "view", "Visning"
    LIST = "list", "Lista"
    SEARCH = "search", "Sökning"
    EXPORT = "export", "Export"


class AccessPurpose(models.TextChoices):
    CASEWORK = "casework", "Handläggning"
    ACCESS_REVIEW = "access_review", "Granskning av åtkomstloggen"
    ADMINISTRATION = "administration", "Administration"
    RESEARCH = "research", "Forskning (pseudonymiserad export)"


class ChangeAction(models.TextChoices):
    CREATE = "create", "Skapad"
    UPDATE = "update", "Ändrad"
    DELETE = "delete", "Borttagen"


@scoping.register("municipality")
class AccessLog(models.Model):
    """One person's data was shown to one user.

    A list page writes one row per person shown on the page (all rows of a page in one INSERT), so the
    question "who has seen this person?" is a single indexed query.
    """

    created_at = models.DateTimeField("tidpunkt", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="användare", on_delete=models.PROTECT, related_name="+"
    )
    user_display_name = models.CharField("användarens namn", max_length=200)
    person = models.ForeignKey(
        "people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        "tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("vad", max_length=16, choices=AccessAction.choices)
    target = models.CharField(
        "sida eller uppgift", max_length=200, help_text="Till exempel staff:person_detail eller admin:people_person_change."
    )
    path = models.CharField("adress", max_length=500, blank=True)
    purpose = models.CharField("varför", max_length=32, choices=AccessPurpose.choices)

    class Meta:
        verbose_name = "åtkomstloggrad"
        verbose_name_plural = "åtkomstlogg"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="accesslog_person_time"),
            models.Index(fields=["user", "-created_at"], name="accesslog_user_time"),
            models.Index(fields=["municipality", "-created_at"], name="accesslog_municipality_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M} av {self.user_display_name}"


@scoping.register("municipality")
class AuditEvent(models.Model):
    """One change of one object, with the old and new value of each changed field.

    ``changes`` is ``{"field": {"old": ..., "new": ...}}`` with JSON values (dates as ISO strings,
    related objects as their id). ``sensitive`` marks a change of a person with protected identity: its
    values are shown only to users allowed to see protected identities.
    """

    created_at = models.DateTimeField("tidpunkt", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="användare",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Tom när systemet självt gjorde ändringen.",
    )
    user_display_name = models.CharField("användarens namn", max_length=200)
    action = models.CharField("vad", max_length=16, choices=ChangeAction.choices)
    model = models.CharField("typ av uppgift", max_length=100, help_text="Till exempel people.person.")
    object_id = models.CharField("id", max_length=64)
    municipality = models.ForeignKey(
        "tenancy.Municipality",
        verbose_name="kommun",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    changes = models.JSONField("ändringar", encoder=DjangoJSONEncoder, default=dict)
    sensitive = models.BooleanField("rör skyddad identitet", default=False)

    class Meta:
        verbose_name = "ändringshändelse"
        verbose_name_plural = "ändringshändelser"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["model", "object_id"], name="auditevent_object"),
            models.Index(fields=["user", "-created_at"], name="auditevent_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model} {self.object_id}"
