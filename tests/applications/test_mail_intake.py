"""Taking the application workbook out of a received mail saved as .eml."""

from datetime import datetime, timedelta, timezone
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from calsreg.applications.excel import workbook_build, workbook_read
from calsreg.applications.mail_intake import ReceivedMail, workbook_from_eml
from calsreg.core.errors import UploadRefused
from tests.applications.files.workbooks import OFFICES, complete_payload, complete_values, filled

JST = timezone(timedelta(hours=9))
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _mail(attachments=(), subject="利用申込（信濃川護岸設置工事）"):
    message = EmailMessage()
    message["From"] = "信濃 花子 <hanako@echigo-kensetsu.example.jp>"
    message["To"] = "helpdesk@calsreg.example.jp"
    message["Subject"] = subject
    message["Date"] = "Tue, 01 Dec 2026 10:15:00 +0900"
    message["Message-ID"] = "<20261201101500.1234@echigo-kensetsu.example.jp>"
    message.set_content("新潟県CALSシステムの利用を申し込みます。申込書を添付します。")
    for filename, content, (maintype, subtype) in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


def _refusal(content):
    with pytest.raises(UploadRefused) as caught:
        workbook_from_eml(content=content)
    return caught.value.message


def test_japanese_named_workbook_attachment_rfc2231():
    workbook = filled(workbook_build(office_names=OFFICES), complete_values())
    eml = _mail([("利用申込書_越後建設.xlsx", workbook, XLSX)])
    # RFC 2231: percent-encoded UTF-8, split into continuations (filename*0*, filename*1*).
    assert b"filename*0*=utf-8''%E5%88%A9%E7%94%A8" in eml
    assert b"filename*1*=" in eml

    received = workbook_from_eml(content=eml)

    assert received == ReceivedMail(
        from_address="hanako@echigo-kensetsu.example.jp",
        subject="利用申込（信濃川護岸設置工事）",
        date=datetime(2026, 12, 1, 10, 15, tzinfo=JST),
        message_id="<20261201101500.1234@echigo-kensetsu.example.jp>",
        workbook_bytes=workbook,
        workbook_filename="利用申込書_越後建設.xlsx",
    )
    payload = workbook_read(content=received.workbook_bytes, filename=received.workbook_filename)
    assert payload == complete_payload()


def test_iso_2022_jp_encoded_word_filename_and_subject_from_older_mailers():
    # Many Japanese mail programs write the filename as an RFC 2047 encoded word, not RFC 2231.
    filename = Header("利用申込書.xlsx", "iso-2022-jp").encode()
    subject = Header("利用申込", "iso-2022-jp").encode()
    eml = (
        "From: hanako@echigo-kensetsu.example.jp\r\n"
        f"Subject: {subject}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\nbody\r\n"
        f'--b1\r\nContent-Type: application/octet-stream; name="{filename}"\r\n'
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAIAA==\r\n--b1--\r\n"
    ).encode("ascii")

    received = workbook_from_eml(content=eml)

    assert (received.workbook_filename, received.subject) == ("利用申込書.xlsx", "利用申込")
    assert received.workbook_bytes == b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
    assert (received.date, received.message_id) == (None, "")


def test_workbook_inside_a_forwarded_mail_is_found():
    inner = EmailMessage()
    inner["From"] = "hanako@echigo-kensetsu.example.jp"
    inner["Subject"] = "利用申込"
    inner.set_content("申込書を添付します。")
    inner.add_attachment(b"PK\x03\x04", maintype=XLSX[0], subtype=XLSX[1], filename="申込書.xlsx")
    outer = EmailMessage()
    outer["From"] = "desk-staff@calsreg.example.jp"
    outer["Subject"] = "Fwd: 利用申込"
    outer.set_content("転送します。")
    outer.add_attachment(inner)

    received = workbook_from_eml(content=outer.as_bytes(policy=SMTP))

    assert (received.workbook_filename, received.workbook_bytes) == ("申込書.xlsx", b"PK\x03\x04")


def test_mail_without_attachment():
    assert _refusal(_mail()) == (
        "メールにExcelの申込書（.xlsx）が添付されていません（添付ファイル: なし）。"
        "申込者に、記入した申込書を .xlsx 形式のまま添付して送り直すよう依頼してください。"
    )


def test_mail_with_only_a_pdf_and_an_old_xls_says_what_was_attached():
    eml = _mail(
        [
            ("利用申込書.pdf", b"%PDF-1.7", ("application", "pdf")),
            ("利用申込書.xls", b"\xd0\xcf\x11\xe0", ("application", "vnd.ms-excel")),
        ]
    )

    assert _refusal(eml) == (
        "メールにExcelの申込書（.xlsx）が添付されていません（添付ファイル: 利用申込書.pdf、利用申込書.xls）。"
        "申込者に、記入した申込書を .xlsx 形式のまま添付して送り直すよう依頼してください。"
    )


def test_mail_with_two_workbooks_names_both():
    eml = _mail([("申込書_A工事.xlsx", b"PK\x03\x04", XLSX), ("申込書_B工事.XLSX", b"PK\x03\x04", XLSX)])

    assert _refusal(eml) == (
        "メールにExcelファイルが2個添付されています（申込書_A工事.xlsx、申込書_B工事.XLSX）。"
        "どれが申込書か判断できないため、1通のメールに申込書を1つだけ添付して送り直すよう依頼してください。"
    )


@pytest.mark.parametrize(
    "content", [b"", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "ただのテキストです。\n".encode()]
)
def test_not_a_mail(content):
    assert _refusal(content) == (
        "メールとして読み取れません。メールソフトで受信したメールを「.eml」形式で保存したファイルを選んでください。"
    )


def test_mail_over_the_upload_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024

    assert _refusal(b"From: a@example.jp\r\n\r\n" + b"x" * 2026) == (
        "メールのファイルが大きすぎます（2KB。上限は1KBです）。"
    )
