"""Received mail at the desk (help desk and administrators): the triage list, the log of every
message, one message with its body and history, and the actions — each view parses its form, shows a
confirmation where the action changes something for others, and makes one call to
``calsreg.mailbox.triage``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calsreg.applications.selectors import application_by_receipt_number
from calsreg.core.errors import NotFound
from calsreg.desk.evidence import evidence_served
from calsreg.desk.feedback import form_errors_as_messages, refusal_as_messages, run_service
from calsreg.desk.mailbox.forms import AttachForm, ConfirmedForm, MessageFilterForm, NoteForm, ReplyForm
from calsreg.desk.mailbox.presenters import recognised_flat, recognised_parts, result_link
from calsreg.desk.paging import capped_count, keyset_page
from calsreg.desk.permissions import desk_staff_required
from calsreg.mailbox import triage
from calsreg.mailbox.display import MessageShown, message_shown
from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.mailbox.selectors import (
    ARRIVED_ORDER,
    application_receipt_numbers,
    mailbox_names,
    message_for_desk,
    messages_in_triage,
    messages_received,
    reply_candidates,
    reply_preview,
    result_applications,
)
from calsreg.records.selectors import audit_timeline, evidence_read
from calsreg.records.services import Actor, evidence_downloaded, evidence_verify

PAGE_SIZE = 25
# Above this many a list says "more than" instead of counting them all.
COUNT_CAP = 1000


@desk_staff_required
def triage_list(request: HttpRequest) -> HttpResponse:
    """要確認のメール: newest first, read by key on the triage index."""
    form = MessageFilterForm(request.GET, mailboxes=mailbox_names())
    rows = messages_in_triage(filters=form.filters())
    return _list(request, rows, form=form, salt="mailbox:triage", template="desk/mailbox/triage.html")


@desk_staff_required
def received_list(request: HttpRequest) -> HttpResponse:
    """すべての受信メール: what became of each message, with a link to its result."""
    form = MessageFilterForm(request.GET, mailboxes=mailbox_names())
    rows = messages_received(filters=form.filters())
    return _list(request, rows, form=form, salt="mailbox:all", template="desk/mailbox/received.html")


def _list(request: HttpRequest, rows, *, form: MessageFilterForm, salt: str, template: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    page = keyset_page(rows, order=ARRIVED_ORDER, params=request.GET, size=PAGE_SIZE, salt=salt)
    total, more = capped_count(rows, cap=COUNT_CAP)
    shown = list(page.object_list)
    applications = result_applications(messages=shown)
    receipts = application_receipt_numbers(ids=set(applications.values()))
    context = {
        "form": form,
        "page": page,
        "rows": [
            (
                message,
                recognised_parts(message.recognised),
                result_link(message, applications=applications, receipts=receipts),
            )
            for message in shown
        ],
        "total": total,
        "total_is_lower_bound": more,
    }
    return render(request, template, context)


def _message_or_404(pk: int) -> MailboxMessage:
    try:
        return message_for_desk(pk=pk)
    except MailboxMessage.DoesNotExist as missing:
        raise Http404(_("受信メールが見つかりません。")) from missing


def _message_url(message: MailboxMessage) -> str:
    return reverse("desk:mailbox_message", args=[message.pk])


@desk_staff_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    # Recorded before the history is read, so the operator sees their own view listed.
    triage.message_viewed(message=message, actor=Actor.staff(request.user))
    copy = evidence_read(evidence=message.evidence)
    applications = result_applications(messages=[message])
    recognised = recognised_flat(message.recognised)
    receipt = str(request.GET.get("receipt") or recognised.get("receipt_number") or "")[:20]
    context = {
        "message": message,
        "shown": message_shown(raw=copy.content),
        "evidence": [evidence_verify(evidence=message.evidence)],
        "recognised": recognised_parts(recognised),
        "result": result_link(
            message,
            applications=applications,
            receipts=application_receipt_numbers(ids=set(applications.values())),
        ),
        "timeline": list(audit_timeline(subject=message)),
        "receipt": receipt,
        "candidates": reply_candidates(receipt_number=receipt),
        "suggested_request": recognised.get("request_id"),
        "in_triage": message.state == MessageState.TRIAGE,
        "handled": message.state == MessageState.HANDLED,
    }
    return render(request, "desk/mailbox/message.html", context)


@desk_staff_required
def message_eml(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The kept mail as received, through the audited evidence download (never opened in the page)."""
    message = _message_or_404(pk)
    copy = evidence_read(evidence=message.evidence)
    url = _message_url(message)
    return evidence_served(
        request,
        evidence=message.evidence,
        copy=copy,
        record=lambda: evidence_downloaded(copy=copy, subject=message, actor=Actor.staff(request.user)),
        warning={
            "crumbs": [
                (reverse("desk:mailbox_triage"), _("要確認のメール")),
                (url, message.subject_line or "—"),
            ],
            "back_url": url,
            "back_label": _("受信メールに戻る"),
            "download_url": reverse("desk:mailbox_message_eml", args=[message.pk]),
        },
    )


