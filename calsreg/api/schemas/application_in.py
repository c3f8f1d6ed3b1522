"""The body of ``POST /api/applications``, generated from the one application schema.

No field is listed here by hand: each ``FieldSpec`` of ``FIELDS`` and ``USER_FIELDS`` becomes an
optional string whose description is its Japanese label and help. Values are checked by
``validate_application`` (the web form's validator), so the API answers with the web form's messages.
Unknown keys are refused: there is deliberately no way to name a supervisor's address or number.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from ninja import Schema
from pydantic import ConfigDict, Field, ValidationInfo, create_model, field_validator
from pydantic_core import PydanticCustomError

from calsreg.applications.schema import FIELDS, SECTION_LABELS, TERMS_FIELD, USER_FIELDS, FieldSpec, Section
from calsreg.core.text import RefusedCharacter, refused_character

# Input fields that may hold several lines (tab and line breaks); every other text is one line.
MULTILINE_FIELDS = frozenset({"reason", "note", "comment"})
REFUSED_CHARACTER = "refused_character"


class StrictIn(Schema):
    """Base of every API input (body, query, form): unknown keys refused, and no text field of any
    input may hold a character the one text cleaner refuses (``core.text``): a NUL, a control or
    bidi character, a lone surrogate from a ``"\\ud800"`` escape. The refusal is a 422 naming the
    field, before any handler, service or evidence sees the value."""

    # Numbers typed where text is expected (48400000, a postcode) are taken as their digits.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    # After each field's own validation: a nested input (a user, an item) has then been checked by
    # its own validator, so a refusal names the innermost field (users[2].name).
    @field_validator("*", mode="after")
    @classmethod
    def _refuse_characters(cls, value: Any, info: ValidationInfo) -> Any:
        found = _first_refused(value, multiline=info.field_name in MULTILINE_FIELDS)
        if found is not None:
            # The context holds no character itself: a lone surrogate could not even be rendered.
            raise PydanticCustomError(
                REFUSED_CHARACTER,
                "refused character {code}",
                {
                    "kind": str(found.kind),
                    "codepoint": ord(found.char),
                    "position": found.position,
                    "code": found.code,
                },
            )
        return value


def _first_refused(value: Any, *, multiline: bool) -> RefusedCharacter | None:
    """The first refused character in a value as parsed from JSON (strings, lists, objects and keys)."""
    if isinstance(value, str):
        return refused_character(value, multiline=multiline)
    if isinstance(value, dict):
        value = [part for pair in value.items() for part in pair]
    if isinstance(value, (list, tuple)):
        for part in value:
            found = _first_refused(part, multiline=multiline)
            if found is not None:
                return found
    return None


def spec_description(spec: FieldSpec) -> str:
    label, help_text = str(spec.label), str(spec.help)
    return f"{label}。{help_text}" if help_text else label


def _text_field(spec: FieldSpec) -> tuple[Any, Any]:
    examples = [spec.example] if spec.example else None
    return (str | None, Field(default=None, description=spec_description(spec), examples=examples))


with translation.override("ja"):
    ApplicationUserIn = create_model(  # type: ignore[call-overload]
        "ApplicationUserIn",
        __base__=StrictIn,
        __doc__=str(SECTION_LABELS[Section.USERS]),
        **{spec.key: _text_field(spec) for spec in USER_FIELDS},
    )
    ApplicationIn = create_model(  # type: ignore[call-overload]
        "ApplicationIn",
        __base__=StrictIn,
        __doc__="利用申込",
        **{spec.key: _text_field(spec) for spec in FIELDS},
        users=(
            list[ApplicationUserIn],  # type: ignore[valid-type]
            Field(
                default_factory=list,
                description=f"{SECTION_LABELS[Section.USERS]}。1人以上（うち1人は現場代理人）。",
            ),
        ),
        supervisor_ids=(
            list[int],
            Field(
                default_factory=list,
                description=(
                    f"{SECTION_LABELS[Section.SUPERVISORS]}。発注事務所の名簿の監督員ID"
                    "（GET /api/offices）を1つ以上。連絡先は名簿のものだけを使います。"
                ),
            ),
        ),
        terms_accepted=(bool, Field(default=False, description=str(TERMS_FIELD.label))),
    )


class StatusQueryIn(StrictIn):
    receipt_number: str = Field(max_length=20, description="受付番号（例: A2026-00001）")
    email: str = Field(max_length=254, description="申込時の担当者のメールアドレス")
