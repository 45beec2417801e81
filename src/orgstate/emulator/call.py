"""What an endpoint handler gets (`Call`), the handler registry, and pagination.

Handlers are plain functions `Call -> data` registered by endpoint name (the names
of orgstate.lark.endpoints.ENDPOINTS). They raise `ApiError` or `TenantError`; app.py turns
either into the envelope.

Pagination: `page_size` (default and maximum per endpoint; anything else: 40011)
and `page_token` (opaque; one not issued by the emulator for this listing: 40012).
An answer carries `has_more` and, only when it is true, `page_token`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from orgstate.emulator.ids import IdCodec, IdRegistry
from orgstate.emulator.shapes import bad
from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Subscription
from orgstate.tenant import Tenant

T = TypeVar("T")
Handler = Callable[["Call"], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


class Query(Mapping[str, str]):
    """Query parameters: the first value of each, and `getlist` for repeated ones."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._items = list(items)
        self._first: dict[str, str] = {}
        for key, value in self._items:
            self._first.setdefault(key, value)

    def __getitem__(self, key: str) -> str:
        return self._first[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)

    def getlist(self, key: str) -> list[str]:
        return [value for k, value in self._items if k == key]


@dataclass
class Call:
    tenant: Tenant
    registry: IdRegistry
    query: Query
    params: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def codec(self) -> IdCodec:
        return IdCodec(self.registry, self.query.get("user_id_type"), self.query.get("department_id_type"))

    @property
    def client_token(self) -> str | None:
        return self.query.get("client_token") or None

    def field_types(self) -> dict[str, str]:
        return {row["id"]: row["type"] for row in self.tenant.query("SELECT id, type FROM fields")}

    def plans(self) -> dict[str, Subscription]:
        return {plan.id: plan for plan in self.tenant.plans()}

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.query.get(key)
        if value is None or value == "":
            return default
        if value.lower() not in ("true", "false"):
            raise bad(key, "must be true or false")
        return value.lower() == "true"

    # -- pagination -----------------------------------------------------------------

    def page_size(self, default: int, maximum: int) -> int:
        raw = self.query.get("page_size")
        if raw is None or raw == "":
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise ApiError(LarkCode.PAGE_SIZE_INVALID, f"page size invalid: page_size must be 1 to {maximum}")
        return int(raw)

    def page_start(self, kind: str) -> int:
        """Where this page starts (0 without a page_token)."""
        token = self.query.get("page_token")
        if not token:
            return 0
        try:
            decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        token_kind, _, position = decoded.partition(":")
        if token_kind != kind or not position.isdigit():
            raise ApiError(LarkCode.PAGE_TOKEN_INVALID, "page token invalid")
        return int(position)

    def page(self, items: Sequence[T], kind: str, default: int, maximum: int) -> tuple[list[T], dict[str, Any]]:
        """One page of an ordered list, by position in it."""
        size = self.page_size(default, maximum)
        start = self.page_start(kind)
        chunk = list(items[start : start + size])
        return chunk, more(kind, start + size if start + size < len(items) else None)


def more(kind: str, position: int | None) -> dict[str, Any]:
    """`has_more`, and the `page_token` for the next page when there is one."""
    if position is None:
        return {"has_more": False}
    return {
        "has_more": True,
        "page_token": base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("="),
    }


def new_id(prefix: str, client_token: str | None) -> str:
    """An id for an object created without one: derived from the client token when there
    is one (so that a retry with the same token asks for the same object), else random."""
    if client_token:
        return prefix + hashlib.sha256(client_token.encode()).hexdigest()[:16]
    return prefix + secrets.token_hex(8)


@contextmanager
def atomically(tenant: Tenant) -> Iterator[None]:
    """Several engine operations that stand or fall together (a user patch may change
    fields, status and seat). The engine's operations nest inside an outer
    transaction; TenantCore has no public name for one yet."""
    with tenant.atomic():
        yield
