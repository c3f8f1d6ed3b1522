"""The reader's writes, one transaction each (issue 14, item 1): keep a message, process it, count a
failed try, note that it was moved. ``reader.mailbox_pass`` calls them in that order; each one is safe
to call again after a crash at any point, and in several readers of the same mailbox at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.core.uploads import EML_CONTENT_TYPE
from calsreg.mailbox import processing
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.records.models import EvidenceKind
from calsreg.records.selectors import evidence_read
from calsreg.records.services import (
    Actor,
    audit_record,
    evidence_files_discarded_on_failure,
    evidence_store,
    sha256_of,
)

logger = logging.getLogger("calsreg.mailbox")

# The database going away is not the message's fault: it is not counted as a failed try.
DATABASE_ERRORS = (OperationalError, InterfaceError)

TOO_LARGE_REASON = gettext_noop(
    "メールが大きすぎるため（%(size)s バイト、上限 %(limit)s バイト）、ヘッダーだけを保存しました。"
    "受信箱の処理済みフォルダで本文を確認してください。"
)
DUPLICATE_REASON = gettext_noop(
    "同じメール（Message-IDとSHA-256が同じ）を受信済みのため、処理しませんでした。"
)
REDELIVERED_REASON = gettext_noop(
    "同じメール（Message-IDと本文・差出人などが同じで、配送経路のヘッダーだけが異なる）を受信済みのため、"
    "処理しませんでした。2つの宛先に届いたか、メールサーバーが配送し直したメールです。"
)
# The header fields a mail program writes. Servers on the way add others (Received, Delivered-To,
# Return-Path, Authentication-Results…), so one mail delivered twice — to both help-desk addresses,
# or again after a lost reply from our server — arrives as different bytes with these unchanged.
AUTHOR_FIELDS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
# Kept messages with one Message-ID whose bytes are read to compare what their author wrote.
SAME_ID_CANDIDATES = 10
FAILED_REASON = gettext_noop(
    "処理中にエラーが起きたため、自動では処理できませんでした（%(attempts)s回試行）。内容を確認してください。"
)


@dataclass(frozen=True)
class Arrival:
    """One message as the server gave it: where it is, when it arrived, the bytes to keep."""

    mailbox: str
    uidvalidity: int
    uid: int
    arrived_at: datetime
    raw: bytes
    # The whole message's size on the server (``raw`` is only its header when it was too large).
    size_bytes: int
    too_large: bool = False


def reader_actor(mailbox: str) -> Actor:
    return Actor.system(f"mailbox:{mailbox}")


def _headers(raw: bytes) -> tuple[str, str, str]:
    """Message-ID, From and Subject as written (decoded); "" for a header that is missing or broken."""
    try:
        parsed = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    except Exception:
        return "", "", ""
    values = []
    for name in ("Message-ID", "From", "Subject"):
        try:
            values.append(" ".join(str(parsed.get(name, "") or "").split()))
        except Exception:
            values.append("")
    return values[0][:300], values[1][:300], values[2][:300]


def message_keep(*, arrival: Arrival) -> MailboxMessage | None:
    """Transaction 1: the message's row and its raw bytes as evidence (SHA-256), or ``DUPLICATE`` when
    a message with the same Message-ID and SHA-256 was kept already (it then shares that evidence),
    or ``TRIAGE`` (header kept) when it was too large to fetch. Returns None when this server key is
    already recorded (another reader, or a pass before a crash, kept it)."""
    message_id, from_address, subject_line = _headers(arrival.raw)
    sha256 = sha256_of(arrival.raw)
    try:
        with evidence_files_discarded_on_failure(), transaction.atomic():
            return _keep(arrival, message_id, from_address, subject_line, sha256)
    except IntegrityError:
        if MailboxMessage.objects.filter(
            mailbox=arrival.mailbox, uidvalidity=arrival.uidvalidity, uid=arrival.uid
        ).exists():
            return None
        raise


def _keep(
    arrival: Arrival, message_id: str, from_address: str, subject_line: str, sha256: str
) -> MailboxMessage:
    now = clock.now()
    # Without a Message-ID, equal bytes alone (the same file appended twice) make a duplicate.
    original = MailboxMessage.objects.filter(message_id=message_id, sha256=sha256).order_by("id").first()
    redelivered = None
    if original is None and not arrival.too_large:
        redelivered = _delivered_before(message_id, arrival.raw)
    message = MailboxMessage(
        mailbox=arrival.mailbox,
        uidvalidity=arrival.uidvalidity,
        uid=arrival.uid,
        message_id=message_id,
        sha256=sha256,
        size_bytes=arrival.size_bytes,
        arrived_at=arrival.arrived_at,
        from_address=from_address,
        subject_line=subject_line,
    )
    if original is not None:
        message.state = MessageState.DUPLICATE
        message.evidence_id = original.evidence_id
        message.reason = DUPLICATE_REASON
        message.recognised = {"duplicate_of": original.pk}
        message.processed_at = now
        message.save()
        _audit(message, "mailbox_message.duplicate", now=now)
        return message
    if redelivered is not None:
        # Other bytes than the first copy's: kept as evidence of their own, processed no further.
        message.state = MessageState.DUPLICATE
        message.reason = REDELIVERED_REASON
        message.recognised = {"duplicate_of": redelivered.pk, "same": "author_part"}
        message.processed_at = now
    elif arrival.too_large:
        message.state = MessageState.TRIAGE
        message.kind = MessageKind.OTHER
        message.triage_reason = TriageReason.TOO_LARGE
        message.reason = TOO_LARGE_REASON % {
            "size": arrival.size_bytes,
            "limit": settings.MAILBOX_MAX_MESSAGE_BYTES,
        }
        message.processed_at = now
    # The row and its evidence point at each other. Foreign keys are checked at COMMIT (Django makes
    # them DEFERRABLE INITIALLY DEFERRED on PostgreSQL and SQLite), so the row is inserted first (its
    # server key's unique constraint refuses a second reader before any file is written), then the
    # evidence naming it, then the row is pointed at the evidence — all before the commit.
    message.evidence_id = 0
    message.save()
    message.evidence = evidence_store(
        content=arrival.raw,
        original_name=f"{arrival.mailbox}-{arrival.uidvalidity}-{arrival.uid}.eml",
        content_type=EML_CONTENT_TYPE,
        kind=EvidenceKind.RECEIVED_MAIL,
        subject=message,
        actor=reader_actor(arrival.mailbox),
        received_at=now,
        note="header only (too large)" if arrival.too_large else "",
    )
    message.save(update_fields=["evidence", "updated_at"])
    _audit(message, "mailbox_message.duplicate" if redelivered else "mailbox_message.kept", now=now)
    return message


def authored_digest(raw: bytes) -> str:
    """SHA-256 of what the author wrote: the ``AUTHOR_FIELDS`` as written, in their order, and the
    body, line ends made "\n". Equal for two deliveries of one mail; the bytes' own SHA-256 is not."""
    head, _blank, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept: list[bytes] = []
    keeping = False
    for line in head.split(b"\n"):
        if line[:1] not in (b" ", b"\t"):  # not the continuation of a folded field
            keeping = line.split(b":", 1)[0].strip().lower().decode("latin-1") in AUTHOR_FIELDS
        if keeping:
            kept.append(line)
    return sha256_of(b"\n".join(kept) + b"\n\n" + body)


