"""An application's detail page: schema-driven fields, contacts, audit of the view, query count."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from calsreg.applications.models import ApplicationUser, UserRole
from calsreg.applications.schema import FIELDS, SECTION_LABELS, USER_FIELDS, Section
from calsreg.directory.models import SupervisorTitle
from calsreg.records.models import AuditEvent, EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store
from tests.desk.helpers import make_application, submit_application
from tests.factories import OfficeFactory, SupervisorFactory

pytestmark = pytest.mark.django_db


def _detail(client, application):
    return client.get(reverse("desk:application_detail", args=[application.pk]))


def test_every_schema_field_is_shown_under_its_section(desk_client):
    application = submit_application()

    content = _detail(desk_client, application).content.decode()

    for section in (Section.PROJECT, Section.CONTRACTOR, Section.APPLICANT, Section.BILLING):
        assert f">{SECTION_LABELS[section]}</h2>" in content
    for spec in FIELDS:
        assert f"<dt>{spec.label}</dt>" in content
    for spec in USER_FIELDS:
        assert f'<th scope="col">{spec.label}</th>' in content
    assert "信濃川護岸設置工事" in content
    assert "48,400,000円" in content
    assert "2026年12月1日(火)" in content
    assert "<code>suzuki2</code>" in content
    assert "現場代理人" in content


def test_opening_the_detail_records_a_staff_view_of_personal_data(desk_client, desk_user):
    application = submit_application()

    _detail(desk_client, application)

    viewed = AuditEvent.objects.filter(action="application.viewed", subject_id=application.pk)
    assert [(event.actor_id, event.actor_type, event.subject_type) for event in viewed] == [
        (desk_user.pk, "staff", "application")
    ]


def test_timeline_lists_the_audit_log_with_japanese_dates(desk_client):
    application = submit_application()

    content = _detail(desk_client, application).content.decode()

    timeline = content.split('id="section-timeline"')[1]
    assert "利用申込を受け付けました（Webフォーム）。" in timeline
    assert "申込内容（個人情報を含む）を閲覧しました。" in timeline
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\(.\) \d\d:\d\d</time>", timeline)


def test_directory_supervisors_are_shown_with_directory_contacts(desk_client):
    supervisor = SupervisorFactory(
        name="山田 直樹", email="yamada.n@niigata.pref-niigata.example", phone="025-280-8101"
    )
    application = submit_application(supervisor=supervisor)

    content = _detail(desk_client, application).content.decode()

    section = content.split('id="supervisors"')[1]
    assert "山田 直樹" in section
    assert "yamada.n@niigata.pref-niigata.example" in section
    assert "025-280-8101" in section


def test_acknowledgment_mail_is_listed(desk_client):
    application = submit_application()

    content = _detail(desk_client, application).content.decode()

    section = content.split('id="section-deliveries"')[1]
    assert "<td>受付確認メール</td>" in section
    assert "tanaka@echigo-kensetsu.example.co.jp" in section
    assert "送信待ち" in section


def test_duplicate_links_to_the_earlier_application(desk_client):
    first = submit_application()
    second = submit_application(supervisor=first.supervisors.get())

    content = _detail(desk_client, second).content.decode()

    assert f'<a href="/desk/applications/{first.pk}/">{first.receipt_number}</a>' in content


def test_normalisation_notices_are_shown(desk_client):
    application = submit_application(
        users=[
            {
                "role": "site_agent",
                "name": "田中 一郎",
                "kana": "タナカ イチロウ",
                "email": "tanaka@echigo.example.jp",
                "phone": "090-1234-5678",
                "requested_id": "ｔａｎａｋａ",
            }
        ]
    )

    content = _detail(desk_client, application).content.decode()

    assert "入力の自動補正" in content
    assert "ｔａｎａｋａ → tanaka" in content


def test_unknown_application_is_404(desk_client):
    assert desk_client.get(reverse("desk:application_detail", args=[999_999])).status_code == 404


def _grow(application, *, n: int, actor: Actor) -> None:
    """Give ``application`` n users, n evidence files, n audit events and n directory supervisors."""
    ApplicationUser.objects.filter(application=application).delete()
    for position in range(1, n + 1):
        ApplicationUser.objects.create(
            application=application,
            position=position,
            role=UserRole.SITE_AGENT if position == 1 else UserRole.ENGINEER,
            name=f"越後 利用者{position}",
            kana="リヨウシャ",
            email=f"user{position}@echigo.example.jp",
            phone="090-0000-0000",
            requested_id=f"user{position:02d}",
        )
        evidence_store(
            content=f"file {position}".encode(),
            original_name=f"file{position}.txt",
            content_type="text/plain",
            kind=EvidenceKind.OTHER,
            subject=application,
            actor=actor,
        )
        audit_record(actor=actor, action="test.event", subject=application, summary=f"event {position}")
        application.supervisors.add(SupervisorFactory(office=application.office))


@pytest.mark.parametrize("n", [1, 10])
def test_detail_costs_the_same_queries_for_1_or_10_users_files_and_events(
    desk_client, django_assert_num_queries, n
):
    office = OfficeFactory()
    application = make_application(
        office=office, number=1, stated_supervisors=[{"name": "山田", "title": "監督員"}]
    )
    _grow(application, n=n, actor=Actor.system())

    # session, user, application (+office, organisation, duplicate), users, supervisors (with their
    # offices), the view's audit INSERT, evidence, timeline, deliveries, the office's directory supervisors,
    # accounts (with their memberships), the project's state, the two menu badges
    with django_assert_num_queries(14):
        response = _detail(desk_client, application)

    content = response.content.decode()
    assert content.count("越後 利用者") == n
    assert content.count('href="/desk/evidence/') == n
    assert content.count("event ") == n


def test_match_offers_only_the_offices_active_supervisors(desk_client):
    office = OfficeFactory()
    active = SupervisorFactory(office=office, name="有効 一郎", title=SupervisorTitle.SUPERVISOR)
    SupervisorFactory(office=office, name="退職 二郎", active=False)
    SupervisorFactory(name="他事務所 三郎")
    application = make_application(
        office=office, number=1, stated_supervisors=[{"name": "有効 一郎", "title": "supervisor"}]
    )

    content = _detail(desk_client, application).content.decode()

    offered = re.findall(r'name="supervisors" value="(\d+)"', content)
    assert offered == [str(active.pk)]
    assert "<li>有効 一郎（監督員）</li>" in content


def test_match_saves_the_chosen_directory_supervisors_and_audits(desk_client, desk_user):
    office = OfficeFactory()
    chosen = SupervisorFactory(office=office)
    application = make_application(office=office, number=1)

    response = desk_client.post(
        reverse("desk:application_match", args=[application.pk]), {"supervisors": [chosen.pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/desk/applications/{application.pk}/#supervisors"
    assert list(application.supervisors.all()) == [chosen]
    event = AuditEvent.objects.get(action="application.supervisors_matched")
    assert (event.actor_id, event.data) == (desk_user.pk, {"before": [], "after": [chosen.code]})


def test_match_refuses_a_supervisor_of_another_office_and_changes_nothing(desk_client):
    office = OfficeFactory()
    SupervisorFactory(office=office)
    outsider = SupervisorFactory()
    application = make_application(office=office, number=1)

    response = desk_client.post(
        reverse("desk:application_match", args=[application.pk]), {"supervisors": [outsider.pk]}, follow=True
    )

    assert list(application.supervisors.all()) == []
    assert not AuditEvent.objects.filter(action="application.supervisors_matched").exists()
    assert 'class="error"' in response.content.decode()


def test_match_with_nothing_chosen_is_refused(desk_client):
    office = OfficeFactory()
    SupervisorFactory(office=office)
    application = make_application(office=office, number=1)

    response = desk_client.post(reverse("desk:application_match", args=[application.pk]), {}, follow=True)

    assert "名簿から監督員を1人以上選んでください。" in response.content.decode()
    assert list(application.supervisors.all()) == []
