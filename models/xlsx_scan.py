"""One streamed pass over each XML part of a workbook, before any spreadsheet library reads it.

Each part is read in blocks, never whole, and checked for what would make a
reader misbehave: an encoding other than UTF-8 (in which the other checks
could not see the markup), a markup declaration (``<!DOCTYPE``, ``<!ENTITY``:
the entity-expansion attacks) anywhere in the part, and a shared-string table
that claims more strings than it holds (a reader reserves room for the
claim). The same pass finds the real extent of the cells a part holds (the
sheet's ``<dimension>`` is a claim, not the truth) and whether it holds
formula or error cells.

The extent is found fast where every cell names its place the way Excel and
the common writers do (``<c r="B12" ...>``); anything else (a cell without
a reference, a prefixed element, an odd reference) is walked tag by tag,
placing each cell as a reader does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["MAX_TAG_BYTES", "Limits", "PartScan", "ScanError", "column_number", "scan_part"]

_BLOCK: Final = 1 << 20
#: The longest start tag read; no workbook writer comes near it.
MAX_TAG_BYTES: Final = 1 << 20
#: A cell's start tag as Excel and the common writers put it: its reference first, in double quotes.
_PLAIN_CELL: Final = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
#: What the plain reading cannot place: a prefixed cell element, a cell tag closed at once, bare,
#: or followed by another space than a blank.
_ODD_CELL: Final = (re.compile(rb":c[\s/>]"), re.compile(rb"<c[\t\r\n/>]"))
#: A cell tag closed at once: a cell with a format and nothing in it, which readers leave out.
_EMPTY_CELL: Final = re.compile(rb'<c r="[^"<>]*"[^<>]*/>')
#: Blanks, quotes and colons made one mark, to count the ``r`` attributes however they are written.
_MARKS: Final = bytes.maketrans(b" \t\r\n\"':", b"\x01" * 7)


def _outside(columns: bytes, rows: bytes) -> re.Pattern[bytes]:
    """A cell tag that is not ``<c r="B12"`` within the given columns and rows, with only the
    attributes writers give a cell (style, type, metadata) after its reference, in double quotes."""
    attributes = rb'(?: (?:[st]|cm|vm|ph)="[^"<>]*"){0,4}/?>'
    return re.compile(rb'<c (?!r="(?:' + columns + rb")(?:" + rows + rb')"' + attributes + rb")")


#: Bounds a block of plain cells may be given without reading each cell's place, each with the
#: cell tag that falls outside them: within column Z or AX and row 99,999, or column ALL and row 4,999
#: (each within the limits a sheet is read with).
_BOUNDS: Final = (
    (_outside(rb"[A-Z]", rb"[0-9]{1,5}"), 99_999, 26),
    (_outside(rb"[A-Z]|A[A-X]", rb"[0-9]{1,5}"), 99_999, 50),
    (_outside(rb"[A-Z]{1,2}|A[A-K][A-Z]|AL[A-L]", rb"[1-4][0-9]{3}|[0-9]{1,3}"), 4_999, 1_000),
)
#: Below this many bytes, a block's extent is found exactly rather than bounded.
_EXACT_BELOW: Final = 256 * 1024
_ANY_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR: Final = re.compile(rb'[\s:"\']r\s*=\s*["\']([^"\']*)["\']')
_REF: Final = re.compile(rb"\$?([A-Za-z]+)\$?([0-9]+)")
#: A markup declaration (a document type, an entity, ...), in any case.
_DECLARATION: Final = re.compile(rb"<!(?i:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)")
#: A formula element (with or without a prefix).
_FORMULA: Final = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
#: An error cell's type.
_ERROR: Final = (b't="e"', b"t='e'")
_SST_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?sst(?=[\s/>])[^>]*>")
_UNIQUE_COUNT: Final = re.compile(rb'\suniqueCount\s*=\s*["\']\s*([0-9]+)')
_ENCODING: Final = re.compile(rb"\s*<\?xml[^>]*?\sencoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF8_NAMES: Final = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})
#: A claim of shared strings this far above the strings held is refused (a reader reserves room for it).
SHARED_STRINGS_SLACK: Final = 100_000
_DIGITS: Final = b"0123456789"
_LETTERS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Beyond any sheet: a reference past this row or column is counted as this far.
_FAR: Final = 10**9


class ScanError(Exception):
    """A part cannot be read safely; the message says why (it follows the part's name)."""


@dataclass(frozen=True, slots=True)
class PartScan:
    """What one pass over a part found."""

    #: Rows and columns from A1 to the last cell holding anything (0, 0: no cell).
    rows: int = 0
    columns: int = 0
    #: Whether the part holds a formula or an error cell.
    formulas: bool = False
    #: Whether the scan stopped early, the extent being past the limits already.
    stopped: bool = False
    #: Whether ``rows`` and ``columns`` are the extent itself (else bounds of it, within the limits).
    exact: bool = True

    @property
    def cells(self) -> int:
        """Rows times columns: the cells a reader lays out for the part."""
        return self.rows * self.columns


@dataclass(frozen=True, slots=True)
class Limits:
    """The most rows, columns and cells (rows times columns, from A1) a sheet may reach."""

    rows: int
    columns: int
    cells: int

    def exceeded(self, rows: int, columns: int) -> bool:
        return rows > self.rows or columns > self.columns or rows * columns > self.cells


def column_number(letters: bytes) -> int:
    """1 for A, 27 for AA; at most ``_FAR`` however many letters."""
    number = 0
    for letter in letters.upper()[:8]:
        number = number * 26 + letter - 64
    return min(number, _FAR) if len(letters) <= 8 else _FAR


def _encoding_problem(head: bytes, named_xml: bool) -> str | None:
    """Why a part's first bytes are not UTF-8 XML (None: they are, or the part is not XML)."""
    body = head[2:] if head.startswith((b"\xff\xfe", b"\xfe\xff")) else head
    wide = body.startswith((b"<\x00", b"\x00<", b"\x00\x00\x00<", b"<\x00\x00\x00"))
    if wide or (named_xml and body is not head):
        return "is in UTF-16 or UTF-32"
    declared = _ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).strip().lower().replace(b"_", b"-") not in _UTF8_NAMES:
        name = declared.group(1).decode("ascii", "replace")[:40]
        return f"is in the encoding {name!r}"
    return None


