"""The desk's change-request screens: the queue, the diff, the call-back panel, apply and reject."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role, User
from calsreg.accounts.services import project_details_change
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus, ItemDecision
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.changes.callback_helpers import DURING_THE_WORKS, STATED_PHONE, call_back, file_change
from tests.desk.helpers import confirm_preview, preview_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(DURING_THE_WORKS, tick=False)


@pytest.fixture
def project_and_accounts():
    return started()


@pytest.fixture
def period_change(project_and_accounts):
    project, _accounts = project_and_accounts
    return file_change(project, {"field": "period_end", "value": "2027-05-31"})


def _numbers(response) -> list[str]:
    return re.findall(r'<a href="/desk/changes/\d+/">(H\d{4}-\d{5})</a>', response.content.decode())


def _panel(client, change: ChangeRequest, *, htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("desk:change_verification_panel", args=[change.pk]), headers=headers)


# --- who may open the screens ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.BILLING_AGENT, Role.CONTRACTOR, Role.SUPERVISOR])
def test_only_the_help_desk_opens_change_requests(client, project_and_accounts, period_change, role):
    _project, accounts = project_and_accounts
    if role in (Role.CONTRACTOR, Role.SUPERVISOR):
        # A usable account holder, so the refusal comes from the desk, not from the sign-out middleware.
        client.force_login(next(user for user in accounts if user.role == role))
    elif role is not None:
        client.force_login(UserFactory(role=role))
    urls = [
        reverse("desk:change_queue"),
        reverse("desk:change_detail", args=[period_change.pk]),
        reverse("desk:change_verification_panel", args=[period_change.pk]),
        reverse("desk:change_evidence", args=[period_change.form_evidence_id]),
    ]
    for url in urls:
        response = client.get(url)
        if role is None:
            assert response.status_code == 302 and "/desk/login/" in response["Location"]
        else:
            assert response.status_code == 403
    for name in ("change_apply", "change_callback", "change_reject", "change_assign"):
        assert client.post(reverse(f"desk:{name}", args=[period_change.pk])).status_code == (
            302 if role is None else 403
        )
    assert not AuditEvent.objects.filter(
        action__in=["change_request.viewed", "change_request.applied", "evidence.downloaded"]
    ).exists()


# --- the queue --------------------------------------------------------------------------------------


def test_queue_lists_filters_and_counts(desk_client, desk_user, project_and_accounts):
    project, accounts = project_and_accounts
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    first = file_change(project, {"field": "period_end", "value": "2027-05-31"})
    second = file_change(
        project,
        {"field": "user.phone", "target": tanaka.username, "value": "090-1111-2222"},
        requester_name="鈴木 次郎",
    )
    third = file_change(project, {"field": "project_name", "value": "信濃川護岸設置工事（その2）"})
    call_back(third, actor=Actor.staff(desk_user))
    ChangeRequest.objects.filter(pk=second.pk).update(assigned_to=desk_user)

    everything = desk_client.get(reverse("desk:change_queue"))
    content = everything.content.decode()
    assert _numbers(everything) == [third.number, second.number, first.number]
    assert "工事情報・工事名の変更" in content and "連絡先・個人情報の訂正" in content
    assert re.search(r'data-status="submitted">[^<]*<span class="chip-count">2</span>', content)
    assert re.search(r'data-status="verified">[^<]*<span class="chip-count">1</span>', content)
    assert "受付 花子" in content  # the operator in charge of the second
    assert _numbers(desk_client.get(reverse("desk:change_queue") + "?status=verified")) == [third.number]
    assert _numbers(desk_client.get(reverse("desk:change_queue") + "?mine=on")) == [second.number]
    assert _numbers(desk_client.get(reverse("desk:change_queue") + "?q=鈴木")) == [second.number]
    assert _numbers(desk_client.get(reverse("desk:change_queue") + f"?q={first.number}")) == [first.number]
    bad = desk_client.get(reverse("desk:change_queue") + "?status=nonsense")
    assert bad.status_code == 200 and len(_numbers(bad)) == 3


@pytest.mark.parametrize("n", [1, 12])
def test_queue_costs_the_same_queries_for_1_or_12_requests(desk_client, django_assert_num_queries, n):
    for _ in range(n):
        project, _accounts = started()
        file_change(
            project,
            {"field": "period_end", "value": "2027-05-31"},
            {"field": "project_name", "value": "別の工事名"},
        )

    # session, user, page (+project, operator, item count), items of the page, status counts; the
    # total comes from the status counts (the paginator's COUNT(*) is gone)
    with django_assert_num_queries(7):
        response = desk_client.get(reverse("desk:change_queue"))

    assert len(_numbers(response)) == n


def test_queue_pages_by_fifty(desk_client, project_and_accounts):
    project, _accounts = project_and_accounts
    for day in range(51):
        file_change(project, {"field": "project_location", "value": f"新潟市中央区{day}番地内"})

    # Was "?page=2" and "全51件中 1〜50件": pages now go by key (the next link carries a cursor).
    first = desk_client.get(reverse("desk:change_queue"))
    older = re.search(r'href="(\?after=[^"]+)" rel="next"', first.content.decode()).group(1)
    second = desk_client.get(reverse("desk:change_queue") + older)

    assert len(_numbers(first)) == 50 and len(_numbers(second)) == 1
    assert "全51件（このページは50件）" in first.content.decode()


# --- the detail -------------------------------------------------------------------------------------


def test_detail_shows_the_diff_highlights_a_registration_changed_since_and_is_audited(
    desk_client, desk_user, project_and_accounts
):
    project, _accounts = project_and_accounts
    change = file_change(
        project,
        {"field": "period_end", "value": "2027-05-31"},
        {"field": "project_location", "value": "新潟市中央区白山浦2丁目地内"},
    )
    # Something else changed the location after the request was filed.
    project.location = "新潟市中央区関屋地内"
    project.save(update_fields=["location"])

    response = desk_client.get(reverse("desk:change_detail", args=[change.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    period = re.search(r'<tr id="change-item-1".*?</tr>', content, re.S).group(0)
    assert "工期（終了日）" in period and "2027年3月19日" in period and "2027年5月31日" in period
    assert "<mark" not in period
    location = re.search(r'<tr id="change-item-2".*?</tr>', content, re.S).group(0)
    assert "新潟市中央区白山浦地内" in location  # registered when filed
    assert re.search(r"<mark[^>]*>新潟市中央区関屋地内</mark>", location)  # registered now, differs
    assert "新潟市中央区白山浦2丁目地内" in location  # requested
    assert "料金への影響" in content
    assert "申込書に記載の番号（発信には使いません）" in content and STATED_PHONE in content
    assert f'href="tel:{STATED_PHONE}"' not in content
    viewed = AuditEvent.objects.get(action="change_request.viewed")
    assert (viewed.actor_id, viewed.subject_type, viewed.subject_id) == (
        desk_user.pk,
        "changerequest",
        change.pk,
    )
    assert "変更申込の内容（個人情報を含む）を閲覧しました。" in content  # the timeline lists the view


def test_form_evidence_downloads_with_its_checksum_verified_and_audited(desk_client, period_change):
    evidence = period_change.form_evidence
    detail = desk_client.get(reverse("desk:change_detail", args=[period_change.pk])).content.decode()
    assert reverse("desk:change_evidence", args=[evidence.pk]) in detail
    assert "一致" in detail

    response = desk_client.get(reverse("desk:change_evidence", args=[evidence.pk]))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert b"2027-05-31" in content
    event = AuditEvent.objects.get(action="evidence.downloaded")
    assert (event.subject_type, event.subject_id) == ("changerequest", period_change.pk)
    assert event.data == {"evidence_id": evidence.pk, "sha256": evidence.sha256, "intact": True}


def test_a_tampered_change_form_is_flagged_before_download(desk_client, period_change):
    evidence = period_change.form_evidence
    with open(evidence.file.path, "ab") as handle:
        handle.write(b" ")

    refused = desk_client.get(reverse("desk:change_evidence", args=[evidence.pk]))
    detail = desk_client.get(reverse("desk:change_detail", args=[period_change.pk])).content.decode()

    assert refused.status_code == 409
    assert "一致しません" in refused.content.decode()
    assert "不一致（改ざんの疑い）" in detail
    assert not AuditEvent.objects.filter(action="evidence.downloaded").exists()


def test_application_evidence_is_not_served_as_change_evidence(desk_client, period_change):
    from calsreg.records.selectors import evidence_for

    application_file = evidence_for(subject=period_change.project.application).first()
    if application_file is not None:
        assert desk_client.get(reverse("desk:change_evidence", args=[application_file.pk])).status_code == 404
    assert desk_client.get(reverse("desk:change_evidence", args=[999_999])).status_code == 404


# --- assignment ---------------------------------------------------------------------------------------


def test_an_operator_takes_a_request_and_assigns_it_to_a_colleague(desk_client, desk_user, period_change):
    colleague = UserFactory(role=Role.HELP_DESK, username="helpdesk2", display_name="窓口 次郎")

    took = desk_client.post(
        reverse("desk:change_assign", args=[period_change.pk]), {"take": "1"}, follow=True
    )
    period_change.refresh_from_db()
    assert period_change.assigned_to == desk_user
    assert "担当者を" in took.content.decode()

    desk_client.post(reverse("desk:change_assign", args=[period_change.pk]), {"operator": colleague.pk})
    period_change.refresh_from_db()
    assert period_change.assigned_to == colleague

    desk_client.post(reverse("desk:change_assign", args=[period_change.pk]), {"operator": ""})
    period_change.refresh_from_db()
    assert period_change.assigned_to is None
    assert AuditEvent.objects.filter(action="change_request.assigned").count() == 3


def test_a_contractor_cannot_be_put_in_charge(desk_client, period_change, project_and_accounts):
    _project, accounts = project_and_accounts

    response = desk_client.post(
        reverse("desk:change_assign", args=[period_change.pk]), {"operator": accounts[0].pk}, follow=True
    )

    period_change.refresh_from_db()
    assert period_change.assigned_to is None
    assert "担当者" in response.content.decode()


# --- the verification panel ---------------------------------------------------------------------------


def test_panel_shows_each_items_person_at_their_number_and_offers_only_them(
    desk_client, project_and_accounts
):
    project, accounts = project_and_accounts
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = file_change(
        project,
        {"field": "project_name", "value": "別の工事名"},
        {"field": "user.phone", "target": suzuki.username, "value": "080-7777-8888"},
        filed_by=tanaka,
        channel="my_page",
    )

    fragment = _panel(desk_client, change)
    page = _panel(desk_client, change, htmx=False)

    content = fragment.content.decode()
    assert "<html" not in content and "<html" in page.content.decode()
    # Per item: whose data it is and that person's number on file.
    first = re.search(r'<tr id="person-item-1".*?</tr>', content, re.S).group(0)
    second = re.search(r'<tr id="person-item-2".*?</tr>', content, re.S).group(0)
    assert "申込担当者" in first and f"<output>{project.application.applicant_phone}</output>" in first
    assert suzuki.display_name in second and f"<output>{suzuki.phone}</output>" in second
    assert "変更1、変更2" in re.search(r'<p id="unverified-items">.*?</p>', content, re.S).group(0)
    # Whom to call: the two people concerned only — not the filer, whose data nothing changes.
    radios = re.findall(r'<input type="radio" name="contact" value="([^"]+)"', content)
    assert radios == ["applicant", suzuki.username]
    assert tanaka.username not in radios
    table = re.search(r'<table class="data" id="items-by-person">.*?</table>', content, re.S).group(0)
    assert STATED_PHONE not in table
    stated = re.search(r'<p class="stated-phone".*?</p>', content, re.S).group(0)
    assert "申込書に記載の番号（発信には使いません）" in stated and STATED_PHONE in stated
    assert "<input" not in stated
    assert 'name="phone' not in content and 'name="number' not in content


def test_panel_chooses_nobody_and_no_result_in_advance(desk_client, project_and_accounts):
    project, accounts = project_and_accounts
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    change = file_change(project, {"field": "project_name", "value": "別の工事名"}, filed_by=tanaka)

    content = _panel(desk_client, change).content.decode()

    form = re.search(r'<form [^>]*id="change-callback-form".*?</form>', content, re.S).group(0)
    inputs = re.findall(r"<input[^>]*>|<option[^>]*>", form)
    person = [tag for tag in inputs if 'name="contact"' in tag]
    outcome = [tag for tag in inputs if 'name="outcome"' in tag]
    assert len(person) == 1 and len(outcome) == 4
    assert 'value="confirmed"' in outcome[0]
    assert not [tag for tag in inputs if "checked" in tag or "selected" in tag]
    assert "<select" not in form


def test_a_call_back_without_a_person_or_a_result_is_refused_with_field_errors(desk_client, period_change):
    item = period_change.items.get()

    response = desk_client.post(
        reverse("desk:change_callback", args=[period_change.pk]),
        {f"item_{item.pk}": "confirmed"},
        follow=True,
    )

    content = response.content.decode()
    assert "電話した相手（本人）: 電話した本人を一覧から選んでください。" in content
    assert "結果: 通話の結果を選んでください。" in content
    assert not CallBack.objects.exists()
    period_change.refresh_from_db()
    item.refresh_from_db()
    assert (period_change.status, item.decision) == (ChangeStatus.SUBMITTED, ItemDecision.PENDING)


def test_the_filers_call_confirms_only_their_own_item_and_the_panel_then_offers_the_other_person(
    desk_client, project_and_accounts
):
    project, accounts = project_and_accounts
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = file_change(
        project,
        {"field": "user.phone", "target": tanaka.username, "value": "080-1111-2222"},
        {"field": "user.email", "target": suzuki.username, "value": "takeover@evil.example.net"},
        channel="my_page",
        filed_by=tanaka,
    )
    own, other = change.items.order_by("position")
    url = reverse("desk:change_callback", args=[change.pk])

    both = desk_client.post(
        url,
        {
            "contact": tanaka.username,
            "outcome": "confirmed",
            f"item_{own.pk}": "confirmed",
            f"item_{other.pk}": "confirmed",
        },
        follow=True,
    )
    assert not CallBack.objects.exists()
    assert f"変更2: 変更2は利用者 {suzuki.username} 鈴木 次郎の情報です。" in both.content.decode()

    theirs = desk_client.post(
        url, {"contact": tanaka.username, "outcome": "confirmed", f"item_{own.pk}": "confirmed"}, follow=True
    )
    assert "本人の確認を記録しました。ほかの人の情報を変える項目が残っています。" in theirs.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED
    assert list(change.items.order_by("position").values_list("decision", flat=True)) == [
        "confirmed",
        "pending",
    ]
    panel = _panel(desk_client, change).content.decode()
    assert re.findall(r'name="contact" value="([^"]+)"', panel) == [suzuki.username]
    assert "変更2" in re.search(r'<p id="unverified-items">.*?</p>', panel, re.S).group(0)
    desk_client.post(reverse("desk:change_apply", args=[change.pk]))
    assert User.objects.get(pk=suzuki.pk).email == "suzuki@echigo-kensetsu.example.co.jp"

    desk_client.post(
        url, {"contact": suzuki.username, "outcome": "confirmed", f"item_{other.pk}": "declined"}
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.VERIFIED
    assert [call.contact for call in CallBack.objects.order_by("pk")] == [tanaka.username, suzuki.username]


def test_a_person_with_no_number_on_file_is_shown_and_cannot_be_chosen(desk_client, project_and_accounts):
    project, accounts = project_and_accounts
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = file_change(
        project, {"field": "user.email", "target": suzuki.username, "value": "new@example.jp"}
    )
    User.objects.filter(pk=suzuki.pk).update(phone="")

    content = _panel(desk_client, change).content.decode()

    assert "登録済みの番号なし" in re.search(r'<tr id="person-item-1".*?</tr>', content, re.S).group(0)
    assert 'id="unreachable-people"' in content and 'id="change-callback-form"' not in content
    assert 'id="change-reject-form"' in content


def test_a_call_back_records_the_number_on_file_whatever_is_posted(desk_client, desk_user, period_change):
    item = period_change.items.get()

    response = desk_client.post(
        reverse("desk:change_callback", args=[period_change.pk]),
        {
            "contact": "applicant",
            "outcome": "confirmed",
            f"item_{item.pk}": "confirmed",
            "note": "工期延長を本人に確認",
            "phone_number": STATED_PHONE,  # not a field: ignored
        },
        follow=True,
    )

    call = CallBack.objects.get()
    assert call.phone_number == period_change.project.application.applicant_phone != STATED_PHONE
    assert call.called_by == desk_user
    period_change.refresh_from_db()
    assert period_change.status == ChangeStatus.VERIFIED
    assert "確認できた項目を反映できます" in response.content.decode()
    panel = _panel(desk_client, period_change).content.decode()
    assert 'id="change-apply-form"' in panel and 'id="change-callback-form"' not in panel
    assert "工期（終了日）" in re.search(r'<ul id="items-to-apply">.*?</ul>', panel, re.S).group(0)


def test_a_positive_call_without_every_item_answered_records_nothing(desk_client, project_and_accounts):
    project, _accounts = project_and_accounts
    change = file_change(
        project,
        {"field": "period_end", "value": "2027-05-31"},
        {"field": "project_name", "value": "別の工事名"},
    )
    first = change.items.get(position=1)

    response = desk_client.post(
        reverse("desk:change_callback", args=[change.pk]),
        {"contact": "applicant", "outcome": "confirmed", f"item_{first.pk}": "confirmed"},
        follow=True,
    )

    assert "本人が確認した項目か、確認できなかった項目かを選んでください。" in response.content.decode()
    assert not CallBack.objects.exists()
    change.refresh_from_db()
    assert change.status == ChangeStatus.SUBMITTED


def test_an_unknown_contact_is_refused(desk_client, period_change):
    response = desk_client.post(
        reverse("desk:change_callback", args=[period_change.pk]),
        {"contact": STATED_PHONE, "outcome": "no_answer"},
        follow=True,
    )

    assert response.status_code == 200
    assert not CallBack.objects.exists()


def test_no_answer_keeps_the_request_waiting_for_another_call(desk_client, period_change):
    desk_client.post(
        reverse("desk:change_callback", args=[period_change.pk]),
        {"contact": "applicant", "outcome": "no_answer"},
    )

    period_change.refresh_from_db()
    assert period_change.status == ChangeStatus.SUBMITTED
    assert CallBack.objects.get().outcome == "no_answer"
    assert 'id="change-callback-form"' in _panel(desk_client, period_change).content.decode()


def test_apply_is_refused_before_verification_and_nothing_changes(desk_client, period_change):
    project = period_change.project

    response = desk_client.post(reverse("desk:change_apply", args=[period_change.pk]), follow=True)

    assert "本人確認（登録済みの電話番号への折り返し）が済んでいない変更申込は反映できません" in (
        response.content.decode()
    )
    project.refresh_from_db()
    assert project.period_end.isoformat() == "2027-03-19"
    period_change.refresh_from_db()
    assert period_change.status == ChangeStatus.SUBMITTED


def test_apply_after_verification_changes_the_registration(desk_client, desk_user, period_change):
    call_back(period_change, actor=Actor.staff(desk_user))
    url = reverse("desk:change_apply", args=[period_change.pk])

    token = preview_token(desk_client.post(url))
    response = desk_client.post(url, {"confirmed": "1", "preview": token}, follow=True)

    assert "確認できた項目を反映しました" in response.content.decode()
    period_change.refresh_from_db()
    period_change.project.refresh_from_db()
    assert period_change.status == ChangeStatus.APPLIED
    assert period_change.project.period_end.isoformat() == "2027-05-31"
    content = response.content.decode()
    assert "この変更申込の処理は終わっています" in _panel(desk_client, period_change).content.decode()
    assert "2027-03-19 → 2027-05-31" in content  # the field's before/after in the timeline


def test_reject_needs_a_reason_and_then_ends_the_request(desk_client, period_change):
    empty = desk_client.post(
        reverse("desk:change_reject", args=[period_change.pk]), {"reason": ""}, follow=True
    )
    period_change.refresh_from_db()
    assert period_change.status == ChangeStatus.SUBMITTED
    assert "不承認の理由" in empty.content.decode()

    desk_client.post(
        reverse("desk:change_reject", args=[period_change.pk]), {"reason": "申込者と連絡が取れない"}
    )

    period_change.refresh_from_db()
    assert period_change.status == ChangeStatus.REJECTED
    assert period_change.decision_note == "申込者と連絡が取れない"
    assert period_change.items.filter(decision=ItemDecision.PENDING).count() == 1


def test_a_disclosure_document_is_listed_and_downloadable(desk_client, desk_user, project_and_accounts):
    project, _accounts = project_and_accounts
    change = file_change(project, {"field": "personal.disclosure", "target": "applicant"})
    call_back(change, actor=Actor.staff(desk_user))
    confirm_preview(desk_client, reverse("desk:change_apply", args=[change.pk]))

    panel = _panel(desk_client, change).content.decode()

    link = re.search(r'<ul id="disclosure-documents">.*?href="([^"]+)"', panel, re.S).group(1)
    response = desk_client.get(link)
    assert response.status_code == 200
    assert project.application.applicant_email.encode() in b"".join(response.streaming_content)


def _change_state(change) -> tuple:
    change.refresh_from_db()
    project = change.project
    project.refresh_from_db()
    return (
        change.status,
        project.period_end,
        AuditEvent.objects.count(),
        Delivery.objects.count(),
        list(change.items.values_list("outcome", "applied_at")),
    )


def test_apply_preview_shows_each_item_now_and_after_and_writes_nothing(
    desk_client, desk_user, period_change
):
    # given: a verified change of the period's end
    call_back(period_change, actor=Actor.staff(desk_user))
    before = _change_state(period_change)

    # when: the operator presses 反映 (the preview)
    page = desk_client.post(reverse("desk:change_apply", args=[period_change.pk])).content.decode()

    # then: the item is listed registered-now → after, marked applied, and nothing was written
    row = re.search(
        r'<tr class="apply-item" data-position="1" data-applied="yes">.*?</tr>', page, re.S
    ).group(0)
    assert "2027年3月19日" in row or "2027-03-19" in row
    assert "2027年5月31日" in row or "2027-05-31" in row
    assert _change_state(period_change) == before


def test_apply_refuses_a_preview_gone_stale_and_changes_nothing(desk_client, desk_user, period_change):
    # given: a preview, then the registered period end is changed by another path
    call_back(period_change, actor=Actor.staff(desk_user))
    url = reverse("desk:change_apply", args=[period_change.pk])
    token = preview_token(desk_client.post(url))
    project_details_change(
        project=period_change.project,
        values={"period_end": dt.date(2027, 4, 30)},
        actor=Actor.staff(desk_user),
    )
    before = _change_state(period_change)

    # when: the old preview is confirmed
    response = desk_client.post(url, {"confirmed": "1", "preview": token})

    # then: nothing applied, nothing sent; the new preview is shown
    assert [str(m) for m in response.wsgi_request._messages] == [
        "確認画面を表示した後に内容が変わりました。何も実行していません。新しい内容を確認してください。"
    ]
    assert _change_state(period_change) == before
    assert 'id="change-apply-confirm-form"' in response.content.decode()
