"""THE KEY TEST: nobody working in one municipality can read or change person-level data of another
municipality through any URL that exists.

The test walks the whole URL configuration (staff pages, /api/v1/, /admin/, everything), so a new URL
is covered the day it is added. Person-level models come from the registry of
bistand.tenancy.scoping, and a registered model without a builder in
tests.factories.PERSON_LEVEL_BUILDERS fails the test, so a new model is covered too.

For each user working in the home municipality (several roles):

* every pattern with path parameters is requested with GET and POST, with the primary key of each
  person-level object of the other municipality in every parameter: the answer must be 403, 404, 405
  or a redirect to a login page (or, in the admin, to the admin index, which is how the admin answers
  for an object it cannot find);
* every pattern without parameters (lists, search, the access log, the API) is requested with GET —
  plain and with the other municipality's personnummer, names and ids as search terms and filters —
  and with POST;
* no answer may contain a name, address or personnummer (or a unit name) of the other municipality, and after each
  pattern the other municipality's rows (including its access log and audit events, so that a *read*
  would show up too) must be exactly as before.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from bistand.people.models import Household, Person
from bistand.tenancy import scoping
from bistand.tenancy.current import SESSION_KEY
from bistand.tenancy.models import Membership, Municipality, Unit
from bistand.tenancy.roles import Role
from tests.factories import (
    PERSON_LEVEL_BUILDERS,
    HouseholdMemberFactory,
    MunicipalityFactory,
    PersonFactory,
    UnitFactory,
    household_with_members,
    user_with_role,
)

pytestmark = pytest.mark.django_db

# Primary keys of the other municipality's objects: each model gets its own band (1 100 000, 1 200 000 …)
# so that they are used by nothing else, also after rows are added during the test (SQLite continues a
# table's ids after its highest id).
OTHER_PK_BASE = 1_000_000
OTHER_PK_BAND = 100_000
SKIPPED_URL_NAMES = {"logout", "admin:logout"}  # would end the session the test is checking with


# --- walking the URL configuration --------------------------------------------------------------------

@dataclass(frozen=True)
class Pattern:
    template: str  # e.g. "/handlaggning/personer/%(pk)s/"
    params: tuple[str, ...]
    name: str

    def url(self, values: dict[str, object]) -> str:
        return self.template % {p: values[p] for p in self.params}


def _strip(regex: str) -> str:
    if regex.startswith("^"):
        regex = regex[1:]
    for end in ("\\Z", "$"):
        if regex.endswith(end):
            regex = regex[: -len(end)]
    return regex


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """Every URL pattern of the project, as a %-format template with its parameter names."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        regex = prefix + _strip(entry.pattern.regex.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, regex, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"{namespace}<{entry.lookup_str}>"
            for template, params in normalize(regex):
                yield Pattern("/" + template, tuple(params), name)


def all_patterns() -> list[Pattern]:
    return [p for p in walk() if p.name not in SKIPPED_URL_NAMES]


# --- the two municipalities ---------------------------------------------------------------------------

@dataclass
class World:
    home: Municipality
    other: Municipality
    other_objects: dict[str, models.Model] = field(default_factory=dict)  # label → object (explicit pk)
    secrets: list[str] = field(default_factory=list)  # texts of the other municipality that must not leak
    home_names: list[str] = field(default_factory=list)


def _personnummer_forms(number: str) -> list[str]:
    return [number, f"{number[:8]}-{number[8:]}", f"{number[2:8]}-{number[8:]}", number[2:]]


