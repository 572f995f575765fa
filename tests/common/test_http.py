"""The safe ``next`` redirect and pagination that every page shares."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from bistand.common.http import page_of, safe_next


@pytest.mark.parametrize("candidate, within, expected", [
    ("/handlaggning/personer/", "", "/handlaggning/personer/"),
    ("http://testserver/handlaggning/", "", "http://testserver/handlaggning/"),
    ("https://elak.example/", "", "/start/"),
    ("//elak.example/", "", "/start/"),
    ("javascript:alert(1)", "", "/start/"),
    ("", "", "/start/"),
    (None, "", "/start/"),
    ("/e-tjanst/mitt-arende/", "/e-tjanst/", "/e-tjanst/mitt-arende/"),
    ("/handlaggning/", "/e-tjanst/", "/start/"),
])
def test_next_goes_only_to_this_site_and_within_the_given_part(candidate, within, expected):
    request = RequestFactory().get("/")
    assert safe_next(request, candidate, "/start/", within=within) == expected


def test_next_over_https_does_not_go_back_to_http():
    request = RequestFactory().get("/", secure=True)
    assert safe_next(request, "http://testserver/x/", "/start/") == "/start/"
    assert safe_next(request, "https://testserver/x/", "/start/") == "https://testserver/x/"


@pytest.mark.parametrize("asked, number, rows", [("2", 2, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]),
                                                 ("99", 3, [20, 21, 22]), ("x", 1, list(range(10)))])
def test_a_page_past_the_end_is_the_last_and_a_bad_number_the_first(asked, number, rows):
    page = page_of(RequestFactory().get("/", {"page": asked}), list(range(23)), 10)
    assert page.number == number and page.rows == rows
