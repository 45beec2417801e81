"""The embedded backend: the tenant engine in a local SQLite file."""

from orgstate.appliers.local.backend import LocalBackend

__all__ = ["LocalBackend"]