def _delivered_before(message_id: str, raw: bytes) -> MailboxMessage | None:
    """The first kept message with this Message-ID whose author part equals ``raw``'s (see
    ``authored_digest``); None without a Message-ID (nothing ties two such mails together)."""
    if not message_id:
        return None
    candidates = (
        MailboxMessage.objects.filter(message_id=message_id)
        .exclude(state=MessageState.DUPLICATE)
        .exclude(triage_reason=TriageReason.TOO_LARGE)
        .select_related("evidence")
        .order_by("id")[:SAME_ID_CANDIDATES]
    )
    digest = None
    for candidate in candidates:
        copy = evidence_read(evidence=candidate.evidence)
        if copy.content is None or not copy.intact:
            continue
        digest = digest or authored_digest(raw)
        if authored_digest(copy.content) == digest:
            return candidate
    return None


# What the message's history says of the reader's own steps (the processing's are the domain's).
READER_SUMMARIES = {
    "mailbox_message.kept": gettext_noop("受信箱 %(mailbox)s から受信し、メールをそのまま保存しました。"),
    "mailbox_message.duplicate": gettext_noop(
        "受信箱 %(mailbox)s に同じメールがもう一度届きました。受信済みのメールと同じ内容のため、処理しません。"
    ),
    "mailbox_message.failed": gettext_noop(
        "処理中のエラーが続いたため、自動処理をやめて要確認のメールにしました。"
    ),
}


