"""Routing rules change only here: validated, saved and written to the configuration change log in
one transaction (the revision bump in signals.py rides in the same transaction)."""
from __future__ import annotations

from civicloop.core import changes
from civicloop.routing.models import RoutingRule


def save_rule(actor, rule: RoutingRule, *, via: str = changes.Via.CONSOLE, reason: str = "") -> RoutingRule:
    """A new rule or a changed one; raises ValidationError (nothing saved) when the rule is invalid."""
    return changes.save(actor, rule, via=via, reason=reason)


def delete_rule(actor, rule: RoutingRule, *, via: str = changes.Via.CONSOLE, reason: str = "") -> None:
    changes.delete(actor, rule, via=via, reason=reason)
