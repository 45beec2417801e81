"""The tenant engine: a Lark tenant in one SQLite file, behaving as the admin console does."""

from __future__ import annotations

from orgstate.tenant.offboarding import OffboardingOps
from orgstate.tenant.passwords import PasswordOps


class Tenant(OffboardingOps, PasswordOps):
    """All operations of the embedded tenant; see the operation modules for each family."""
