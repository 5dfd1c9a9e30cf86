"""The holders app's Python face for the apps above it (verification's public page)."""

from .access import is_hidden, status_only
from .engagement import engagement_record
from .models import Engagement

__all__ = ["Engagement", "engagement_record", "is_hidden", "status_only"]
