"""Proofreading of rendered pages: the Swedish slips issue 20 found in the e-service, as patterns.

``problems(html)`` returns one message per slip in a page's HTML (an empty list for a clean page). The
Playwright flows run it on every page they load (tests/e2e/conftest.py) and tests/portal/test_proofread.py
on every e-service page rendered by Django's test client.

* "?." and "?:" (a question mark followed by more punctuation: "Fråga?: Fel", "Har du barn?.")
* a singular count with a plural word ("1 bilagor", "1 utbetalningar", "1 bifogade")
* a member's internal id in a label ("barn 289,") where the name belongs, on a page the applicant reads
  (the staff calculator numbers its made-up household's children "barn 1, barn 2")
* "klienten" / "klientens" on a page the applicant reads (the applicant's own plan speaks to them: "du")
* "(frivilligt)" at a field the form requires

A page in English (``<html lang="en">``, the e-service in the applicant's chosen language) gets the
English form of the checks instead of the Swedish ones: a singular count with a plural noun ("1
attachments") and "(optional)" at a required field; the question-mark check applies to every language.
"""

from __future__ import annotations

import html as html_lib
import re

PLURAL_AFTER_ONE = (
    "bilagor", "utbetalningar", "ansökningar", "kompletteringar", "dagar", "månader", "personer", "filer",
    "bifogade", "händelser", "vuxna", "insatser", "veckor", "rader",
)
_ONE_PLURAL = re.compile(r"(?<![,.])\b1 (" + "|".join(PLURAL_AFTER_ONE) + r")\b")
PLURAL_AFTER_ONE_EN = (
    "attachments", "payments", "applications", "requests", "days", "months", "people", "files", "events",
    "adults", "weeks", "rows", "children",
)
_ONE_PLURAL_EN = re.compile(r"(?<![,.])\b1 (" + "|".join(PLURAL_AFTER_ONE_EN) + r")\b")
_HTML_LANG = re.compile(r"<html\b[^>]*\blang=\"([^\"]+)\"", re.IGNORECASE)
_QUESTION_PUNCT = re.compile(r"\?[.:;,]")
_MEMBER_ID = re.compile(r"\b[Bb]arn (?:\d+|ansprak-\w+)(?=[,:)])")
_CLIENT = re.compile(r"\bklient(en|ens)?\b", re.IGNORECASE)
_LABEL = re.compile(r'<label[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>', re.DOTALL)


def text_of(html: str) -> str:
    """The visible text of a page (scripts and styles left out), with whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL | re.IGNORECASE)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html_lib.unescape(body).split())


def _required_ids(html: str) -> set[str]:
    ids = set()
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        found = re.search(r'\bid="([^"]+)"', tag)
        if found and re.search(r"\brequired\b", tag):
            ids.add(found.group(1))
    return ids


def page_language(html: str) -> str:
    found = _HTML_LANG.search(html)
    return found.group(1).lower().split("-")[0] if found else "sv"


def problems(html: str, *, applicant_page: bool = True) -> list[str]:
    text = text_of(html)
    found = []
    for match in _QUESTION_PUNCT.finditer(text):
        found.append(f"frågetecken följt av skiljetecken: …{text[max(0, match.start() - 40):match.end() + 10]}…")
    if page_language(html) == "en":
        return found + _english_problems(html, text)
    for match in _ONE_PLURAL.finditer(text):
        found.append(f"plural efter 1: …{text[max(0, match.start() - 30):match.end() + 10]}…")
    if applicant_page:
        for match in _MEMBER_ID.finditer(text):
            found.append(f"id i stället för namn: …{text[max(0, match.start() - 30):match.end() + 10]}…")
        for match in _CLIENT.finditer(text):
            found.append(f"'klient' på en sida till den sökande: …{text[max(0, match.start() - 30):match.end() + 10]}…")
    required = _required_ids(html)
    for field_id, label in _LABEL.findall(html):
        if "(frivilligt)" in label and field_id in required:
            found.append(f"(frivilligt) vid ett obligatoriskt fält: {text_of(label)}")
    return found


def _english_problems(html: str, text: str) -> list[str]:
    found = [f"plural after 1: …{text[max(0, m.start() - 30):m.end() + 10]}…" for m in _ONE_PLURAL_EN.finditer(text)]
    required = _required_ids(html)
    for field_id, label in _LABEL.findall(html):
        if "(optional)" in label and field_id in required:
            found.append(f"(optional) at a required field: {text_of(label)}")
    return found
