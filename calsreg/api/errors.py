"""Turn every refusal into the one JSON error body ``{"code", "message", "errors": [...]}``.

``DomainError`` subclasses carry their own HTTP status; input the schema already refuses (unknown keys,
wrong types) is reported in the same shape as the validator's ``ValidationFailed``, with field paths
written the validator's way (``users[2].requested_id``, list positions counted from 1).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from calsreg.applications.schema import (
    FIELDS_BY_KEY,
    SECTION_LABELS,
    TERMS_FIELD,
    USER_FIELDS_BY_KEY,
    Section,
)
from calsreg.applications.validation import user_label
from calsreg.core.errors import DomainError, FieldError, NotFound, ValidationFailed
from calsreg.core.text import Refusal, RefusedCharacter, refusal_message, shown

# Where ninja says an input came from; the first part of every error location.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def error_body(*, code: str, message: str, errors: list[FieldError] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "errors": [e.as_dict() for e in errors or []]}


def _domain_error(request: HttpRequest, exc: DomainError, *, api: NinjaAPI) -> HttpResponse:
    errors = exc.errors if isinstance(exc, ValidationFailed) else []
    body = error_body(code=exc.code, message=exc.message, errors=errors)
    return api.create_response(request, body, status=exc.http_status)


def _unauthenticated(request: HttpRequest, exc: AuthenticationError, *, api: NinjaAPI) -> HttpResponse:
    body = error_body(
        code="unauthenticated",
        message=_("有効なAPIトークンを Authorization: Bearer ヘッダーで送ってください。"),
    )
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _throttled(request: HttpRequest, exc: Throttled, *, api: NinjaAPI) -> HttpResponse:
    wait = math.ceil(exc.wait or 0)
    body = error_body(
        code="too_many_requests",
        message=_(
            "短い時間に何度も送信されたため、受付を一時停止しています。%(seconds)s秒後にもう一度お試しください。"
        )
        % {"seconds": wait},
    )
    response = api.create_response(request, body, status=429)
    response["Retry-After"] = str(wait)
    return response


def _http_error(request: HttpRequest, exc: HttpError, *, api: NinjaAPI) -> HttpResponse:
    # ninja raises HttpError itself only for a body it cannot parse (400); its text is English.
    message = (
        _("リクエストの本文を読めません。JSONの形式を確認してください。")
        if exc.status_code == 400
        else str(exc)
    )
    body = error_body(
        code="bad_request" if exc.status_code == 400 else f"http_{exc.status_code}", message=message
    )
    return api.create_response(request, body, status=exc.status_code)


def _not_found(request: HttpRequest, exc: Http404, *, api: NinjaAPI) -> HttpResponse:
    return _domain_error(request, NotFound(_("見つかりません。")), api=api)


def _invalid_input(request: HttpRequest, exc: NinjaValidationError, *, api: NinjaAPI) -> HttpResponse:
    errors = [_field_error(error) for error in exc.errors]
    return _domain_error(request, ValidationFailed(errors=errors), api=api)


def exception_handlers_install(api: NinjaAPI) -> None:
    api.add_exception_handler(DomainError, partial(_domain_error, api=api))
    api.add_exception_handler(AuthenticationError, partial(_unauthenticated, api=api))
    api.add_exception_handler(HttpError, partial(_http_error, api=api))
    api.add_exception_handler(Throttled, partial(_throttled, api=api))
    api.add_exception_handler(Http404, partial(_not_found, api=api))
    api.add_exception_handler(NinjaValidationError, partial(_invalid_input, api=api))


# --- pydantic / ninja errors as FieldErrors ---------------------------------------------------------


def _field_error(error: dict[str, Any]) -> FieldError:
    parts = _location(error.get("loc") or ())
    path = _path(parts)
    label = _label(parts)
    if not path:
        path, label = "body", _("本文")
    # A key the schema refuses is echoed back: shown with any refused character as U+XXXX, since a
    # lone surrogate cannot even be encoded into the response.
    path, label = shown(path), shown(label)
    return FieldError(field=path, label=label, message=_message(error, label or path))


def _location(loc: Any) -> list[str | int]:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # A body / file / form parameter is named by the handler's argument: not part of the input.
        if source in {"body", "file", "form"} and parts and isinstance(parts[0], str) and len(parts) > 1:
            parts.pop(0)
        elif source == "body" and len(parts) == 1:
            parts = []
    return parts


def _path(parts: list[str | int]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        else:
            path += f".{part}" if path else str(part)
    return path


_LABELS = {
    "users": SECTION_LABELS[Section.USERS],
    "supervisor_ids": SECTION_LABELS[Section.SUPERVISORS],
    "terms_accepted": TERMS_FIELD.label,
    "receipt_number": _lazy("受付番号"),
    "email": _lazy("メールアドレス"),
    "file": _lazy("申込書ファイル"),
    "page": _lazy("ページ"),
    "page_size": _lazy("1ページの件数"),
    "run_month": _lazy("請求月"),
    "status": _lazy("状態"),
    "received_from": _lazy("受付日（この日から）"),
    "received_to": _lazy("受付日（この日まで）"),
    "q": _lazy("検索語"),
    "sort": _lazy("並び順"),
    "duplicates_only": _lazy("重複の疑いのみ"),
    "reason": _lazy("理由"),
    "note": _lazy("メモ"),
}


def _label(parts: list[str | int]) -> str:
    if not parts or not isinstance(parts[0], str):
        return ""
    key = parts[0]
    if key == "users" and len(parts) >= 3 and isinstance(parts[1], int) and parts[2] in USER_FIELDS_BY_KEY:
        return user_label(parts[1] + 1, str(USER_FIELDS_BY_KEY[str(parts[2])].label))
    if key in FIELDS_BY_KEY:
        return str(FIELDS_BY_KEY[key].label)
    return str(_LABELS.get(key, ""))


def _message(error: dict[str, Any], name: str) -> str:
    kind = error.get("type", "")
    if kind == "refused_character":
        ctx = error.get("ctx") or {}
        found = RefusedCharacter(
            kind=Refusal(ctx["kind"]), char=chr(ctx["codepoint"]), position=ctx["position"]
        )
        return refusal_message(found, label=name)
    if kind == "extra_forbidden":
        return _("「%(name)s」という項目は受け付けていません。項目名を確認してください。") % {"name": name}
    if kind == "missing":
        return _("「%(name)s」がありません。") % {"name": name}
    if kind == "string_unicode":  # a lone surrogate where no field validator sees it (an object key)
        return _("「%(name)s」に文字として読めないデータがあります。正しい文字で送ってください。") % {
            "name": name
        }
    if kind == "string_type":
        return _("「%(name)s」は文字列で送ってください。") % {"name": name}
    if kind == "string_too_long":
        return _("「%(name)s」は%(max)s文字以内で送ってください。") % {
            "name": name,
            "max": (error.get("ctx") or {}).get("max_length", ""),
        }
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return _("「%(name)s」は整数で送ってください。") % {"name": name}
    if kind in {"bool_type", "bool_parsing"}:
        return _("「%(name)s」は true か false で送ってください。") % {"name": name}
    if kind in {"list_type", "tuple_type"}:
        return _("「%(name)s」は配列で送ってください。") % {"name": name}
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("「%(name)s」はオブジェクトで送ってください。") % {"name": name}
    if kind in {"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}:
        return _("「%(name)s」は日付（例: 2026-12-01）で送ってください。") % {"name": name}
    if kind in {"enum", "literal_error"}:
        return _("「%(name)s」は次のいずれかにしてください: %(expected)s") % {
            "name": name,
            "expected": (error.get("ctx") or {}).get("expected", ""),
        }
    if kind in {"greater_than_equal", "greater_than"}:
        return _("「%(name)s」の値が小さすぎます。") % {"name": name}
    if kind == "less_than_equal":
        return _("「%(name)s」は%(max)s以下にしてください。") % {
            "name": name,
            "max": (error.get("ctx") or {}).get("le", ""),
        }
    if kind == "json_invalid":
        return _("本文をJSONとして読めません。")
    return _("「%(name)s」の形式が正しくありません。") % {"name": name}
