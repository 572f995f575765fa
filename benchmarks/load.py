"""Load test (issue 16 §4) with locust: case workers and applicants against gunicorn on PostgreSQL with
the production settings (bistand.settings.loadtest: production over plain HTTP with the e-ID simulator).

    # a database with the demo data, and the applicants' personnummer in a file
    export DATABASE_URL=postgres://… SECRET_KEY=… DJANGO_SETTINGS_MODULE=bistand.settings.loadtest
    bistand migrate && bistand demo
    bistand shell -c "from bistand.people.models import HouseholdMember as M; \\
      print('\\n'.join(M.objects.filter(role='applicant', valid_to__isnull=True).values_list('person__personnummer', flat=True)[:400]))" \\
      > /tmp/applicants.txt
    gunicorn bistand.wsgi --workers 4 --bind 127.0.0.1:8001 &
    BISTAND_LOAD_APPLICANTS=/tmp/applicants.txt locust -f benchmarks/load.py --headless \\
      --host http://127.0.0.1:8001 --users 250 --spawn-rate 25 --run-time 2m --csv /tmp/load

50 case workers (CaseWorker, weight 1) and 200 applicants (Applicant, weight 4) with ``--users 250``.
A case worker logs in once, then: the inbox, a case page from it, its calculation (the case's
calculation tab, and a new calculation with POST), its decision tab. An applicant logs in with the e-ID
simulator once, then: "Mitt ärende" and starting this month's re-application (apply: POST, which makes
or returns the month's draft, and the draft's page it redirects to). Every answer other than 2xx/3xx
counts as an error, and so does a redirect to a login page (the session was lost). Goal: 0 errors, p95 < 300 ms.

The users are locust's ``FastHttpUser`` (geventhttpclient): the same requests as with ``HttpUser``
(python-requests), for a fraction of the load generator's CPU, which shares the machine with the server.
Redirects the checks must see are not followed automatically (a FastHttpUser's response does not tell
where a redirect led): the POSTs that answer with a redirect are followed by an explicit GET of its
target, reported under its own name.
"""

from __future__ import annotations

import os
import random
import re
from urllib.parse import parse_qs, urlparse

from locust import FastHttpUser, between, task

PASSWORD = os.environ.get("BISTAND_DEMO_PASSWORD", "demo-bistand-2026")
CODES = os.environ.get("BISTAND_LOAD_MUNICIPALITIES", "0680,0662,0684").split(",")
CASE_LINK = re.compile(r'href="/handlaggning/arenden/(\d+)/"')
HOUSEHOLD = re.compile(r'name="household" value="(\d+)"')
MONTH = re.compile(r'name="month" value="([0-9-]+)"')


def _applicants() -> list[str]:
    path = os.environ.get("BISTAND_LOAD_APPLICANTS")
    if not path:
        raise SystemExit("BISTAND_LOAD_APPLICANTS: the file with the applicants' personnummer (see the docstring)")
    with open(path, encoding="utf-8") as lines:
        return [line.strip() for line in lines if line.strip().isdigit()]


APPLICANTS = _applicants()


def signed_in(response) -> None:
    """A page that sent the user back to a login page is an error (the session was lost); so is any
    answer other than 2xx/3xx."""
    if "logga-in" in ((response.headers or {}).get("Location") or ""):
        response.failure("sent back to the login page")
    elif 200 <= response.status_code < 400:
        response.success()
    else:
        response.failure(f"status {response.status_code}")


def cookie(client, name: str) -> str:
    return next((c.value for c in client.cookiejar if c.name == name), "")


class CaseWorker(FastHttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        self.client.get("/konto/logga-in/", name="staff login page")
        token = cookie(self.client, "csrftoken")
        username = f"handlaggare.{random.choice(CODES)}"
        self.client.post("/konto/logga-in/", {"username": username, "password": PASSWORD,
                                              "csrfmiddlewaretoken": token}, name="staff login")
        self.cases: list[str] = []

    def _case(self) -> str | None:
        if not self.cases:
            page = self.client.get("/handlaggning/inkorg/", name="inbox")
            self.cases = CASE_LINK.findall(page.text) or CASE_LINK.findall(
                self.client.get("/handlaggning/arenden/", name="case list").text)
        return random.choice(self.cases) if self.cases else None

    @task(3)
    def inbox(self):
        page = self.client.get("/handlaggning/inkorg/", name="inbox")
        self.cases = CASE_LINK.findall(page.text) or self.cases

    @task(3)
    def case_page(self):
        pk = self._case()
        if pk:
            self.client.get(f"/handlaggning/arenden/{pk}/", name="case page")

    @task(2)
    def calculation(self):
        pk = self._case()
        if pk:
            self.client.get(f"/handlaggning/arenden/{pk}/?flik=berakning", name="case calculation")
            self.client.post(f"/handlaggning/arenden/{pk}/berakna/",
                             {"csrfmiddlewaretoken": cookie(self.client, "csrftoken")},
                             headers={"Referer": f"{self.host}/handlaggning/arenden/{pk}/"}, name="calculate")

    @task(1)
    def decision(self):
        pk = self._case()
        if pk:
            self.client.get(f"/handlaggning/arenden/{pk}/?flik=beslut", name="case decision")


class Applicant(FastHttpUser):
    weight = 4
    wait_time = between(1, 5)

    def on_start(self):
        start = self.client.get("/e-tjanst/logga-in/", allow_redirects=False, name="e-service login")
        location = start.headers.get("Location", "")
        state = parse_qs(urlparse(location).query).get("state", [""])[0]
        self.client.get(location, name="e-ID simulator")
        self.client.post("/e-legitimation/simulator/", {
            "state": state, "personnummer": random.choice(APPLICANTS), "given_name": "", "family_name": "",
            "csrfmiddlewaretoken": cookie(self.client, "csrftoken"),
        }, headers={"Referer": f"{self.host}{location}"}, name="e-ID simulator login")

    @task(3)
    def my_case(self):
        with self.client.get("/e-tjanst/mitt-arende/", name="Mitt ärende", catch_response=True,
                             allow_redirects=False) as response:
            signed_in(response)
            self.offer = (HOUSEHOLD.search(response.text), MONTH.search(response.text))

    @task(1)
    def apply(self):
        """Start (or come back to) the re-application that "Mitt ärende" offers: one draft per month."""
        household, month = getattr(self, "offer", (None, None))
        if not household or not month:
            return self.my_case()
        form = {"household": household.group(1), "month": month.group(1),
                "csrfmiddlewaretoken": cookie(self.client, "csrftoken")}
        with self.client.post("/e-tjanst/ateransok/", form,
                              headers={"Referer": f"{self.host}/e-tjanst/mitt-arende/"}, name="apply (re-application)",
                              catch_response=True, allow_redirects=False) as response:
            signed_in(response)
            target = (response.headers or {}).get("Location") or ""
        if target and "logga-in" not in target:
            with self.client.get(target, name="application page (after apply)", catch_response=True,
                                 allow_redirects=False) as page:
                signed_in(page)
