"""Custom member fields on a SCIM provider's own User extensions (RFC 7643 section 3.3).

A configuration's custom fields (`fields`, a member's `custom`) live in the User
extensions a provider defines besides the enterprise one. Each single-valued attribute
of such an extension that orgstate can read and write (mutability readWrite, returned
in every read) of type string or reference is one field: its id is the attribute's
name; its name, the attribute's description (else its name); its type `enum` when the
attribute lists canonical values (its options), `url` for a reference, else `text`.
Where two extensions name the same attribute, the first the User resource type lists
holds the field. docs/scim.md says the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scim2_models import Attribute as SchemaAttribute
from scim2_models import Mutability, Returned, Schema

from orgstate.appliers.scim.mapping import ENTERPRISE, Attribute, Row, extension_class, read_as
from orgstate.diagnostics import clip
from orgstate.model.config import FieldDef

FIELD_NAME_LENGTH = 100  # model.types.Name


def _field_type(attribute: SchemaAttribute) -> str | None:
    if attribute.type == SchemaAttribute.Type.reference:
        return "url"
    if attribute.type == SchemaAttribute.Type.string:
        return "enum" if attribute.canonical_values else "text"
    return None


def _usable(attribute: SchemaAttribute) -> bool:
    return (
        not attribute.multi_valued
        and attribute.mutability in (None, Mutability.read_write)
        and attribute.returned in (None, Returned.default, Returned.always)
        and _field_type(attribute) is not None
    )


def _definition(schema: str, attribute: SchemaAttribute) -> FieldDef:
    name = clip(attribute.description or "", FIELD_NAME_LENGTH).strip() or attribute.name
    fields = {
        "id": attribute.name,
        "name": name,
        "type": _field_type(attribute),
        "options": tuple(attribute.canonical_values) if attribute.canonical_values else None,
    }
    what = f"the SCIM provider's attribute '{clip(str(attribute.name), 64)}' of {clip(schema, 100)} is no custom field"
    return read_as(FieldDef, fields, what)


def custom_fields(
    model: type[Any], extensions: Iterable[str], schemas: Mapping[str, Schema]
) -> tuple[tuple[FieldDef, ...], tuple[Row, ...]]:
    """The custom fields the provider's User `model` holds in its `extensions` (schema ids,
    in the resource type's order), described by `schemas`: their definitions and rows."""
    definitions: dict[str, FieldDef] = {}
    rows: list[Row] = []
    for schema in extensions:
        found = extension_class(model, schema)
        if schema == ENTERPRISE or schema not in schemas or found is None:
            continue
        # The wire name -> the attribute of the extension's class (costCenter -> cost_center).
        python_names = {info.serialization_alias or name: name for name, info in found[1].model_fields.items()}
        for attribute in schemas[schema].attributes or []:
            name = attribute.name
            if name is None or name not in python_names or name in definitions or not _usable(attribute):
                continue
            definitions[name] = _definition(schema, attribute)
            rows.append(Row(f"custom.{name}", Attribute(python_names[name], name, schema)))
    return tuple(definitions.values()), tuple(rows)
