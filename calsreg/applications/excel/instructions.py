"""The 「記入要領」 sheet: how to fill in the form, the ID rule, the confirmation and where to send it."""

from __future__ import annotations

from django.conf import settings
from openpyxl.worksheet.worksheet import Worksheet

from calsreg.applications.excel import styles
from calsreg.applications.schema import FORM_VERSION

INSTRUCTIONS_SHEET = "記入要領"


def _paragraphs() -> list[tuple[str, str]]:
    """(heading, text) pairs; read at build time so the settings of the running site apply."""
    desk, site = settings.HELP_DESK_EMAIL, settings.SITE_URL
    return [
        (
            "1．この申込書について",
            "新潟県CALSシステム（情報共有システム）を工事で利用するための申込書です。"
            "工事1件につき1通お申し込みください。",
        ),
        (
            "2．記入のしかた",
            "「申込書」シートの黄色の欄に入力してください。「必須」の欄は必ず入力してください。"
            "▼の出る欄は一覧から選んでください。日付は 2026-12-01 や 2026/12/01 のように、請負金額は円単位（税込）の"
            "半角数字で入力してください。数式は使わず、値を直接入力してください。"
            "シートや行・列の削除はしないでください（読み取れなくなります）。",
        ),
        (
            "3．希望IDについて",
            "希望IDは半角英数字（a〜z、0〜9）3〜10文字で入力してください。全角文字・記号・空白は使えません。"
            "重複を防ぐため、登録時にヘルプデスクが希望IDの後ろに「.」（ドット）と3文字を付けます"
            "（例: tanaka → tanaka.kqz）。付く3文字は選べません。利用者ごとに別のIDにしてください。",
        ),
        (
            "4．発注者への確認（なりすまし防止）",
            "ヘルプデスクは、あらかじめ把握している発注者の監督員（主任監督員・監督員）に、メールと電話で"
            "申込内容を確認してから登録します。申込書には監督員のお名前だけを記入してください。"
            "連絡先は記入不要です（記入されていても確認には使いません）。",
        ),
        (
            "5．送付先",
            f"記入した申込書（このファイル）を .xlsx 形式のまま、ポータルサイト（{site}）からアップロードするか、"
            f"メールに添付して {desk} へお送りください。パスワードは付けないでください。"
            "1通のメールに申込書は1つだけ添付してください。PDFや印刷したものは受け付けできません。",
        ),
        (
            "6．受付後の流れ",
            "受付番号をメールでお知らせします。発注者への確認が済むと登録され、IDとパスワードがメールで届きます。"
            "「利用開始通知」が届いてから利用を始めてください。利用料の請求書は郵送でお届けします。",
        ),
        (
            "7．変更・訂正",
            "登録後に監督員・工事名・利用者などが変わったときは変更申込をしてください。ヘルプデスクから、"
            "登録済みの申込担当者の電話番号にお電話して本人確認をします。",
        ),
        (
            "8．お問い合わせ",
            f"新潟県CALSシステム ヘルプデスク {desk}　受付時間: 平日 9:00〜17:00"
            "（12:00〜13:00、土日祝日、12月29日〜1月3日を除く）",
        ),
    ]


def instructions_fill(*, sheet: Worksheet) -> None:
    """Write the instructions; the sheet is protected so a stray keystroke cannot change them."""
    sheet.column_dimensions["A"].width = 2
    sheet.column_dimensions["B"].width = 96
    sheet.sheet_view.showGridLines = False
    title = sheet.cell(row=1, column=2, value="新潟県CALSシステム 利用申込書　記入要領")
    title.font = styles.TITLE_FONT
    sheet.row_dimensions[1].height = 30
    row = 3
    for heading, text in _paragraphs():
        head = sheet.cell(row=row, column=2, value=heading)
        head.font, head.fill = styles.SECTION_FONT, styles.SECTION_FILL
        body = sheet.cell(row=row + 1, column=2, value=text)
        body.font, body.alignment = styles.BODY_FONT, styles.TOP_LEFT
        # ~48 full-width characters fit on a line of the 96-wide column.
        sheet.row_dimensions[row + 1].height = 15 * (len(text) // 46 + 1)
        row += 3
    version = sheet.cell(row=row, column=2, value=f"様式 {FORM_VERSION}")
    version.font, version.alignment = styles.HINT_FONT, styles.RIGHT
    sheet.print_area = f"A1:B{row}"
    _print_setup(sheet)
    sheet.protection.sheet = True


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
