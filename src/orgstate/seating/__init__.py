"""Static seat resolution (SPEC section 3): which subscription each declared member's
seat comes from, from the configuration alone.

`coverage` finds who each seat assignment covers, `resolution` applies the order of
SPEC section 3 (own seat, seated groups, seat assignments), and `static` does both
once per configuration. Below the rules and the planner: it imports neither (a seat
list's problems are returned as data, for the rules to report). The live resolution
against the tenant needs the plan's context, so it is the planner's `live_seats`.
"""