def _audit(message: MailboxMessage, action: str, *, now: datetime) -> None:
    audit_record(
        actor=reader_actor(message.mailbox),
        action=action,
        subject=message,
        summary=READER_SUMMARIES[action],
        summary_params={"mailbox": message.mailbox},
        at=now,
        data={"uidvalidity": message.uidvalidity, "uid": message.uid, "sha256": message.sha256},
    )


class KeptMailUnreadable(DomainError):
    """The kept file of a message is missing or no longer matches its SHA-256."""


def message_raw(*, message: MailboxMessage) -> bytes:
    """The kept bytes of a message, exactly as received, for the reader and the desk's actions alike.
    Raises KeptMailUnreadable when its file is missing or altered (nothing is done with it then)."""
    copy = evidence_read(evidence=message.evidence)
    if copy.content is None or not copy.intact:
        raise KeptMailUnreadable(
            _(
                "保存した受信メールのファイルが見つからないか、チェックサムが一致しません。管理者に連絡してください。"
            )
        )
    return copy.content


def message_process_once(*, message_id: int, raw: bytes) -> str:
    """Transaction 2: lock the row and, if still ``RECEIVED``, hand it to ``processing.message_process``.
    Returns "processed", "skipped" (another reader did it) or "failed" (it raised: rolled back, the try
    counted; after ``MAILBOX_MAX_ATTEMPTS`` tries the row goes to the triage list). A database error is
    raised (not the message's fault; the pass ends and the reader backs off)."""
    try:
        with evidence_files_discarded_on_failure(), transaction.atomic():
            message = MailboxMessage.objects.select_for_update().get(pk=message_id)
            if message.state != MessageState.RECEIVED:
                return "skipped"
            processing.message_process(message=message, raw=raw)
        return "processed"
    except DATABASE_ERRORS:
        raise
    except Exception as exc:
        message_failure_record(message_id=message_id, error=f"{type(exc).__name__}: {exc}")
        return "failed"


@transaction.atomic
def message_failure_record(*, message_id: int, error: str) -> MailboxMessage:
    """Count a failed try (its own transaction, after the processing rolled back); at the last allowed
    try the message goes to the triage list with the error as its reason."""
    message = MailboxMessage.objects.select_for_update().get(pk=message_id)
    if message.state != MessageState.RECEIVED:
        return message
    now = clock.now()
    message.attempts += 1
    message.last_error = error[:2000]
    fields = ["attempts", "last_error", "updated_at"]
    if message.attempts >= settings.MAILBOX_MAX_ATTEMPTS:
        message.state = MessageState.TRIAGE
        message.kind = MessageKind.OTHER
        message.triage_reason = TriageReason.PROCESSING_FAILED
        message.reason = FAILED_REASON % {"attempts": message.attempts} + "\n" + message.last_error
        message.processed_at = now
        fields += ["state", "kind", "triage_reason", "reason", "processed_at"]
        _audit(message, "mailbox_message.failed", now=now)
    message.save(update_fields=fields)
    return message


def messages_moved_mark(*, message_ids: list[int]) -> int:
    """Note that the messages left the folder (moved after their processing committed)."""
    now = clock.now()
    return MailboxMessage.objects.filter(pk__in=message_ids, moved_at__isnull=True).update(
        moved_at=now, updated_at=now
    )
