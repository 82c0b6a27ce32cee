"""Pydantic field types whose values, validation and JSON Schema come from the registry.

A kind registered at any time (a test's, a new folder's) is accepted and described at once:
the API's request and response models use these types instead of a fixed union or Literal.

- `ContactIn`: one contact as the API takes it, validated by the `contact_model` of the kind
  its `kind` names; in the JSON Schema a `oneOf` of every registered contact model with a
  `kind` discriminator.
- `ContactKindName`: a registered contact kind (`sms`, `webhook` …), an enum in the schema.
- `ChannelName`: a registered channel kind (`twilio_sms`, `webhook` …), the outbox's value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from notifier.channels import REGISTRY

__all__ = ["ChannelName", "ContactIn", "ContactKindName"]


def _model_schema(handler: GetJsonSchemaHandler, model: type[BaseModel]) -> JsonSchemaValue:
    """The model's schema as a reference into the document's definitions (inline if the
    generator offers no way to define it there)."""
    generator = getattr(handler, "generate_json_schema", None)
    if generator is not None:
        return generator.generate_inner(model.__pydantic_core_schema__)
    return handler(model.__pydantic_core_schema__)


class _Contact:
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_contact,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: value.model_dump() if isinstance(value, BaseModel) else value
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        refs = {spec.contact: _model_schema(handler, spec.contact_model) for spec in REGISTRY}
        out: JsonSchemaValue = {"oneOf": list(refs.values())}
        if all("$ref" in ref for ref in refs.values()):
            mapping = {kind: ref["$ref"] for kind, ref in refs.items()}
            out["discriminator"] = {"propertyName": "kind", "mapping": mapping}
        return out


def _validate_contact(value: Any) -> BaseModel:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    spec = REGISTRY.contact(kind) if isinstance(kind, str) else None
    if spec is None:
        known = ", ".join(REGISTRY.contact_kinds)
        if kind is None:
            raise PydanticCustomError(
                "union_tag_not_found", "a contact needs a kind (one of {known})", {"known": known}
            )
        raise PydanticCustomError(
            "union_tag_invalid",
            "unknown contact kind {kind} (known: {known})",
            {"kind": repr(kind)[:40], "known": known},
        )
    if isinstance(value, spec.contact_model):
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return spec.contact_model.model_validate(value)


ContactIn = Annotated[BaseModel, _Contact]


class _Registered:
    """A string that must be one of `names()` at validation time; an enum of them in the
    JSON Schema generated now."""

    def __init__(self, names: Callable[[], tuple[str, ...]], what: str) -> None:
        self._names = names
        self._what = what

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": list(self._names())}

    def _check(self, value: str) -> str:
        names = self._names()
        if value not in names:
            raise PydanticCustomError(
                "enum",
                "unknown {what} {value} (known: {known})",
                {"what": self._what, "value": repr(value)[:40], "known": ", ".join(names)},
            )
        return value


ContactKindName = Annotated[str, _Registered(lambda: REGISTRY.contact_kinds, "contact kind")]
ChannelName = Annotated[str, _Registered(lambda: tuple(s.kind for s in REGISTRY), "channel")]
