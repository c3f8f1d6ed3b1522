"""Builders for the desk tests: applications written straight to the database (so dates, statuses
and duplicates are exactly what a test states), submitted ones through the real service, files."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from typing import Any

from django.utils import timezone

from calsreg.applications.excel.template import workbook_build
from calsreg.applications.models import Application, ApplicationUser, Channel, UserRole
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.records.services import Actor
from tests.applications.files.workbooks import complete_values, filled
from tests.factories import SupervisorFactory, valid_payload

JST = dt.timezone(dt.timedelta(hours=9))


def at(day: str, hour: int = 10) -> dt.datetime:
    """An aware datetime in Japan time: ``at("2026-11-24", 9)``."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=JST)


def make_application(*, office: OrdererOffice, number: int, **overrides: Any) -> Application:
    """An application row with one user; ``number`` makes the receipt number and texts unique."""
    values: dict[str, Any] = {
        "receipt_number": f"R2026-{number:06d}",
        "channel": Channel.WEB,
        "submitted_at": at("2026-11-02") + dt.timedelta(hours=number),
        "office": office,
        "project_number": f"R8-新潟-土木-{number:04d}",
        "project_name": f"一般県道{number}号 舗装補修工事",
        "project_location": "新潟市中央区地内",
        "period_start": dt.date(2026, 12, 1),
        "period_end": dt.date(2027, 3, 19),
        "contract_amount": 10_000_000 + number,
        "contract_date": dt.date(2026, 11, 20),
        "contractor_name": f"株式会社越後建設{number}",
        "contractor_kana": "カブシキガイシャエチゴケンセツ",
        "contractor_representative": "越後 正樹",
        "contractor_postcode": "950-0088",
        "contractor_address": "新潟県新潟市中央区万代1丁目1番1号",
        "contractor_phone": "025-244-1234",
        "applicant_name": "田中 一郎",
        "applicant_kana": "タナカ イチロウ",
        "applicant_email": f"tanaka{number}@echigo.example.jp",
        "applicant_phone": "090-1234-5678",
        "billing_addressee": "株式会社越後建設",
        "billing_postcode": "950-0088",
        "billing_address": "新潟県新潟市中央区万代1丁目1番1号",
        "billing_phone": "025-244-1234",
        "terms_version": "2026-04",
        "terms_accepted_at": timezone.now(),
    }
    values.update(overrides)
    application = Application.objects.create(**values)
    ApplicationUser.objects.create(
        application=application,
        position=1,
        role=UserRole.SITE_AGENT,
        name="田中 一郎",
        kana="タナカ イチロウ",
        email="tanaka@echigo.example.jp",
        phone="090-1234-5678",
        requested_id="tanaka",
    )
    return application


def submit_application(*, supervisor: Supervisor | None = None, **overrides: Any) -> Application:
    """An application through the real submit service (evidence, audit event, acknowledgment)."""
    supervisor = supervisor or SupervisorFactory()
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor], **overrides)
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.WEB,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )


def filled_workbook(*, office: OrdererOffice, **values: Any) -> bytes:
    """The generated form, every cell filled with valid values, for ``office``; overrides by name."""
    content = workbook_build(office_names=[office.name])
    cells = complete_values()
    cells["F_office"] = office.name
    for slot in range(1, 11):
        cells[f"U{slot:02d}_phone"] = f"090-1234-{5600 + slot}"
    cells.update(values)
    return filled(content, cells)


def mail_with(attachments: list[tuple[str, bytes, str]], *, subject: str = "利用申込書の送付") -> bytes:
    """A received mail (RFC 5322 bytes) with the given (filename, content, MIME type) attachments."""
    message = EmailMessage()
    message["From"] = "越後 花子 <hanako@echigo-kensetsu.example.jp>"
    message["To"] = "helpdesk@calsreg.example.jp"
    message["Subject"] = subject
    message["Date"] = "Tue, 24 Nov 2026 09:05:00 +0900"
    message["Message-ID"] = "<20261124090500.1234@echigo-kensetsu.example.jp>"
    message.set_content("いつもお世話になっております。利用申込書を添付します。\n越後建設 信濃")
    for filename, content, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


PREVIEW_TOKEN_RE = re.compile(r'name="preview" value="([^"]+)"')


def preview_token(response) -> str:
    """The token a preview page posts back with its confirmation."""
    assert response.status_code == 200, response.status_code
    return PREVIEW_TOKEN_RE.search(response.content.decode()).group(1)


def confirm_preview(client, url: str, data: dict | None = None):
    """The operator opens the preview of an irreversible action and confirms it as shown."""
    token = preview_token(client.post(url, data or {}))
    return client.post(url, {**(data or {}), "confirmed": "1", "preview": token})
