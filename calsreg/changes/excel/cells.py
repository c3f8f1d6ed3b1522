"""The change workbook's input cells: one workbook-level defined name per cell (seed step 7).

The builder writes these names and the reader reads them, so neither knows a cell address. The form
is generated for one project: the very-hidden 「_meta」 sheet holds the form version, the project and
how many rows of each table were written, so the reader knows which names must be there.
"""

from __future__ import annotations

from dataclasses import dataclass

from calsreg.changes.catalog import ITEMS, ItemSpec, Store

# Bump when the layout changes; a change workbook of another version is refused.
CHANGE_FORM_VERSION = "CALSREG-CHG-2026.1"

# _meta: different names from the application workbook's, so each reader refuses the other form.
VERSION_NAME = "CHANGE_FORM_VERSION"
PROJECT_ID_NAME = "CHANGE_PROJECT_ID"
PROJECT_NUMBER_NAME = "CHANGE_PROJECT_NUMBER"
USER_COUNT_NAME = "CHANGE_USER_ROWS"
SUPERVISOR_COUNT_NAME = "CHANGE_SUPERVISOR_ROWS"
CANDIDATE_COUNT_NAME = "CHANGE_CANDIDATE_ROWS"
NEW_USER_COUNT_NAME = "CHANGE_NEW_USER_ROWS"

# Rows for people to add (or to take over from a current user).
NEW_USER_SLOTS = 5

# What a mark cell holds when chosen from its drop-down.
REMOVE_MARK = "削除"
ADD_MARK = "追加"
APPLICANT_LABEL = "申込担当者"

# Requester (the person filing) and the free-text reason.
REQUESTER_CELLS: tuple[tuple[str, str], ...] = (
    ("requester_name", "申込者氏名"),
    ("requester_phone", "申込者の電話番号"),
    ("requester_email", "申込者のメールアドレス"),
    ("reason", "変更の理由"),
)
END_OF_USE = "end_of_use"
DISCLOSURE = "personal.disclosure"
DELETION = "personal.deletion"
ACCOUNT_KEYS = ("name", "kana", "email", "phone")


def single_items() -> tuple[ItemSpec, ...]:
    """Items with one registered value of the project or its registration (工事情報, 連絡先, 請求書送付先)."""
    return tuple(item for item in ITEMS.values() if item.store in {Store.PROJECT, Store.APPLICATION})


def requester_name(key: str) -> str:
    return f"R_{key}"


def single_name(field: str) -> str:
    """``C_period_end``: the 変更後 cell of a single item (dots are not allowed in defined names)."""
    return "C_" + field.replace(".", "_")


def account_id_name(slot: int) -> str:
    return f"A{slot:02d}_id"


def account_name(slot: int, key: str) -> str:
    """``A01_email``: the 変更後 cell of current user ``slot``'s ``key``; ``A01_remove`` its removal mark."""
    return f"A{slot:02d}_{key}"


def new_user_name(slot: int, key: str) -> str:
    """``N01_requested_id``; ``N01_replaces`` names the current user the new one takes over from."""
    return f"N{slot:02d}_{key}"


def supervisor_id_name(slot: int) -> str:
    return f"S{slot:02d}_id"


def supervisor_remove_name(slot: int) -> str:
    return f"S{slot:02d}_remove"


def candidate_id_name(slot: int) -> str:
    return f"D{slot:02d}_id"


def candidate_add_name(slot: int) -> str:
    return f"D{slot:02d}_add"


@dataclass(frozen=True)
class Counts:
    """How many rows of each table the generated workbook holds (from 「_meta」)."""

    users: int
    supervisors: int
    candidates: int
    new_users: int = NEW_USER_SLOTS
