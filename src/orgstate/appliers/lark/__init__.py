"""The `lark` backend: the Open Platform API through the official SDK, lark-oapi."""

from orgstate.appliers.lark.backend import LarkBackend

__all__ = ["LarkBackend"]
