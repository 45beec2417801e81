"""Export: the live tenant as configuration (a new file, a split directory, or merged
into a hand-written file without disturbing it)."""