def build_world() -> World:
    home = MunicipalityFactory(name="Hemby")
    other = MunicipalityFactory(name="Grannby")
    world = World(home=home, other=other)

    # The home municipality has data of every kind, so that lists are not empty.
    home_unit = UnitFactory(municipality=home, name="Hemby försörjningsstöd")
    home_household = household_with_members(home, adults=2, children=1, first_name="Hilda", last_name="Hemström")
    home_household.unit = home_unit
    home_household.save()
    first_member = home_household.members.first()
    made = {"people.household": home_household, "people.person": first_member.person, "people.householdmember": first_member}
    for label, build in PERSON_LEVEL_BUILDERS.items():
        if label not in made:
            made[label] = build(home, made=made)
    world.home_names = ["Hemström"]

    # The other municipality: one object of every person-level model with a primary key nobody else
    # uses, and people with names that occur nowhere else.
    UnitFactory(municipality=other, name="Grannby enhet")
    made = {}
    registered = [m._meta.label_lower for m in scoping.person_level_models()]
    missing = sorted(set(registered) - set(PERSON_LEVEL_BUILDERS))
    assert not missing, f"add a builder to tests/factories.PERSON_LEVEL_BUILDERS for: {', '.join(missing)}"
    for offset, label in enumerate(PERSON_LEVEL_BUILDERS, start=1):
        extra = {}
        if label == "people.person":
            extra = {"first_name": "Zacharias", "last_name": "Qvarnsträng", "street_address": "Hemliga gatan 13",
                     "protected_identity": False}
        made[label] = PERSON_LEVEL_BUILDERS[label](other, pk=OTHER_PK_BASE + offset * OTHER_PK_BAND, made=made, **extra)
    world.other_objects = made
    # A second person in the other municipality, with protected identity, in the same household.
    protected = PersonFactory(municipality=other, first_name="Yrsa", last_name="Skyddadsdotter",
                              street_address="Okända vägen 7", protected_identity=True,
                              pk=made["people.person"].pk + 1)
    HouseholdMemberFactory(household=made["people.household"], person=protected, role="partner",
                           pk=made["people.householdmember"].pk + 1)

    # Builders may have made more people there with generated (Faker) names, which can also occur in the
    # home municipality by chance; give them names that occur nowhere else, so a match is a real leak.
    named = {made["people.person"].pk, protected.pk}
    extra_people = scoping.for_municipality(Person.objects.exclude(pk__in=named), other.pk).order_by("pk")
    for i, person in enumerate(extra_people):
        suffix = "".join(chr(ord("a") + int(d)) for d in str(i))
        first, last = f"Ulvhildur{suffix}", f"Qvarnbäcksson{suffix}"
        Person.objects.filter(pk=person.pk).update(
            first_name=first, last_name=last, street_address=f"Dolda stigen {suffix}",
            search_name=Person.build_search_name(first, last))

    for person in scoping.for_municipality(Person.objects.all(), other.pk):
        world.secrets += _personnummer_forms(person.personnummer)
        world.secrets += [person.first_name, person.last_name]
        if person.street_address:
            world.secrets.append(person.street_address)
    world.secrets += list(Unit.objects.filter(municipality=other).values_list("name", flat=True))
    world.secrets = sorted({s for s in world.secrets if s})
    return world


def snapshot(world: World) -> dict:
    """Every row of the other municipality: its person-level data (access log and audit events
    included), and its units, roles and users."""
    state = {}
    for model in scoping.person_level_models():
        rows = scoping.for_municipality(model._default_manager.all(), world.other.pk).order_by("pk").values()
        state[model._meta.label] = list(rows)
    state["municipality"] = list(Municipality.objects.filter(pk=world.other.pk).values())
    state["units"] = list(Unit.objects.filter(municipality=world.other).order_by("pk").values())
    state["memberships"] = list(Membership.objects.filter(municipality=world.other).order_by("pk").values())
    users = Membership.objects.filter(municipality=world.other).values("user_id")
    state["users"] = [
        {k: v for k, v in row.items() if k != "last_login"}  # signing in changes only this
        for row in get_user_model().objects.filter(pk__in=users).order_by("pk").values()
    ]
    return state


# --- who is asking ------------------------------------------------------------------------------------

def make_user(kind: str, world: World):
    if kind == "caseworker_with_research_role_elsewhere":
        # Works in two municipalities and has chosen the home municipality.
        user = user_with_role(Role.CASEWORKER, world.home)
        Membership.objects.create(user=user, role=Role.RESEARCHER, municipality=world.other)
        return user, {SESSION_KEY: world.home.pk}
    if kind == "caseworker_in_admin_site":
        # A case worker who has also been let into the Django admin: the admin must scope too.
        user = user_with_role(Role.CASEWORKER, world.home)
        user.is_staff = True
        user.save()
        return user, {}
    return user_with_role(kind, world.home), {}


USER_KINDS = [
    Role.CASEWORKER,
    Role.APPROVER,
    Role.MANAGER,
    Role.ADMIN,
    "caseworker_in_admin_site",
    "caseworker_with_research_role_elsewhere",
]

#: The roles the walk also runs for on PostgreSQL. Scoping is done by the ORM's filters, the same on both
#: databases, and the whole walk for every role takes about 16 worker-minutes on PostgreSQL, a third of the
#: suite's time there: on PostgreSQL it runs for the case worker (the most person data) and in the admin site
#: (the largest set of pages); every role runs on SQLite.
POSTGRESQL_KINDS = {Role.CASEWORKER, "caseworker_in_admin_site"}

DENIED = {403, 404, 405}


