"""Pages of the e-service (/e-tjanst/), one module per area.

Every page but the start page and the login needs a logged-in applicant (``applicant_required``);
every read goes through the applicant selectors of :mod:`bistand.applications.selectors` (and of the
assessment and plans apps), which return only the applicant's own records (404 for anyone else's, the
same as for one that does not exist). Writes go through the services of those apps.
"""

from .appeals import appeal, appeal_detail, appeal_letter
from .applications import (
    application_detail,
    confirm,
    confirm_unchanged,
    new_application,
    recurring,
    review,
    step,
    withdraw,
)
from .assessment import assessment_done, assessment_list, assessment_review, assessment_step
from .attachment_pages import attachment_download, attachments
from .completions import completion
from .language import choose_language
from .login import login, login_complete, logout, start
from .my_case import case, decision, decision_letter, events_fragment
from .plans import plan_detail, plan_follow_up_rate, plan_list

__all__ = [
    "appeal", "appeal_detail", "appeal_letter", "application_detail", "assessment_done", "assessment_list", "assessment_review", "assessment_step",
    "attachment_download", "attachments", "case", "choose_language", "completion", "confirm", "confirm_unchanged", "decision",
    "decision_letter", "events_fragment", "login", "login_complete", "logout", "new_application", "plan_detail",
    "plan_follow_up_rate", "plan_list", "recurring", "review", "start", "step", "withdraw",
]
