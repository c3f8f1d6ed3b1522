"""Assignment and "my work": the service's rules, the take / assign controls, the list with its
business-hour timers, the step timers on the application's page, and constant query counts."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.applications.models import Application
from calsreg.applications.services import application_assign
from calsreg.applications.states import Status
from calsreg.core.errors import Conflict, ValidationFailed
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.desk.work_helpers import application, change_request, jst, project, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = jst("2026-11-24", 15)  # a Tuesday


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def _assignments(subject) -> list[tuple[str, dict]]:
    events = AuditEvent.objects.filter(action="application.assigned", subject_id=subject.pk).order_by("id")
    return [(event.summary_display, event.data) for event in events]


# --- the service ---------------------------------------------------------------------------------


def test_assigning_puts_the_operator_in_charge_and_is_audited(desk_user):
    operator = UserFactory(role=Role.HELP_DESK, display_name="担当 次郎")
    case = application(status=Status.AWAITING_CONFIRMATION)

    result = application_assign(application=case, operator=operator, actor=Actor.staff(desk_user))

    assert result.assigned_to == operator
    case.refresh_from_db()
    assert case.assigned_to == operator
    event = AuditEvent.objects.get(action="application.assigned", subject_id=case.pk)
    assert (event.actor, event.summary_display) == (desk_user, "担当者を担当 次郎にしました。")
    assert event.data == {
        "before": None,
        "before_label": "",
        "after": operator.pk,
        "after_label": "担当 次郎",
    }


def test_none_unassigns(desk_user):
    case = application(assigned_to=desk_user)

    application_assign(application=case, operator=None, actor=Actor.staff(desk_user))

    case.refresh_from_db()
    assert case.assigned_to is None
    assert _assignments(case) == [
        (
            "担当者の割り当てを外しました。",
            {"before": desk_user.pk, "before_label": "受付 花子", "after": None, "after_label": ""},
        )
    ]


def test_an_administrator_may_be_assigned(desk_user):
    administrator = UserFactory(role=Role.ADMINISTRATOR)
    case = application()

    application_assign(application=case, operator=administrator, actor=Actor.staff(desk_user))

    assert Application.objects.get(pk=case.pk).assigned_to == administrator


@pytest.mark.parametrize(
    "operator_kwargs",
    [
        {"role": Role.BILLING_AGENT},
        {"role": "contractor"},
        {"role": "supervisor"},
        {"role": Role.HELP_DESK, "is_active": False},
    ],
    ids=["billing_agent", "contractor", "supervisor", "inactive_help_desk"],
)
def test_only_desk_staff_can_be_assigned(desk_user, operator_kwargs):
    operator = UserFactory(**operator_kwargs)
    case = application()

    with pytest.raises(ValidationFailed) as refusal:
        application_assign(application=case, operator=operator, actor=Actor.staff(desk_user))

    assert refusal.value.errors[0].field == "operator"
    assert refusal.value.errors[0].message == "担当者にはヘルプデスクの職員を選んでください。"
    assert Application.objects.get(pk=case.pk).assigned_to is None
    assert _assignments(case) == []


@pytest.mark.parametrize("status", [Status.IN_SERVICE, Status.REJECTED, Status.WITHDRAWN])
def test_a_finished_application_gets_no_operator_but_can_be_unassigned(desk_user, status):
    case = application(status=status, assigned_to=desk_user)
    other = UserFactory(role=Role.HELP_DESK)

    with pytest.raises(Conflict):
        application_assign(application=case, operator=other, actor=Actor.staff(desk_user))
    assert Application.objects.get(pk=case.pk).assigned_to == desk_user

    application_assign(application=case, operator=None, actor=Actor.staff(desk_user))
    assert Application.objects.get(pk=case.pk).assigned_to is None


def test_assigning_the_operator_already_in_charge_records_nothing(desk_user):
    case = application(assigned_to=desk_user)

    application_assign(application=case, operator=desk_user, actor=Actor.staff(desk_user))

    assert _assignments(case) == []


# --- take / assign controls ----------------------------------------------------------------------


def test_take_from_the_detail_page(desk_client, desk_user):
    case = application()
    detail = reverse("desk:application_detail", args=[case.pk])
    page = desk_client.get(detail).content.decode()
    assert "自分が担当する" in page
    assert 'id="assigned-to"><span class="muted">未割り当て</span>' in page

    response = desk_client.post(
        reverse("desk:application_assign", args=[case.pk]),
        {"operator": desk_user.pk, "next": f"{detail}#assignment"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{detail}#assignment"
    assert Application.objects.get(pk=case.pk).assigned_to == desk_user
    page = desk_client.get(detail).content.decode()
    assert "担当者を受付 花子にしました。" in page
    assert 'id="assigned-to">受付 花子</dd>' in page
    assert "担当を外す" in page


def test_assign_to_another_operator_through_the_choice_page(desk_client):
    colleague = UserFactory(role=Role.HELP_DESK, display_name="同僚 三郎", username="dohryo")
    billing = UserFactory(role=Role.BILLING_AGENT, display_name="請求 四郎")
    case = application()
    url = reverse("desk:application_assign", args=[case.pk])

    page = desk_client.get(url).content.decode()

    assert "同僚 三郎 (dohryo)" in page
    assert "請求 四郎" not in page  # only desk staff are offered

    desk_client.post(url, {"operator": colleague.pk})
    assert Application.objects.get(pk=case.pk).assigned_to == colleague

    response = desk_client.post(url, {"operator": billing.pk}, follow=True)
    assert "担当者には一覧にあるヘルプデスクの職員を選んでください。" in response.content.decode()
    assert Application.objects.get(pk=case.pk).assigned_to == colleague


def test_a_refusal_is_shown_and_changes_nothing(desk_client, desk_user):
    case = application(status=Status.REJECTED)

    response = desk_client.post(
        reverse("desk:application_assign", args=[case.pk]), {"operator": desk_user.pk}, follow=True
    )

    assert "「却下」の申込は処理が終わっているため、担当者を割り当てられません。" in response.content.decode()
    assert Application.objects.get(pk=case.pk).assigned_to is None


def test_next_must_stay_on_this_site(desk_client, desk_user):
    case = application()

    response = desk_client.post(
        reverse("desk:application_assign", args=[case.pk]),
        {"operator": desk_user.pk, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("desk:application_detail", args=[case.pk])


def test_assignment_needs_the_csrf_token(desk_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_user)
    case = application()

    response = client.post(reverse("desk:application_assign", args=[case.pk]), {"operator": desk_user.pk})

    assert response.status_code == 403
    assert Application.objects.get(pk=case.pk).assigned_to is None


@pytest.mark.parametrize("role", [None, Role.BILLING_AGENT, "contractor", "supervisor"])
def test_only_the_help_desk_takes_work(client, role):
    case = application()
    sign_in(client, role)

    responses = [
        client.get(reverse("desk:work")),
        client.get(reverse("desk:work_unassigned")),
        client.post(reverse("desk:application_assign", args=[case.pk]), {"operator": ""}),
    ]

    expected = 302 if role is None else 403
    assert [response.status_code for response in responses] == [expected] * 3
    assert Application.objects.get(pk=case.pk).assigned_to is None


# --- my work -------------------------------------------------------------------------------------


def _rows(content: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-kind="(\w+)" data-pk="(\d+)">', content)


def test_my_work_lists_my_open_cases_oldest_first_with_the_time_in_the_current_step(desk_client, desk_user):
    other = UserFactory(role=Role.HELP_DESK)
    # received Friday 16:00, still awaiting confirmation on Tuesday 15:00:
    # Friday 1 h + Monday 11/23 (勤労感謝の日) 0 + Tuesday 9–15 less the lunch hour 5 h = 6 h
    waiting = application(
        status=Status.AWAITING_CONFIRMATION, submitted_at=jst("2026-11-20", 16), assigned_to=desk_user
    )
    # confirmed this morning at 10:40: 3 h 20 min in "confirmed → registered" (lunch not counted)
    confirmed = application(
        status=Status.CONFIRMED,
        submitted_at=jst("2026-11-10"),
        confirmed_at=jst("2026-11-24", 10, 40),
        assigned_to=desk_user,
    )
    application(status=Status.SUBMITTED, assigned_to=other)  # someone else's
    application(status=Status.IN_SERVICE, assigned_to=desk_user)  # finished
    application(status=Status.SUBMITTED)  # nobody's
    change = change_request(
        project=project(),
        status="verified",
        submitted_at=jst("2026-11-16"),
        verified_at=jst("2026-11-18", 9),
        assigned_to=desk_user,
    )
    change_request(project=project(), status="applied", assigned_to=desk_user)  # finished

    content = desk_client.get(reverse("desk:work")).content.decode()

    assert _rows(content) == [
        ("application", str(confirmed.pk)),
        ("change_request", str(change.pk)),
        ("application", str(waiting.pk)),
    ]
    table = content.split('<table class="data work">')[1]
    assert table.count("確認完了 → 登録") == 1
    assert "3時間20分" in table
    assert "本人確認 → 反映" in table
    assert "3営業日と5時間" in table  # verified Wed 9:00 → Tue 15:00: Wed, Thu, Fri (Mon is a holiday) + 5 h
    assert "受付 → 確認完了" in table
    assert "6時間" in table
    assert re.search(
        r'id="unassigned-counts">担当者のいない処理中の案件: 利用申込 1件、変更申込 0件', content
    )


def test_unassigned_work_offers_take_buttons(desk_client, desk_user):
    nobody = application(status=Status.SUBMITTED)
    application(status=Status.SUBMITTED, assigned_to=desk_user)
    change = change_request(project=project())

    content = desk_client.get(reverse("desk:work_unassigned")).content.decode()

    assert _rows(content) == [("change_request", str(change.pk)), ("application", str(nobody.pk))]
    assert content.count("担当する</button>") == 2
    assert f'action="{reverse("desk:application_assign", args=[nobody.pk])}"' in content

    desk_client.post(reverse("desk:application_assign", args=[nobody.pk]), {"operator": desk_user.pk})
    content = desk_client.get(reverse("desk:work")).content.decode()
    assert ("application", str(nobody.pk)) in _rows(content)


def test_the_lists_take_and_release_change_requests_through_the_change_screens(desk_client, desk_user):
    change = change_request(project=project())

    desk_client.post(reverse("desk:change_assign", args=[change.pk]), {"operator": desk_user.pk})

    change.refresh_from_db()
    assert change.assigned_to == desk_user
    assert AuditEvent.objects.filter(action="change_request.assigned", subject_id=change.pk).count() == 1
    content = desk_client.get(reverse("desk:work")).content.decode()
    assert ("change_request", str(change.pk)) in _rows(content)

    desk_client.post(reverse("desk:change_assign", args=[change.pk]), {"operator": ""})

    change.refresh_from_db()
    assert change.assigned_to is None


@pytest.mark.parametrize("n", [1, 6])
def test_my_work_costs_the_same_queries_for_1_or_6_cases(
    desk_client, desk_user, django_assert_num_queries, n
):
    for i in range(n):
        application(status=Status.SUBMITTED, assigned_to=desk_user, submitted_at=jst("2026-11-02", 9 + i))
        change_request(project=project(), assigned_to=desk_user)
        application(status=Status.SUBMITTED)

    # session, user, my applications, my change requests, two unassigned counts, and the
    # navigation's two badges (failed mail, unread notices)
    with django_assert_num_queries(8):
        response = desk_client.get(reverse("desk:work"))

    assert len(_rows(response.content.decode())) == 2 * n


# --- step timers on the application's page --------------------------------------------------------


def test_the_detail_page_shows_each_steps_business_hours(desk_client):
    case = application(
        status=Status.REGISTERED,
        submitted_at=jst("2026-11-16", 9),  # Monday
        confirmed_at=jst("2026-11-17", 11, 30),  # 1 business day (7 h) + 2 h 30 min later
        registered_at=jst("2026-11-17", 14),  # 1 h 30 min later (12–13 is the lunch hour)
    )

    content = desk_client.get(reverse("desk:application_detail", args=[case.pk])).content.decode()

    timers = content.split('<table class="data step-timers">')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr data-step="(\w+)"( aria-current="step")?>.*?<td class="num">([^<]*)</td>', timers, re.S
    )
    # registered Tuesday 14:00 → now Tuesday 11/24 15:00: 3 h + Wed–Fri 21 h + (Monday a holiday) 5 h = 29 h
    assert rows == [
        ("received_confirmed", "", "1営業日と2時間30分"),
        ("confirmed_registered", "", "1時間30分"),
        ("registered_in_service", ' aria-current="step"', "4営業日と1時間"),
    ]
    assert "進行中" in timers


def test_my_work_shows_the_next_action_of_each_case(desk_client, desk_user):
    application(status=Status.CONFIRMED, submitted_at=jst("2026-11-10"), assigned_to=desk_user)
    application(status=Status.AWAITING_CONFIRMATION, submitted_at=jst("2026-11-12"), assigned_to=desk_user)
    change_request(
        project=project(), status="submitted", submitted_at=jst("2026-11-16"), assigned_to=desk_user
    )

    content = desk_client.get(reverse("desk:work")).content.decode()

    assert re.findall(r'<td class="next-action">([^<]*)</td>', content) == [
        "登録する（IDを作成し通知する）",
        "監督員の回答を待ち、電話で確認して記録する",
        "登録済みの連絡先に電話して本人確認する",
    ]
