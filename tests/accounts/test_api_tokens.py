"""API tokens: issued to staff only, shown once, stored as a SHA-256 digest, revocable, audited."""

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from calsreg.accounts.models import ApiToken, Role
from calsreg.accounts.services import api_token_authenticate, api_token_issue, api_token_revoke
from calsreg.core.errors import Conflict, ValidationFailed
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r"^csr_[A-Za-z0-9_-]{43}$")


def _create(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_secret_once_and_stores_only_its_hash():
    user = UserFactory(username="desk1", role=Role.HELP_DESK)

    output = _create("desk1", "--name", "情報共有システム連携")

    lines = output.splitlines()
    secrets = [line for line in lines if SECRET_RE.match(line)]
    assert len(secrets) == 1
    secret = secrets[0]
    assert output.count(secret) == 1
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (user, "情報共有システム連携", secret[:10])
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.token_hash, token.prefix, token.name}
    assert lines == [
        f"APIトークンを発行しました（desk1、情報共有システム連携、識別: {secret[:10]}）。",
        "このトークンは今だけ表示します。安全な場所に保管してください:",
        secret,
    ]
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.actor_type, event.actor_label, event.data) == (
        "api_token.issued",
        "system",
        "manage.py create_api_token",
        {"user": "desk1", "prefix": secret[:10]},
    )
    assert secret not in str(event.data) + event.summary_display


def test_two_tokens_get_different_secrets():
    UserFactory(username="desk1")

    first, second = _create("desk1", "--name", "a"), _create("desk1", "--name", "b")

    assert first.splitlines()[-1] != second.splitlines()[-1]
    assert ApiToken.objects.count() == 2


def test_the_command_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="利用者「nobody」はいません。"):
        _create("nobody", "--name", "連携")
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.SUPERVISOR])
def test_no_token_is_issued_to_an_account_holder(role):
    UserFactory(username="holder.abc", role=role)

    with pytest.raises(CommandError, match="APIトークンは有効な職員の利用者にだけ発行できます。"):
        _create("holder.abc", "--name", "連携")
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_no_token_is_issued_to_an_inactive_user_or_without_a_name():
    user = UserFactory(is_active=False)

    with pytest.raises(ValidationFailed) as refused:
        api_token_issue(user=user, name="  ", actor=Actor.system("test"))

    assert [error.field for error in refused.value.errors] == ["name", "user"]
    assert ApiToken.objects.count() == 0


def test_authenticate_finds_the_user_and_stamps_the_last_use():
    user = UserFactory()
    issued = api_token_issue(user=user, name="連携", actor=Actor.system("test"))

    assert api_token_authenticate(secret=issued.secret) == user
    assert api_token_authenticate(secret=issued.secret + "x") is None
    assert api_token_authenticate(secret="") is None
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_a_revoked_token_no_longer_authenticates_and_the_revocation_is_audited():
    user = UserFactory()
    issued = api_token_issue(user=user, name="連携", actor=Actor.system("test"))

    api_token_revoke(token=issued.token, actor=Actor.staff(user))

    assert api_token_authenticate(secret=issued.secret) is None
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "api_token.issued",
        "api_token.revoked",
    ]
    with pytest.raises(Conflict):
        api_token_revoke(token=issued.token, actor=Actor.staff(user))
    assert AuditEvent.objects.count() == 2


def test_the_revoke_command_revokes_by_prefix():
    UserFactory(username="desk1")
    secret = _create("desk1", "--name", "連携").splitlines()[-1]
    out = StringIO()

    call_command("revoke_api_token", secret[:10], stdout=out)

    assert out.getvalue() == "APIトークンを失効させました（desk1、連携）。\n"
    assert ApiToken.objects.get().revoked_at is not None
    with pytest.raises(CommandError, match="有効なAPIトークンはありません"):
        call_command("revoke_api_token", secret[:10], stdout=StringIO())