def looks_like_xml(head: bytes) -> bool:
    """Whether a part's first bytes start XML (after a UTF-8 byte order mark and spaces)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(b"<")


def _blocks(stream: IO[bytes], head: bytes, declared_size: int) -> Iterator[bytes]:
    """The part in blocks, each cut after a ``>`` so no tag is split between two blocks.

    Text after the last ``>`` of a block is dropped unless a tag starts in
    it. More bytes than the archive declares for the part is refused.
    """
    carry = b""
    read = 0
    chunk = head
    while chunk:
        read += len(chunk)
        if read > declared_size:
            raise ScanError("holds more bytes than the archive's listing says (the archive is damaged)")
        buffer = carry + chunk if carry else chunk
        cut = buffer.rfind(b">") + 1
        start = buffer.rfind(b"<", cut)
        carry = buffer[start:] if start >= 0 else b""
        if len(carry) > MAX_TAG_BYTES:
            raise ScanError(f"holds a tag longer than {MAX_TAG_BYTES // 2**20} MB")
        if cut:
            yield buffer[:cut]
        chunk = stream.read(_BLOCK)
    if carry:
        yield carry


class _Walk:
    """Cells placed tag by tag, as a reader places them: a cell without a reference follows the last."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = 0
        self.col = 0
        self.rows = 0
        self.columns = 0

    def feed(self, text: bytes) -> bool:
        """Place the cells of ``text``; False once the extent is past the limits."""
        for found in _ANY_TAG.finditer(text):
            name, attrs = found.group(1), found.group(2)
            references = [value.strip() for value in _R_ATTR.findall(attrs)]
            if name == b"row":
                numbers = [int(n) if len(n) < 12 else _FAR for n in references if n.isdigit()]
                self.row = min(max(numbers), _FAR) if numbers else self.row + 1
                self.col = 0
                continue
            # A tag with two references is placed at the farther of them.
            places = [place for value in references if (place := _REF.fullmatch(value))]
            if places:
                self.row = max(int(p.group(2)) if len(p.group(2)) < 12 else _FAR for p in places)
                self.col = max(column_number(p.group(1)) for p in places)
            else:
                self.col += 1
            if attrs.rstrip().endswith(b"/"):
                continue  # an empty cell (a format only): nothing is read from it
            self.rows = max(self.rows, self.row)
            self.columns = max(self.columns, self.col)
            if self.limits.exceeded(self.rows, self.columns):
                return False
        return True


def _fast_extent(text: bytes, *, exact: bool) -> tuple[int, int, bool] | None:
    """The last row and column of the cells in ``text``, and whether they are exact (else bounds).

    None when a cell is not written plainly: every cell tag ``<c r="B12"``
    (its reference first, in double quotes), and no ``r`` attribute but the
    cells' and the rows' (so no cell holds a second reference a reader
    might take instead). A large block whose cells are plain, with only the
    usual attributes, within bounds that keep to the limits, is given them
    unless ``exact`` (see ``_BOUNDS``).
    """
    if b"<c" not in text and b":c" not in text:
        return 0, 0, True  # no cell at all (shared strings, styles, relationships...)
    if any(odd.search(text) for odd in _ODD_CELL):
        return None
    if not exact and len(text) >= _EXACT_BELOW:
        for outside, rows, columns in _BOUNDS:
            if outside.search(text) is None:
                return rows, columns, False
    refs = _PLAIN_CELL.findall(text)
    cells = text.count(b"<c ")
    if cells != len(refs):
        return None
    marked = text.translate(_MARKS)
    others = text.count(b'<row r="') + text.count(b"xmlns:r=")
    if marked.count(b"\x01r=") != cells + others or b"\x01r\x01" in marked:
        return None
    if not refs:
        return 0, 0, True
    joined = b" ".join(set(refs))
    rows = max(map(int, set(joined.translate(None, _LETTERS).split())))
    letters = set(joined.translate(None, _DIGITS).split())
    return rows, max(map(column_number, letters)), True


