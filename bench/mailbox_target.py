"""The mailbox row: messages processed per second by ``mailbox_pass`` beside the bare IMAP fetch rate.

A throwaway Dovecot (``scripts/imap-throwaway.sh``) holds, per round, ``count`` mixed messages (the
mix: ``MIX``). In the same round, in alternating order, the same messages are

- **fetched bare**: one connection, ``UID FETCH 1:* BODY.PEEK[]`` of the folder, nothing parsed or
  stored — the floor any reader pays;
- **processed** by ``calsreg.mailbox.reader.mailbox_pass`` until the folder is empty: parse, keep the
  raw message as evidence (SHA-256, file kept), classify, record, move to the processed folder.

Odd rounds process first and then fetch the processed folder (the pass moves what it read there), so
the two sides swap places like every other target's. Each round gets messages with fresh Message-IDs,
so nothing is taken for a duplicate. Cost = CPU of this process + its PostgreSQL backend
(``bench.cpu``) + Dovecot's (the master's children, from ``/proc/<pid>/schedstat``, read while the
connection is still open), per message.

The goal is absolute — at least ``GOAL_PER_CPU_SECOND`` messages per CPU-second — and the ratio to
the bare fetch is shown beside it. A ratio goal would say little: the bare fetch costs a fraction of a
millisecond per message, while processing must open every workbook attached (a zip of XML, through
the upload guards) and write a file and two transactions per message; a storm of 10,000 messages at
20 messages per CPU-second is about 8 CPU-minutes, far inside a night, and a desk's busiest day
(hundreds of mails) a few CPU-seconds.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.cpu import UNAVAILABLE, Cost, backend_pid, measured, process_cpu_ns
from bench.stats import Spread, ratios
from bench.targets import Row

ROOT = Path(__file__).resolve().parents[1]
MAILBOX = "bench"
USER, PASSWORD = "bench", "bench-imap-password"
GOAL_PER_CPU_SECOND = 20.0
# Per 100 messages, what a help desk's reception address receives in a busy month.
MIX: tuple[tuple[str, int], ...] = (
    ("application", 30),  # application workbook attached
    ("reply", 25),  # a supervisor's answer to a confirmation mail
    ("change_form", 10),  # change-form workbook attached
    ("question", 15),  # no attachment
    ("auto_reply", 10),  # out of office (Auto-Submitted)
    ("bounce", 10),  # a delivery status notification (multipart/report)
)
Say = Callable[[str], None]


# --- the messages -------------------------------------------------------------------------------------


def kinds_for(count: int) -> list[str]:
    """``count`` kinds in the MIX's proportions (largest remainders), in a fixed shuffled order."""
    exact = [(kind, count * share / 100) for kind, share in MIX]
    numbers = {kind: int(value) for kind, value in exact}
    for kind, _value in sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True):
        if sum(numbers.values()) >= count:
            break
        numbers[kind] += 1
    kinds = [kind for kind, _share in MIX for _ in range(numbers[kind])]
    random.Random(count).shuffle(kinds)
    return kinds


@dataclass
class Attachments:
    """The workbooks attached (made once: the generator's output, as the demo fills it)."""

    application: bytes
    change_form: bytes | None


def attachments_make() -> Attachments:
    from calsreg.accounts.models import Project
    from calsreg.demo.applications import demo_payload
    from calsreg.demo.mailbox import application_workbook, change_form_mail
    from calsreg.directory.models import OrdererOffice

    office = OrdererOffice.objects.filter(active=True).order_by("code").first()
    assert office is not None, "the directory is loaded first"
    payload = demo_payload(index=0, office=office, rng=random.Random(2026))
    project = Project.objects.order_by("pk").first()
    change = None
    if project is not None:
        change = next(iter(_parts(change_form_mail(project=project).raw)), None)
    return Attachments(application_workbook(payload=payload, office=office), change)


