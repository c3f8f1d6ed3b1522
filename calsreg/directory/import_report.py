"""What a directory import found and did, in a shape both the command line and the desk can show."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from calsreg.core.errors import FieldError


@dataclass(frozen=True)
class RowError:
    """One problem. ``row`` is the row number as Excel shows it (the header is row 1; 0 = the whole
    file); ``column`` the column key (``"kana"``, "" for the whole file); ``label`` the Japanese header;
    ``message`` says what is wrong and how to fix it, naming the field."""

    row: int
    column: str
    label: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if not self.label:
            return str(_("%(row)d行目: %(message)s")) % {"row": self.row, "message": self.message}
        return str(_("%(row)d行目「%(label)s」: %(message)s")) % {
            "row": self.row,
            "label": self.label,
            "message": self.message,
        }

    def as_field_error(self) -> FieldError:
        if self.row == 0:
            return FieldError(field="file", label=str(_("ファイル")), message=self.message)
        if not self.label:
            return FieldError(
                field=f"rows[{self.row}]",
                label=str(_("%(row)d行目")) % {"row": self.row},
                message=self.message,
            )
        return FieldError(
            field=f"rows[{self.row}].{self.column}",
            label=str(_("%(row)d行目「%(label)s」")) % {"row": self.row, "label": self.label},
            message=self.message,
        )


@dataclass(frozen=True)
class ChangeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """``saved`` is True only when changes were written (no errors and not a dry run)."""

    dry_run: bool
    encoding: str = ""
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    organisations: ChangeCounts = field(default_factory=ChangeCounts)
    offices: ChangeCounts = field(default_factory=ChangeCounts)
    supervisors: ChangeCounts = field(default_factory=ChangeCounts)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def field_errors(self) -> list[FieldError]:
        """The errors in the project's common shape, for ``ValidationFailed`` or a JSON body."""
        return [error.as_field_error() for error in self.errors]

    def lines(self) -> list[str]:
        """A plain-text summary, one line each, in Japanese."""
        if self.errors:
            refused = _(
                "エラーが%(count)d件あるため、何も登録していません。修正して取り込み直してください。"
            ) % {"count": len(self.errors)}
            return [str(refused), *(str(error) for error in self.errors)]
        if self.dry_run:
            head = _("確認のみ（登録していません）: %(rows)d行、エラーなし。取り込むと次のとおりです。")
        else:
            head = _("取り込みました: %(rows)d行。")
        lines = [str(head) % {"rows": self.rows}]
        for label, counts in (
            (_("発注機関"), self.organisations),
            (_("発注事務所"), self.offices),
            (_("監督員"), self.supervisors),
        ):
            lines.append(
                str(_("%(label)s: 新規 %(created)d、更新 %(updated)d、変更なし %(unchanged)d"))
                % {
                    "label": label,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        if self.ignored_columns:
            lines.append(str(_("使わなかった列: %(columns)s")) % {"columns": "、".join(self.ignored_columns)})
        return lines
