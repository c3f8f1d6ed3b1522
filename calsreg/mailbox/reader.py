"""Read one mailbox once (issue 14, item 1): ``mailbox_pass``.

A pass, in order:
1. connect, select the folder, read UIDVALIDITY and list the UIDs;
2. finish what an earlier pass left (a crash, a stop, a failed try): rows of this mailbox still
   ``RECEIVED`` are processed, rows processed but not moved are moved — never kept again;
3. for UIDs not yet recorded under this UIDVALIDITY (at most ``limit``): sizes and arrival first, then
   the bodies in batches (at most ``MAILBOX_BATCH_MESSAGES`` messages and ``MAILBOX_BATCH_BYTES``
   bytes per fetch; a message over ``MAILBOX_MAX_MESSAGE_BYTES`` only its header), and per message
   transaction 1 (keep) and transaction 2 (process), see ``recording``;
4. after each batch, the messages whose processing committed are moved to the processed folder.
A crash between any two steps loses nothing (the row is committed before the move) and doubles
nothing (the server key is unique; a row is processed only while ``RECEIVED``, under its row lock).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings

from calsreg.mailbox.config import mailbox_settings
from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.mailbox.recording import (
    Arrival,
    KeptMailUnreadable,
    message_failure_record,
    message_keep,
    message_process_once,
    message_raw,
    messages_moved_mark,
)
from calsreg.mailbox.sources import MessageInfo, Source, source_open

logger = logging.getLogger("calsreg.mailbox")

# UIDs per "which of these are recorded already" query (SQLite's bound-parameter limit is far above).
UIDS_PER_QUERY = 500


@dataclass
class PassResult:
    """What one pass did. ``more``: new messages were left for the next pass (the limit was reached)."""

    mailbox: str
    uidvalidity: int = 0
    listed: int = 0  # messages in the folder when the pass began
    kept: int = 0  # new rows (too large ones included)
    duplicates: int = 0  # seen before with the same Message-ID and SHA-256: kept no further
    too_large: int = 0  # header kept, sent to the triage list
    processed: int = 0  # transaction 2 committed (PROCESSED or TRIAGE)
    failed: int = 0  # processing raised: rolled back, left for a later pass
    moved: int = 0  # moved to the processed folder (or found moved already)
    more: bool = False
    stopped: bool = False  # a stop was asked: the pass ended after the current message
    last_uid: int = 0  # the highest UID in the folder when the pass began
    seconds: float = 0.0


def step_reached(step: str, message: MailboxMessage) -> None:
    """Called after each committed step ("kept", "processed") and after a batch moved ("moved"):
    a seam where fault tests stop the process, to show a crash there loses and doubles nothing."""


def _never() -> bool:
    return False


def mailbox_pass(
    *, name: str, limit: int | None = None, stop_requested: Callable[[], bool] | None = None
) -> PassResult:
    """Read the configured mailbox ``name`` once (see the module's docstring); at most ``limit``
    (default ``MAILBOX_BATCH_MESSAGES``) new messages are kept, so a storm is read over several short
    passes. ``stop_requested`` is asked between messages. Raises LookupError (no such mailbox),
    ``sources.SourceError`` (server unreachable, login refused: the message names no password) and
    database errors; what was committed before stays committed."""
    mailbox = mailbox_settings(name)
    limit = limit or settings.MAILBOX_BATCH_MESSAGES
    stop = stop_requested or _never
    started = time.monotonic()
    result = PassResult(mailbox=name)
    with source_open(mailbox) as source:
        result.uidvalidity = source.uidvalidity
        listed = source.uids()
        result.listed = len(listed)
        result.last_uid = max(listed, default=0)
        _pending_finish(source, result, listed=listed, limit=limit, stop=stop)
        new = _unrecorded(name, source.uidvalidity, listed)
        result.more = len(new) > limit
        infos = source.infos(new[:limit])
        for batch in _batches([infos[uid] for uid in new[:limit] if uid in infos]):
            if stop():
                result.stopped = True
                break
            _batch_read(source, result, batch, stop=stop)
    result.seconds = time.monotonic() - started
    logger.info(
        "mailbox %s: pass done in %.2f s: %d listed, %d kept, %d duplicate(s), %d too large, "
        "%d processed, %d failed, %d moved%s",
        name,
        result.seconds,
        result.listed,
        result.kept,
        result.duplicates,
        result.too_large,
        result.processed,
        result.failed,
        result.moved,
        "; more waiting" if result.more else "",
    )
    return result


def _unrecorded(name: str, uidvalidity: int, listed: Sequence[int]) -> list[int]:
    recorded: set[int] = set()
    for start in range(0, len(listed), UIDS_PER_QUERY):
        chunk = listed[start : start + UIDS_PER_QUERY]
        recorded.update(
            MailboxMessage.objects.filter(mailbox=name, uidvalidity=uidvalidity, uid__in=chunk).values_list(
                "uid", flat=True
            )
        )
    return [uid for uid in listed if uid not in recorded]


def _pending_finish(
    source: Source, result: PassResult, *, listed: Sequence[int], limit: int, stop: Callable[[], bool]
) -> None:
    """Carry on from what an earlier pass left: process rows still ``RECEIVED`` (whatever their
    UIDVALIDITY: processing needs only the kept bytes), then move rows done but not moved."""
    pending = MailboxMessage.objects.filter(mailbox=result.mailbox, moved_at__isnull=True)
    for message in (
        pending.filter(state=MessageState.RECEIVED).select_related("evidence").order_by("id")[:limit]
    ):
        if stop():
            result.stopped = True
            return
        _process(result, message)
    present = set(listed)
    done = list(
        pending.filter(uidvalidity=result.uidvalidity)
        .exclude(state=MessageState.RECEIVED)
        .values_list("id", "uid")
    )
    to_move = [(message_id, uid) for message_id, uid in done if uid in present]
    gone = [message_id for message_id, uid in done if uid not in present]
    # Not in the folder any more: moved before the crash that kept ``moved_at`` from being written.
    result.moved += messages_moved_mark(message_ids=gone)
    _move(source, result, to_move)


def _batches(infos: Sequence[MessageInfo]) -> Iterator[list[MessageInfo]]:
    """Consecutive runs of at most MAILBOX_BATCH_MESSAGES messages and MAILBOX_BATCH_BYTES bytes (a
    single message larger than that is a batch of its own; too large ones count only their header)."""
    batch: list[MessageInfo] = []
    size = 0
    for info in infos:
        weight = 0 if info.size_bytes > settings.MAILBOX_MAX_MESSAGE_BYTES else info.size_bytes
        if batch and (
            len(batch) >= settings.MAILBOX_BATCH_MESSAGES or size + weight > settings.MAILBOX_BATCH_BYTES
        ):
            yield batch
            batch, size = [], 0
        batch.append(info)
        size += weight
    if batch:
        yield batch


def _batch_read(
    source: Source, result: PassResult, batch: list[MessageInfo], *, stop: Callable[[], bool]
) -> None:
    cap = settings.MAILBOX_MAX_MESSAGE_BYTES
    bodies = source.bodies([info.uid for info in batch if info.size_bytes <= cap])
    to_move: list[tuple[int, int]] = []
    for info in batch:
        if stop():
            result.stopped = True
            break
        too_large = info.size_bytes > cap
        raw = source.header(info.uid) if too_large else bodies.get(info.uid)
        if raw is None:  # gone from the folder since it was listed (another reader moved it)
            continue
        arrival = Arrival(
            mailbox=result.mailbox,
            uidvalidity=result.uidvalidity,
            uid=info.uid,
            arrived_at=info.arrived_at,
            raw=raw,
            size_bytes=info.size_bytes if too_large else len(raw),
            too_large=too_large,
        )
        message = message_keep(arrival=arrival)
        if message is None:
            _log(result.mailbox, info.uid, "", "recorded already (another reader)")
            continue
        step_reached("kept", message)
        if message.state == MessageState.RECEIVED:
            result.kept += 1
            if _process(result, message, raw=raw):
                to_move.append((message.pk, message.uid))
            continue
        result.kept += message.state != MessageState.DUPLICATE
        result.duplicates += message.state == MessageState.DUPLICATE
        result.too_large += too_large and message.state == MessageState.TRIAGE
        _log(result.mailbox, info.uid, message.message_id, message.state)
        to_move.append((message.pk, message.uid))
    _move(source, result, to_move)


def _process(result: PassResult, message: MailboxMessage, *, raw: bytes | None = None) -> bool:
    """Transaction 2 for one kept message; True when it is done (and may be moved)."""
    if raw is None:
        try:
            raw = message_raw(message=message)
        except KeptMailUnreadable as exc:
            message_failure_record(message_id=message.pk, error=str(exc))
            result.failed += 1
            _log(result.mailbox, message.uid, message.message_id, f"failed: {exc}")
            return False
    outcome = message_process_once(message_id=message.pk, raw=raw)
    if outcome == "failed":
        result.failed += 1
    elif outcome == "processed":
        result.processed += 1
        step_reached("processed", message)
    state = MailboxMessage.objects.filter(pk=message.pk).values_list("state", flat=True).first()
    _log(result.mailbox, message.uid, message.message_id, f"{outcome} ({state})")
    return state != MessageState.RECEIVED


def _move(source: Source, result: PassResult, messages: list[tuple[int, int]]) -> None:
    """After the commits: move the messages to the processed folder, then note it on their rows."""
    if not messages:
        return
    source.move([uid for _message_id, uid in messages])
    result.moved += messages_moved_mark(message_ids=[message_id for message_id, _uid in messages])
    last = MailboxMessage.objects.get(pk=messages[-1][0])
    step_reached("moved", last)


def _log(mailbox: str, uid: int, message_id: str, outcome: str) -> None:
    # Never the body or a password: the server key, the Message-ID and what happened.
    logger.info("mailbox %s uid %s message-id %s: %s", mailbox, uid, message_id or "-", outcome)
