"""The Excel application form: the generated workbook and the reader of filled-in ones."""

from calsreg.applications.excel.reader import workbook_read
from calsreg.applications.excel.template import workbook_build

__all__ = ["workbook_build", "workbook_read"]
