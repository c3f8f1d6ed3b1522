"""The co-member takeover, through the real screens: one contractor user of a project (A, tanaka) files
from their own my page a change of ANOTHER user's (B, suzuki2) e-mail address to an address A holds,
then the desk's call-back panel records a positive call to A — the filer — or to another member.

本人確認: only B, called at B's number on file, can confirm a change to B's data. The call to A is
refused and nothing changes: B's address, password hash and session, the request and its items, no
call record, no audit event, no mail to A's address — and a password reset to that address is
impossible, because B's address on file is still B's.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from calsreg.accounts.models import Project, Role, User
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.accounts.helpers import PASSWORD, started
from tests.changes.callback_helpers import DURING_THE_WORKS
from tests.desk.helpers import confirm_preview
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "tanaka.private@evil.example.net"
REFUSED = (
    "電話した相手（本人）: 電話した相手は、変更される情報の本人（利用者 {id} 鈴木 次郎）から選んでください。"
    "申込者や他の利用者への電話では、その人の情報でない項目は確認できません。"
)


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(DURING_THE_WORKS, tick=False)


def _signed_in(user: User) -> Client:
    """A browser of ``user``, signed in through my page's login form."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    client = Client()
    response = client.post("/mypage/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/mypage/").status_code == 200
    return client


def _desk() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.HELP_DESK, username="helpdesk1"))
    return client


def _filed_for_another_member(attacker: Client, project: Project, victim: User) -> ChangeRequest:
    """A's my page change form, B's e-mail address changed to A's."""
    response = attacker.post(
        f"/mypage/changes/{project.pk}/",
        {
            "requester_name": "田中 一郎",
            "requester_phone": "090-1234-5678",
            "reason": "鈴木のメールアドレスが変わったため",
            f"acct-{victim.username}-email": ATTACKER,
            "action": "submit",
        },
    )
    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    return change


def _state(victim: User, change: ChangeRequest) -> dict[str, Any]:
    """Everything the takeover would change, and every trace recording a call would leave."""
    return {
        "victim": User.objects.filter(pk=victim.pk)
        .values("username", "email", "password", "phone", "state", "is_active")
        .get(),
        "request": ChangeRequest.objects.filter(pk=change.pk)
        .values("status", "verified_at", "applied_at", "rejected_at", "impersonation_suspected")
        .get(),
        "items": list(
            change.items.values(
                "field", "target", "after", "decision", "decided_at", "decided_by", "applied_at"
            )
        ),
        "call_backs": CallBack.objects.count(),
        # The desk's reading is recorded (the redirect back shows the request): anything else is not.
        "audit": list(
            AuditEvent.objects.exclude(action="change_request.viewed")
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "evidence": list(Evidence.objects.order_by("pk").values_list("pk", flat=True)),
        "deliveries": list(Delivery.objects.order_by("pk").values_list("pk", flat=True)),
        "sessions": sorted(Session.objects.values_list("session_key", flat=True)),
    }


def _call(desk: Client, change: ChangeRequest, contact: str) -> str:
    """The desk's call-back panel, posted as the operator would: a positive call, the item confirmed."""
    item = change.items.get()
    response = desk.post(
        reverse("desk:change_callback", args=[change.pk]),
        {"contact": contact, "outcome": "confirmed", f"item_{item.pk}": "confirmed", "note": "本人に確認"},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_positive_call_to_the_filer_cannot_confirm_another_members_email_change():
    project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    victim = _signed_in(suzuki)
    victim_session = victim.session.session_key
    change = _filed_for_another_member(_signed_in(tanaka), project, suzuki)
    desk = _desk()
    before = _state(suzuki, change)

    # The panel names B, at B's number on file, as the one to call; A is not offered; nothing chosen.
    panel = desk.get(
        reverse("desk:change_verification_panel", args=[change.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert re.findall(r'name="contact" value="([^"]+)"', panel) == [suzuki.username]
    assert f"<output>{suzuki.phone}</output>" in panel and "checked" not in panel

    # The attack: a "confirmed" call to A, the filer, recorded through the panel.
    refused = _call(desk, change, tanaka.username)
    apply = desk.post(reverse("desk:change_apply", args=[change.pk]), follow=True).content.decode()

    assert REFUSED.format(id=suzuki.username) in refused
    assert "本人確認（登録済みの電話番号への折り返し）が済んでいない変更申込は反映できません" in apply
    assert _state(suzuki, change) == before
    assert before["victim"]["email"] == "suzuki@echigo-kensetsu.example.co.jp"
    assert before["request"]["status"] == ChangeStatus.SUBMITTED
    assert [(item["decision"], item["decided_by"]) for item in before["items"]] == [("pending", None)]
    assert before["call_backs"] == 0
    assert Delivery.objects.filter(to_address=ATTACKER).count() == 0
    assert not AuditEvent.objects.filter(
        action__in=["change_request.verified", "change_request.applied", "account.contact_corrected"]
    ).exists()
    # B is still signed in, on B's own session.
    assert victim.get("/mypage/").status_code == 200 and victim.session.session_key == victim_session

    # A password reset to the requested address: the same answer as for any mismatch, and no mail.
    reset = Client().post(
        "/mypage/password/reset/", {"username": suzuki.username, "email": ATTACKER}, follow=True
    )
    assert reset.redirect_chain == [("/mypage/password/reset/sent/", 302)]
    assert not Delivery.objects.filter(kind="account_password_reset").exists()
    assert Delivery.objects.filter(to_address=ATTACKER).count() == 0
    assert User.objects.get(pk=suzuki.pk).password == before["victim"]["password"]


def test_a_positive_call_to_the_applicant_cannot_confirm_a_users_email_change():
    """Nor any other member: the 申込担当者 answers for the registration, not for B's own address."""
    project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = _filed_for_another_member(_signed_in(tanaka), project, suzuki)
    desk = _desk()
    before = _state(suzuki, change)

    refused = _call(desk, change, "applicant")

    assert REFUSED.format(id=suzuki.username) in refused
    assert _state(suzuki, change) == before
    assert Delivery.objects.filter(to_address=ATTACKER).count() == 0


def test_only_the_call_to_the_member_concerned_confirms_their_email_change():
    """The same request, confirmed by B at B's number on file: applied, and B's old address told."""
    project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = _filed_for_another_member(_signed_in(tanaka), project, suzuki)
    desk = _desk()

    message = _call(desk, change, suzuki.username)
    confirm_preview(desk, reverse("desk:change_apply", args=[change.pk]))

    assert "本人確認の電話を記録しました。確認できた項目を反映できます。" in message
    call = CallBack.objects.get()
    assert (call.contact, call.phone_number) == (suzuki.username, "080-2345-6789")
    assert User.objects.get(pk=suzuki.pk).email == ATTACKER
    assert "account_email_changed_old" in Delivery.objects.filter(
        to_address="suzuki@echigo-kensetsu.example.co.jp"
    ).values_list("kind", flat=True)
