"""How passwords are stored in production: argon2id at OWASP's parameters (docs/decisions/0005), and
a hash stored with Django's old default parameters re-hashed at the holder's next sign-in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, get_hasher, make_password

from calsreg.accounts.hashers import OwaspArgon2PasswordHasher
from calsreg.accounts.models import User
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

pytestmark = pytest.mark.django_db

OWASP_PARAMETERS = "argon2$argon2id$v=19$m=19456,t=2,p=1$"
OLD_PARAMETERS = "argon2$argon2id$v=19$m=102400,t=2,p=8$"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC), tick=False)


def test_production_stores_new_passwords_as_argon2id_at_owasp_parameters(production_password_hashing):
    encoded = make_password("a-long-enough-passphrase")

    assert type(get_hasher()) is OwaspArgon2PasswordHasher
    assert encoded.startswith(OWASP_PARAMETERS)
    assert check_password("a-long-enough-passphrase", encoded)
    assert not check_password("a-long-enough-passphrasE", encoded)


def test_a_hash_with_djangos_old_parameters_is_rehashed_at_the_next_sign_in(
    client, production_password_hashing
):
    # given: an account whose password was stored with Django's default Argon2 parameters
    holder = make_account()
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    User.objects.filter(pk=holder.pk).update(password=old)
    assert old.startswith(OLD_PARAMETERS)

    # when: the holder signs in through the real login page
    response = client.post("/mypage/login/", {"username": ACCOUNT_ID, "password": PASSWORD})

    # then: signed in, and the stored hash now carries the new parameters for the same password
    assert response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session
    stored = User.objects.get(pk=holder.pk).password
    assert stored != old
    assert stored.startswith(OWASP_PARAMETERS)
    assert check_password(PASSWORD, stored)
    assert not check_password("wrong-" + PASSWORD, stored)


def test_a_wrong_password_leaves_the_old_hash_as_it_was(client, production_password_hashing):
    # given
    holder = make_account()
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    User.objects.filter(pk=holder.pk).update(password=old)

    # when: someone without the password tries it on the login page
    response = client.post("/mypage/login/", {"username": ACCOUNT_ID, "password": "wrong-" + PASSWORD})

    # then: refused, and the stored hash is untouched (nothing is re-hashed without the password)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert User.objects.get(pk=holder.pk).password == old
