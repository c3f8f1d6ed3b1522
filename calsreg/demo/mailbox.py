"""Demo: mail arriving in the help desk's mailboxes, read by the system (issue 14).

``make demo`` runs a throwaway Dovecot (or, without it, Maildirs under ``var/demo-maildir``) with two
mailboxes, ``reception`` and ``replies`` (``scripts/demo-mailbox.sh`` writes their settings). The demo
data puts five mails there, as people would send them:

- an application mail with the filled application workbook attached (the generated form, filled from
  a demo application's values);
- the directory supervisor's reply to the confirmation mail calsreg sent about one demo application,
  threaded by ``In-Reply-To`` = that mail's Message-ID (and the receipt number in the subject);
- a change form (the project's generated change workbook, one item filled) from the applicant;
- a question without attachment, and an out-of-office reply to a confirmation mail.

``demo_mails_prepare`` builds them inside the demo's transaction (it sends the confirmation mail the
reply answers); ``demo_mails_deliver`` puts them into the mailboxes after commit and reads each
mailbox once, so the desk shows the results at once.
"""

from __future__ import annotations

import contextlib
import json
import mailbox as maildir_lib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from io import BytesIO
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from openpyxl import load_workbook

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.applications.excel.template import workbook_build
from calsreg.applications.models import Application, UserRole
from calsreg.applications.states import Status
from calsreg.changes.excel import change_workbook_build
from calsreg.changes.excel.cells import requester_name, single_name
from calsreg.core.subjects import subject_type_of
from calsreg.demo.applications import demo_payload
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.mailbox.config import MailboxSettings
from calsreg.mailbox.models import MailboxMessage
from calsreg.mailbox.reader import mailbox_pass
from calsreg.mailbox.sources.imap import tls_context
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import confirmation_request_send

RECEPTION, REPLIES = "reception", "replies"
HELPDESK = {RECEPTION: "uketsuke@calsreg.example.jp", REPLIES: "kakunin@calsreg.example.jp"}
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAIL_DOMAIN = "demo.example.jp"


@dataclass(frozen=True)
class DemoMail:
    """One mail for one mailbox: ``what`` says it for the demo's log."""

    mailbox: str
    what: str
    raw: bytes


# --- building the mails ------------------------------------------------------------------------------


def _mail(*, sender: str, mailbox: str, subject: str, body: str, key: str, **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = HELPDESK[mailbox]
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.now())
    # Fixed per demo mail: loading twice gives the same Message-ID, which the reader keeps once.
    mail["Message-ID"] = f"<calsreg-demo-{key}@{_MAIL_DOMAIN}>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def _wire(mail: EmailMessage) -> bytes:
    """The mail as it travels (RFC 5322: CRLF line ends), byte for byte what a server stores."""
    return mail.as_bytes(policy=SMTP)


def application_workbook(*, payload: Mapping[str, Any], office: OrdererOffice) -> bytes:
    """The generated application form filled with ``payload`` (a demo application's values), as an
    applicant fills it in Excel: every field, the user rows, the supervisors by name and title."""
    values: dict[str, Any] = {"F_office": office.name, "F_terms_accepted": "同意する"}
    for key, value in payload.items():
        if isinstance(value, str) and key != "office":
            values[f"F_{key}"] = value
    for key in ("period_start", "period_end", "contract_date"):  # typed as dates in Excel
        values[f"F_{key}"] = date.fromisoformat(payload[key])
    values["F_contract_amount"] = int(payload["contract_amount"])
    with translation.override("ja"):
        for user in payload["users"]:
            row = "U{:02d}".format(user["position"])
            values[f"{row}_role"] = str(UserRole(user["role"]).label)
            for key in ("name", "kana", "email", "phone", "requested_id"):
                values[f"{row}_{key}"] = user[key]
        supervisors = Supervisor.objects.filter(pk__in=payload["supervisor_ids"]).order_by("code")
        for slot, supervisor in enumerate(supervisors, start=1):
            values[f"S{slot:02d}_name"] = supervisor.name
            values[f"S{slot:02d}_title"] = supervisor.get_title_display()
    return _filled(workbook_build(office_names=[office.name]), values)


