"""account_contact_correct / account_email_change_refused_notify: contact details corrected after
the call-back (seed steps 8–9); a changed or refused e-mail address is told to the old address."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from calsreg.accounts.models import User
from calsreg.accounts.services import account_contact_correct, account_email_change_refused_notify
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import render_delivery
from calsreg.records.models import AuditEvent
from tests.accounts.end_of_use_helpers import last_delivery_pk
from tests.accounts.helpers import desk_actor, snapshot, started
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
OLD = "suzuki@echigo-kensetsu.example.co.jp"
NEW = "jiro.suzuki@example.ne.jp"


def _contact(user: User) -> tuple[str, str, str, str]:
    user.refresh_from_db()
    return (user.display_name, user.kana, user.email, user.phone)


def test_only_the_changed_fields_are_saved_returned_and_audited_and_nothing_is_mailed():
    # given
    _project, (_tanaka, suzuki, _supervisor) = started()
    deliveries = Delivery.objects.count()

    # when: the name is resent unchanged, the phone and kana change
    changes = account_contact_correct(
        user=suzuki,
        values={"display_name": "鈴木 次郎", "phone": "080-9999-0000", "kana": "スズキ ジロー"},
        actor=desk_actor(),
    )

    # then
    assert changes == {
        "kana": ("スズキ ジロウ", "スズキ ジロー"),
        "phone": ("080-2345-6789", "080-9999-0000"),
    }
    assert _contact(suzuki) == ("鈴木 次郎", "スズキ ジロー", OLD, "080-9999-0000")
    event = AuditEvent.objects.get(action="account.contact_corrected")
    assert (event.subject_type, event.subject_id) == ("user", suzuki.pk)
    assert event.data == {
        "before": {"kana": "スズキ ジロウ", "phone": "080-2345-6789"},
        "after": {"kana": "スズキ ジロー", "phone": "080-9999-0000"},
    }
    assert Delivery.objects.count() == deliveries


def test_values_equal_to_those_on_file_change_nothing():
    _project, (_tanaka, suzuki, _supervisor) = started()
    actor = desk_actor()
    before = snapshot()

    changes = account_contact_correct(
        user=suzuki, values={"email": OLD, "phone": "080-2345-6789"}, actor=actor
    )

    assert changes == {}
    assert snapshot() == before


@time_machine.travel(dt.datetime(2026, 12, 10, 14, 30, tzinfo=JST), tick=False)
def test_a_changed_address_is_told_to_the_old_address_masked_and_to_the_new_one():
    # given
    _project, (_tanaka, suzuki, _supervisor) = started()
    before = last_delivery_pk()

    # when
    changes = account_contact_correct(user=suzuki, values={"email": NEW}, actor=desk_actor())

    # then
    assert changes == {"email": (OLD, NEW)}
    assert _contact(suzuki)[2] == NEW
    mails = Delivery.objects.filter(pk__gt=before).order_by("pk")
    assert [(m.kind, m.to_address, m.subject_type) for m in mails] == [
        ("account_email_changed_old", OLD, "user"),
        ("account_email_changed_new", NEW, "user"),
    ]
    to_old = render_delivery(delivery=mails[0]).body
    assert "j***@example.ne.jp" in to_old
    assert NEW not in to_old
    assert "2026年12月10日(木) 14:30" in to_old
    assert "至急、下記ヘルプデスクまでご連絡ください" in to_old
    to_new = render_delivery(delivery=mails[1]).body
    assert "このメールアドレスに変更しました" in to_new
    assert suzuki.username not in to_new  # the ID never travels to an address just added


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_address_change_notices_render_in_both_languages(language):
    _project, (_tanaka, suzuki, _supervisor) = started()

    account_contact_correct(user=suzuki, values={"email": NEW}, actor=desk_actor(), language=language)

    for delivery in Delivery.objects.filter(kind__startswith="account_email_changed"):
        assert delivery.language == language
        mail = render_delivery(delivery=delivery)
        assert "{{" not in mail.body
        if language == "en":
            assert mail.subject == "[Niigata CALS System] Your registered e-mail address was changed"
        else:
            assert mail.subject == "【新潟県CALSシステム】登録メールアドレス変更のお知らせ"


def test_a_staff_user_is_not_corrected_here():
    staff = UserFactory(role="help_desk")
    actor = desk_actor()
    before = snapshot()

    with pytest.raises(DomainError):
        account_contact_correct(user=staff, values={"phone": "025-000-0000"}, actor=actor)

    assert snapshot() == before


def test_an_unknown_field_is_a_programming_error():
    _project, (_tanaka, suzuki, _supervisor) = started()

    with pytest.raises(ValueError):
        account_contact_correct(user=suzuki, values={"username": "evil.abc"}, actor=desk_actor())


@pytest.mark.urls("tests.accounts.urls")
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_refused_address_change_is_told_to_the_address_on_file_and_changes_nothing_else(language):
    # given: suzuki is signed in
    _project, (_tanaka, suzuki, _supervisor) = started()
    client = Client()
    client.force_login(suzuki)
    before = snapshot()
    contact = _contact(suzuki)

    # when
    account_email_change_refused_notify(
        user=suzuki, requested_email="attacker@evil.example", language=language
    )

    # then: one notice to the address on file; the account and its session as they were
    notice = Delivery.objects.get(kind="account_email_change_refused")
    assert (notice.to_address, notice.language) == (OLD, language)
    mail = render_delivery(delivery=notice)
    assert "a***@evil.example" in mail.body
    assert "attacker@evil.example" not in mail.body
    assert "{{" not in mail.body
    after = snapshot()
    assert (after.deliveries, after.users, after.audit_events, after.passwords) == (
        before.deliveries + 1,
        before.users,
        before.audit_events,
        before.passwords,
    )
    assert _contact(suzuki) == contact
    assert client.get("/mypage/").wsgi_request.user == suzuki


def test_a_contact_value_the_form_refuses_is_refused_by_the_owner_and_nothing_changes():
    # given: a caller that did not validate (the owner cleans again, whoever calls)
    _project, accounts = started()
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    before = _contact(suzuki)

    # when
    with pytest.raises(ValidationFailed) as refused:
        account_contact_correct(
            user=suzuki, values={"email": "suzuki@", "display_name": "鈴木 次郎"}, actor=desk_actor()
        )

    # then
    assert [error.field for error in refused.value.errors] == ["email"]
    assert _contact(suzuki) == before
    assert not Delivery.objects.filter(kind__startswith="account_email_changed").exists()
