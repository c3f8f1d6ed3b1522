"""How a refused payment file reports its problems: each with its line and its field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from calsreg.core.errors import FieldError, ValidationFailed

MAX_PROBLEMS_LISTED = 100


@dataclass(frozen=True)
class RecordProblem:
    """One problem: ``line`` is the record or row number (1-based), ``field`` the field's code name
    and ``label`` its Japanese name as the layout or the CSV header names it."""

    line: int
    field: str
    label: str
    message: str

    def as_field_error(self) -> FieldError:
        return FieldError(
            field=f"lines[{self.line}].{self.field}",
            label=_("%(line)d行目・%(label)s") % {"line": self.line, "label": self.label},
            message=self.message,
        )


class PaymentFileRefused(ValidationFailed):
    """A payment file refused as a whole; ``problems`` lists every problem found (up to a limit)."""

    def __init__(self, problems: list[RecordProblem]) -> None:
        self.problems = problems[:MAX_PROBLEMS_LISTED]
        errors = [problem.as_field_error() for problem in self.problems]
        if len(problems) > MAX_PROBLEMS_LISTED:
            errors.append(
                FieldError(
                    field="file",
                    label=_("ファイル"),
                    message=_(
                        "ほかにも%(count)d件の問題があります（最初の%(limit)d件だけを表示しています）。"
                    )
                    % {"count": len(problems) - MAX_PROBLEMS_LISTED, "limit": MAX_PROBLEMS_LISTED},
                )
            )
        super().__init__(errors=errors)
        self.total_problems = len(problems)


class ZenginFileRefused(PaymentFileRefused):
    """A Zengin transfer-notice file refused as a whole."""


class CsvFileRefused(PaymentFileRefused):
    """A payments CSV refused as a whole."""
