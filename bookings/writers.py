"""Writing the delegate list: CSV (UTF-8, to stdout or a file) or an Excel workbook (openpyxl, the backoffice extra)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from bookings.export import COLUMNS, PENCE_COLUMNS, POUND_COLUMNS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value: Any) -> Any:
    # A name like "=HYPERLINK(...)" typed into the booking form must stay text when a spreadsheet opens the CSV.
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def write_csv(rows: list[dict[str, Any]], stream: TextIO) -> None:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell_text(v) for k, v in row.items()})


def write_xlsx(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = title[:31] or "Delegates"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for name in COLUMNS:
            value = row[name]
            if name in POUND_COLUMNS and value != "":
                value = Decimal(value)  # exact: the text came from whole pence
            values.append(value)
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.data_type == "f":
                # Typed text that looks like a formula: a text cell, marked as such (quotePrefix) so that Excel
                # shows it as typed, without the apostrophe the CSV needs, and never evaluates it.
                cell.data_type = "s"
                cell.quotePrefix = True
    for index, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        if name in POUND_COLUMNS:
            for cell in sheet[letter][1:]:
                cell.number_format = "£#,##0.00"
        elif name in PENCE_COLUMNS:
            for cell in sheet[letter][1:]:
                cell.number_format = "0"
        sheet.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