def _filled(content: bytes, values: Mapping[str, Any]) -> bytes:
    workbook = load_workbook(BytesIO(content))
    for name, value in values.items():
        defined = workbook.defined_names.get(name)
        if defined is None:
            continue  # a value the form has no cell for (the office's code, ids)
        ((sheet, reference),) = defined.destinations
        workbook[sheet][reference.replace("$", "")].value = value
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def application_mail(*, office: OrdererOffice) -> DemoMail:
    payload = demo_payload(index=14, office=office, rng=random.Random(20261208))
    payload = json.loads(json.dumps(payload))
    mail = _mail(
        sender=formataddr((payload["applicant_name"], payload["applicant_email"])),
        mailbox=RECEPTION,
        subject="CALSシステム利用申込書の送付",
        body=(
            "新潟県CALSシステム ヘルプデスク御中\n\n"
            f"{payload['contractor_name']}の{payload['applicant_name']}です。\n"
            "利用申込書を添付いたしますので、よろしくお願いいたします。\n"
        ),
        key="application",
    )
    mail.add_attachment(
        application_workbook(payload=payload, office=office),
        maintype="application",
        subtype=WORKBOOK_TYPE.split("/", 1)[1],
        filename="利用申込書.xlsx",
    )
    return DemoMail(RECEPTION, "application with its workbook", _wire(mail))


def confirmation_message_id(request: ConfirmationRequest) -> str:
    """The Message-ID calsreg put on the confirmation mail of ``request`` ("" if it was not sent)."""
    delivery = (
        Delivery.objects.filter(
            subject_type=subject_type_of(Application),
            subject_id=request.application_id,
            to_address=request.sent_to,
            kind="confirmation_request",
        )
        .exclude(message_id="")
        .order_by("-pk")
        .first()
    )
    return delivery.message_id if delivery else ""


def supervisor_reply_mail(*, request: ConfirmationRequest) -> DemoMail:
    """The directory supervisor's answer with the reply template's 「確認しました」 line."""
    receipt = request.application.receipt_number
    headers = {}
    message_id = confirmation_message_id(request)
    if message_id:  # else the receipt number in the subject is what threads it
        headers = {"In_Reply_To": message_id, "References": message_id}
    mail = _mail(
        sender=formataddr((request.supervisor.name, request.sent_to)),
        mailbox=REPLIES,
        subject=f"Re: 【新潟県CALSシステム】利用申込内容のご確認（受付番号：{receipt}）",
        body=f"ヘルプデスク御中\n\n■ 確認しました\n\n申込内容に間違いありません。\n{request.supervisor.name}\n",
        key="supervisor-reply",
        **headers,
    )
    return DemoMail(REPLIES, f"supervisor's reply to {receipt}", _wire(mail))


def change_form_mail(*, project: Project) -> DemoMail:
    """The applicant sends the project's change form with the billing department changed."""
    application = project.application
    content = _filled(
        change_workbook_build(project=project),
        {
            requester_name("requester_name"): application.applicant_name,
            requester_name("requester_phone"): application.applicant_phone,
            requester_name("requester_email"): application.applicant_email,
            requester_name("reason"): "請求書の送付先部署が総務部に変わったため。",
            single_name("billing_department"): "総務部",
        },
    )
    mail = _mail(
        sender=formataddr((application.applicant_name, application.applicant_email)),
        mailbox=RECEPTION,
        subject=f"変更申込書の送付（{project.project_number}）",
        body="ヘルプデスク御中\n\n請求書送付先の変更をお願いします。変更申込書を添付します。\n",
        key="change-form",
    )
    mail.add_attachment(
        content, maintype="application", subtype=WORKBOOK_TYPE.split("/", 1)[1], filename="変更申込書.xlsx"
    )
    return DemoMail(RECEPTION, f"change form for {project.project_number}", _wire(mail))


def question_mail() -> DemoMail:
    mail = _mail(
        sender=formataddr(("佐渡 太郎", "sado@example3.co.jp")),
        mailbox=RECEPTION,
        subject="利用料金についての質問",
        body=(
            "お世話になっております。\n工期が年度をまたぐ場合、利用料金はどのように請求されますか。\n"
            "株式会社佐渡工務店 佐渡\n"
        ),
        key="question",
    )
    return DemoMail(RECEPTION, "question without attachment", _wire(mail))


