"""The scim backend: any SCIM 2.0 service provider."""

from orgstate.appliers.scim.backend import ScimBackend

__all__ = ["ScimBackend"]
