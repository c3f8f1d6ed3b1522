"""Issue 3's first "Done when": the whole journey against a real SMTP server (aiosmtpd) and the real
task worker — submit → the confirmation mail goes to the directory address and to nobody else → the
supervisor confirms through the link → the call is recorded → register → ID mail and password mail
arrive separately → login refused before start of use → start-of-use notice → login forces a password
change → my page shows the project. The clear-text passwords are then looked for in every text and
JSON column of every model and in every log record: they must be nowhere but in the mails.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.apps import apps
from django.db import models

from calsreg.accounts.models import Role
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD
from tests.api.helpers import api_payload, bearer, staff_token
from tests.factories import SupervisorFactory
from tests.plugins.smtp import SmtpServer

DIRECTORY_EMAIL = "yamada.n@office.example.pref-niigata.jp"
APPLICANT_EMAIL = "shinano@echigo-kensetsu.example.co.jp"  # the applicant is not one of the users
USERS = {
    "tanaka": "tanaka@echigo-kensetsu.example.co.jp",
    "suzuki2": "suzuki@echigo-kensetsu.example.co.jp",
}
PROJECT = "信濃川護岸設置工事"
SUBJECT = {
    "received": "【新潟県CALSシステム】利用申込を受け付けました（受付番号：{receipt}）",
    "confirmation": "【新潟県CALSシステム】利用申込内容のご確認のお願い（受付番号：{receipt}）",
    "id": f"【新潟県CALSシステム】ID通知（{PROJECT}）",
    "password": f"【新潟県CALSシステム】パスワード通知（{PROJECT}）",
    "start": f"【新潟県CALSシステム】利用開始のお知らせ（{PROJECT}）",
}
CONFIRM_LINK = re.compile(r"https?://\S+/confirm/[A-Za-z0-9_-]+/")
ID_LINE = re.compile(r"^■ ID　　　　：(\S+)$", re.MULTILINE)
PASSWORD_LINE = re.compile(r"^■ 初期パスワード：(\S+)$", re.MULTILINE)
NOT_YET = "このアカウントはまだ利用できません。「利用開始のお知らせ」メールが届いてからログインしてください。"
NEW_PASSWORD = "Shinano-gawa-Kz7-2026"


def _received(smtp_server: SmtpServer, since: int) -> list[tuple[str, list[str], str]]:
    """(subject, envelope recipients, body) of each message received after the first ``since``."""
    return [
        (subject, list(envelope.rcpt_tos), message.get_content())
        for subject, envelope, message in zip(
            smtp_server.subjects[since:],
            smtp_server.envelopes[since:],
            smtp_server.messages[since:],
            strict=True,
        )
    ]


def _staff_post(client, headers, receipt: str, tail: str, body: dict):
    return client.post(
        f"/api/staff/applications/{receipt}/{tail}", body, content_type="application/json", **headers
    )


def _columns_containing(text: str) -> list[str]:
    """Every text or JSON column of every model whose stored value contains ``text``."""
    found = []
    for model in apps.get_models():
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        for name in fields:
            for value in model._default_manager.values_list(name, flat=True).iterator():
                if value is not None and text in str(value):
                    found.append(f"{model._meta.label}.{name}")
                    break
    return found


def _login(client, account_id: str, password: str):
    return client.post("/mypage/login/", {"username": account_id, "password": password}, follow=True)


@pytest.mark.django_db(transaction=True)
@time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True)  # the start of use (step 8) falls within the period
def test_registration_journey_through_api_mail_link_and_my_page(client, smtp_server, run_tasks, caplog):
    caplog.set_level(logging.DEBUG)
    supervisor = SupervisorFactory(name="山田 直樹", email=DIRECTORY_EMAIL, phone="025-280-8101")
    _desk_user, secret = staff_token(role=Role.HELP_DESK)
    desk = bearer(secret)

    # 1. The applicant submits through the API; the acknowledgment reaches the applicant only.
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], applicant_email=APPLICANT_EMAIL)
    submitted = client.post("/api/applications", payload, content_type="application/json")
    assert submitted.status_code == 201
    receipt = submitted.json()["receipt_number"]
    assert run_tasks() == 1
    assert _received(smtp_server, 0) == [
        (
            SUBJECT["received"].format(receipt=receipt),
            [APPLICANT_EMAIL],
            smtp_server.messages[0].get_content(),
        )
    ]

    # 2. The desk sends the confirmation: it goes to the directory address and to nobody else.
    sent = _staff_post(client, desk, receipt, "confirmation-requests", {"expected_open_ids": []})
    assert sent.status_code == 201
    assert run_tasks() == 1
    everything = _received(smtp_server, 0)
    confirmation_mails = [m for m in everything if m[0] == SUBJECT["confirmation"].format(receipt=receipt)]
    assert [recipients for _subject, recipients, _body in confirmation_mails] == [[DIRECTORY_EMAIL]]
    assert sorted(address for _s, recipients, _b in everything for address in recipients) == sorted(
        [APPLICANT_EMAIL, DIRECTORY_EMAIL]
    )
    ((_subject, _recipients, confirmation_body),) = confirmation_mails
    links = CONFIRM_LINK.findall(confirmation_body)
    assert len(links) == 1

    # 3. The supervisor opens the link from the mail and confirms on the page.
    confirm_path = urlsplit(links[0]).path
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert PROJECT in page.content.decode() and "山田 直樹" in page.content.decode()
    answered = client.post(confirm_path, {"answer": "confirmed", "reason": ""})
    assert answered.status_code == 200
    assert "ご回答ありがとうございました" in answered.content.decode()

    # 4. The desk records the positive call: the application is confirmed.
    called = _staff_post(
        client,
        desk,
        receipt,
        "calls",
        {"supervisor_id": supervisor.pk, "outcome": "confirmed", "note": "本人確認済"},
    )
    assert called.status_code == 201
    assert called.json()["application"]["status"] == "confirmed"
    assert called.json()["call"]["phone_number"] == "025-280-8101"

    # 5. Registration: the project with account IDs, never a password.
    registered = _staff_post(client, desk, receipt, "register", {})
    assert registered.status_code == 200
    assert "password" not in registered.content.decode().lower()
    accounts = {account["account_id"]: account for account in registered.json()["accounts"]}
    contractor_ids = {
        account_id.split(".")[0]: account_id
        for account_id in accounts
        if accounts[account_id]["role"] == "contractor"
    }
    assert sorted(contractor_ids) == sorted(USERS)
    (supervisor_id,) = [account_id for account_id in accounts if accounts[account_id]["role"] == "supervisor"]
    address_of = {contractor_ids[part]: address for part, address in USERS.items()} | {
        supervisor_id: DIRECTORY_EMAIL
    }

    # 6. Each account holder gets an ID mail and a separate password mail, one recipient each.
    before = len(smtp_server.messages)
    assert run_tasks() == 6
    credential_mails = _received(smtp_server, before)
    passwords: dict[str, str] = {}
    for account_id, address in address_of.items():
        mine = {subject: body for subject, recipients, body in credential_mails if recipients == [address]}
        assert sorted(mine) == sorted([SUBJECT["id"], SUBJECT["password"]]), address
        id_mail, password_mail = mine[SUBJECT["id"]], mine[SUBJECT["password"]]
        assert ID_LINE.findall(id_mail) == [account_id]
        (password,) = PASSWORD_LINE.findall(password_mail)
        assert password not in id_mail
        assert account_id not in password_mail
        passwords[account_id] = password
    assert all(len(recipients) == 1 for _s, recipients, _b in credential_mails)
    assert len({message["Message-ID"] for message in smtp_server.messages}) == len(smtp_server.messages)

    # 7. Before the start of use the login says plainly to wait for the notice.
    tanaka = contractor_ids["tanaka"]
    refused = _login(client, tanaka, passwords[tanaka])
    assert refused.status_code == 200
    assert NOT_YET in refused.content.decode()
    assert "_auth_user_id" not in client.session

    # 8. Start of use: the notice reaches the users, the applicant and the supervisor.
    started = _staff_post(client, desk, receipt, "start-use", {})
    assert started.status_code == 200
    assert started.json()["status"] == "active"
    before = len(smtp_server.messages)
    assert run_tasks() == 4
    notices = _received(smtp_server, before)
    assert {subject for subject, _r, _b in notices} == {SUBJECT["start"]}
    assert sorted(recipients[0] for _s, recipients, _b in notices) == sorted(
        [*USERS.values(), APPLICANT_EMAIL, DIRECTORY_EMAIL]
    )

    # 9. Now the login works and leads straight to the forced password change.
    forced = _login(client, tanaka, passwords[tanaka])
    assert forced.redirect_chain[-1][0] == "/mypage/password/"
    assert client.get("/mypage/").url == "/mypage/password/"  # no other page until it is changed
    changed = client.post(
        "/mypage/password/",
        {"old_password": passwords[tanaka], "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert changed.redirect_chain[-1][0] == "/mypage/"

    # 10. My page shows the project, in use, and the account's ID.
    mypage = changed.content.decode()
    assert PROJECT in mypage and "R8-新潟-土木-0123" in mypage and "利用中" in mypage
    assert tanaka in mypage

    # and: the clear-text passwords are in no column of any model and in no log record of ours
    assert "accounts.User.username" in _columns_containing(tanaka)  # the search does find what is stored
    for secret_text in [*passwords.values(), NEW_PASSWORD]:
        assert _columns_containing(secret_text) == [], secret_text
    # (aiosmtpd's "mail.log" is the receiving server — the far end of the mail, not our system)
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    assert ours
    for secret_text in [*passwords.values(), NEW_PASSWORD]:
        assert all(secret_text not in record.getMessage() for record in ours)
        assert all(secret_text not in f"{record.args} {record.exc_text}" for record in ours)
