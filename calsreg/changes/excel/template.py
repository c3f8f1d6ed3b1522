"""The change workbook (変更申込書) generated for one project, pre-filled with its registration.

Each item has its 「現在の登録内容」 (locked, grey) beside an empty 「変更後」 cell (yellow); only the
変更後 cells and the mark cells carry defined names (``cells.py``), and only filled ones become items
when the workbook is read back. The look (fonts, fills, formats) and the input rules come from the
application workbook (``applications.excel.styles`` and ``validations``).
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from calsreg.accounts.models import Project, User
from calsreg.applications.excel import styles
from calsreg.applications.excel.validations import LIST_NAMES, hint_text
from calsreg.applications.models import UserRole
from calsreg.applications.schema import (
    FIELDS_BY_KEY,
    USER_FIELDS,
    USER_FIELDS_BY_KEY,
    FieldSpec,
    Kind,
    Section,
)
from calsreg.changes.catalog import ITEMS, ItemSpec
from calsreg.changes.excel import cells
from calsreg.changes.excel.sheet import Sheet, define
from calsreg.changes.models import ChangeKind
from calsreg.changes.registration import registered_value
from calsreg.changes.selectors import (
    UserOnFile,
    person_choices,
    project_supervisors_on_file,
    project_users_on_file,
    supervisors_to_add,
)
from calsreg.changes.validation import REASON_MAX
from calsreg.core.exports import cell_set
from calsreg.directory.models import Supervisor

MAIN_SHEET = "変更申込書"
USERS_SHEET = "利用者"
SUPERVISORS_SHEET = "監督員"
LIST_SHEET = "リスト"
META_SHEET = "_meta"

REMOVE_LIST, ADD_LIST, USER_ID_LIST, PERSON_LIST = "L_remove", "L_add", "L_user_ids", "L_persons"
INPUT_ROW_HEIGHT = 24
MAIN_WIDTHS = {"A": 5, "B": 28, "C": 34, "D": 34, "E": 38}
USERS_WIDTHS = {"A": 14, "B": 16, "C": 18, "D": 18, "E": 26, "F": 30, "G": 16, "H": 12}
SUPERVISOR_WIDTHS = {"A": 10, "B": 24, "C": 16, "D": 12}
_SECTIONS = (
    (ChangeKind.PROJECT, "工事情報・工事名の変更"),
    (ChangeKind.CONTACT, "受注者・申込担当者の連絡先・個人情報の訂正"),
    (ChangeKind.BILLING_ADDRESS, "請求書送付先の変更"),
)


def change_workbook_build(*, project: Project, requester: User | None = None) -> bytes:
    """The change workbook of ``project`` as .xlsx bytes; ``requester`` pre-fills the 申込者 cells.

    It holds the project's registration (personal data): give it only to the project's members.
    """
    with translation.override("ja"):  # the form is Japanese whatever language the page is in
        workbook = _Builder(project=project, requester=requester).build()
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _Builder:
    def __init__(self, *, project: Project, requester: User | None) -> None:
        self.project = project
        self.requester = requester
        self.users: list[UserOnFile] = project_users_on_file(project)
        self.supervisors: list[Supervisor] = project_supervisors_on_file(project)
        self.candidates: list[Supervisor] = supervisors_to_add(project)
        self.persons = [label for _key, label in person_choices(project)]
        self.workbook = Workbook()

    def build(self) -> Workbook:
        main = self.workbook.active
        main.title = MAIN_SHEET
        self._main(Sheet(self.workbook, main, last_column=5))
        self._users(Sheet(self.workbook, self.workbook.create_sheet(USERS_SHEET), last_column=8))
        self._supervisors(Sheet(self.workbook, self.workbook.create_sheet(SUPERVISORS_SHEET), last_column=4))
        self._lists()
        self._meta()
        self.workbook.properties.title = "新潟県CALSシステム 変更（訂正）申込書"
        self.workbook.properties.creator = "新潟県CALSシステム ヘルプデスク"
        self.workbook.active = 0
        return self.workbook

    # --- 変更申込書 -------------------------------------------------------------------------------

    def _main(self, out: Sheet) -> None:
        out.widths(MAIN_WIDTHS)
        out.title(
            "新潟県CALSシステム 変更（訂正）申込書",
            "変更する項目の「変更後」欄（黄色）にだけ記入してください。変更しない項目は空欄のままにします。"
            "利用者と監督員の変更は「利用者」「監督員」シートに記入します。"
            f"（様式 {cells.CHANGE_FORM_VERSION}）",
        )
        out.label(1, "工事", last=2)
        out.current(3, f"{self.project.project_number}　{self.project.name}")
        out.sheet.merge_cells(start_row=out.row, start_column=3, end_row=out.row, end_column=5)
        out.row += 1
        out.banner("1．申込者（この変更を申し込む方）")
        for key, label in cells.REQUESTER_CELLS:
            self._requester_row(out, key, label)
        for number, (kind, heading) in enumerate(_SECTIONS, start=2):
            out.banner(f"{number}．{heading}")
            out.header(2, ["項目", "現在の登録内容", "変更後", "記入のヒント"])
            out.row += 1
            for item in cells.single_items():
                if item.kind == kind:
                    self._single_row(out, item)
        out.banner("5．利用の早期終了")
        self._end_row(out)
        out.banner("6．保有個人データの開示・削除")
        for field_name in (cells.DISCLOSURE, cells.DELETION):
            self._person_row(out, ITEMS[field_name])
        out.row += 1
        out.note(
            "記入した変更申込書（このファイル）は .xlsx 形式のまま、マイページまたはポータルの「変更申込」から"
            "アップロードしてください。ヘルプデスクから、すでに登録されている電話番号へお電話して本人確認をしたうえで"
            "登録します。この申込書に書かれた電話番号へはおかけしません。"
            f"お問い合わせ: {settings.HELP_DESK_EMAIL}"
        )
        out.finish()

    def _requester_row(self, out: Sheet, key: str, label: str) -> None:
        if key == "requester_name":
            mark = out.sheet.cell(row=out.row, column=1, value="必須")
            mark.font, mark.alignment = styles.REQUIRED_FONT, styles.CENTER
        out.label(2, label)
        spec = _requester_spec(key)
        cell = out.input(3, cells.requester_name(key), spec, title=label)
        out.sheet.merge_cells(start_row=out.row, start_column=3, end_row=out.row, end_column=4)
        cell_set(cell, _prefill(self.requester, key))  # the holder's own data, read back as typed
        hint = (
            "変更の理由を簡単に記入してください。"
            if key == "reason"
            else "記入した方の連絡先です。本人確認のお電話は登録済みの番号へおかけします。"
            if key == "requester_phone"
            else hint_text(spec)
        )
        out.merged(5, 5, hint, styles.HINT_FONT)
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
        out.row += 1

    def _single_row(self, out: Sheet, item: ItemSpec) -> None:
        assert item.spec is not None
        out.label(2, str(item.label))
        out.current(3, registered_value(project=self.project, item=item, target=""), item.spec.kind)
        out.input(4, cells.single_name(item.field), item.spec, title=str(item.label))
        out.merged(5, 5, hint_text(item.spec), styles.HINT_FONT)
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
        out.row += 1

    def _end_row(self, out: Sheet) -> None:
        item = ITEMS[cells.END_OF_USE]
        out.label(2, str(item.label))
        out.current(3, self.project.last_day_of_use, Kind.DATE)
        spec = FIELDS_BY_KEY["period_end"]
        out.input(4, cells.single_name(item.field), spec, title=str(item.label))
        out.merged(5, 5, "工期の途中で利用を終える場合の最終利用日。例: 2027-01-31", styles.HINT_FONT)
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
        out.row += 1

    def _person_row(self, out: Sheet, item: ItemSpec) -> None:
        out.label(2, str(item.label))
        out.current(3, "—")
        rule = _list_rule(PERSON_LIST, title=str(item.label), prompt="対象の方を一覧から選んでください。")
        out.input(4, cells.single_name(item.field), None, title=str(item.label), rule=rule)
        out.merged(5, 5, "対象の方を一覧から選んでください（申込担当者または利用者）。", styles.HINT_FONT)
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
        out.row += 1

    # --- 利用者 ---------------------------------------------------------------------------------------

    def _users(self, out: Sheet) -> None:
        out.widths(USERS_WIDTHS)
        out.title(
            "利用者の訂正・削除・追加・交代",
            "登録内容を訂正する項目の「変更後」欄にだけ記入してください。利用者を削除するときは「削除」欄で「削除」を"
            "選びます。新しい方は下の表に1行に1人ずつ記入し、だれかと交代する場合は「交代する利用者ID」を選びます。",
        )
        out.banner("1．登録されている利用者")
        out.header(1, ["利用者ID", "役割", "項目", "現在の登録内容", "変更後"])
        out.row += 1
        for slot, user in enumerate(self.users, start=1):
            self._user_block(out, slot, user)
        if not self.users:
            out.note("登録されている利用者はいません。")
        out.banner("2．追加する利用者（交代の場合は交代する利用者IDを選んでください）")
        out.header(1, ["No.", "交代する利用者ID", *[str(spec.label) for spec in USER_FIELDS]])
        out.row += 1
        for slot in range(1, cells.NEW_USER_SLOTS + 1):
            self._new_user_row(out, slot)
        out.finish(landscape=True)

    def _user_block(self, out: Sheet, slot: int, user: UserOnFile) -> None:
        first = out.row
        current = {"name": user.name, "kana": user.kana, "email": user.email, "phone": user.phone}
        id_cell = out.current(1, user.username)
        define(self.workbook, cells.account_id_name(slot), out.sheet, f"$A${first}")
        id_cell.alignment = styles.CENTER
        out.current(2, user.role_label).alignment = styles.CENTER
        for key in cells.ACCOUNT_KEYS:
            spec = USER_FIELDS_BY_KEY[key]
            out.label(3, str(spec.label))
            out.current(4, current[key], spec.kind)
            out.input(5, cells.account_name(slot, key), spec, title=f"{user.username}の{spec.label}")
            out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
            out.row += 1
        out.label(3, "この利用者を削除")
        out.current(4, "")
        rule = _list_rule(
            REMOVE_LIST, title="利用者の削除", prompt="削除する場合は「削除」を選んでください。"
        )
        out.input(5, cells.account_name(slot, "remove"), None, title="利用者の削除", rule=rule)
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
        out.row += 1
        for column in (1, 2):
            out.sheet.merge_cells(
                start_row=first, start_column=column, end_row=out.row - 1, end_column=column
            )

    def _new_user_row(self, out: Sheet, slot: int) -> None:
        out.label(1, str(slot), styles.CENTER)
        rule = (
            _list_rule(USER_ID_LIST, title="交代する利用者ID", prompt="交代の場合だけ選んでください。")
            if self.users
            else None
        )
        out.input(2, cells.new_user_name(slot, "replaces"), None, title="交代する利用者ID", rule=rule)
        for offset, spec in enumerate(USER_FIELDS, start=3):
            out.input(offset, cells.new_user_name(slot, spec.key), spec, title=str(spec.label))
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT
        out.row += 1

    # --- 監督員 ---------------------------------------------------------------------------------------

    def _supervisors(self, out: Sheet) -> None:
        out.widths(SUPERVISOR_WIDTHS)
        out.title(
            "監督員の追加・削除",
            "監督員は発注事務所の名簿からだけ選べます。ヘルプデスクは名簿の連絡先で確認します。",
        )
        out.banner("1．この工事の監督員（削除する場合は「削除」を選ぶ）")
        out.header(1, ["名簿ID", "氏名", "役職", "削除"])
        out.row += 1
        for slot, supervisor in enumerate(self.supervisors, start=1):
            self._supervisor_row(out, supervisor, cells.supervisor_id_name(slot))
            rule = _list_rule(
                REMOVE_LIST, title="監督員の削除", prompt="削除する場合は「削除」を選んでください。"
            )
            out.input(4, cells.supervisor_remove_name(slot), None, title="監督員の削除", rule=rule)
            out.row += 1
        out.banner("2．名簿の監督員（追加する場合は「追加」を選ぶ）")
        out.header(1, ["名簿ID", "氏名", "役職", "追加"])
        out.row += 1
        for slot, supervisor in enumerate(self.candidates, start=1):
            self._supervisor_row(out, supervisor, cells.candidate_id_name(slot))
            rule = _list_rule(
                ADD_LIST, title="監督員の追加", prompt="追加する場合は「追加」を選んでください。"
            )
            out.input(4, cells.candidate_add_name(slot), None, title="監督員の追加", rule=rule)
            out.row += 1
        if not self.candidates:
            out.note("この発注事務所の名簿に、追加できる監督員はいません。")
        out.finish()

    def _supervisor_row(self, out: Sheet, supervisor: Supervisor, id_name: str) -> None:
        out.current(1, str(supervisor.pk)).alignment = styles.CENTER
        define(self.workbook, id_name, out.sheet, f"$A${out.row}")
        out.current(2, supervisor.name)
        out.current(3, str(supervisor.get_title_display()))
        out.sheet.row_dimensions[out.row].height = INPUT_ROW_HEIGHT

    # --- lists and marker -----------------------------------------------------------------------------

    def _lists(self) -> None:
        sheet = self.workbook.create_sheet(LIST_SHEET)
        lists = {
            LIST_NAMES[Kind.USER_ROLE]: [str(label) for label in UserRole.labels],
            REMOVE_LIST: [cells.REMOVE_MARK],
            ADD_LIST: [cells.ADD_MARK],
            USER_ID_LIST: [user.username for user in self.users],
            PERSON_LIST: self.persons,
        }
        for column, (name, values) in enumerate(lists.items(), start=1):
            if not values:
                continue
            for row, value in enumerate(values, start=1):
                cell_set(sheet.cell(row=row, column=column), value)
            letter = get_column_letter(column)
            define(self.workbook, name, sheet, f"${letter}$1:${letter}${len(values)}")
        sheet.sheet_state = "hidden"
        sheet.protection.sheet = True

    def _meta(self) -> None:
        """The version, the project and the table sizes: very hidden, only a program shows them."""
        sheet = self.workbook.create_sheet(META_SHEET)
        values = (
            (cells.VERSION_NAME, cells.CHANGE_FORM_VERSION),
            (cells.PROJECT_ID_NAME, str(self.project.pk)),
            (cells.PROJECT_NUMBER_NAME, self.project.project_number),
            (cells.USER_COUNT_NAME, str(len(self.users))),
            (cells.SUPERVISOR_COUNT_NAME, str(len(self.supervisors))),
            (cells.CANDIDATE_COUNT_NAME, str(len(self.candidates))),
            (cells.NEW_USER_COUNT_NAME, str(cells.NEW_USER_SLOTS)),
        )
        for row, (name, value) in enumerate(values, start=1):
            sheet.cell(row=row, column=1, value=name)
            cell_set(sheet.cell(row=row, column=2), value)
            define(self.workbook, name, sheet, f"$B${row}")
        sheet.sheet_state = "veryHidden"
        sheet.protection.sheet = True


def _list_rule(list_name: str, *, title: str, prompt: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=list_name,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=title[:32],
        prompt=prompt,
        errorTitle=title[:32],
        error="一覧から選んでください。",
        errorStyle="stop",
    )


def _requester_spec(key: str) -> FieldSpec:
    if key == "reason":
        return FieldSpec("reason", gettext_lazy("変更の理由"), Section.APPLICANT, max_length=REASON_MAX)
    return FIELDS_BY_KEY[key.replace("requester_", "applicant_")]


def _prefill(requester: User | None, key: str) -> str | None:
    if requester is None:
        return None
    return {
        "requester_name": requester.display_name,
        "requester_phone": requester.phone,
        "requester_email": requester.email,
    }.get(key) or None
