"""Sent by public_status_changed, inside the transaction of the change, with `credential_ids`.

Other apps that publish something derived from a certificate's status (the status lists of the
credentials app) listen here rather than being called by every lifecycle service.
"""

from django.dispatch import Signal

public_status_changed_signal = Signal()
