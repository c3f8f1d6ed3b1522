"""Fonts, fills and borders that make the generated workbook look like a Japanese office form."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

# Present on every Japanese Windows since the 1990s, so the layout is the same on every desk.
FONT_NAME = "ＭＳ Ｐゴシック"

TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
SECTION_FONT = Font(name=FONT_NAME, size=11, bold=True)
LABEL_FONT = Font(name=FONT_NAME, size=10)
INPUT_FONT = Font(name=FONT_NAME, size=11)
NOTE_FONT = Font(name=FONT_NAME, size=9)
HINT_FONT = Font(name=FONT_NAME, size=8, color="595959")
REQUIRED_FONT = Font(name=FONT_NAME, size=8, bold=True, color="C00000")
BODY_FONT = Font(name=FONT_NAME, size=10.5)

# Light fills so that a black-and-white print stays readable.
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
# Input cells are yellow: the usual "write here" colour of Japanese government forms.
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")

_THIN = Side(style="thin", color="808080")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
# Long answers shrink rather than spill into the hint column or vanish behind it.
# A one-character indent keeps the answer off the cell border, as on a printed form.
INPUT_ALIGN = Alignment(horizontal="left", vertical="center", shrink_to_fit=True, indent=1)
NUMBER_ALIGN = Alignment(horizontal="right", vertical="center", shrink_to_fit=True, indent=1)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)

UNLOCKED = Protection(locked=False)

TEXT_FORMAT = "@"  # keeps leading zeros of phone numbers and IDs such as 00123
DATE_FORMAT = "yyyy/mm/dd"
AMOUNT_FORMAT = "#,##0"
