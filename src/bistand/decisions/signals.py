"""What the decisions app tells the layers above it, without importing them.

``decision_reconsidered`` is sent inside the reconsideration's transaction with ``old`` (the decision
reconsidered), ``new`` (the decision that replaces it) and ``user``. bistand.payments settles the month
from it (PaymentsConfig.ready): stops the old decision's payment if it has not gone to the bank, and
otherwise pays only the difference or records an overpayment. An exception in a receiver rolls the
reconsideration back, so the two never part.
"""

from django.dispatch import Signal

decision_reconsidered = Signal()
