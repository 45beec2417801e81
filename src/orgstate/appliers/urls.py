"""`--backend` URLs (SPEC section 1) -> a Backend."""

from __future__ import annotations

from pathlib import Path

from orgstate.appliers.base import Backend
from orgstate.errors import UsageError

DEFAULT_BACKEND = "local:.orgstate/tenant.db"
SCHEMES = ("local", "lark", "scim")


def same_backend(first: str, second: str) -> bool:
    """Whether two backend URLs name one tenant, however they spell it (nothing is opened)."""
    return _canonical(first) == _canonical(second)


def _canonical(url: str) -> str:
    scheme, _, rest = url.partition(":")
    if scheme == "local":
        return f"local:{Path(rest).resolve()}"
    return f"{scheme}:{rest.rstrip('/').lower()}"


def open_backend(url: str) -> Backend:
    scheme, separator, rest = url.partition(":")
    if not separator or scheme not in SCHEMES or not rest:
        raise UsageError(f"backend '{url}': expected local:PATH, lark:https://HOST or scim:https://HOST/scim/v2")
    if scheme == "local":
        from orgstate.appliers.local import LocalBackend

        return LocalBackend(rest)
    if scheme == "lark":
        from orgstate.appliers.lark import LarkBackend

        return LarkBackend(rest)
    raise UsageError(f"backend '{url}': the {scheme} backend is not available in this version")
