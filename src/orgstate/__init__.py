"""orgstate: a Lark organization managed as code."""

__version__ = "0.1.0"
