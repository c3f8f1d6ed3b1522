"""A reply mail answers the confirmation only from the directory address (issue 9, item 4).

Tried through the desk's reply form as an attacker would: a mail from another address, or dressed up
to look like the directory's (display name, several senders, a look-alike domain), is kept as
evidence and shown with a warning, but confirms nothing and denies nothing — not even together
with a positive phone call. The directory address itself counts however it is typed.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.accounts.models import Project, User
from calsreg.applications.models import Application
from calsreg.directory.models import Supervisor
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import evidence_verify
from calsreg.verification.models import ConfirmationRequest, UnlistedSenderReply
from tests.desk.helpers import JST
from tests.verification.helpers import awaiting_application, deliver, raw_reply_eml, reply_eml, token_for

pytestmark = pytest.mark.django_db

DIRECTORY = "yamada.n@office.example.pref-niigata.jp"
ATTACKER = "yamada.naoki@freemail.example.com"
NOT_COUNTED = "返信メールを証跡として保存しました（回答には数えていません）。"
WARNING = (
    "返信メールの差出人（%s）は名簿のアドレス（%s）ではないため、確認にも否認にも数えません。"
    "監督員に確認用リンクから回答してもらうか、名簿のアドレスへ確認メールを再送してください。"
)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST), tick=True):
        yield


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def _reply(client, application: Application, eml: bytes, *, answer: str = "confirmed", reason: str = ""):
    request = ConfirmationRequest.objects.get(application=application)
    return client.post(
        reverse("desk:reply_record", args=[application.pk, request.pk]),
        {"answer": answer, "reason": reason, "eml": SimpleUploadedFile("返信.eml", eml)},
    )


def _call(client, application: Application, supervisor: Supervisor):
    return client.post(
        reverse("desk:call_record", args=[application.pk]),
        {"supervisor": supervisor.pk, "outcome": "confirmed", "note": "名簿の番号で本人と確認"},
    )


def _status(application: Application) -> tuple[str, bool]:
    application.refresh_from_db()
    return application.status, application.impersonation_suspected


def _actions() -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith="confirmation.").values_list("action", flat=True)
    )


def test_a_confirming_reply_from_another_address_with_a_positive_call_confirms_nothing(
    desk_client, desk, supervisor
):
    # given: the confirmation mail went to the directory address
    application = awaiting_application(desk=desk, supervisor=supervisor)
    deliver()
    users_before = User.objects.count()

    # when: the desk records a "confirmed" reply from the attacker's address, then a positive call
    eml = reply_eml(sender=ATTACKER)
    told = _messages(_reply(desk_client, application, eml))
    _call(desk_client, application, supervisor)
    refused = _messages(desk_client.post(reverse("desk:project_register", args=[application.pk])))

    # then: still awaiting, the request still open, the mail kept as evidence, nothing registered
    assert told == [NOT_COUNTED, WARNING % (f"監督 員 <{ATTACKER}>", DIRECTORY)]
    assert _status(application) == ("awaiting_confirmation", False)
    request = ConfirmationRequest.objects.get(application=application)
    assert (request.is_open, request.answer, request.reply_evidence_id, request.reply_from) == (
        True,
        "",
        None,
        "",
    )
    unlisted = UnlistedSenderReply.objects.get()
    assert (unlisted.request_id, unlisted.sender, unlisted.stated_answer) == (
        request.pk,
        f"監督 員 <{ATTACKER}>",
        "confirmed",
    )
    evidence = Evidence.objects.get(kind="supervisor_reply")
    assert (unlisted.evidence_id, evidence.subject_id, evidence.size_bytes) == (
        evidence.pk,
        application.pk,
        len(eml),
    )
    assert evidence_verify(evidence=evidence).ok
    assert _actions() == ["confirmation.sent", "confirmation.reply_not_counted", "confirmation.call_recorded"]
    assert refused[-1] == (
        "発注者（監督員）への確認が済んでいない申込は登録できません（現在の状態：発注者確認中）。"
        "返信と電話の両方で確認が取れてから登録してください。"
    )
    assert (Project.objects.count(), User.objects.count()) == (0, users_before)
    assert deliver() == []


@pytest.mark.parametrize(
    "from_lines",
    [
        (f'"{DIRECTORY}" <{ATTACKER}>',),
        (f"{DIRECTORY}, {ATTACKER}",),
        (DIRECTORY, ATTACKER),
        ("yamada.n@office.example.pref-niigata.jp.evil.example",),
        ("yаmada.n@office.example.pref-niigata.jp",),  # a Cyrillic "а"
        ("監督 員 <yamada.n＠office．example．pref-niigata．jp．evil．example>",),
    ],
    ids=[
        "display-name",
        "two-mailboxes",
        "two-from-headers",
        "look-alike-domain",
        "homoglyph",
        "full-width-evil",
    ],
)
def test_a_reply_dressed_up_as_the_directory_address_does_not_count(
    desk_client, desk, supervisor, from_lines
):
    application = awaiting_application(desk=desk, supervisor=supervisor)

    told = _messages(_reply(desk_client, application, raw_reply_eml(*from_lines)))
    _call(desk_client, application, supervisor)

    assert told[0] == NOT_COUNTED
    assert _status(application) == ("awaiting_confirmation", False)
    assert ConfirmationRequest.objects.get(application=application).is_open
    assert UnlistedSenderReply.objects.get().sender == ", ".join(from_lines)


def test_a_denial_from_another_address_rejects_nothing_and_tells_the_applicant_nothing(
    desk_client, desk, supervisor
):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    deliver()
    deliveries_before = Delivery.objects.count()

    replied = _reply(
        desk_client, application, reply_eml(sender=ATTACKER), answer="denied", reason="心当たりなし"
    )

    assert _messages(replied) == [NOT_COUNTED, WARNING % (f"監督 員 <{ATTACKER}>", DIRECTORY)]
    assert _status(application) == ("awaiting_confirmation", False)
    assert application.decision_reason == ""
    assert ConfirmationRequest.objects.get(application=application).is_open
    assert UnlistedSenderReply.objects.values_list("stated_answer", "reason").get() == (
        "denied",
        "心当たりなし",
    )
    assert Delivery.objects.count() == deliveries_before


@pytest.mark.parametrize(
    "from_line",
    [
        "監督 員 <ｙａｍａｄａ．ｎ＠ｏｆｆｉｃｅ．ｅｘａｍｐｌｅ．ｐｒｅｆ－ｎｉｉｇａｔａ．ｊｐ>",
        "YAMADA.N@OFFICE.EXAMPLE.PREF-NIIGATA.JP",
        "監督 員 <\u3000Yamada.N@Office.Example.pref-niigata.jp\u3000>",
        "ＹＡＭＡＤＡ．Ｎ＠ｏｆｆｉｃｅ.example.pref-niigata.jp",
    ],
    ids=["full-width", "upper-case", "spaces", "full-width-upper-case"],
)
def test_the_directory_address_counts_however_it_is_typed(desk_client, desk, supervisor, from_line):
    application = awaiting_application(desk=desk, supervisor=supervisor)

    told = _messages(_reply(desk_client, application, raw_reply_eml(from_line)))
    _call(desk_client, application, supervisor)

    assert told == ["返信メールを記録しました。"]
    assert _status(application) == ("confirmed", False)
    request = ConfirmationRequest.objects.get(application=application)
    assert (request.answer, request.answer_channel, request.sender_mismatch) == ("confirmed", "mail", False)
    assert UnlistedSenderReply.objects.count() == 0


def test_the_link_still_answers_after_a_reply_from_another_address(desk_client, desk, supervisor):
    from calsreg.verification.services import confirmation_answer_by_link

    application = awaiting_application(desk=desk, supervisor=supervisor)
    token = token_for(DIRECTORY, deliver())
    _reply(desk_client, application, reply_eml(sender=ATTACKER))

    confirmation_answer_by_link(token=token, answer="confirmed", reason="")
    _call(desk_client, application, supervisor)

    assert _status(application) == ("confirmed", False)
    assert ConfirmationRequest.objects.get(application=application).answer_channel == "link"


def test_a_reply_from_the_old_address_after_the_directory_changed_does_not_count(
    desk_client, desk, supervisor
):
    # given: the request went to the old address; the directory now holds a new one
    application = awaiting_application(desk=desk, supervisor=supervisor)
    Supervisor.objects.filter(pk=supervisor.pk).update(email="n.yamada@office.example.pref-niigata.jp")

    replied = _reply(desk_client, application, raw_reply_eml(DIRECTORY))

    assert _messages(replied) == [
        NOT_COUNTED,
        WARNING % (DIRECTORY, "n.yamada@office.example.pref-niigata.jp"),
    ]
    assert _status(application) == ("awaiting_confirmation", False)
    assert ConfirmationRequest.objects.get(application=application).is_open


def test_the_panel_and_the_attention_list_show_the_reply_with_its_warning_and_evidence(
    desk_client, desk, supervisor
):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    eml = reply_eml(sender=ATTACKER)
    _reply(desk_client, application, eml)
    unlisted = UnlistedSenderReply.objects.get()

    panel = desk_client.get(reverse("desk:verification_panel", args=[application.pk])).content.decode()
    attention = desk_client.get(reverse("desk:confirmations_attention")).content.decode()
    download = desk_client.get(reverse("desk:evidence", args=[unlisted.evidence_id]))

    shown = WARNING % (f"監督 員 &lt;{ATTACKER}&gt;", DIRECTORY)
    assert f'id="unlisted-reply-{unlisted.pk}"' in panel and shown in panel
    assert "□ 監督員の回答（確認）: まだ" in panel
    assert "差出人が名簿と異なる" in attention and f"監督 員 &lt;{ATTACKER}&gt;" in attention
    assert (download.status_code, b"".join(download.streaming_content)) == (200, eml)
