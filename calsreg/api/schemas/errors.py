"""The one error body of the API: what every refusal looks like."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class FieldErrorOut(Schema):
    field: str = Field(description="項目のパス（例: users[2].requested_id）。一覧の番号は1から数えます。")
    label: str = Field(description="項目名（日本語）")
    message: str = Field(description="誤りと直し方（日本語）")


class ErrorOut(Schema):
    code: str = Field(description="誤りの種類（validation_failed, not_found, unauthenticated …）")
    message: str = Field(description="利用者に示せる説明（日本語）")
    errors: list[FieldErrorOut] = Field(default_factory=list, description="項目ごとの誤り")