def _parts(raw: bytes) -> list[bytes]:
    import email
    from email import policy

    return [
        part.get_content() for part in email.message_from_bytes(raw, policy=policy.default).iter_attachments()
    ]


def message_make(kind: str, *, number: int, tag: str, files: Attachments) -> bytes:
    """One message of ``kind``; ``tag`` makes its Message-ID unique to the round."""
    mail = EmailMessage()
    sender = f"sender{number % 97}@example{number % 7}.co.jp"
    mail["From"] = "MAILER-DAEMON@mx.example.jp" if kind == "bounce" else sender
    mail["To"] = "uketsuke@calsreg.example.jp"
    mail["Date"] = format_datetime(_fixed_date())
    mail["Message-ID"] = f"<bench-{tag}-{number}@example.jp>"
    receipt = f"A2026-{number % 90000 + 1:05d}"
    subjects = {
        "application": "利用申込書の送付",
        "reply": f"Re: 【新潟県CALSシステム】利用申込内容のご確認（受付番号：{receipt}）",
        "change_form": "変更申込書の送付",
        "question": "利用方法についての質問",
        "auto_reply": "自動応答: 不在のお知らせ",
        "bounce": "Undelivered Mail Returned to Sender",
    }
    mail["Subject"] = subjects[kind]
    if kind == "reply":
        mail["In-Reply-To"] = f"<confirmation-{number}@calsreg.example.jp>"
    if kind == "auto_reply":
        mail["Auto-Submitted"] = "auto-replied"
    body = {"reply": "■ 確認しました\n"}.get(kind, "ヘルプデスク御中\n\nよろしくお願いいたします。\n")
    mail.set_content(body)
    workbook = {"application": files.application, "change_form": files.change_form}.get(kind)
    if workbook:
        mail.add_attachment(
            workbook,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=f"{subjects[kind][:5]}.xlsx",
        )
    if kind == "bounce":
        return _dsn(mail, recipient=sender)
    return mail.as_bytes(policy=SMTP)


def _dsn(headers: EmailMessage, *, recipient: str) -> bytes:
    """A delivery status notification (RFC 3464) with ``headers``' envelope."""
    from email.message import Message
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    report = MIMEMultipart("report", report_type="delivery-status")
    for name in ("From", "To", "Date", "Message-ID", "Subject"):
        report[name] = headers[name]
    report.attach(MIMEText("宛先が見つからないため配信できませんでした。", "plain", "utf-8"))
    # message/delivery-status holds blocks of fields: one about the message, one per recipient.
    status = Message()
    status["Content-Type"] = "message/delivery-status"
    about_message, about_recipient = Message(), Message()
    about_message["Reporting-MTA"] = "dns; mx.example.jp"
    about_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    about_recipient["Action"] = "failed"
    about_recipient["Status"] = "5.1.1"
    status.set_payload([about_message, about_recipient])
    report.attach(status)
    return report.as_bytes(policy=SMTP)


def _fixed_date() -> Any:
    from calsreg.core import clock

    return clock.now()


# --- the server ---------------------------------------------------------------------------------------


@dataclass
class Dovecot:
    """A throwaway Dovecot with one user; ``master_pid`` for its CPU."""

    base: Path
    port: int
    ca_file: str

    @property
    def directory(self) -> Path:
        return self.base / "imap"

    def master_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            return int((self.directory / "run" / "master.pid").read_text().split()[0])
        return None

    def cpu_ns(self) -> int | None:
        """CPU of the master and its children (login, imap, auth processes) so far."""
        master = self.master_pid()
        if master is None:
            return None
        total = process_cpu_ns(master)
        if total is None:
            return None
        for child in _children(master):
            total += process_cpu_ns(child) or 0
        return total

    def client(self) -> Any:
        from imapclient import IMAPClient

        context = ssl.create_default_context(cafile=self.ca_file or None)
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False)
        if self.ca_file:
            client.starttls(context)
        client.login(USER, PASSWORD)
        return client

    def url(self) -> str:
        scheme = "imap+starttls" if self.ca_file else "imap"
        return f"{scheme}://{USER}@127.0.0.1:{self.port}/INBOX"


