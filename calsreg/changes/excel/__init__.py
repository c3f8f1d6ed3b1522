"""The Excel change form (変更申込書): generated per project with its registration, and its reader."""

from calsreg.changes.excel.reader import ChangeWorkbook, change_workbook_read
from calsreg.changes.excel.template import change_workbook_build

__all__ = ["ChangeWorkbook", "change_workbook_build", "change_workbook_read"]
