"""The password policy, the change at first login, and "forgot password" with a single-use link."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from calsreg.accounts.models import PasswordHistory, User
from calsreg.accounts.services import (
    account_actor,
    account_password_change,
    account_password_reset_check,
    account_password_reset_complete,
    account_password_reset_request,
)
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import render_delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import PASSWORD, snapshot, started

pytestmark = pytest.mark.django_db

NEW = "Echigo-river-2026"
RESET_URL = re.compile(r"http://127\.0\.0\.1:8000/mypage/password-reset/(?P<uid>[^/]+)/(?P<token>[^/]+)/")
INVALID_LINK = (
    "このパスワード再設定用リンクは使用済みか、有効期限が切れています。"
    "もう一度「パスワードをお忘れの方」からお手続きください。"
)


def _tanaka() -> User:
    _project, (tanaka, _suzuki, _supervisor) = started()
    return tanaka


def _change(user: User, old: str, new: str) -> User:
    return account_password_change(
        user=user, old_password=old, new_password=new, actor=account_actor(user=user)
    )


def _messages(refused: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.message) for e in refused.value.errors]


def test_a_change_sets_the_password_clears_the_forced_change_and_keeps_the_old_hash():
    # given
    tanaka = _tanaka()
    old_hash = tanaka.password

    # when
    _change(tanaka, PASSWORD, NEW)

    # then
    tanaka.refresh_from_db()
    assert tanaka.check_password(NEW)
    assert (tanaka.must_change_password, tanaka.initial_password_expires_at) == (False, None)
    assert list(PasswordHistory.objects.filter(user=tanaka).values_list("password", flat=True)) == [old_hash]
    event = AuditEvent.objects.get(action="account.password_changed")
    assert (event.subject_id, event.actor_type, event.actor_label, event.data) == (
        tanaka.pk,
        "account",
        tanaka.username,
        {},
    )


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Short-1a", "このパスワードは短すぎます。最低 12 文字以上必要です。"),
        ("My-tanaka-pass-26", "パスワードにIDの文字列を含めることはできません。"),
        ("MY-TANAKA-PASS-26", "パスワードにIDの文字列を含めることはできません。"),
        (PASSWORD, "最近使ったパスワード（直近5回分）は使えません。"),
    ],
)
def test_a_new_password_against_the_policy_is_refused_and_nothing_changes(new, message):
    tanaka = _tanaka()
    before = snapshot()

    with pytest.raises(ValidationFailed) as refused:
        _change(tanaka, PASSWORD, new)

    assert _messages(refused) == [("new_password", message)]
    assert snapshot() == before


def test_a_wrong_current_password_is_refused():
    tanaka = _tanaka()
    before = snapshot()

    with pytest.raises(ValidationFailed) as refused:
        _change(tanaka, PASSWORD + "x", NEW)

    assert _messages(refused) == [("old_password", "現在のパスワードが正しくありません。")]
    assert snapshot() == before


def test_none_of_the_last_five_passwords_can_be_chosen_again():
    # given: PASSWORD → p1 → p2 → p3 → p4 (PASSWORD is the fifth most recent)
    tanaka = _tanaka()
    chain = [PASSWORD, "Niigata-kawa-01", "Niigata-kawa-02", "Niigata-kawa-03", "Niigata-kawa-04"]
    for old, new in itertools.pairwise(chain):
        _change(tanaka, old, new)

    # then: every one of the five is refused; once one more change is made the oldest is free again
    for earlier in chain:
        with pytest.raises(ValidationFailed):
            _change(tanaka, chain[-1], earlier)
    _change(tanaka, chain[-1], "Niigata-kawa-05")
    _change(tanaka, "Niigata-kawa-05", PASSWORD)
    assert PasswordHistory.objects.filter(user=tanaka).count() == 4


def test_an_expired_initial_password_cannot_be_changed_only_reset():
    tanaka = _tanaka()
    User.objects.filter(pk=tanaka.pk).update(
        initial_password_expires_at=timezone.now() - timedelta(minutes=1)
    )
    tanaka.refresh_from_db()
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        _change(tanaka, PASSWORD, NEW)

    assert "初期パスワードの有効期限が切れています" in refused.value.message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("username", "email"),
    [
        ("{id}", "someone-else@example.jp"),
        ("{id}", ""),
        ("nobody.abc", "tanaka@echigo-kensetsu.example.co.jp"),
        ("desk1", "desk@calsreg.example.jp"),
    ],
)
def test_a_reset_request_for_a_wrong_pair_sends_nothing(username, email):
    # given
    tanaka = _tanaka()
    from tests.factories import UserFactory

    UserFactory(username="desk1", role="help_desk", email="desk@calsreg.example.jp")
    before = snapshot()

    # when
    account_password_reset_request(username=username.format(id=tanaka.username), email=email)

    # then: no mail; for a known account ID the refused request is in the audit log
    after = snapshot()
    assert (after.deliveries, after.tasks, after.passwords) == (
        before.deliveries,
        before.tasks,
        before.passwords,
    )
    audit = list(
        AuditEvent.objects.filter(action="account.password_reset_requested").values_list("data", flat=True)
    )
    if username == "{id}":
        assert audit == [{"mail_sent": False, "refused_because": "email_mismatch"}]
    else:
        assert audit == []


def test_a_reset_request_for_the_right_pair_mails_the_registered_address_once():
    tanaka = _tanaka()
    before = Delivery.objects.count()

    account_password_reset_request(
        username=f" {tanaka.username.upper()} ", email="TANAKA@echigo-kensetsu.example.co.jp"
    )
    account_password_reset_request(username=tanaka.username, email=tanaka.email)

    (delivery,) = Delivery.objects.order_by("id")[before:]
    assert (delivery.kind, delivery.to_address, delivery.context) == (
        "account_password_reset",
        tanaka.email,
        {"recipient_name": "田中 一郎"},
    )
    assert list(
        AuditEvent.objects.filter(action="account.password_reset_requested").values_list("data", flat=True)
    ) == [
        {"mail_sent": True, "refused_because": None},
        {"mail_sent": True, "refused_because": None},
    ]


@pytest.mark.urls("tests.accounts.urls")
def test_a_reset_link_works_once():
    # given: a reset mail rendered as the worker would
    tanaka = _tanaka()
    account_password_reset_request(username=tanaka.username, email=tanaka.email)
    body = render_delivery(delivery=Delivery.objects.get(kind="account_password_reset")).body
    link = RESET_URL.search(body)
    assert link is not None
    uid, token = link["uid"], link["token"]
    assert account_password_reset_check(uidb64=uid, token=token) == tanaka

    # when
    account_password_reset_complete(uidb64=uid, token=token, new_password=NEW)

    # then: set, the forced change cleared, and the link is spent
    tanaka.refresh_from_db()
    assert tanaka.check_password(NEW)
    assert tanaka.must_change_password is False
    assert AuditEvent.objects.filter(action="account.password_reset", subject_id=tanaka.pk).count() == 1
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        account_password_reset_complete(uidb64=uid, token=token, new_password="Another-one-2026")
    assert refused.value.message == INVALID_LINK
    with pytest.raises(DomainError):
        account_password_reset_check(uidb64=uid, token=token)
    assert snapshot() == before
    assert token not in str(list(Delivery.objects.values_list("context", flat=True)))


@pytest.mark.urls("tests.accounts.urls")
def test_a_reset_link_stays_usable_when_the_new_password_is_refused():
    tanaka = _tanaka()
    account_password_reset_request(username=tanaka.username, email=tanaka.email)
    link = RESET_URL.search(
        render_delivery(delivery=Delivery.objects.get(kind="account_password_reset")).body
    )
    assert link is not None

    with pytest.raises(ValidationFailed):
        account_password_reset_complete(uidb64=link["uid"], token=link["token"], new_password=PASSWORD)
    account_password_reset_complete(uidb64=link["uid"], token=link["token"], new_password=NEW)

    tanaka.refresh_from_db()
    assert tanaka.check_password(NEW)


@pytest.mark.parametrize(("uid", "token"), [("MQ", "bad-token"), ("!!", "x"), ("OTk5OTk", "x")])
def test_a_forged_reset_link_is_refused(uid, token):
    _tanaka()
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        account_password_reset_complete(uidb64=uid, token=token, new_password=NEW)

    assert refused.value.message == INVALID_LINK
    assert snapshot() == before


def test_the_history_holds_hashes_only():
    tanaka = _tanaka()
    _change(tanaka, PASSWORD, NEW)

    (stored,) = PasswordHistory.objects.filter(user=tanaka).values_list("password", flat=True)
    assert PASSWORD not in stored
    assert stored.startswith("argon2$")
    assert check_password(PASSWORD, stored)


def test_production_hashes_passwords_with_argon2id_at_full_cost(production_password_hashing):
    """The suite hashes cheaply (tests/plugins/hashing.py); production's first hasher is real Argon2id
    at OWASP's parameters (docs/decisions/0005), and that is what a stored password uses."""
    from django.contrib.auth.hashers import get_hasher, make_password

    hasher = get_hasher()
    encoded = make_password("a-long-enough-passphrase")

    assert hasher.algorithm == "argon2"
    assert type(hasher).__name__ == "OwaspArgon2PasswordHasher"
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
