"""A worksheet whose body, one row per plan line, is rendered in bulk.

xlsxwriter turns each cell into XML through several Python calls when the
workbook is saved, about 13 microseconds a cell; on a plan of 10,000 lines
the two line sheets alone would take seconds. :class:`BlockSheet` is an
xlsxwriter worksheet in every other respect (columns, panes, filters,
formats, the package itself) and renders one block of rows with a single
string join per row.

Cells in the block: ``None`` (empty), ``str`` (inline text; text Excel could
take for a formula gets the quote-prefix format), ``bool`` (``yes``/``no``),
``int``/``float`` (a number; it must be finite) and :class:`Formula`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

__all__ = ["FORMULA_START", "BlockSheet", "Formula"]

#: Text starting with one of these could be run by Excel as a formula.
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_XML_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f]")
_LITERAL_ESCAPE: Final = re.compile(r"(_x[0-9a-fA-F]{4}_)")


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula (``=SUM(A1:A3)``) and the value it computes, saved so readers need not calculate."""

    text: str
    value: float


def _escape(text: str) -> str:
    """Text as XML, with Excel's escapes: a control character as ``_xHHHH_``, and text that reads
    as such an escape (``_x0041_``) with its underscore escaped, so it is read back as written."""
    text = text.translate(_XML_ESCAPES)
    if "_x" in text or _CONTROL.search(text):
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


class BlockSheet(Worksheet):  # type: ignore[misc]
    """An xlsxwriter worksheet with one block of rows rendered in bulk at save time."""

    def __init__(self) -> None:
        super().__init__()
        self._block_rows: Sequence[Sequence[Any]] = ()
        self._block_first = 0
        self._block_formats: Sequence[Format | None] = ()
        self._block_text: Format | None = None
        self._block_quoted: Format | None = None

    def write_block(
        self,
        first_row: int,
        rows: Sequence[Sequence[Any]],
        formats: Sequence[Format | None],
        *,
        text: Format,
        quoted: Format,
    ) -> None:
        """Rows from ``first_row`` (0-based), one format per column.

        The block's rows must hold no cells written any other way. ``rows`` is
        kept, not copied, until the workbook is closed.
        """
        if not rows:
            return
        if self._block_rows:
            raise ValueError("a BlockSheet takes one block")
        width = max(len(row) for row in rows)
        if len(formats) < width:
            raise ValueError("one format per column is needed")
        self._check_dimensions(first_row, 0)
        self._check_dimensions(first_row + len(rows) - 1, width - 1)
        self._block_rows, self._block_first, self._block_formats = rows, first_row, formats
        self._block_text, self._block_quoted = text, quoted

    # -- rendering at save time (called by xlsxwriter's packager) ------------

    def _write_rows(self) -> None:
        if not self._block_rows:
            super()._write_rows()
            return
        low: int = self.dim_rowmin  # type: ignore[has-type]
        high: int = self.dim_rowmax  # type: ignore[has-type]
        first, last = self._block_first, self._block_first + len(self._block_rows) - 1
        try:
            if low < first:
                self.dim_rowmax = first - 1
                super()._write_rows()
            self._render_block()
            if high > last:
                self.dim_rowmin, self.dim_rowmax = last + 1, high
                super()._write_rows()
        finally:
            self.dim_rowmin, self.dim_rowmax = low, high

    def _render_block(self) -> None:
        def index(fmt: Format | None) -> str:
            return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""

        assert self._block_text is not None
        assert self._block_quoted is not None
        width = max(len(row) for row in self._block_rows)
        styles = [index(fmt or self._block_text) for fmt in self._block_formats[:width]]
        letters = [xl_col_to_name(c) for c in range(width)]
        # Per column, what follows the cell's opening: a number's and a text's.
        numbers = [f"{style}><v>" for style in styles]
        texts = [f'{style} t="inlineStr"><is><t' for style in styles]
        quoted = f'{index(self._block_quoted)} t="inlineStr"><is><t'
        escaped: dict[str, str] = {}
        write = self.fh.write
        for r, row in enumerate(self._block_rows, start=self._block_first + 1):
            number = str(r)
            parts = [f'<row r="{number}">']
            append = parts.append
            expected = 0  # a cell right after the previous one needs no reference
            for c, value in enumerate(row):
                if value is None:
                    continue
                start = "<c" if c == expected else f'<c r="{letters[c]}{number}"'
                expected = c + 1
                kind = type(value)
                if kind is float or kind is int:
                    if not -math.inf < value < math.inf:
                        raise ValueError(f"{value!r} cannot be written to a worksheet")
                    append(f"{start}{numbers[c]}{value!r}</v></c>")
                elif kind is str or isinstance(value, str):  # words of an enum too
                    text = escaped.get(value)
                    if text is None:
                        text = escaped[value] = _text(value)
                    head = quoted if value.startswith(FORMULA_START) else texts[c]
                    append(f"{start}{head}{text}</is></c>")
                elif kind is bool:
                    append(f"{start}{texts[c]}>{'yes' if value else 'no'}</t></is></c>")
                elif kind is Formula:
                    append(
                        f"{start}{numbers[c][:-3]}<f>{_escape(value.text.removeprefix('='))}</f>"
                        f"<v>{_number(value.value)}</v></c>"
                    )
                else:
                    append(f"{start}{numbers[c]}{_number(value)}</v></c>")
            parts.append("</row>")
            write("".join(parts))


def _text(value: str) -> str:
    """The rest of an inline text element: leading or trailing spaces are kept."""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"{space}>{_escape(value)}</t>"


def _number(value: float) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} cannot be written to a worksheet")
    return repr(number)
