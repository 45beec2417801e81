"""Drift: where the live tenant no longer matches the configuration."""
