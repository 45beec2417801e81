"""The JSON Schema of the configuration language, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from orgstate.model.config import OrgConfig

SCHEMA_ID = "https://orgstate.dev/schemas/org.schema.json"


def org_schema() -> dict[str, Any]:
    schema = OrgConfig.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "orgstate configuration (version 1)",
        **schema,
    }


def org_schema_text() -> str:
    return json.dumps(org_schema(), indent=2, ensure_ascii=False) + "\n"
