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
from pydantic import ConfigDict, Field, create_model

from calsreg.applications.schema import FIELDS, SECTION_LABELS, TERMS_FIELD, USER_FIELDS, FieldSpec, Section


class StrictIn(Schema):
    # Numbers typed where text is expected (48400000, a postcode) are taken as their digits.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


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