def is_denied(response, client, hops: int = 3) -> bool:
    """403, 404 or 405, or a redirect to a login page or the admin index, or a redirect (e.g. the admin's
    ``<id>/`` → ``<id>/change/``) that ends in one of those."""
    if response.status_code in DENIED:
        return True
    if response.status_code in (301, 302):
        location = response["Location"]
        path = location.split("?")[0]
        # The e-service's own login (e-ID) counts as a login page too.
        if path.startswith((settings.LOGIN_URL, "/admin/login/", "/e-tjanst/logga-in/")) or path == "/admin/":
            return True
        if hops > 0 and location.startswith("/"):
            return is_denied(client.get(location), client, hops - 1)
    return False


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def leaks(response, world: World, sent: str = "") -> list[str]:
    """Texts of the other municipality in the answer, apart from the ones the request itself sent (a
    search page repeats the search term; what matters is that it finds nothing)."""
    text = body(response)
    return [s for s in world.secrets if s not in sent and _as_word(s).search(text)]


def _as_word(secret: str) -> re.Pattern:
    """The secret as a whole word: "Yrsa" in a name or a sentence, not inside a random token such as
    a CSRF token ("…YYrsa5…" turned up once in some ten thousand pages)."""
    return re.compile(rf"(?<!\w){re.escape(secret)}(?!\w)")


def post_payload(world: World) -> dict:
    """Form fields that would change things if a view accepted them."""
    person = world.other_objects["people.person"]
    household = world.other_objects["people.household"]
    ids = [str(obj.pk) for obj in world.other_objects.values()]
    return {
        "personnummer": person.personnummer,
        "first_name": "Ändrad",
        "last_name": "Ändradsson",
        "street_address": "Ny gata 1",
        "postal_code": "55321",
        "postal_town": "Hemby",
        "protected_identity": "",
        "municipality": str(world.other.pk),
        "household": str(household.pk),
        "person": str(person.pk),
        "role": "applicant",
        "valid_from": "2024-01-01",
        "valid_to": "2024-01-31",
        "unit": "",
        "post": "yes",
        "action": "delete_selected",
        "_selected_action": ids,
        "index": "0",
    }


def query_variants(world: World) -> list[str]:
    person = world.other_objects["people.person"]
    household = world.other_objects["people.household"]
    other_user = Membership.objects.filter(municipality=world.other).values_list("user_id", flat=True).first()
    return [
        "",
        f"?q={person.personnummer}",
        f"?q={person.personnummer[2:8]}-{person.personnummer[8:]}",
        f"?q={person.last_name}",
        "?q=Skyddadsdotter",
        f"?person={person.pk}&household={household.pk}&user={other_user or ''}",
        f"?personnummer={person.personnummer}",
    ]


@contextmanager
def session_for(client, user, session_values):
    client.force_login(user)
    if session_values:
        session = client.session
        session.update(session_values)
        session.save()
    yield client


ADMIN_MODEL_URL = re.compile(r"^/admin/(?P<app>[a-z0-9_]+)/(?P<model>[a-z0-9_]+)/%\(")


def candidates(pattern: Pattern, values_by_object: list[tuple[str, models.Model]]) -> list[tuple[str, models.Model]]:
    """The other municipality's objects to put into a pattern's parameters: every one of them, except
    for the admin's per-model pages (``/admin/<app>/<model>/<id>/…``), whose model the URL itself names:
    there only the object of that model (none for a model without person-level data, whose pages the
    parameterless walk and the snapshot cover). This keeps the walk thorough where a view could look up
    any model, without ~30 pointless requests per admin page."""
    match = ADMIN_MODEL_URL.match(pattern.template)
    if not match:
        return values_by_object
    label = f"{match['app']}.{match['model']}"
    return [(lbl, obj) for lbl, obj in values_by_object if lbl == label]


def check_all_urls(client, user, session_values, world: World) -> list[str]:
    """Request everything; return the problems found (empty: all good)."""
    problems: list[str] = []
    payload = post_payload(world)
    values_by_object = [(label, obj) for label, obj in world.other_objects.items()]
    before = snapshot(world)
    for pattern in all_patterns():
        with session_for(client, user, session_values):
            if pattern.params:
                for label, obj in candidates(pattern, values_by_object):
                    ct = ContentType.objects.get_for_model(type(obj))
                    values = {p: (ct.pk if p == "content_type_id" else obj.pk) for p in pattern.params}
                    url = pattern.url(values)
                    for method in ("get", "post"):
                        response = getattr(client, method)(url, payload if method == "post" else None)
                        if not is_denied(response, client):
                            problems.append(f"{method.upper()} {url} ({pattern.name}, {label}) answered {response.status_code}")
                        leaked = leaks(response, world, sent=str(payload) if method == "post" else "")
                        if leaked:
                            problems.append(f"{method.upper()} {url} ({pattern.name}) showed {leaked}")
            else:
                url = pattern.url({})
                for query in query_variants(world):
                    response = client.get(url + query)
                    leaked = leaks(response, world, sent=query)
                    if leaked:
                        problems.append(f"GET {url + query} ({pattern.name}) showed {leaked}")
                response = client.post(url, payload)
                leaked = leaks(response, world, sent=str(payload))
                if leaked:
                    problems.append(f"POST {url} ({pattern.name}) showed {leaked}")
        after = snapshot(world)
        if after != before:
            changed = [key for key in before if before[key] != after[key]]
            problems.append(f"{pattern.name}: the other municipality's data changed: {changed}")
            before = after
    return problems


