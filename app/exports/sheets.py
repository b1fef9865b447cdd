"""Workbooks written row by row (openpyxl's write-only mode) into a temporary file, then streamed to the
client from that file: neither the rows nor the workbook are ever held in memory whole."""

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.core import clock

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's last row is 1,048,576: one header row and the rest data, then the next sheet goes on.
MAX_DATA_ROWS = 1_048_575
CHUNK = 256 * 1024
BOLD = Font(bold=True)


def local(moment: datetime | None) -> datetime | None:
    """A stored moment as Shanxi reads it, without a zone (Excel has none)."""
    return clock.local(moment).replace(tzinfo=None) if moment is not None else None


class Book:
    """A write-only workbook whose tables roll over onto a new sheet at Excel's row limit."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, header: Sequence[str], widths: Sequence[int] = ()) -> WriteOnlyWorksheet:
        sheet = self.workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([self._bold(sheet, text) for text in header])
        return sheet

    def table(
        self, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int] = ()
    ) -> int:
        """Write every row under the header, on 「title」, 「title（2）」… as the rows need; how many rows."""
        count, part = 0, 1
        sheet = self.sheet(title, header, widths)
        for row in rows:
            if count and count % MAX_DATA_ROWS == 0:
                part += 1
                sheet = self.sheet(f"{title}（{part}）", header, widths)
            sheet.append(row)
            count += 1
        return count

    def lines(self, title: str, rows: Iterable[Sequence[Any]], widths: Sequence[int] = (16, 80)) -> None:
        """A short sheet of labelled lines (the 说明 sheet): first column bold."""
        sheet = self.workbook.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for label, *rest in rows:
            sheet.append([self._bold(sheet, label), *rest])

    @staticmethod
    def _bold(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = BOLD
        return cell

    def save(self) -> str:
        """Into a temporary file (the caller streams it and it is removed after): its path."""
        descriptor, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
        os.close(descriptor)
        try:
            self.workbook.save(path)
        except BaseException:
            os.unlink(path)
            raise
        return path


def _chunks(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk
    finally:
        _remove(path)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def download(path: str, filename: str, fallback: str, mimetype: str = XLSX) -> Response:
    """The file streamed in chunks (then deleted), named in Chinese with an ASCII fallback (RFC 6266)."""
    response = Response(_chunks(path), mimetype=mimetype, direct_passthrough=True)
    response.call_on_close(lambda: _remove(path))  # also when the body was never read (HEAD, a dropped client)
    response.headers["Content-Length"] = str(os.path.getsize(path))
    response.headers["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response
