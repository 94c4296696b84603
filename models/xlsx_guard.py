"""Checks a file before any spreadsheet library parses it.

Refuses, with a message the user can act on: a missing or empty file, a file
that is not an .xlsx workbook (a CSV or a web page renamed, a legacy .xls, a
password-protected workbook), a corrupt archive, an archive that would
inflate far beyond its size (a decompression bomb), a part compressed or
encrypted in a way Excel never writes, a part in an encoding other than
UTF-8, XML parts that declare a document type (the entity-expansion
attacks), a shared-string table claiming more strings than it holds, and a
sheet whose cells reach beyond the rows, columns and cells a plan is read
from (a reader lays a sheet out from A1 to its last cell, so one far cell
costs as much memory as a full sheet).
"""

from __future__ import annotations

import math
import os
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import defusedxml.ElementTree as SafeET
import olefile
from defusedxml import DefusedXmlException

from models.issues import column_letter
from models.xlsx_scan import Limits, PartScan, ScanError, scan_part

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = [
    "MAX_BOOK_CELLS",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_PARTS",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_XML_BYTES",
    "GuardError",
    "SheetMarks",
    "TableArea",
    "WorkbookParts",
    "check_workbook_file",
]

MAX_FILE_BYTES: Final = 200 * 1024 * 1024
MAX_UNPACKED_BYTES: Final = 1024 * 1024 * 1024
MAX_RATIO: Final = 200
#: The most the XML parts may unpack to together: a reader holds their text (the strings) in memory.
MAX_XML_BYTES: Final = 400 * 1024 * 1024
#: The most parts (files) an archive may hold; Excel's workbooks hold tens to hundreds.
MAX_PARTS: Final = 10_000
#: The most rows and columns a sheet's cells may reach, counted from A1.
MAX_ROWS: Final = 100_000
MAX_COLUMNS: Final = 1_000
#: The most cells a sheet may span (its rows times its columns, from A1 to its last cell).
MAX_CELLS: Final = 5_000_000
#: The most cells all the sheets of a workbook may span together.
MAX_BOOK_CELLS: Final = 10_000_000
SHEET_LIMITS: Final = Limits(MAX_ROWS, MAX_COLUMNS, MAX_CELLS)
#: The compression methods Excel writes: stored and deflated.
_METHODS: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
#: A formula element (``<f>``, with or without a namespace prefix) or an error cell.
_FORMULA_OR_ERROR_MARKS: Final = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"', b"t='e'")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")
#: A range of cells (``A1:C16``), as a table's ``ref`` gives it.
_AREA = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+):\$?([A-Za-z]{1,3})\$?(\d+)")
#: Excel's built-in percentage number formats (``0%`` and ``0.00%``).
_PERCENT_FORMAT_IDS: Final = frozenset({9, 10})
#: The formulas that may add up a column (the reader looks at no other formula's text).
_AGGREGATE_START: Final = re.compile(
    r"\s*(?:_xlfn\.)?(?:SUM|SUBTOTAL|AGGREGATE)\s*\(|\s*\$?[A-Za-z]{1,3}\$?\d+\s*\+", re.I
)
#: A cell reference in A1 style, each part with its ``$`` (a shared formula shifts the parts without one).
_A1: Final = re.compile(r"(?<![A-Za-z0-9_.!\]\[])(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(\[])")


class GuardError(Exception):
    """The file cannot be read as a workbook; the message says why (and ``sheet`` names the sheet, if one)."""

    def __init__(self, message: str, sheet: str = "") -> None:
        super().__init__(message)
        self.sheet = sheet