# --- the tests ------------------------------------------------------------------------------------------

def test_the_url_walk_finds_the_staff_admin_and_api_urls():
    patterns = all_patterns()
    names = {p.name for p in patterns}
    templates = {p.template for p in patterns}
    assert {"staff:person_list", "staff:person_detail", "staff:person_edit", "staff:household_list",
            "staff:household_detail", "staff:access_log"} <= names
    assert "/handlaggning/personer/%(pk)s/andra/" in templates
    assert "/admin/people/person/%(object_id)s/change/" in templates
    assert any(t.startswith("/api/v1/") for t in templates)


def test_every_model_that_points_to_person_level_data_is_registered_for_scoping():
    registered = set(scoping.person_level_models())
    assert {Person, Household} <= registered
    unregistered = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.is_relation and f.many_to_one and f.concrete and f.related_model in registered and model not in registered:
                unregistered.append(f"{model._meta.label}.{f.name}")
    assert not unregistered, (
        "these models hold person-level data but are not registered with bistand.tenancy.scoping: "
        + ", ".join(unregistered)
    )


@pytest.mark.parametrize("kind", USER_KINDS)
def test_nobody_reaches_another_municipality_through_any_url(client, kind):
    if connection.vendor == "postgresql" and kind not in POSTGRESQL_KINDS:
        pytest.skip("the walk for this role runs on SQLite (see POSTGRESQL_KINDS)")
    world = build_world()
    user, session_values = make_user(kind, world)

    # The test can see: the same user does see the home municipality's people where the role allows.
    with session_for(client, user, session_values):
        if user.has_perm("people.view_person"):
            listing = client.get("/handlaggning/personer/")
            assert listing.status_code == 200 and "Hemström" in body(listing)

    problems = check_all_urls(client, user, session_values, world)
    assert not problems, "\n".join(problems[:50])


def test_the_walk_would_catch_a_view_that_forgets_to_scope(client, monkeypatch):
    """The checker itself: with scoping switched off, it reports the other municipality's data."""
    world = build_world()
    user, session_values = make_user(Role.CASEWORKER, world)
    monkeypatch.setattr(scoping, "scoped", lambda queryset, user: queryset)
    import bistand.people.selectors as people_selectors

    monkeypatch.setattr(people_selectors, "scoped", lambda queryset, user: queryset)
    monkeypatch.setattr(
        people_selectors, "get_scoped_or_404", lambda queryset, user, **lookup: get_object_or_404(queryset, **lookup)
    )
    import tests.staff.test_cross_municipality as this

    monkeypatch.setattr(this, "all_patterns", lambda: [p for p in walk() if p.name.startswith("staff:person")])
    problems = check_all_urls(client, user, session_values, world)
    assert any("answered 200" in p for p in problems)
    assert any("Qvarnsträng" in p for p in problems)
    assert any("data changed" in p for p in problems)


def test_other_municipality_ids_are_not_used_by_anything_else():
    world = build_world()
    other_pks = {obj.pk for obj in world.other_objects.values()}
    for model in apps.get_models():
        taken = set(model._default_manager.filter(pk__in=other_pks).values_list("pk", flat=True))
        expected = {obj.pk for obj in world.other_objects.values() if type(obj) is model}
        assert taken <= expected, f"{model._meta.label} uses {taken - expected}"
    assert world.other_objects["people.person"].birth_date < dt.date.today()


def test_admin_pages_get_the_object_of_their_own_model_and_other_pages_get_every_object():
    world = build_world()
    objects = list(world.other_objects.items())
    by_name = {p.name: p for p in all_patterns()}
    admin_change = candidates(by_name["admin:people_person_change"], objects)
    assert [label for label, _ in admin_change] == ["people.person"]
    assert candidates(by_name["admin:auth_group_change"], objects) == []
    assert candidates(by_name["staff:person_detail"], objects) == objects
    assert candidates(by_name["admin:view_on_site"], objects) == objects


def test_a_secret_counts_as_shown_when_it_stands_as_a_word_not_inside_a_random_token():
    assert _as_word("Yrsa").search("<td>Yrsa Skyddadsdotter</td>")
    assert _as_word("Yrsa").search('{"name": "Yrsa"}')
    assert _as_word("19121212-1212").search('value="19121212-1212"')
    assert not _as_word("Yrsa").search('"X-CSRFToken": "L5njGlkJmEqDTm8YYrsa5UY0pppD"')
    assert not _as_word("1212121212").search("id=991212121212")
