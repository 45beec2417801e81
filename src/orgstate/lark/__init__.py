"""What Lark is and does, written once: the bottom layer of facts that the backend,
the emulator, the planner and the tenant engine import (see each module's sources in
/work/shared/reference). It imports nothing else of orgstate but the model's types."""
