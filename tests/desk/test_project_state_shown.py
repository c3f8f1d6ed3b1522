"""The queue and the application header show a registered application's project state when the
project is suspended or closed (the application's own status stays 利用中), and link the project
page; the queue reads it in the same query whatever the number of rows."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.applications.models import Application
from calsreg.applications.states import Status
from tests.desk.helpers import at, make_application
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(at("2027-02-03", 9), tick=False):
        yield


def _in_service(*, number: int, status: str, office=None) -> tuple[Application, Project]:
    """An application in service and its project in ``status`` (rows arranged directly)."""
    application = make_application(office=office or OfficeFactory(), number=number, status=Status.IN_SERVICE)
    project = Project.objects.create(
        application=application,
        office=application.office,
        project_number=application.project_number,
        name=application.project_name,
        location=application.project_location,
        period_start=application.period_start,
        period_end=application.period_end,
        contract_amount=application.contract_amount,
        contractor_name=application.contractor_name,
        status=status,
        started_at=at("2026-12-01"),
        suspended_at=at("2027-02-02", 3) if status == ProjectStatus.SUSPENDED else None,
        closed_at=at("2027-02-02", 3) if status == ProjectStatus.CLOSED else None,
    )
    return application, project


def _status_cells(content: str) -> list[str]:
    return [cell.split("</td>")[0] for cell in content.split('<td class="status">')[1:]]


def test_the_queue_shows_suspended_and_closed_projects_and_links_each_project(desk_client):
    office = OfficeFactory()
    _in_service(number=1, status=ProjectStatus.ACTIVE, office=office)
    _suspended_app, suspended = _in_service(number=2, status=ProjectStatus.SUSPENDED, office=office)
    _in_service(number=3, status=ProjectStatus.CLOSED, office=office)
    make_application(office=office, number=4)  # not registered: no project

    content = desk_client.get(reverse("desk:queue") + "?sort=receipt").content.decode()

    cells = _status_cells(content)
    assert [cell.count("利用中") for cell in cells] == [1, 0, 0, 0]
    assert "badge project-suspended" in cells[1] and "利用停止中" in cells[1]
    assert "badge project-closed" in cells[2] and "利用終了" in cells[2]
    assert f'<a href="/desk/projects/{suspended.pk}/">{suspended.project_number}</a>' in content
    assert content.count('href="/desk/projects/') == 3


@pytest.mark.parametrize("count", [1, 30])
def test_the_queue_costs_the_same_queries_for_1_or_30_projects(desk_client, django_assert_num_queries, count):
    office = OfficeFactory()
    for number in range(1, count + 1):
        _in_service(number=number, status=ProjectStatus.SUSPENDED, office=office)

    # session, user, status counts (kept per state), the page's rows (with their projects), the office
    # drop-down, failed-mail and unread badges (the paginator's COUNT(*) is gone with keyset pages)
    with django_assert_num_queries(7):
        response = desk_client.get(reverse("desk:queue"))

    assert response.content.decode().count("利用停止中</span>") == count


@pytest.mark.parametrize(
    ("status", "label"), [(ProjectStatus.SUSPENDED, "利用停止中"), (ProjectStatus.CLOSED, "利用終了")]
)
def test_the_application_header_shows_the_projects_real_state_and_links_it(desk_client, status, label):
    application, project = _in_service(number=1, status=status)

    content = desk_client.get(reverse("desk:application_detail", args=[application.pk])).content.decode()

    heading = content[
        content.index('<div class="desk-heading">') : content.index(
            "</div>", content.index('<div class="desk-heading">')
        )
    ]
    assert f'<span class="badge big project-{status}">{label}</span>' in heading
    assert "利用中" not in heading
    assert f'href="/desk/projects/{project.pk}/"' in heading


def test_an_application_before_registration_keeps_its_own_state_and_no_project_link(desk_client):
    application = make_application(office=OfficeFactory(), number=1)

    content = desk_client.get(reverse("desk:application_detail", args=[application.pk])).content.decode()

    assert f'<span class="badge big {application.status}">' in content
    assert "/desk/projects/" not in content
