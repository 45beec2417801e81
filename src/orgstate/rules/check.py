"""`check_static` runs every static rule family over a loaded configuration and returns
all diagnostics at once, located and sorted."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from orgstate.config.sources import Sources
from orgstate.diagnostics import Diagnostic
from orgstate.gcpause import gc_paused
from orgstate.model.config import OrgConfig
from orgstate.rules import editions, ids, members, offboarding, references, seats, structure
from orgstate.rules.context import RuleContext

STATIC_FAMILIES: tuple[Callable[[RuleContext], Iterator[Diagnostic]], ...] = (
    ids.check,
    references.check,
    members.check,
    structure.check,
    offboarding.check,
    editions.check,
    seats.check,
)


@gc_paused
def check_static(config: OrgConfig, sources: Sources | None = None, ctx: RuleContext | None = None) -> list[Diagnostic]:
    """Every static diagnostic, located and sorted. Pass `ctx` to share its results with a plan."""
    ctx = ctx or RuleContext(config, sources)
    found = [diagnostic for family in STATIC_FAMILIES for diagnostic in family(ctx)]
    placed = sources.place(found) if sources is not None else found
    return sorted(placed, key=Diagnostic.sort_key)
