"""What the payments app tells the layers above it, without importing them.

``payments_exported`` is sent inside the export's transaction, after the payments are marked exported,
with ``payments`` (the list of exported Payment rows). bistand.followup writes its assistance-month
facts from it (connected in FollowupConfig.ready), so a failure there rolls the export back: the
export and its facts are one transaction, and a missing receiver is a configuration error that
tests/followup catches, not a silent gap.
"""

from django.dispatch import Signal

payments_exported = Signal()
