"""A full media disk, for real: a small tmpfs is the media folder, filled to the last byte; an
application sent through the portal gets a clear Japanese 503 page and nothing is kept — no row,
no file, no mail."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.core import mail

from calsreg.applications.models import Application
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.factories import SupervisorFactory
from tests.portal.helpers import form_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_media(settings, tmp_path):
    """A 64 KiB tmpfs as the media folder, filled up; skipped where mounting is not allowed."""
    mount_point = tmp_path / "full-media"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(mount_point)}},
        }
        with open(mount_point / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 512)
            except OSError:  # full: the disk has no byte left
                pass
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_an_application_sent_to_a_full_disk_is_refused_with_a_clear_page_and_nothing_kept(client, full_media):
    # given
    supervisor = SupervisorFactory()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor])

    # when
    response = client.post("/apply/", body)

    # then: a 503 that says nothing arrived, with the help desk
    html = response.content.decode()
    assert response.status_code == 503
    assert "受け付けできませんでした。申請は届いていません。時間をおいてもう一度送信してください。" in html
    assert "helpdesk@calsreg.example.jp" in html
    # and nothing was kept
    assert (Application.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)
    assert (Delivery.objects.count(), len(mail.outbox)) == (0, 0)
    assert _files(full_media) == ["filler"]
