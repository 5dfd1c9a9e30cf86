"""Thin Celery tasks for organizations: take ids, call identity.py."""

from __future__ import annotations

from celery import shared_task

from .identity import domain_recheck, domains_due_for_recheck


@shared_task(name="organizations.recheck_domains", time_limit=600, soft_time_limit=570)
def recheck_domains() -> str:
    """Beat: re-run the domain proof of every domain-level organization that is due."""
    outcomes = [domain_recheck(organization_id=pk) for pk in domains_due_for_recheck()]
    failing, downgraded = outcomes.count("failing"), outcomes.count("downgraded")
    return f"{len(outcomes)} checked, {downgraded} downgraded, {failing} in their grace period"
