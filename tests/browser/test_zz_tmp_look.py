import pytest
from tests.browser.test_desk import _realistic_desk, _orm_beside_playwright  # noqa: F401
from calsreg.notifications.models import OutboxMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_look(live_server, page, settings, tmp_path):
    _realistic_desk(settings)
    page.goto(f"{live_server.url}/desk/login/")
    page.screenshot(path="/tmp/look-login.png", full_page=True)
    page.fill("#id_username", "uketsuke")
    page.fill("#id_password", "wrong")
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.screenshot(path="/tmp/look-login-error.png", full_page=True)
    page.fill("#id_username", "uketsuke")
    page.fill("#id_password", "correct-horse-battery-staple")
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.goto(f"{live_server.url}/desk/intake/")
    bad = tmp_path / "bad.xlsx"
    from tests.desk.helpers import filled_workbook
    from calsreg.directory.models import OrdererOffice
    bad.write_bytes(filled_workbook(office=OrdererOffice.objects.get(code="1505"), F_project_name=None, F_contract_amount="四千万"))
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="検査して登録").click()
    page.screenshot(path="/tmp/look-intake-error.png", full_page=True)
    page.goto(f"{live_server.url}/desk/directory/")
    page.screenshot(path="/tmp/look-directory.png")
    from tests.directory.factories import csv_bytes, two_offices, row
    good = tmp_path / "dir.csv"
    good.write_bytes(csv_bytes(two_offices() + [row(code="150399", name="新人　太郎", kana="シンジン　タロウ", email="x@niigata.pref-niigata.example")]))
    page.locator("details.directory-import summary").click()
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="確認する（まだ登録しません）").click()
    page.screenshot(path="/tmp/look-preview.png", full_page=True)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row(email="nope", title="係長")]))
    page.goto(f"{live_server.url}/desk/directory/")
    page.locator("details.directory-import summary").click()
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="確認する（まだ登録しません）").click()
    page.screenshot(path="/tmp/look-preview-bad.png", full_page=True)
    page.goto(f"{live_server.url}/desk/outbox/")
    page.screenshot(path="/tmp/look-outbox.png", full_page=True)
    page.goto(f"{live_server.url}/desk/outbox/{OutboxMessage.objects.order_by('-id').first().pk}/")
    page.screenshot(path="/tmp/look-outbox-detail.png", full_page=True)
