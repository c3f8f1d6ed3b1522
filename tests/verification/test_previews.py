"""Registration and start of use show what they will do before doing it (issue 11 item 6).

Each preview is driven through the desk as the operator would: the button's POST shows the plan and
writes nothing; the confirmation does exactly what was shown; a plan gone stale meanwhile (or a
token altered in the browser) is refused with nothing done, and the new plan is shown.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Membership, Project, User
from calsreg.accounts.services import project_register, project_user_add
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.verification.models import PhoneCall
from calsreg.verification.services import call_record, confirmation_answer_by_link
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD
from tests.desk.helpers import preview_token
from tests.factories import UserFactory
from tests.verification.helpers import awaiting_application, deliver, state, token_for

pytestmark = pytest.mark.django_db

STALE = "確認画面を表示した後に内容が変わりました。何も実行していません。新しい内容を確認してください。"
ACCOUNT_RE = re.compile(r'data-account-id="([^"]+)"')
MAIL_RE = re.compile(r'class="planned-mail" data-kind="([^"]+)">[^<]*→ ([^<]+)</span>')
RECIPIENT_RE = re.compile(r'class="planned-recipient" data-address="([^"]+)"')


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=False):
        yield


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def _confirmed(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    confirmation_answer_by_link(token=token_for(supervisor.email, deliver()), answer="confirmed", reason="")
    call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)
    return application


def _everything() -> dict:
    return {
        **state(),
        "users": sorted(User.objects.values_list("username", flat=True)),
        "projects": list(Project.objects.values_list("pk", "status", "started_at", "service_starts_on")),
        "memberships": Membership.objects.count(),
        "audit_actions": sorted(AuditEvent.objects.values_list("action", flat=True)),
    }


def _html(response) -> str:
    return response.content.decode()


def test_registration_preview_writes_nothing_and_registration_does_exactly_what_it_listed(
    desk_client, desk, supervisor
):
    # given: a confirmed application with two users and one directory supervisor
    application = _confirmed(desk, supervisor)
    url = reverse("desk:project_register", args=[application.pk])
    before = _everything()

    # when: the operator presses the button (the preview)
    preview = desk_client.post(url)

    # then: the IDs and mails are listed, marked 予定, and nothing was written
    shown_ids = ACCOUNT_RE.findall(_html(preview))
    shown_mails = sorted(MAIL_RE.findall(_html(preview)))
    assert len(shown_ids) == 3 and "新規（予定）" in _html(preview)
    assert len(shown_mails) == 6  # an ID notice and a separate password notice per new account
    assert _everything() == before

    # when: they confirm it
    deliveries_before = set(Delivery.objects.values_list("pk", flat=True))
    response = desk_client.post(url, {"confirmed": "1", "preview": preview_token(preview)})

    # then: exactly the listed IDs exist and exactly the listed mails were queued
    assert _messages(response) == [
        "システムに登録しました。各利用者にIDとパスワードを別々のメールで送ります。"
    ]
    project = Project.objects.get(application=application)
    created = list(
        Membership.objects.filter(project=project).order_by("pk").values_list("user__username", flat=True)
    )
    assert created == shown_ids
    queued = Delivery.objects.exclude(pk__in=deliveries_before)
    assert sorted(queued.values_list("kind", "to_address")) == shown_mails


def test_registration_preview_names_each_role_in_words_not_its_code(desk_client, desk, supervisor):
    application = _confirmed(desk, supervisor)

    preview = _html(desk_client.post(reverse("desk:project_register", args=[application.pk])))

    roles = re.findall(r'<tr class="planned-account"[^>]*>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>', preview)
    assert roles == ["現場代理人", "担当技術者", supervisor.get_title_display()]


def test_registration_refuses_a_preview_whose_id_was_taken_meanwhile_and_shows_the_new_one(
    desk_client, desk, supervisor
):
    # given: a preview, then another account takes the first planned ID
    application = _confirmed(desk, supervisor)
    url = reverse("desk:project_register", args=[application.pk])
    preview = desk_client.post(url)
    taken = ACCOUNT_RE.findall(_html(preview))[0]
    UserFactory(username=taken)
    before = _everything()

    # when: the operator confirms the old preview
    response = desk_client.post(url, {"confirmed": "1", "preview": preview_token(preview)})

    # then: nothing registered or sent; the new preview is shown without the taken ID
    assert _messages(response) == [STALE]
    assert _everything() == before and Project.objects.count() == 0
    fresh = ACCOUNT_RE.findall(_html(response))
    assert len(fresh) == 3 and taken not in fresh


@pytest.mark.parametrize("token", ["", "forged", "x" * 40])
def test_registration_refuses_a_confirmation_without_its_preview_or_with_an_altered_one(
    desk_client, desk, supervisor, token
):
    # given: a confirmed application, and a browser that posts a token of its own
    application = _confirmed(desk, supervisor)
    before = _everything()

    # when
    response = desk_client.post(
        reverse("desk:project_register", args=[application.pk]), {"confirmed": "1", "preview": token}
    )

    # then: refused as stale; nothing written
    assert _messages(response) == [STALE]
    assert _everything() == before and Project.objects.count() == 0


def test_registration_refuses_a_signed_plan_for_another_application(desk_client, desk, supervisor):
    # given: two confirmed applications; the preview of the first
    first = _confirmed(desk, supervisor)
    second = _confirmed(desk, supervisor)
    token = preview_token(desk_client.post(reverse("desk:project_register", args=[first.pk])))
    before = _everything()

    # when: the first's token is posted to the second
    response = desk_client.post(
        reverse("desk:project_register", args=[second.pk]), {"confirmed": "1", "preview": token}
    )

    # then
    assert _messages(response) == [STALE]
    assert _everything() == before


def _registered(desk, supervisor):
    application = _confirmed(desk, supervisor)
    project = project_register(application=application, actor=desk)
    return application, project


def test_start_of_use_preview_writes_nothing_and_the_start_notifies_exactly_the_listed_people(
    desk_client, desk, supervisor
):
    # given: a registered project
    application, project = _registered(desk, supervisor)
    url = reverse("desk:project_start_use", args=[application.pk])
    before = _everything()

    # when: the operator asks to start now (the preview)
    preview = desk_client.post(url, {"when": "now"})

    # then: the people told and the IDs made usable are listed; nothing was written
    shown = RECIPIENT_RE.findall(_html(preview))
    assert supervisor.email in shown and application.applicant_email in shown
    shown_ids = re.findall(r"<li><code>([^<]+)</code></li>", _html(preview))
    assert sorted(shown_ids) == sorted(
        Membership.objects.filter(project=project).values_list("user__username", flat=True)
    )
    assert _everything() == before

    # when: confirmed
    desk_client.post(url, {"when": "now", "confirmed": "1", "preview": preview_token(preview)})

    # then: one start-of-use notice per listed address, no other
    notified = Delivery.objects.filter(kind="start_of_use").values_list("to_address", flat=True)
    assert sorted(notified) == sorted(shown)
    project.refresh_from_db()
    assert project.started_at is not None
    assert sorted(
        User.objects.filter(state="active", memberships__project=project).values_list("username", flat=True)
    ) == sorted(shown_ids)


def test_start_of_use_refuses_a_preview_whose_people_changed_meanwhile(desk_client, desk, supervisor):
    # given: a preview, then a user is added to the project (one more person to tell)
    application, project = _registered(desk, supervisor)
    url = reverse("desk:project_start_use", args=[application.pk])
    preview = desk_client.post(url, {"when": "now"})
    project_user_add(
        project=project,
        person={
            "role": "engineer",
            "name": "追加 一郎",
            "kana": "ツイカ イチロウ",
            "email": "tsuika@example.co.jp",
            "phone": "090-1111-2222",
            "requested_id": "tsuika",
        },
        actor=desk,
    )
    before = _everything()

    # when: the old preview is confirmed
    response = desk_client.post(url, {"when": "now", "confirmed": "1", "preview": preview_token(preview)})

    # then: not started, nothing sent; the new preview lists the new person
    assert _messages(response) == [STALE]
    assert _everything() == before
    assert Project.objects.get(pk=project.pk).started_at is None
    assert "tsuika@example.co.jp" in RECIPIENT_RE.findall(_html(response))


def test_a_call_posted_without_a_result_is_refused_and_nothing_recorded(desk_client, desk, supervisor):
    # given: an application awaiting confirmation; the call form offers no preselected result
    application = awaiting_application(desk=desk, supervisor=supervisor)
    panel = _html(desk_client.get(reverse("desk:verification_panel", args=[application.pk])))
    assert '<option value="" selected>選択してください</option>' in panel
    before = state()

    # when: the operator records a call without choosing the result
    response = desk_client.post(
        reverse("desk:call_record", args=[application.pk]), {"supervisor": supervisor.pk, "note": ""}
    )

    # then
    assert _messages(response) == ["結果: このフィールドは必須です。"]
    assert state() == before and PhoneCall.objects.count() == 0
