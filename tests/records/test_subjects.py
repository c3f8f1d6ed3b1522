"""Audit rows name their subject so that two apps' models of the same name never share a timeline."""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.models import Application as RelyingParty

from calsreg.accounts.models import Role
from calsreg.core.subjects import subject_type_of
from calsreg.records.models import AuditEvent
from calsreg.records.selectors import audit_timeline
from calsreg.records.services import Actor
from calsreg.sso.services import relying_party_register
from tests.desk.helpers import make_application
from tests.factories import OfficeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_our_models_keep_their_bare_name_and_a_relying_party_its_app_label():
    assert subject_type_of(AuditEvent) == "auditevent"
    assert subject_type_of(RelyingParty) == "oauth2_provider.application"


def test_a_relying_party_with_an_applications_id_stays_off_that_applications_timeline():
    # given an application and a relying party registered with the same primary key
    application = make_application(office=OfficeFactory(), number=1)
    party = relying_party_register(
        name="情報共有システム",
        redirect_uris=["https://share.example.jp/cb"],
        post_logout_redirect_uris=[],
        confidential=True,
        first_party=True,
        actor=Actor.system("test"),
    ).application
    RelyingParty.objects.filter(pk=party.pk).update(id=application.pk)
    AuditEvent.objects.filter(action="sso.party_registered").update(subject_id=application.pk)
    client = Client()
    client.force_login(UserFactory(role=Role.HELP_DESK))

    # when the desk opens the application
    content = client.get(f"/desk/applications/{application.pk}/").content.decode()

    # then the party's registration is on neither its timeline nor the page
    assert [e.action for e in audit_timeline(subject=application) if e.action.startswith("sso.")] == []
    assert "情報共有システム" not in content
