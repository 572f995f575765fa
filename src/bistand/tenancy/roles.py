"""Roles and what each role may do: the one place where this is decided.

A user gets a role through a :class:`~bistand.tenancy.models.Membership` (a role in a municipality, or
for a regional coordinator in a region). Each role has a Django group with the same name as the role's
code; :func:`bistand.tenancy.services.sync_role_permissions` gives each group exactly the permissions
listed in :data:`ROLE_PERMISSIONS` (it runs after every ``migrate``).

Permissions decide *what* a user may do (see a person, change a household, read the access log).
Which *rows* the user sees is decided by :mod:`bistand.tenancy.scoping`: only the current
municipality's, and none at all for roles outside :data:`PERSON_DATA_ROLES`.

A user's role permissions apply only in the municipality the user currently works in: someone who is
a manager in one municipality and a case worker in another has the manager's permissions only while
working in the first (see :class:`bistand.tenancy.backends.MembershipBackend`).
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Handläggare"
    APPROVER = "approver", "Attestant (1:e socialsekreterare)"
    MANAGER = "manager", "Enhetschef"
    REGIONAL_COORDINATOR = "regional_coordinator", "Regional samordnare"
    RESEARCHER = "researcher", "Forskare"
    ADMIN = "admin", "Administratör"


#: Roles that may see person-level data (names, personnummer, households, cases) of the municipality
#: they work in. Regional coordinators and researchers never see person-level rows: they get
#: aggregates and pseudonymised exports only.
PERSON_DATA_ROLES: frozenset[str] = frozenset({Role.CASEWORKER, Role.APPROVER, Role.MANAGER, Role.ADMIN})

#: Roles a delegationsordning can delegate decisions to (bistand.decisions.PersonDelegation).
DELEGATE_ROLES: frozenset[str] = frozenset({Role.CASEWORKER, Role.APPROVER, Role.MANAGER})

#: Roles whose membership is in a region rather than in a municipality.
REGION_ROLES: frozenset[str] = frozenset({Role.REGIONAL_COORDINATOR})

#: Roles that work in the Django admin (they get ``is_staff`` when the membership is added).
ADMIN_SITE_ROLES: frozenset[str] = frozenset({Role.ADMIN})

#: The permission that shows the name and address of a person with protected identity (skyddad
#: identitet). No role has it: it is given to named users one by one.
VIEW_PROTECTED_IDENTITY = "people.view_protected_identity"

_PEOPLE_WORK = [
    "people.view_person",
    "people.add_person",
    "people.change_person",
    "people.view_household",
    "people.add_household",
    "people.change_household",
    "people.view_householdmember",
    "people.add_householdmember",
    "people.change_householdmember",
    "people.delete_householdmember",
]
_PEOPLE_READ = ["people.view_person", "people.view_household", "people.view_householdmember"]
_AUDIT_READ = ["audit.view_accesslog", "audit.view_auditevent"]
_CALCULATIONS_WORK = ["calculations.view_storedcalculation", "calculations.add_storedcalculation"]
_APPLICATIONS_READ = ["applications.view_application", "applications.view_attachment", "applications.view_completionrequest"]
_APPLICATIONS_WORK = [*_APPLICATIONS_READ, "applications.add_completionrequest", "applications.change_completionrequest"]

#: Permissions of each role, as "app_label.codename". Later apps add their permissions here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CASEWORKER: [*_PEOPLE_WORK, *_CALCULATIONS_WORK, *_APPLICATIONS_WORK],
    Role.APPROVER: [*_PEOPLE_WORK, *_CALCULATIONS_WORK, *_APPLICATIONS_WORK],
    Role.MANAGER: [*_PEOPLE_READ, *_AUDIT_READ, *_APPLICATIONS_READ, "calculations.view_storedcalculation", "tenancy.view_unit", "tenancy.view_membership"],
    Role.REGIONAL_COORDINATOR: ["tenancy.view_region", "tenancy.view_municipality"],
    Role.RESEARCHER: [],
    Role.ADMIN: [
        *_AUDIT_READ,
        "tenancy.view_region",
        "tenancy.view_municipality",
        "tenancy.change_municipality",  # only its own: the letter details (MunicipalityAdmin)
        "tenancy.view_unit",
        "tenancy.add_unit",
        "tenancy.change_unit",
        "tenancy.view_membership",
        "tenancy.add_membership",
        "tenancy.change_membership",
        "tenancy.delete_membership",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
    ],
}


# Payments (bistand.payments): case workers see payments and may change the payee; approvers also
# approve them (four eyes) and handle the bank files; managers see both; administrators enter the
# municipality's own bank account.
_PAYMENTS_VIEW = ["payments.view_payment"]
ROLE_PERMISSIONS[Role.CASEWORKER] += [*_PAYMENTS_VIEW, "payments.change_payment"]
ROLE_PERMISSIONS[Role.APPROVER] += [*_PAYMENTS_VIEW, "payments.change_payment", "payments.approve_payment",
                                    "payments.view_paymentexport", "payments.add_paymentexport"]
ROLE_PERMISSIONS[Role.MANAGER] += [*_PAYMENTS_VIEW, "payments.view_paymentexport"]
ROLE_PERMISSIONS[Role.ADMIN] += ["payments.view_debtoraccount", "payments.add_debtoraccount", "payments.change_debtoraccount"]

# Decisions (bistand.decisions): case workers and approvers make decisions; managers read them;
# administrators edit the committee's delegation to the automated decision function (with its kill switch).
_DECISIONS_WORK = ["decisions.view_decision", "decisions.add_decision", "decisions.view_delegation"]
ROLE_PERMISSIONS[Role.CASEWORKER] += _DECISIONS_WORK
ROLE_PERMISSIONS[Role.APPROVER] += _DECISIONS_WORK
ROLE_PERMISSIONS[Role.MANAGER] += ["decisions.view_decision", "decisions.view_delegation"]
ROLE_PERMISSIONS[Role.ADMIN] += ["decisions.view_delegation", "decisions.add_delegation", "decisions.change_delegation"]
# ... and the delegationsordning for people (who may decide what, up to which amount); managers read it.
ROLE_PERMISSIONS[Role.ADMIN] += ["decisions.view_persondelegation", "decisions.add_persondelegation",
                                 "decisions.change_persondelegation", "decisions.delete_persondelegation"]
ROLE_PERMISSIONS[Role.MANAGER] += ["decisions.view_persondelegation"]
# Appeals (bistand.appeals) are handled with the decision permissions; administrators set the post days.
ROLE_PERMISSIONS[Role.ADMIN] += ["appeals.view_proceduresettings", "appeals.add_proceduresettings",
                                 "appeals.change_proceduresettings"]
# "Parametrar för nästa år": enter a year's official figures and confirm another admin's (four-eyes).
ROLE_PERMISSIONS[Role.ADMIN] += ["calculations.view_yearparameters", "calculations.add_yearparameters",
                                 "calculations.change_yearparameters"]

# Case handling (bistand.casework): the inbox, assignment and notes. Case workers and approvers work with
# cases; managers see the inbox and assign cases to the unit's case workers.
_CASEWORK_READ = ["casework.view_referral", "casework.view_assignment", "casework.view_casenote"]
_CASEWORK_WORK = [*_CASEWORK_READ, "casework.add_assignment", "casework.change_assignment", "casework.add_casenote"]
ROLE_PERMISSIONS[Role.CASEWORKER] += _CASEWORK_WORK
ROLE_PERMISSIONS[Role.APPROVER] += _CASEWORK_WORK
ROLE_PERMISSIONS[Role.MANAGER] += [*_CASEWORK_READ, "casework.add_assignment", "casework.change_assignment"]


def role_label(role: str) -> str:
    """The Swedish name of a role code (the code itself when it is unknown)."""
    try:
        return Role(role).label
    except ValueError:
        return role


# Plans (bistand.plans): case workers and approvers write plans with the client; managers read them
# (and the overview of what is due).
_PLANS_READ = ["plans.view_plan", "plans.view_goal", "plans.view_action", "plans.view_referral",
               "plans.view_planresponse", "plans.view_followup"]
_PLANS_WORK = [*_PLANS_READ, "plans.add_plan", "plans.change_plan", "plans.add_goal", "plans.add_action",
               "plans.change_action", "plans.add_referral", "plans.change_referral", "plans.add_followup",
               "plans.change_followup"]
ROLE_PERMISSIONS[Role.CASEWORKER] += _PLANS_WORK
ROLE_PERMISSIONS[Role.APPROVER] += _PLANS_WORK
ROLE_PERMISSIONS[Role.MANAGER] += _PLANS_READ

# Assessment (bistand.assessment): case workers and approvers run assessment occasions (ratings, screening
# flags, MI notes, rulers); managers read them; administrators load their municipality's own licensed
# instrument packages and set the municipality's schedule and routines.
_ASSESSMENT_WORK = ["assessment.view_instrument", "assessment.view_occasion", "assessment.add_occasion",
                    "assessment.change_occasion", "assessment.view_domainrating", "assessment.add_domainrating",
                    "assessment.add_screeningflag", "assessment.view_screeningflag", "assessment.add_minote",
                    "assessment.view_minote"]
ROLE_PERMISSIONS[Role.CASEWORKER] += _ASSESSMENT_WORK
ROLE_PERMISSIONS[Role.APPROVER] += _ASSESSMENT_WORK
ROLE_PERMISSIONS[Role.MANAGER] += ["assessment.view_instrument", "assessment.view_occasion",
                                   "assessment.view_domainrating", "assessment.view_screeningflag"]
ROLE_PERMISSIONS[Role.ADMIN] += ["assessment.view_instrument", "assessment.add_instrument",
                                 "assessment.view_assessmentsettings", "assessment.change_assessmentsettings"]

# The monthly run from the web (bistand.casework, /handlaggning/manadskorning/): case workers, approvers and
# managers see the month's state and the runs; approvers (1:e socialsekreterare) and managers start the run
# for their municipality (the same run as `bistand monthly-run`).
_MONTHLY_RUN_READ = ["casework.view_monthlyrun", "casework.view_monthlyrunjob"]
ROLE_PERMISSIONS[Role.CASEWORKER] += _MONTHLY_RUN_READ
ROLE_PERMISSIONS[Role.APPROVER] += [*_MONTHLY_RUN_READ, "casework.start_monthly_run"]
ROLE_PERMISSIONS[Role.MANAGER] += [*_MONTHLY_RUN_READ, "casework.start_monthly_run"]

# Follow-up (bistand.followup): managers and approvers see the municipality's dashboard and the cases behind
# its numbers (person-months); regional coordinators set the region's implementation goals.
ROLE_PERMISSIONS[Role.MANAGER] += ["followup.view_personmonth"]
# ... and managers send the monthly statistics files to Socialstyrelsen (HSLF-FS 2015:30).
ROLE_PERMISSIONS[Role.MANAGER] += ["followup.view_statisticsexport", "followup.add_statisticsexport"]
ROLE_PERMISSIONS[Role.APPROVER] += ["followup.view_personmonth"]
ROLE_PERMISSIONS[Role.REGIONAL_COORDINATOR] += ["followup.view_implementationgoal", "followup.add_implementationgoal",
                                                "followup.change_implementationgoal"]

# Research (bistand.research): administrators register research projects and the municipalities taking part;
# each municipality's manager approves a project for the municipality (after its secrecy assessment) and sees
# its exports; researchers download the exports of the projects that name them (checked per project).
ROLE_PERMISSIONS[Role.ADMIN] += ["research.view_researchproject", "research.add_researchproject",
                                 "research.change_researchproject", "research.view_projectmunicipality",
                                 "research.add_projectmunicipality", "research.change_projectmunicipality",
                                 "research.delete_projectmunicipality", "research.view_researchexport"]
ROLE_PERMISSIONS[Role.MANAGER] += ["research.view_researchproject", "research.view_researchexport"]

# Gallring (bistand.retention): administrators keep their municipality's retention plan in the admin and read
# the record of each run (counts only); the rows of other municipalities stay out of reach (the admin's
# MunicipalityScopedAdminMixin). The runs themselves are made by `bistand gallra`.
ROLE_PERMISSIONS[Role.ADMIN] += ["retention.view_retentionplan", "retention.add_retentionplan",
                                 "retention.change_retentionplan", "retention.view_gallring"]