def out_of_office_mail(*, request: ConfirmationRequest) -> DemoMail:
    """An automatic "away" answer to a confirmation mail (``Auto-Submitted``, RFC 3834)."""
    receipt = request.application.receipt_number
    mail = _mail(
        sender=formataddr((request.supervisor.name, request.sent_to)),
        mailbox=REPLIES,
        subject=f"自動応答: 【新潟県CALSシステム】利用申込内容のご確認（受付番号：{receipt}）",
        body="ただいま出張中のため、12月14日まで返信できません。急ぎの場合は課の代表番号へお電話ください。\n",
        key="out-of-office",
        Auto_Submitted="auto-replied",
        X_Autoreply="yes",
    )
    return DemoMail(REPLIES, "out-of-office reply", _wire(mail))


# --- what the demo sends and receives ------------------------------------------------------------------


def _open_request(*, desk: Actor, excluded: set[int]) -> ConfirmationRequest | None:
    """An open confirmation request calsreg sent (and whose mail left) for a demo application that
    still waits for it: a request left open on an application decided since is not answered by mail."""
    open_requests = ConfirmationRequest.objects.filter(
        answered_at=None, superseded_at=None, application__status=Status.AWAITING_CONFIRMATION
    ).exclude(application_id__in=excluded)
    request = open_requests.select_related("application", "supervisor").order_by("pk").first()
    if request is not None:
        return request
    application = (
        Application.objects.filter(status=Status.SUBMITTED)
        .exclude(pk__in=excluded)
        .order_by("submitted_at", "id")
        .first()
    )
    if application is None:
        return None
    request = confirmation_request_send(application=application, actor=desk)[0]
    deliveries_send_due()  # the mail leaves now: its Message-ID is what the reply answers
    return request


def demo_mails_prepare(*, desk: Actor) -> list[DemoMail]:
    """The demo's mails (none if the mailboxes were read already). Sends the two confirmation mails
    they answer. Call inside the demo's transaction; deliver them after it committed."""
    if MailboxMessage.objects.exists():
        return []
    mails = []
    office = OrdererOffice.objects.filter(active=True).order_by("code").first()
    if office is not None:
        mails.append(application_mail(office=office))
    replied = _open_request(desk=desk, excluded=set())
    if replied is not None:
        mails.append(supervisor_reply_mail(request=replied))
        away = _open_request(desk=desk, excluded={replied.application_id})
        if away is not None:
            mails.append(out_of_office_mail(request=away))
    project = Project.objects.filter(status=ProjectStatus.ACTIVE).select_related("application").order_by("pk")
    if (first := project.first()) is not None:
        mails.append(change_form_mail(project=first))
    mails.append(question_mail())
    return mails


# --- putting them into the mailboxes ------------------------------------------------------------------


def mail_append(*, box: MailboxSettings, raw: bytes) -> None:
    """Put ``raw`` into ``box`` as a sender's server would: IMAP APPEND to its folder (over TLS or
    STARTTLS as configured, trusting its CA file), or a new file in its Maildir's ``new/``."""
    if box.is_maildir:
        maildir_lib.Maildir(box.path, create=True).add(raw)
        return
    from imapclient import IMAPClient

    context = tls_context(box)
    client = IMAPClient(box.host, port=box.port, ssl=box.scheme == "imaps", ssl_context=context)
    try:
        if box.scheme == "starttls":
            client.starttls(context)
        client.login(box.user, box.password)
        client.append(box.folder, raw)
    finally:
        with contextlib.suppress(Exception):  # closing a connection whose work is done
            client.logout()


def demo_mails_deliver(mails: list[DemoMail], *, say: Callable[[str], None]) -> int:
    """Put ``mails`` into the configured mailbox of each (``settings.MAILBOXES``), then read every
    configured mailbox once with the real reader, so the desk shows the results at once. Returns how
    many mails were put. A mailbox the settings do not name is said, and its mails are left out."""
    for problem in settings.MAILBOX_SETTINGS_ERRORS:
        say(f"mailbox settings: {problem}")
    boxes = {box.name: box for box in settings.MAILBOXES}
    put = 0
    for mail in mails:
        box = boxes.get(mail.mailbox)
        if box is None:
            say(f"mailbox {mail.mailbox} is not configured (CALSREG_MAILBOXES): {mail.what} not sent")
            continue
        mail_append(box=box, raw=mail.raw)
        put += 1
    for name, box in boxes.items():
        result = mailbox_pass(name=name)
        say(
            f"mailbox {name} ({box.address}): {result.kept} kept, {result.processed} processed, "
            f"{result.moved} moved, {result.failed} failed"
        )
    return put