class _Checks:
    """What every block of a part is checked for, and what the pass learns besides the extent."""

    def __init__(self, *, shared_strings: bool) -> None:
        self.formulas = False
        #: Whether the part is the shared-string table (its claimed count is checked), seen once found.
        self.shared_strings = shared_strings
        self.sst_seen = False
        self.sst_claim: int | None = None
        self.items = 0

    def check(self, text: bytes) -> None:
        if _DECLARATION.search(text):
            raise ScanError(
                "declares a document type; workbooks never need one and such parts can exhaust memory"
            )
        if not self.formulas:
            self.formulas = any(mark in text for mark in _ERROR) or any(f.search(text) for f in _FORMULA)
        if self.shared_strings and not self.sst_seen and (tag := _SST_TAG.search(text)) is not None:
            self.sst_seen = True
            claim = _UNIQUE_COUNT.search(tag.group(0))
            self.sst_claim = int(claim.group(1)[:12]) if claim else None
        if self.sst_seen:
            self.items += text.count(b"<si") + text.count(b":si")  # a string item, or more

    def finish(self) -> None:
        if self.sst_claim is not None and self.sst_claim > self.items + SHARED_STRINGS_SLACK:
            raise ScanError(
                f"claims {self.sst_claim:,} shared strings but holds {self.items:,}: the workbook is "
                "damaged; open it in Excel and save it again"
            )


def scan_part(
    stream: IO[bytes],
    declared_size: int,
    limits: Limits,
    *,
    named_xml: bool,
    shared_strings: bool = False,
    exact: bool = False,
) -> PartScan | None:
    """One pass over a part: None if it is not XML; raises :class:`ScanError` when it is unsafe.

    ``named_xml``: the part's name says XML (``.xml``, ``.rels``);
    ``shared_strings``: the part is the shared-string table. A part
    whose cells the plain reading cannot place, or whose cells seem to pass
    the limits, is read again and walked tag by tag. Unless ``exact``, a
    large sheet's extent may be a bound (``PartScan.exact`` says).
    """
    head = stream.read(_BLOCK)
    problem = _encoding_problem(head[:512], named_xml)
    if problem is not None:
        raise ScanError(f"{problem}; workbooks are read in UTF-8, as Excel writes them")
    if not (named_xml or looks_like_xml(head)):
        return None
    checks = _Checks(shared_strings=shared_strings)
    rows = columns = 0
    is_exact = True
    for text in _blocks(stream, head, declared_size):
        checks.check(text)
        extent = _fast_extent(text, exact=exact)
        bounded = extent is not None and not (is_exact and extent[2])
        if bounded and extent is not None and limits.exceeded(max(rows, extent[0]), max(columns, extent[1])):
            stream.seek(0)  # bounds past the limits: the extent itself, read again
            return scan_part(
                stream, declared_size, limits, named_xml=named_xml, shared_strings=shared_strings, exact=True
            )
        if extent is not None and limits.exceeded(*extent[:2]) and _EMPTY_CELL.search(text) is None:
            return PartScan(extent[0], extent[1], checks.formulas, stopped=True)  # each cell holds something
        if extent is None or limits.exceeded(max(rows, extent[0]), max(columns, extent[1])):
            return _walked(stream, declared_size, limits, shared_strings=shared_strings)
        rows, columns = max(rows, extent[0]), max(columns, extent[1])
        is_exact = is_exact and extent[2]
    checks.finish()
    return PartScan(rows, columns, checks.formulas, exact=is_exact)


def _walked(stream: IO[bytes], declared_size: int, limits: Limits, *, shared_strings: bool) -> PartScan:
    """The part read again from its start and walked tag by tag."""
    stream.seek(0)
    checks = _Checks(shared_strings=shared_strings)
    walk = _Walk(limits)
    for text in _blocks(stream, stream.read(_BLOCK), declared_size):
        checks.check(text)
        if not walk.feed(text):
            return PartScan(walk.rows, walk.columns, checks.formulas, stopped=True)
    checks.finish()
    return PartScan(walk.rows, walk.columns, checks.formulas)
