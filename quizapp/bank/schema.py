"""The JSON Schema of a question file, for editors with a YAML language server.

Built from the pydantic models (so every field carries its description), with the simulation ids
of this installation listed, so editors complete them.
"""

from __future__ import annotations

from typing import Any

import sims

from .models import Question

SCHEMA_ID = "https://quizapp.invalid/schema/question-file.json"


def question_file_schema() -> dict[str, Any]:
    """A schema accepting one question (a mapping) or a list of questions."""
    question = Question.model_json_schema(ref_template="#/$defs/{model}")
    defs = question.pop("$defs", {})
    defs["Question"] = question
    sim_ids = sims.ids()
    link = defs["SimLink"]
    link["properties"]["id"]["enum"] = sim_ids
    short = {"type": "string", "enum": sim_ids, "description": "A simulation id (the short form of a link)."}
    for model in defs.values():
        for prop in model.get("properties", {}).values():
            _allow_short_links(prop, short)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "quizapp question file",
        "description": "One question, or a list of questions. See the README's 'Writing questions'.",
        "oneOf": [
            {"$ref": "#/$defs/Question"},
            {"type": "array", "items": {"$ref": "#/$defs/Question"}, "minItems": 1},
        ],
        "$defs": defs,
    }


def _allow_short_links(schema: Any, short: dict[str, Any]) -> None:
    """Wherever a SimLink is referenced, also accept a bare simulation id string."""
    if isinstance(schema, dict):
        if schema.get("$ref") == "#/$defs/SimLink":
            ref = schema.pop("$ref")
            schema["anyOf"] = [{"$ref": ref}, short]
            return
        for value in list(schema.values()):
            _allow_short_links(value, short)
    elif isinstance(schema, list):
        for value in schema:
            _allow_short_links(value, short)
