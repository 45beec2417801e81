"""Carrying a plan out: in dependency order, journaled, under the lock, resumable."""
