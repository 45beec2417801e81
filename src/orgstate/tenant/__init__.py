"""An embedded Lark tenant (SQLite) that enforces the console's rules: the `local`
backend, and later the Open API emulator, sit on top of it."""

from orgstate.tenant.clock import FixedClock, SystemClock
from orgstate.tenant.seats import AUTO
from orgstate.tenant.tenant import Tenant

__all__ = ["AUTO", "FixedClock", "SystemClock", "Tenant"]
