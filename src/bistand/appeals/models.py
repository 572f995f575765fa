"""Appeals (överklaganden) of decisions on ekonomiskt bistånd, handled as förvaltningslagen says.

* :class:`ProcedureSettings` — a municipality's settings for the procedure: how many days a letter
  sent by post takes to reach the applicant, and the förvaltningsrätt appeals go to.
* :class:`Appeal` — one appeal, lodged in the e-service or registered by staff from paper with the day
  it arrived. The rättidsprövning (45 § FL) is done when the appeal is registered and kept as data: the
  day the applicant got the decision, the last day (44 § FL, 2 § lagen (1930:173)), in time or not. The
  case worker then reconsiders the decision (38 § FL, the existing omprövning), forwards the appeal with
  a yttrande to förvaltningsrätten (46 § FL), or — only when it came in late — refuses it (avvisning,
  45 § FL) by a decision that can itself be appealed (an appeal whose ``appealed_dismissal`` is set).
* :class:`AppealLetter` — the forwarding letter to the court or the avvisning decision, stored as HTML
  with its SHA-256 when it is made; the PDF is made from that HTML at the first download and stored.

Writes go through :mod:`bistand.appeals.services`; every write has an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.tenancy import scoping

DEFAULT_POST_DAYS = 2


class ProcedureSettings(models.Model):
    """One municipality's settings for appeals."""

    municipality = models.OneToOneField("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                        related_name="procedure_settings")
    post_delivery_days = models.PositiveSmallIntegerField(
        "dagar för post", default=DEFAULT_POST_DAYS,
        help_text="Så många dagar efter att ett beslut skickats med post räknas sökanden ha fått det. "
                  "Överklagandetiden räknas från den dagen.")
    court_name = models.CharField("förvaltningsrätt", max_length=100, default="Förvaltningsrätten",
                                  help_text="Den förvaltningsrätt som prövar kommunens beslut, till exempel "
                                            "”Förvaltningsrätten i Jönköping”.")

    class Meta:
        verbose_name = "inställningar för överklaganden"
        verbose_name_plural = "inställningar för överklaganden"
        constraints = [models.CheckConstraint(condition=Q(post_delivery_days__lte=30), name="procedure_post_days_sane")]

    def __str__(self) -> str:
        return f"Inställningar för överklaganden, {self.municipality}"


class AppealChannel(models.TextChoices):
    E_SERVICE = "e_service", "E-tjänsten"
    PAPER = "paper", "Brev eller e-post (registrerat av handläggare)"


class NotifiedVia(models.TextChoices):
    E_SERVICE = "e_service", gettext_noop("Publicerat i e-tjänsten")
    POST = "post", gettext_noop("Skickat med post")


class AppealStatus(models.TextChoices):
    RECEIVED = "received", gettext_noop("Inkommet")
    RECONSIDERED = "reconsidered", gettext_noop("Beslutet omprövat")
    FORWARDED = "forwarded", gettext_noop("Överlämnat till förvaltningsrätten")
    DISMISSED = "dismissed", gettext_noop("Avvisat (för sent)")


class LateException(models.TextChoices):
    """FL 45 § second paragraph: a late appeal is not refused when …"""

    WRONG_INSTRUCTIONS = "wrong_instructions", gettext_noop("Förseningen beror på att kommunen gav en felaktig underrättelse "
                                                            "om hur man överklagar (45 § andra stycket FL)")
    COURT_IN_TIME = "court_in_time", gettext_noop("Överklagandet kom in till förvaltningsrätten inom överklagandetiden "
                                                  "(45 § andra stycket FL)")


@scoping.register("municipality")
class Appeal(models.Model):
    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="+")
    application = models.ForeignKey("applications.Application", verbose_name="ansökan", on_delete=models.PROTECT,
                                    related_name="appeals")
    decision = models.ForeignKey("decisions.Decision", verbose_name="överklagat beslut", on_delete=models.PROTECT,
                                 related_name="appeals")
    appealed_dismissal = models.ForeignKey(
        "self", verbose_name="överklagat avvisningsbeslut", on_delete=models.PROTECT, related_name="appeals_of_dismissal",
        null=True, blank=True, help_text="Satt när överklagandet gäller beslutet att avvisa ett tidigare överklagande.")
    channel = models.CharField("inkom via", max_length=12, choices=AppealChannel.choices)
    text = models.TextField("överklagandet (vad som ska ändras och varför)")
    lodged_on = models.DateField("kom in")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="registrerat av", on_delete=models.PROTECT,
                                      related_name="+", null=True, blank=True)
    # rättidsprövning (45 § FL), done at registration
    notified_via = models.CharField("sökanden fick beslutet", max_length=12, choices=NotifiedVia.choices)
    notified_on = models.DateField("sökanden fick del av beslutet")
    deadline = models.DateField("sista dag att överklaga")
    in_time = models.BooleanField("kom in i tid")
    status = models.CharField("status", max_length=14, choices=AppealStatus.choices, default=AppealStatus.RECEIVED)
    late_exception = models.CharField("undantag för sent överklagande", max_length=20, blank=True,
                                      choices=LateException.choices)
    late_exception_reason = models.TextField("skäl för undantaget", blank=True)
    reconsideration = models.OneToOneField("decisions.Decision", verbose_name="omprövningsbeslut",
                                           on_delete=models.PROTECT, related_name="appeal_reconsidered",
                                           null=True, blank=True)
    statement = models.TextField("yttrande till förvaltningsrätten", blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="handlagt av", on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    forwarded_at = models.DateTimeField("överlämnat", null=True, blank=True)
    dismissed_at = models.DateTimeField("avvisat", null=True, blank=True)
    dismissal_reasons = models.TextField("skäl för avvisningen", blank=True)
    created_at = models.DateTimeField("registrerat", default=timezone.now)

    class Meta:
        verbose_name = "överklagande"
        verbose_name_plural = "överklaganden"
        ordering = ["-lodged_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AppealStatus.values), name="appeal_status_known"),
            models.CheckConstraint(condition=~Q(text=""), name="appeal_has_text"),
            models.CheckConstraint(condition=Q(channel="e_service") | Q(registered_by__isnull=False),
                                   name="appeal_paper_registered_by_staff"),
            models.CheckConstraint(condition=~Q(status="dismissed") | Q(in_time=False, late_exception="",
                                                                          dismissed_at__isnull=False),
                                   name="appeal_only_late_is_dismissed"),
            models.CheckConstraint(condition=~Q(status="forwarded") | (Q(forwarded_at__isnull=False) & ~Q(statement="")),
                                   name="appeal_forwarded_with_statement"),
            models.CheckConstraint(condition=Q(late_exception="") | ~Q(late_exception_reason=""),
                                   name="appeal_late_exception_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Överklagande {self.pk} av beslut {self.decision_id}"

    @property
    def may_be_forwarded(self) -> bool:
        return self.status in (AppealStatus.RECEIVED, AppealStatus.RECONSIDERED)

    @property
    def counts_as_in_time(self) -> bool:
        return self.in_time or bool(self.late_exception)


class LetterKind(models.TextChoices):
    FORWARDING = "forwarding", "Överlämnande till förvaltningsrätten"
    DISMISSAL = "dismissal", "Beslut om avvisning av överklagande"


class AppealLetterError(Exception):
    def __init__(self, message: str = "Brevet kan inte lämnas ut: den sparade filen stämmer inte med "
                                      "kontrollsumman. Kontakta systemförvaltningen.") -> None:
        super().__init__(message)
        self.message = message


@scoping.register("appeal__municipality")
class AppealLetter(models.Model):
    """A letter of an appeal as it was made (see the module docstring). Written once; the PDF once."""

    appeal = models.ForeignKey(Appeal, verbose_name="överklagande", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField("slag", max_length=12, choices=LetterKind.choices)
    html = models.TextField("brevet (HTML)")
    html_sha256 = models.CharField("kontrollsumma för HTML (SHA-256)", max_length=64)
    content = models.BinaryField("brevet (PDF)", null=True, editable=False)
    sha256 = models.CharField("kontrollsumma för PDF (SHA-256)", max_length=64, blank=True)
    stored_at = models.DateTimeField("sparat", default=timezone.now)

    class Meta:
        verbose_name = "brev om överklagande"
        verbose_name_plural = "brev om överklaganden"
        constraints = [
            models.UniqueConstraint(fields=["appeal", "kind"], name="appealletter_one_per_kind"),
            models.CheckConstraint(condition=Q(html_sha256__regex=r"^[0-9a-f]{64}$"), name="appealletter_html_sha256"),
            models.CheckConstraint(condition=Q(content__isnull=True, sha256="")
                                   | Q(content__isnull=False, sha256__regex=r"^[0-9a-f]{64}$"),
                                   name="appealletter_pdf_has_sha256"),
        ]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._had_pdf = instance.__dict__.get("content") is not None
        return instance

    def save(self, *args, **kwargs):
        if not self._state.adding and (getattr(self, "_had_pdf", True)
                                       or set(kwargs.get("update_fields") or ()) != {"content", "sha256"}):
            raise ValueError("Ett sparat brev kan inte ändras.")
        super().save(*args, **kwargs)
        self._had_pdf = self.content is not None

    def delete(self, *args, **kwargs):
        raise ValueError("Ett sparat brev kan inte tas bort.")