def _children(pid: int, *, proc: Path = Path("/proc")) -> list[int]:
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The fields after the command name, which is in parentheses and may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@contextlib.contextmanager
def dovecot_running() -> Iterator[Dovecot]:
    """Start a throwaway Dovecot (its processes must reach the directory: not a private temp dir)."""
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").exists():
        raise RuntimeError("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="calsreg-bench-imap-"))
    base.chmod(0o755)
    script = ROOT / "scripts" / "imap-throwaway.sh"
    # Dovecot keeps the script's output open as a daemon: its settings are read from the file.
    subprocess.run(
        ["bash", str(script), "start", str(base / "imap"), f"{USER}:{PASSWORD}"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = dict(line.split("=", 1) for line in (base / "imap" / "server.env").read_text().splitlines())
    try:
        yield Dovecot(base, int(env["IMAP_PORT"]), env["IMAP_CA_FILE"])
    finally:
        subprocess.run(["bash", str(script), "stop", str(base / "imap")], check=False)
        shutil.rmtree(base, ignore_errors=True)


def messages_append(server: Dovecot, messages: Sequence[bytes], *, folder: str = "INBOX") -> None:
    client = server.client()
    try:
        for raw in messages:
            client.append(folder, raw)
    finally:
        client.logout()


def bare_fetch(server: Dovecot, *, folder: str, tag: str) -> tuple[Cost, int]:
    """``UID FETCH <uids> BODY.PEEK[]`` of the round's messages (``tag``) in ``folder``: the cost
    (with Dovecot's CPU) and how many. Finding the UIDs is not timed."""
    client = server.client()
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search(["HEADER", "Message-ID", f"bench-{tag}-"])
        fetched: list[int] = []
        before = server.cpu_ns()
        cost = measured(lambda: fetched.append(len(client.fetch(uids, ["BODY.PEEK[]"]))), backend=None)
        after = server.cpu_ns()
    finally:
        with contextlib.suppress(Exception):
            client.logout()
    return _with_server(cost, before, after), fetched[0]


def _with_server(cost: Cost, before: int | None, after: int | None) -> Cost:
    """The cost with the server's CPU counted on the backend side (None: it could not be read)."""
    if before is None or after is None:
        return Cost(cost.django_ms, None, cost.wall_ms)
    return Cost(cost.django_ms, (cost.backend_ms or 0.0) + (after - before) / 1e6, cost.wall_ms)


# --- processing --------------------------------------------------------------------------------------


def mailbox_configure(server: Dovecot) -> None:
    """Point the mailbox named ``MAILBOX`` at ``server`` as the environment would
    (``CALSREG_MAILBOX_<NAME>_*``), through the settings' own parser (this process's environment is
    left as it is)."""
    from django.conf import settings

    from calsreg.mailbox.config import mailboxes_parse

    parsed = mailboxes_parse(
        {
            "CALSREG_MAILBOXES": MAILBOX,
            f"CALSREG_MAILBOX_{MAILBOX.upper()}_URL": server.url(),
            f"CALSREG_MAILBOX_{MAILBOX.upper()}_PASSWORD": PASSWORD,
            f"CALSREG_MAILBOX_{MAILBOX.upper()}_CA_FILE": server.ca_file,
        }
    )
    if parsed.errors:
        raise RuntimeError("; ".join(parsed.errors))
    settings.MAILBOXES = parsed.mailboxes


def processed(server: Dovecot, *, count: int, pass_: Callable[..., Any]) -> tuple[Cost, int]:
    """``mailbox_pass`` until the folder is empty: its cost (with Dovecot's CPU) and how many."""
    from calsreg.mailbox.models import MailboxMessage

    before_rows = MailboxMessage.objects.count()
    before = server.cpu_ns()

    def run() -> None:
        for _ in range(count + 1):  # each pass takes a batch; stop when one takes nothing
            if MailboxMessage.objects.count() - before_rows >= count:
                return
            pass_(name=MAILBOX)

    cost = measured(run, backend=backend_pid())
    after = server.cpu_ns()
    return _with_server(cost, before, after), MailboxMessage.objects.count() - before_rows


@dataclass
class MailboxRounds:
    fetched: list[Cost] = field(default_factory=list)
    processed: list[Cost] = field(default_factory=list)
    count: int = 0
    server_counted: bool = True


def mailbox_row(rounds: MailboxRounds) -> Row:
    """Messages per CPU-second processed (goal ≥ GOAL_PER_CPU_SECOND), beside the ratio to the bare
    fetch of the same messages in the same round (fetch CPU ÷ processing CPU)."""
    per_message = [cost.cpu_ms / rounds.count for cost in rounds.processed]
    fetch = [cost.cpu_ms / rounds.count for cost in rounds.fetched]
    rate = Spread.of([1000 / ms for ms in per_message])
    notes = [f"{rate.median:.1f} messages/CPU-s", f"mix {'/'.join(f'{k} {s}%' for k, s in MIX)}"]
    if not rounds.server_counted or any(c.backend_ms is None for c in (*rounds.processed, *rounds.fetched)):
        notes.append(UNAVAILABLE)
    return Row(
        "mailbox",
        f"mailbox_pass, {rounds.count:,} mixed messages, CPU per message",
        "bare IMAP fetch of the same messages",
        f"≥ {GOAL_PER_CPU_SECOND:g} msg/CPU-s",
        ratio=Spread.of(ratios(fetch, per_message)),
        measured_ms=Spread.of(per_message),
        against_ms=Spread.of(fetch),
        met=rate.median >= GOAL_PER_CPU_SECOND,
        note="; ".join(notes),
        extra={
            "messages_per_cpu_second": round(rate.median, 1),
            "fetch_messages_per_cpu_second": round(1000 / Spread.of(fetch).median, 1),
            "mix_percent": dict(MIX),
        },
    )


def mailbox_populate() -> None:
    """The data set: the directory (offices the workbooks name) and the bench's desk users."""
    from bench.population import directory_ensure

    directory_ensure()


def run_mailbox(*, rounds: int, count: int, say: Say) -> Row:
    """Measure the row: ``rounds`` interleaved rounds of ``count`` fresh messages each."""
    from calsreg.mailbox.config import mailbox_settings
    from calsreg.mailbox.reader import mailbox_pass

    files = attachments_make()
    kinds = kinds_for(count)
    result = MailboxRounds(count=count)
    say(f"measuring the mailbox, {rounds} rounds × {count:,} messages …")
    with dovecot_running() as server:
        mailbox_configure(server)
        processed_folder = mailbox_settings(MAILBOX).processed_folder
        result.server_counted = server.cpu_ns() is not None
        # The order of the two sides alternates by round (bench.stats.interleaved's rule).
        for number in range(rounds):
            tag = f"r{number}"
            batch = [message_make(k, number=i, tag=tag, files=files) for i, k in enumerate(kinds)]
            messages_append(server, batch)  # untimed
            if number % 2 == 0:
                fetch, seen = bare_fetch(server, folder="INBOX", tag=tag)
                work, done = processed(server, count=count, pass_=mailbox_pass)
            else:
                work, done = processed(server, count=count, pass_=mailbox_pass)
                fetch, seen = bare_fetch(server, folder=processed_folder, tag=tag)
            if done != count or seen != count:
                raise RuntimeError(f"round {number}: processed {done}, fetched {seen} of {count}")
            result.processed.append(work)
            result.fetched.append(fetch)
    return mailbox_row(result)
