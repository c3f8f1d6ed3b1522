import pytest
from calsreg.directory.demo import load_demo_directory
from calsreg.records.services import Actor
from calsreg.portal.demo import load_demo_notices

@pytest.mark.django_db
def test_pages(client):
    load_demo_directory(actor=Actor.system())
    load_demo_notices()
    for url in ["/", "/how-to-apply/", "/downloads/", "/terms/", "/apply/", "/apply/upload/", "/status/", "/apply/supervisors/?office=1501", "/apply/user-row/?user_rows=3", "/downloads/terms.pdf", "/downloads/application-form.xlsx"]:
        r = client.get(url)
        print(url, r.status_code, r.get("Content-Disposition"))
        assert r.status_code == 200
    open("/tmp/apply.html","w").write(client.get("/apply/").content.decode())
    open("/tmp/top.html","w").write(client.get("/").content.decode())
