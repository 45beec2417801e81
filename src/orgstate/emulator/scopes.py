"""Scopes: the permissions an app was granted. The service refuses a call whose scope
the app lacks with 99991672 ("missing permission scope") and names what it needs.

The contact scopes are Lark's own names; the seat and password ones are this emulator's
labels, since reference/lark-open-api.md does not name them."""

from __future__ import annotations

from collections.abc import Iterable

CONTACT_READ = "contact:contact:readonly_as_app"
CONTACT_WRITE = "contact:contact"
SEATS_READ = "tenant:tenant.product_assign_info:read"
PASSWORD_WRITE = "admin:password.reset"
ALL_SCOPES = (CONTACT_READ, CONTACT_WRITE, SEATS_READ, PASSWORD_WRITE)


def required(endpoint: str, method: str) -> frozenset[str]:
    """Any one of these scopes lets an app call the endpoint (empty: no scope needed)."""
    if endpoint.startswith(("contact.", "orgstate_emulator.")):
        return frozenset({CONTACT_READ, CONTACT_WRITE}) if method == "GET" else frozenset({CONTACT_WRITE})
    if endpoint.startswith("tenant."):
        return frozenset({SEATS_READ})
    if endpoint.startswith("admin."):
        return frozenset({PASSWORD_WRITE})
    return frozenset()


def parse_scopes(text: str | None) -> frozenset[str]:
    """`--scopes a,b`: the granted scopes (all of them when not given)."""
    if not text:
        return frozenset(ALL_SCOPES)
    granted = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(granted - set(ALL_SCOPES))
    if unknown:
        raise ValueError(f"unknown scopes {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}")
    return granted


def missing(granted: Iterable[str], endpoint: str, method: str) -> frozenset[str] | None:
    """The scopes one of which the call needs, when the app holds none of them."""
    needed = required(endpoint, method)
    return needed if needed and not needed & set(granted) else None
