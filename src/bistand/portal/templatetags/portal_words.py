"""Template filters of the e-service's wording (see :mod:`bistand.portal.presenters`)."""

from django import template
from django.utils.translation import gettext

from bistand.portal import presenters

register = template.Library()


@register.filter
def for_applicant(value):
    """A plan → its status, or an action → its responsible party, as the applicant reads them."""
    if hasattr(value, "responsible"):
        return presenters.responsible_for_applicant(value)
    return presenters.plan_status_for_applicant(value)


@register.filter
def with_error(label, error):
    return presenters.field_error(label, error)


@register.filter
def in_language(value):
    """A fixed Swedish word from a lower layer (a status, a kind of application, an event's title; marked
    with gettext_noop where it is written) in the applicant's language; anything else as it is."""
    return gettext(value) if isinstance(value, str) and value else value


@register.filter
def month_label(month):
    """A month in the applicant's language (:func:`bistand.portal.presenters.month_in_language`)."""
    return presenters.month_in_language(month)


@register.filter
def event_title(event):
    """A case event's title in the applicant's language (:class:`bistand.applications.events.CaseEvent`)."""
    return presenters.parts_in_language(event.title_parts) if event.title_parts else in_language(event.title)


@register.filter
def event_text(event):
    """A case event's text in the applicant's language (its message parts; a text without parts as it is)."""
    return presenters.parts_in_language(event.text_parts) if event.text_parts else event.text