@require_POST
@desk_staff_required
def message_attach(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    form = AttachForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(_message_url(message))
    number = form.cleaned_data["receipt_number"]
    if not form.cleaned_data["confirmed"]:
        try:
            application = application_by_receipt_number(receipt_number=number)
        except NotFound as missing:
            refusal_as_messages(request, missing)
            return redirect(_message_url(message))
        return render(
            request, "desk/mailbox/attach_confirm.html", {"message": message, "application": application}
        )
    done = run_service(
        request,
        lambda: triage.message_attach_to_application(
            message_id=message.pk, receipt_number=number, actor=Actor.staff(request.user)
        ),
        lambda application: (
            _("受信メールを申込 %(receipt)s の証跡として保存しました。")
            % {"receipt": application.receipt_number}
        ),
    )
    return redirect("desk:application_detail", pk=done.pk) if done else redirect(_message_url(message))


@require_POST
@desk_staff_required
def message_file(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    form = ConfirmedForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["confirmed"]):
        return render(
            request, "desk/mailbox/file_confirm.html", {"message": message, "shown": _shown(message)}
        )
    done = run_service(
        request,
        lambda: triage.message_file_as_application(message_id=message.pk, actor=Actor.staff(request.user)),
        lambda application: (
            _("受付番号 %(receipt)s で受け付けました。申込者へ受付メールを送信します。")
            % {"receipt": application.receipt_number}
        ),
    )
    return redirect("desk:application_detail", pk=done.pk) if done else redirect(_message_url(message))


def _shown(message: MailboxMessage) -> MessageShown:
    return message_shown(raw=evidence_read(evidence=message.evidence).content)


@require_POST
@desk_staff_required
def message_reply(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(_message_url(message))
    data = form.cleaned_data
    if not data["confirmed"]:
        preview = reply_preview(message=message, request_id=data["request"])
        if preview is None:
            messages.error(request, _("確認依頼が見つかりません。候補を選び直してください。"))
            return redirect(_message_url(message))
        context = {
            "message": message,
            "confirmation": preview.request,
            "data": data,
            "sender_matches": preview.counts,
        }
        return render(request, "desk/mailbox/reply_confirm.html", context)
    recorded = run_service(
        request,
        lambda: triage.message_record_as_reply(
            message_id=message.pk,
            request_id=data["request"],
            answer=data["answer"],
            reason=data["reason"],
            actor=Actor.staff(request.user),
        ),
        lambda done: (
            _("返信メールを記録しました。")
            if done.counted
            else _("返信メールを証跡として保存しました（回答には数えていません）。")
        ),
    )
    if recorded is None:
        return redirect(_message_url(message))
    if recorded.unlisted is not None:
        messages.warning(request, recorded.unlisted.warning)
    return redirect("desk:application_detail", pk=recorded.request.application_id)


@require_POST
@desk_staff_required
def message_handled(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(_message_url(message))
    done = run_service(
        request,
        lambda: triage.message_mark_handled(
            message_id=message.pk, note=form.cleaned_data["note"], actor=Actor.staff(request.user)
        ),
        _("対応済みにしました。要確認の一覧から外れます。"),
    )
    return redirect("desk:mailbox_triage") if done else redirect(_message_url(message))


@require_POST
@desk_staff_required
def message_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message_or_404(pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(_message_url(message))
    run_service(
        request,
        lambda: triage.message_back_to_triage(
            message_id=message.pk, note=form.cleaned_data["note"], actor=Actor.staff(request.user)
        ),
        _("要確認に差し戻しました。"),
    )
    return redirect(_message_url(message))
