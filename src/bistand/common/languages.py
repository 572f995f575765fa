"""The languages of the e-service (docs/e-service.md, "Språk").

Swedish is the default and the only language of the staff pages. In the e-service the applicant may
choose easy-to-read Swedish (lättläst) or English; the choice is kept in a cookie
(``settings.LANGUAGE_COOKIE_NAME``), and on the applicant's Person (``Person.language``) so that letters
and notifications can use it. The browser's Accept-Language is never used: the e-service is Swedish
until the applicant chooses otherwise.

Lättläst is Swedish, so its Django code ``sv-ll`` (locale directory ``sv_LL``) is written ``lang="sv"``
in the HTML (:func:`html_lang`); Django falls back to the Swedish msgid for any string it lacks.
"""

from __future__ import annotations

from django.conf import settings

SWEDISH = "sv"
EASY_SWEDISH = "sv-ll"
ENGLISH = "en"
CODES = (SWEDISH, EASY_SWEDISH, ENGLISH)

#: (code, name in its own language, lang attribute) for the language chooser (WCAG 3.1.2).
CHOOSER = (
    (SWEDISH, "Svenska", "sv"),
    (EASY_SWEDISH, "Lättläst svenska", "sv"),
    (ENGLISH, "English", "en"),
)
CHOICES = [(code, name) for code, name, _ in CHOOSER]

#: The paths whose pages follow the applicant's choice; every other page is Swedish.
E_SERVICE_PREFIX = "/e-tjanst/"

#: Django's LANG_INFO entry for lättläst (get_language_info, the {% get_language_info %} tag).
LANG_INFO_EASY_SWEDISH = {"bidi": False, "code": EASY_SWEDISH, "name": "Easy-to-read Swedish",
                          "name_local": "Lättläst svenska"}


def is_language(code: str | None) -> bool:
    return code in CODES


def html_lang(code: str | None) -> str:
    """The value of ``<html lang>`` for a language code: lättläst is Swedish."""
    return ENGLISH if code == ENGLISH else SWEDISH


def from_cookie(request) -> str:
    """The applicant's chosen language, or Swedish."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return code if is_language(code) else SWEDISH


def set_cookie(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE, path="/",
        samesite=settings.LANGUAGE_COOKIE_SAMESITE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        secure=settings.SESSION_COOKIE_SECURE,
    )


def context(request) -> dict:
    """Template context: ``html_lang`` for ``<html lang>`` and the chooser's rows with the current one."""
    code = getattr(request, "LANGUAGE_CODE", SWEDISH)
    return {"html_lang": html_lang(code), "current_language": code,
            "language_chooser": [{"code": c, "name": name, "lang": lang, "current": c == code} for c, name, lang in CHOOSER]}
