"""Pydantic validation errors -> CFG-SCHEMA diagnostics a person can act on."""

from __future__ import annotations

import types
import typing
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

from pydantic import BaseModel, ValidationError

from orgstate.catalogue import RuleId
from orgstate.diagnostics import SHOWN_PER_RULE, Diagnostic, DocPath, error
from orgstate.model.config import MemberFields, OrgConfig
from orgstate.model.live import LIVE_KEYS, LiveMember
from orgstate.suggest import did_you_mean

# What a string pattern means, by the name of the field that failed it.
PATTERN_MEANING = {
    "work_email": "an email address",
    "business_email": "an email address",
    "country": "a two-letter country code, like US",
    "name": "a name without '/'",
}
ID_MEANING = "an id (letters, digits and _ - @ ., at most 64, starting with a letter or digit)"


def _unwrap(annotation: Any) -> Any:
    """Strip Optional and Annotated down to the type that holds fields or items."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            annotation = options[0]
        else:
            return annotation


def model_at(loc: DocPath, root: type[BaseModel] = OrgConfig) -> type[BaseModel] | None:
    """The model class that the value at `loc` is validated against, if any."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) in (list, tuple):
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _found(value: Any) -> str:
    """A value as the YAML that held it reads."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return _describe(value)


def _text_expected(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'expected text, found the number {value}; quote it ("{value}")'
    return f"expected text, found {_found(value)}"


def _too_short(value: Any, ctx: dict[str, Any]) -> str:
    if ctx.get("min_length") == 1:
        return "may not be empty"
    return f"needs at least {ctx.get('min_length')} characters"


# pydantic's error types -> orgstate's words: (value, the error's context) -> message.
# Every type the configuration and fixture models can raise is here (tests/config/
# test_schema_errors.py walks the models' fields to keep it so); the types orgstate
# raises itself (the phone_* ones, value_error) carry their own words.
WORDING: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "string_type": _text_expected,
    "string_too_short": _too_short,
    "string_too_long": lambda v, c: f"is longer than {c.get('max_length')} characters",
    "int_type": lambda v, c: f"expected a whole number, found {_found(v)}",
    "int_parsing": lambda v, c: f"expected a whole number, found {_found(v)}",
    "int_from_float": lambda v, c: f"expected a whole number, found {_found(v)}",
    "int_parsing_size": lambda v, c: f"{_found(v)} is too large",
    "float_type": lambda v, c: f"expected a number, found {_found(v)}",
    "float_parsing": lambda v, c: f"expected a number, found {_found(v)}",
    "finite_number": lambda v, c: f"expected a finite number, found {_found(v)}",
    "greater_than_equal": lambda v, c: f"{_found(v)} is below the minimum of {c.get('ge')}",
    "less_than_equal": lambda v, c: f"{_found(v)} is over the maximum of {c.get('le')}",
    "greater_than": lambda v, c: f"{_found(v)} must be more than {c.get('gt')}",
    "less_than": lambda v, c: f"{_found(v)} must be less than {c.get('lt')}",
    "bool_type": lambda v, c: f"expected true or false, found {_found(v)}",
    "bool_parsing": lambda v, c: f"expected true or false, found {_found(v)}",
    "tuple_type": lambda v, c: f"expected a list, found {_found(v)}",
    "list_type": lambda v, c: f"expected a list, found {_found(v)}",
    "iterable_type": lambda v, c: f"expected a list, found {_found(v)}",
    "too_long": lambda v, c: f"has {c.get('actual_length')} items; at most {c.get('max_length')} are allowed",
    "too_short": lambda v, c: f"needs at least {c.get('min_length')} item{'' if c.get('min_length') == 1 else 's'}",
    "dict_type": lambda v, c: f"expected a mapping, found {_found(v)}",
    "model_type": lambda v, c: f"expected a mapping, found {_found(v)}",
    "model_attributes_type": lambda v, c: f"expected a mapping, found {_found(v)}",
    "none_required": lambda v, c: f"expected null, found {_found(v)}",
}
# Raised by orgstate's own validators (model/types.py), already in orgstate's words.
OWN_WORDS = ("phone_type", "phone_country_code", "phone_number")


def _message(item: dict[str, Any], root: type[BaseModel]) -> str:
    loc: DocPath = tuple(item["loc"])
    kind = item["type"]
    value = item.get("input")
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        parent = model_at(loc[:-1], root)
        known = list(parent.model_fields) if parent else []
        if parent is LiveMember:  # written flat: the member's own keys beside the live ones
            known = [*MemberFields.model_fields, *LIVE_KEYS]
        return f"unknown key '{loc[-1]}'{did_you_mean(str(loc[-1]), known)}"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "")
        options = [option.strip(" '") for option in expected.replace(" or ", ",").split(",") if option.strip()]
        return f"{_describe(value)} is not one of {', '.join(options)}{did_you_mean(str(value), options)}"
    if kind == "string_pattern_mismatch":
        meaning = PATTERN_MEANING.get(field, ID_MEANING)
        return f"{_describe(value)} is not {meaning}"
    if kind.startswith(("date_", "datetime_")):
        return f"{_describe(value)} is not a date (YYYY-MM-DD)"
    if kind == "value_error":
        return str(item["msg"]).removeprefix("Value error, ")
    if kind in OWN_WORDS:
        return str(item["msg"])
    wording = WORDING.get(kind)
    if wording is not None:
        return wording(value, item.get("ctx") or {})
    return f"{_found(value)} is not accepted here"


def schema_diagnostics(
    exc: ValidationError, root: type[BaseModel] = OrgConfig, file_of: Callable[[DocPath], Hashable] = lambda loc: None
) -> list[Diagnostic]:
    """One CFG-SCHEMA diagnostic per error. Only the first SHOWN_PER_RULE of each file
    (`file_of` tells which) are worded: `capped` leaves the rest out and counts them,
    and wording is what costs (a did-you-mean compares a key with every known one)."""
    diagnostics = []
    worded: Counter[Hashable] = Counter()
    for item in exc.errors(include_url=False):
        loc = tuple(item["loc"])
        # A bad dict key is reported by pydantic as (..., key, '[key]').
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        where = file_of(loc)
        worded[where] += 1
        message = _message({**item, "loc": loc}, root) if worded[where] <= SHOWN_PER_RULE else ""
        diagnostics.append(error(RuleId.CFG_SCHEMA, message, at=loc))
    return diagnostics
