"""Template filters of the e-service's wording (see :mod:`bistand.portal.presenters`)."""

from django import template

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
