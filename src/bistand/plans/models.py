"""Plans (planering) per adult person.

* :class:`Plan` — one version of a person's plan; a new version gets the next number. Its status moves
  draft → shared → (accepted | accepted_with_comment | disputed) → closed. Content (goals, actions) is
  changed only while the plan is a draft.
* :class:`Goal` — a goal in the client's own words (``client_wording``), linked to an assessment domain
  (by code), with target level and date and where the goal came from; the worker's note is a separate field.
* :class:`Action` — a step towards a goal (voluntary) **or** a requirement that conditions assistance
  (``kind = requirement``). A requirement must rest on a decision and a legal basis and belongs to no
  goal; a voluntary action can never carry a decision or a legal basis (database constraint).
* :class:`Referral` — a referral of an action to a partner, with sent and first-contact dates.
* :class:`PlanResponse` — the client's answer in the e-service (accept, accept with a comment, dispute
  with a reason). Every answer is a new row, never changed.
* :class:`FollowUp` — a follow-up of the plan: the client's and the worker's rating of how useful the
  plan was (1–5) are two fields, each written only by its own side and never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from bistand.tenancy import scoping


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Utkast"
    SHARED = "shared", "Delad med klienten"
    ACCEPTED = "accepted", "Godkänd av klienten"
    ACCEPTED_WITH_COMMENT = "accepted_with_comment", "Godkänd med kommentar"
    DISPUTED = "disputed", "Klienten håller inte med"
    CLOSED = "closed", "Avslutad"


class ResponseKind(models.TextChoices):
    ACCEPTED = "accepted", gettext_noop("Jag godkänner planeringen")
    ACCEPTED_WITH_COMMENT = "accepted_with_comment", gettext_noop("Jag godkänner planeringen men vill lämna en kommentar")
    DISPUTED = "disputed", gettext_noop("Jag håller inte med om planeringen")


class GoalOrigin(models.TextChoices):
    CLIENT = "client", "Klientens eget mål"
    JOINT = "joint", "Gemensamt mål"
    WORKER = "worker", "Handläggarens förslag"


class ActionKind(models.TextChoices):
    VOLUNTARY = "voluntary", "Insats eller steg (frivilligt)"
    REQUIREMENT = "requirement", "Krav för försörjningsstöd"


class Responsible(models.TextChoices):
    CLIENT = "client", gettext_noop("Klienten själv")
    SOCIAL_SERVICES = "social_services", gettext_noop("Socialtjänsten")
    ARBETSFORMEDLINGEN = "arbetsformedlingen", gettext_noop("Arbetsförmedlingen")
    FORSAKRINGSKASSAN = "forsakringskassan", gettext_noop("Försäkringskassan")
    REGION_CARE = "region_care", gettext_noop("Regionens hälso- och sjukvård")
    LABOUR_MARKET_UNIT = "labour_market_unit", gettext_noop("Kommunens arbetsmarknadsenhet")
    OTHER = "other", gettext_noop("Annan")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", gettext_noop("Planerad")
    ONGOING = "ongoing", gettext_noop("Pågår")
    DONE = "done", gettext_noop("Klar")
    NOT_DONE = "not_done", gettext_noop("Blev inte av")
    CANCELLED = "cancelled", gettext_noop("Avbruten")


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.ONGOING)

#: The provisions a requirement that conditions försörjningsstöd usually rests on: to be available to the
#: labour market (12 kap. 3 §) and to take part in praktik or kompetenshöjande verksamhet (12 kap. 4 §).
REQUIREMENT_BASIS = "12 kap. 3–4 §§ socialtjänstlagen (2025:400)"
#: Statuses in which the plan has been shared and not closed.
LIVE_STATUSES = (PlanStatus.SHARED, PlanStatus.ACCEPTED, PlanStatus.ACCEPTED_WITH_COMMENT, PlanStatus.DISPUTED)
#: Statuses in which the client has accepted the plan.
ACCEPTED_STATUSES = (PlanStatus.ACCEPTED, PlanStatus.ACCEPTED_WITH_COMMENT)


@scoping.register("municipality")
class Plan(models.Model):
    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="plans")
    person = models.ForeignKey("people.Person", verbose_name="person", on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField("version")
    status = models.CharField("status", max_length=24, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="ansvarig handläggare", on_delete=models.PROTECT,
                               related_name="plans", null=True, blank=True)
    unit = models.ForeignKey("tenancy.Unit", verbose_name="enhet", on_delete=models.PROTECT, related_name="plans",
                             null=True, blank=True)
    based_on_occasion = models.ForeignKey(
        "assessment.Occasion", verbose_name="bygger på bedömningstillfälle", on_delete=models.PROTECT,
        related_name="plans", null=True, blank=True)
    valid_from = models.DateField("gäller från")
    valid_to = models.DateField("gäller till och med", null=True, blank=True)
    follow_up_due = models.DateField("nästa uppföljning", null=True, blank=True)
    summary = models.TextField("sammanfattning i klartext", blank=True)
    shared_at = models.DateTimeField("delad med klienten", null=True, blank=True)
    closed_at = models.DateTimeField("avslutad", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="skapad av", on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    created_at = models.DateTimeField("skapad", default=timezone.now)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "planering"
        verbose_name_plural = "planeringar"
        ordering = ["person_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="plan_version_unique_per_person",
                                    violation_error_message="Personen har redan en planering med det versionsnumret."),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_known"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="plan_valid_to_after_valid_from"),
        ]

    def __str__(self) -> str:
        return f"Planering {self.pk} version {self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT


@scoping.register("plan__municipality")
class Goal(models.Model):
    plan = models.ForeignKey(Plan, verbose_name="planering", on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField("ordning", default=0)
    domain_code = models.CharField("livsområde (kod)", max_length=40, blank=True,
                                   help_text="Koden för livsområdet i bedömningsinstrumentet.")
    domain_label = models.CharField("livsområde", max_length=200, blank=True)
    client_wording = models.TextField("målet med klientens egna ord")
    worker_note = models.TextField("handläggarens anteckning", blank=True)
    target_level = models.PositiveSmallIntegerField("önskad nivå (1–5)", null=True, blank=True)
    target_date = models.DateField("när målet ska vara nått", null=True, blank=True)
    origin = models.CharField("vems mål", max_length=10, choices=GoalOrigin.choices, default=GoalOrigin.CLIENT)

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["plan_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(target_level__isnull=True) | Q(target_level__gte=1, target_level__lte=5),
                                   name="goal_target_level_1_to_5"),
            models.CheckConstraint(condition=Q(origin__in=GoalOrigin.values), name="goal_origin_known"),
        ]

    def __str__(self) -> str:
        return f"Mål {self.pk}"


@scoping.register("plan__municipality")
class Action(models.Model):
    plan = models.ForeignKey(Plan, verbose_name="planering", on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(Goal, verbose_name="mål", on_delete=models.CASCADE, related_name="actions",
                             null=True, blank=True)
    kind = models.CharField("slag", max_length=12, choices=ActionKind.choices, default=ActionKind.VOLUNTARY)
    description = models.TextField("vad ska göras")
    responsible = models.CharField("vem ansvarar", max_length=24, choices=Responsible.choices)
    responsible_other = models.CharField("annan ansvarig", max_length=200, blank=True)
    due_date = models.DateField("klart senast", null=True, blank=True)
    status = models.CharField("status", max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    decision = models.ForeignKey("decisions.Decision", verbose_name="beslut som kravet bygger på",
                                 on_delete=models.PROTECT, related_name="plan_requirements", null=True, blank=True)
    legal_basis = models.CharField("lagrum", max_length=300, blank=True)
    status_changed_at = models.DateTimeField("status ändrad", null=True, blank=True)

    class Meta:
        verbose_name = "åtgärd"
        verbose_name_plural = "åtgärder"
        ordering = ["plan_id", "kind", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=ActionKind.REQUIREMENT, decision__isnull=False, goal__isnull=True) & ~Q(legal_basis=""))
                | Q(kind=ActionKind.VOLUNTARY, decision__isnull=True, legal_basis=""),
                name="action_requirement_has_decision_and_legal_basis_voluntary_has_neither",
                violation_error_message="Ett krav ska bygga på ett beslut och ett lagrum; en frivillig insats kan inte ha något av dem.",
            ),
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="action_status_known"),
            models.CheckConstraint(condition=Q(responsible__in=Responsible.values), name="action_responsible_known"),
        ]

    def __str__(self) -> str:
        return f"Åtgärd {self.pk}"

    @property
    def is_requirement(self) -> bool:
        return self.kind == ActionKind.REQUIREMENT

    @property
    def responsible_label(self) -> str:
        if self.responsible == Responsible.OTHER and self.responsible_other:
            return self.responsible_other
        return self.get_responsible_display()


@scoping.register("action__plan__municipality")
class Referral(models.Model):
    action = models.ForeignKey(Action, verbose_name="åtgärd", on_delete=models.CASCADE, related_name="referrals")
    partner = models.CharField("mottagare", max_length=24, choices=Responsible.choices)
    partner_name = models.CharField("mottagarens namn", max_length=200, blank=True)
    sent_on = models.DateField("skickad")
    first_contact_on = models.DateField("första kontakt", null=True, blank=True)
    outcome = models.TextField("resultat", blank=True)

    class Meta:
        verbose_name = "remiss"
        verbose_name_plural = "remisser"
        ordering = ["action_id", "sent_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(first_contact_on__isnull=True) | Q(first_contact_on__gte=models.F("sent_on")),
                                   name="referral_first_contact_after_sent"),
        ]


class PlanResponseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Klientens svar ändras aldrig.")


@scoping.register("plan__municipality")
class PlanResponse(models.Model):
    plan = models.ForeignKey(Plan, verbose_name="planering", on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField("svar", max_length=24, choices=ResponseKind.choices)
    comment = models.TextField("kommentar eller skäl", blank=True)
    responded_at = models.DateTimeField("svarade", default=timezone.now)

    objects = PlanResponseQuerySet.as_manager()

    class Meta:
        verbose_name = "klientens svar på planering"
        verbose_name_plural = "klientens svar på planeringar"
        ordering = ["plan_id", "responded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ResponseKind.values), name="planresponse_kind_known"),
            models.CheckConstraint(condition=Q(kind=ResponseKind.ACCEPTED) | ~Q(comment=""),
                                   name="planresponse_comment_or_reason_required",
                                   violation_error_message="Skriv en kommentar eller ett skäl."),
        ]


@scoping.register("plan__municipality")
class FollowUp(models.Model):
    plan = models.ForeignKey(Plan, verbose_name="planering", on_delete=models.PROTECT, related_name="follow_ups")
    occasion = models.ForeignKey("assessment.Occasion", verbose_name="bedömningstillfälle", on_delete=models.PROTECT,
                                 related_name="plan_follow_ups", null=True, blank=True)
    held_on = models.DateField("uppföljningen hölls")
    usefulness_client = models.PositiveSmallIntegerField("klientens bedömning av nyttan (1–5)", null=True, blank=True)
    usefulness_client_at = models.DateTimeField("klienten bedömde", null=True, blank=True)
    usefulness_worker = models.PositiveSmallIntegerField("handläggarens bedömning av nyttan (1–5)", null=True, blank=True)
    usefulness_worker_at = models.DateTimeField("handläggaren bedömde", null=True, blank=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="handläggare", on_delete=models.PROTECT,
                               related_name="+", null=True, blank=True)
    note = models.TextField("anteckning", blank=True)
    created_at = models.DateTimeField("skapad", default=timezone.now)

    class Meta:
        verbose_name = "uppföljning av planering"
        verbose_name_plural = "uppföljningar av planeringar"
        ordering = ["plan_id", "held_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(usefulness_client__isnull=True)
                                   | Q(usefulness_client__gte=1, usefulness_client__lte=5),
                                   name="followup_usefulness_client_1_to_5"),
            models.CheckConstraint(condition=Q(usefulness_worker__isnull=True)
                                   | Q(usefulness_worker__gte=1, usefulness_worker__lte=5),
                                   name="followup_usefulness_worker_1_to_5"),
        ]


@scoping.register("municipality")
class Reduction(models.Model):
    """Nedsättning (12 kap. 5 § SoL 2025:400; 4 kap. 5 § SoL 2001:453): the case worker reduces — or
    refuses (``norm_amount_ore`` 0) — the norm part of an application's försörjningsstöd because the
    applicant, without an acceptable reason, did not follow a requirement of the plan (``requirement``:
    the plan's requirement that was not met). The reason is the case worker's own. It enters the
    application's calculation input (registered with ``applications.selectors`` in ``PlansConfig.ready``)
    and so the trace, the decision's own line, the letter and "Mitt ärende". Never automated."""

    municipality = models.ForeignKey("tenancy.Municipality", verbose_name="kommun", on_delete=models.PROTECT,
                                     related_name="+")
    application = models.OneToOneField("applications.Application", verbose_name="ansökan", on_delete=models.PROTECT,
                                       related_name="reduction")
    requirement = models.ForeignKey(Action, verbose_name="kravet i planeringen som inte följts",
                                    on_delete=models.PROTECT, related_name="reductions")
    norm_amount_ore = models.BigIntegerField("normdelen efter nedsättning (öre per månad)")
    reason = models.TextField("handläggarens skäl")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="gjord av", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("skapad", default=timezone.now)

    class Meta:
        verbose_name = "nedsättning"
        verbose_name_plural = "nedsättningar"
        constraints = [
            models.CheckConstraint(condition=Q(norm_amount_ore__gte=0), name="reduction_amount_not_negative"),
            models.CheckConstraint(condition=~Q(reason=""), name="reduction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Nedsättning för ansökan {self.application_id}"
