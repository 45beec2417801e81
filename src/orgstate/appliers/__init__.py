"""Backends: one package per target (local, lark, scim) behind the narrow `Backend` protocol."""