@dataclass(slots=True)
class SheetMarks:
    """What a value-only reader cannot tell about a sheet's cells (0-based row, column)."""

    formulas: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    percent: set[tuple[int, int]] = field(default_factory=set)
    #: The text of formulas that may add up cells (``SUM(C2:C9)``, ``SUBTOTAL(9,C2:C9)``, ``C7+C12``).
    aggregates: dict[tuple[int, int], str] = field(default_factory=dict)
    #: Formula cells whose saved value is the number 0.
    zeros: set[tuple[int, int]] = field(default_factory=set)
    #: The first cell and text of each shared formula (``<f t="shared" si="...">``), by its index.
    shared: dict[str, tuple[int, int, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableArea:
    """An Excel Table (a ``xl/tables/tableN.xml`` part): its name and cells, 0-based and inclusive."""

    name: str
    first_row: int
    last_row: int
    first_col: int
    last_col: int
    #: How many rows at the bottom of the table are its totals rows (usually 0 or 1).
    totals_rows: int

    @property
    def totals(self) -> range:
        """The rows of the table's totals rows."""
        return range(self.last_row - self.totals_rows + 1, self.last_row + 1)


@dataclass(frozen=True, slots=True)
class WorkbookParts:
    """What the archive check learned: each sheet's XML part, by sheet name, and the styles part."""

    sheet_parts: dict[str, str]
    styles_part: str | None = None
    #: The Excel Table parts of each sheet that has any.
    table_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Whether the workbook asks Excel to calculate every formula when it opens (``calcPr
    #: fullCalcOnLoad``): the program that saved it did not, and the saved values may not be the formulas'.
    full_calc_on_load: bool = False
    #: The parts the archive check read through, and those of them that hold formula or error cells.
    scanned: frozenset[str] = frozenset()
    formula_parts: frozenset[str] = frozenset()

    def tables(self, path: Path, sheet: str) -> tuple[TableArea, ...]:
        """The sheet's Excel Tables, read from their parts (none opened for a sheet without tables)."""
        parts = self.table_parts.get(sheet, ())
        if not parts:
            return ()
        found: list[TableArea] = []
        with zipfile.ZipFile(path) as archive:
            for part in parts:
                if part not in archive.NameToInfo:
                    continue
                table = _table_area(SafeET.fromstring(archive.read(part), forbid_dtd=True))
                if table is not None:
                    found.append(table)
        return tuple(found)

    def marks(self, path: Path, sheet: str) -> SheetMarks:
        """Formula, error and percent-formatted cells of one sheet, read from its XML.

        Memory stays bounded: each row is dropped once read.
        """
        marks = SheetMarks()
        part = self.sheet_parts.get(sheet)
        if part is None:
            return marks
        with zipfile.ZipFile(path) as archive:
            percent_styles = _percent_styles(archive, self.styles_part)
            with archive.open(part) as stream:
                row, col = -1, -1
                for event, element in SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True):
                    tag = element.tag.rpartition("}")[2]
                    if event == "start":
                        if tag == "row":
                            number = element.get("r")
                            row = int(number) - 1 if number and number.isdigit() else row + 1
                            col = -1
                        elif tag == "c":
                            ref = _CELL_REF.fullmatch(element.get("r") or "")
                            col = _column_index(ref.group(1)) if ref else col + 1
                        continue
                    if tag == "c":
                        _mark_cell(marks, element, (row, col), percent_styles)
                        element.clear()
                    elif tag == "row":
                        element.clear()
        return marks

    def hidden_columns(self, path: Path, sheet: str) -> frozenset[int]:
        """The 0-based columns a sheet hides (read from its ``<cols>``, which comes before its cells)."""
        part = self.sheet_parts.get(sheet)
        if part is None:
            return frozenset()
        hidden: set[int] = set()
        with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
            for _event, element in SafeET.iterparse(stream, events=("start",), forbid_dtd=True):
                tag = element.tag.rpartition("}")[2]
                if tag == "sheetData":
                    break
                if tag == "col" and element.get("hidden") in ("1", "true"):
                    low, high = element.get("min") or "0", element.get("max") or "0"
                    if low.isdigit() and high.isdigit():
                        hidden.update(range(int(low) - 1, min(int(high), 16_384)))
        return frozenset(hidden)

    def has_formulas_or_errors(self, path: Path, sheet: str) -> bool:
        """Whether the sheet holds any formula or error cell (cheap byte scan)."""
        part = self.sheet_parts.get(sheet)
        if part is None:
            return True
        if part in self.scanned:
            return part in self.formula_parts
        with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                window = tail + chunk
                if any(mark in window for mark in _FORMULA_OR_ERROR_MARKS):
                    return True
                tail = chunk[-16:]
        return False


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _table_area(root: Element) -> TableArea | None:
    area = _AREA.fullmatch(root.get("ref") or "")
    if area is None:
        return None
    c1, r1, c2, r2 = area.groups()
    count = root.get("totalsRowCount") or "0"
    return TableArea(
        root.get("displayName") or root.get("name") or "",
        int(r1) - 1,
        int(r2) - 1,
        _column_index(c1),
        _column_index(c2),
        int(count) if count.isdigit() else 0,
    )


def _shift(formula: str, rows: int, cols: int) -> str:
    """A shared formula's text as it reads in a cell ``rows`` below and ``cols`` right of its first cell."""

    def moved(found: re.Match[str]) -> str:
        col_fixed, letters, row_fixed, number = found.groups()
        col = letters if col_fixed else column_letter(_column_index(letters) + cols + 1)
        row = number if row_fixed else str(int(number) + rows)
        return f"{col_fixed}{col}{row_fixed}{row}"

    return _A1.sub(moved, formula)


def _mark_formula(marks: SheetMarks, formula: Element, at: tuple[int, int]) -> None:
    """Keep the text of a formula that may add up cells, a shared formula's as it reads in this cell."""
    text = formula.text or ""
    if formula.get("t") == "shared":
        index = formula.get("si") or ""
        if text:
            marks.shared[index] = (at[0], at[1], text)
        elif index in marks.shared:
            row, col, first = marks.shared[index]
            text = _shift(first, at[0] - row, at[1] - col) if _AGGREGATE_START.match(first) else ""
    if text and _AGGREGATE_START.match(text):
        marks.aggregates[at] = text


def _mark_cell(
    marks: SheetMarks, element: Element, at: tuple[int, int], percent_styles: frozenset[int]
) -> None:
    kind = element.get("t")
    children = {child.tag.rpartition("}")[2]: child for child in element}
    if "f" in children:
        marks.formulas.add(at)
        _mark_formula(marks, children["f"], at)
        value = children.get("v")
        if kind in (None, "n") and value is not None and (value.text or "").strip() in ("0", "0.0"):
            marks.zeros.add(at)
    if kind == "e":
        value = children.get("v")
        marks.errors[at] = (value.text or "#VALUE!") if value is not None else "#VALUE!"
    style = element.get("s")
    if style and style.isdigit() and int(style) in percent_styles:
        marks.percent.add(at)


def _is_percent_code(code: str) -> bool:
    """Whether a number format shows a percentage: a ``%`` outside quotes and escapes."""
    code = re.sub(r'"[^"]*"|\\.', "", code)
    return "%" in code


def _percent_styles(archive: zipfile.ZipFile, styles_part: str | None) -> frozenset[int]:
    """The cell style indexes whose number format is a percentage."""
    if styles_part is None or styles_part not in archive.NameToInfo:
        return frozenset()
    root = SafeET.fromstring(archive.read(styles_part), forbid_dtd=True)
    percent_ids = set(_PERCENT_FORMAT_IDS)
    for element in root.iter():
        if element.tag.rpartition("}")[2] == "numFmt":
            number = element.get("numFmtId", "")
            if number.isdigit() and _is_percent_code(element.get("formatCode", "")):
                percent_ids.add(int(number))
    result: set[int] = set()
    for element in root:
        if element.tag.rpartition("}")[2] == "cellXfs":
            for index, xf in enumerate(x for x in element if x.tag.rpartition("}")[2] == "xf"):
                number = xf.get("numFmtId", "0")
                if number.isdigit() and int(number) in percent_ids:
                    result.add(index)
    return frozenset(result)


def _describe_non_zip(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in stripped[:512]:
        return "is a web page or XML file, not an Excel workbook (.xlsx)"
    if stripped.startswith(b"%pdf"):
        return "is a PDF document, not an Excel workbook (.xlsx)"
    try:
        sample = head[:2048].decode("utf-8")
    except UnicodeDecodeError:
        return "is not an Excel workbook (.xlsx)"
    if "," in sample or ";" in sample or "\t" in sample:
        return (
            "is a text file (it looks like CSV), not an Excel workbook (.xlsx); "
            "open it in Excel and save it as .xlsx"
        )
    return "is a text file, not an Excel workbook (.xlsx)"


def _describe_ole(path: Path) -> str:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return (
                    "is protected with a password; open it in Excel, remove the "
                    "password (File > Info > Protect Workbook) and save it again"
                )
            if ole.exists("Workbook") or ole.exists("Book"):
                return "is a legacy Excel 97-2003 workbook (.xls); open it in Excel and save it as .xlsx"
    except Exception:  # olefile raises several types for damaged containers
        return "is a damaged Office document, not an .xlsx workbook"
    return "is an Office document of an older format, not an .xlsx workbook"


def _part_path(folder: str, target: str) -> str:
    """A relationship's target as a path in the archive (``../tables/table1.xml`` from ``xl/worksheets``)."""
    target = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
    return posixpath.normpath(target)


def _sheet_tables(archive: zipfile.ZipFile, part: str) -> tuple[str, ...]:
    """The Excel Table parts a sheet links to, from its relationships part (most sheets have none)."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels"
    if rels_name not in archive.NameToInfo:
        return ()
    rels = SafeET.fromstring(archive.read(rels_name), forbid_dtd=True)
    return tuple(
        _part_path(folder, rel.get("Target", ""))
        for rel in rels
        if rel.get("Type", "").endswith("/table") and rel.get("TargetMode") != "External"
    )


def _workbook_parts(archive: zipfile.ZipFile) -> WorkbookParts:
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    styles: str | None = None
    if rels_name in archive.NameToInfo:
        rels = SafeET.fromstring(archive.read(rels_name), forbid_dtd=True)
        for rel in rels:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            target = os.path.normpath(target).replace(os.sep, "/")
            targets[rel.get("Id", "")] = target
            if rel.get("Type", "").endswith("/styles"):
                styles = target
    parts: dict[str, str] = {}
    for element in workbook.iter():
        if element.tag.endswith("}sheet") or element.tag == "sheet":
            name = element.get("name")
            rel_id = element.get(_REL_NS)
            if name is not None and rel_id in targets:
                parts[name] = targets[rel_id]
    tables = {name: found for name, part in parts.items() if (found := _sheet_tables(archive, part))}
    full_calc = any(
        element.tag.rpartition("}")[2] == "calcPr" and element.get("fullCalcOnLoad") in ("1", "true")
        for element in workbook
    )
    return WorkbookParts(parts, styles, tables, full_calc)


def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
    """The archive's listing: how many parts, each once, stored or deflated, unencrypted, of sane sizes."""
    if len(infos) > MAX_PARTS:
        raise GuardError(f"holds {len(infos):,} parts, more than the {MAX_PARTS:,} a workbook may hold")
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:
            raise GuardError(f"holds the part {info.filename} twice; the archive is damaged")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise GuardError(
                f"holds the part {info.filename} encrypted as a zip archive; Excel never writes that. "
                "Open the original in Excel and save it again as .xlsx"
            )
        if info.compress_type not in _METHODS:
            raise GuardError(
                f"holds the part {info.filename} compressed with method {info.compress_type}, which "
                "Excel never uses; open the original in Excel and save it again as .xlsx"
            )
    _check_xml_bytes(sum(info.file_size for info in infos if info.filename.endswith((".xml", ".rels"))))
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise GuardError(
            f"would unpack to {unpacked / 2**20:,.0f} MB, more than the "
            f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MB a workbook may hold"
        )
    for info in infos:
        big = info.compress_size and info.file_size > 50 * 2**20
        if big and info.file_size / info.compress_size > MAX_RATIO:
            raise GuardError(
                f"holds a part ({info.filename}) that would inflate "
                f"{info.file_size / info.compress_size:,.0f}-fold; it looks "
                "like a decompression bomb and is not read"
            )


def _check_xml_bytes(size: int) -> None:
    if size > MAX_XML_BYTES:
        shown = math.ceil(size / 2**20 * 10) / 10  # rounded up: never shown as equal to the limit
        raise GuardError(
            f"holds {shown:,.1f} MB of XML (cells and text), more than the "
            f"{MAX_XML_BYTES / 2**20:,.1f} MB a workbook is read with"
        )


def _scan_parts(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, exact: bool = False
) -> dict[str, PartScan]:
    """Every XML part read through once (see :mod:`models.xlsx_scan`), by name."""
    scans: dict[str, PartScan] = {}
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename.lower()
        named_xml = name.endswith((".xml", ".rels"))
        # The shared strings are read from this part, whatever the relationships say.
        shared = name.endswith("sharedstrings.xml")
        try:
            with archive.open(info) as stream:
                scan = scan_part(
                    stream,
                    info.file_size,
                    SHEET_LIMITS,
                    named_xml=named_xml,
                    shared_strings=shared,
                    exact=exact,
                )
        except ScanError as error:
            raise GuardError(f"is not read: its part {info.filename} {error}") from None
        if scan is not None:
            scans[info.filename] = scan
    return scans


def _exact_scans(archive: zipfile.ZipFile, scans: dict[str, PartScan]) -> dict[str, PartScan]:
    """``scans``, with the sheets known only within bounds read again for their extent itself.

    Only when the bounds add up beyond what a workbook may span.
    """
    if sum(scan.cells for scan in scans.values()) <= MAX_BOOK_CELLS:
        return scans
    bounded = [archive.getinfo(name) for name, scan in scans.items() if not scan.exact]
    return {**scans, **_scan_parts(archive, bounded, exact=True)}


def _check_extents(parts: WorkbookParts, scans: dict[str, PartScan]) -> None:
    """Refuse a sheet whose cells reach beyond the limits, and a workbook whose sheets do together."""
    sheets = {part: name for name, part in parts.sheet_parts.items()}
    for part, scan in scans.items():
        if scan.stopped or SHEET_LIMITS.exceeded(scan.rows, scan.columns):
            where = f"sheet {sheets[part]!r}" if part in sheets else f"part {part}"
            last = column_letter(max(scan.columns, 1)) if scan.columns <= 16_384 else "beyond XFD"
            least = "at least " if scan.stopped else ""
            raise GuardError(
                f"is not read: its {where} has cells as far as row {scan.rows:,} and column {last} "
                f"({least}{scan.rows:,} rows by {scan.columns:,} columns from A1). A sheet is read up "
                f"to {MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells (rows times "
                "columns); delete the rows and columns beyond the plan's and save the workbook again",
                sheets.get(part, ""),
            )
    total = sum(scan.cells for scan in scans.values())
    if total > MAX_BOOK_CELLS:
        raise GuardError(
            f"is not read: its sheets span {total:,} cells together (rows times columns, from A1), "
            f"more than the {MAX_BOOK_CELLS:,} a workbook is read with; delete the sheets, rows and "
            "columns the plan does not need and save the workbook again"
        )


def check_workbook_file(path: Path) -> WorkbookParts:
    """Raise :class:`GuardError` unless ``path`` is a readable, safe .xlsx archive."""
    if not path.exists():
        raise GuardError("does not exist")
    if path.is_dir():
        raise GuardError("is a folder, not a workbook")
    size = path.stat().st_size
    if size == 0:
        raise GuardError("is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise GuardError(
            f"is {size / 2**20:,.0f} MB; workbooks over {MAX_FILE_BYTES / 2**20:,.0f} MB are not read"
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise GuardError(_describe_ole(path))
    if not head.startswith(b"PK"):
        raise GuardError(_describe_non_zip(head))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "xl/workbook.xml" not in names:
                if "word/document.xml" in names:
                    raise GuardError("is a Word document, not an Excel workbook")
                if "content.xml" in names:
                    raise GuardError("is an OpenDocument file, not an .xlsx workbook; save it as .xlsx")
                raise GuardError("is a zip archive but not an Excel workbook (.xlsx)")
            _check_entries(infos)
            scans = _exact_scans(archive, _scan_parts(archive, infos))
            _check_xml_bytes(sum(archive.getinfo(name).file_size for name in scans))
            parts = _workbook_parts(archive)
            _check_extents(parts, scans)
            formulas = frozenset(name for name, scan in scans.items() if scan.formulas)
            return replace(parts, scanned=frozenset(scans), formula_parts=formulas)
    except zipfile.BadZipFile as error:
        raise GuardError(f"is damaged: the archive cannot be read ({error})") from None
    except (KeyError, SafeET.ParseError, DefusedXmlException) as error:
        raise GuardError(f"is damaged: its workbook part cannot be read ({error})") from None
    except (zlib.error, EOFError, ValueError, RuntimeError, NotImplementedError) as error:
        raise GuardError(f"is damaged: the archive cannot be read ({error})") from None
    except OSError as error:
        raise GuardError(f"cannot be read: {error.strerror or error}") from None
