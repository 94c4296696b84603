"""A seeded random walk over zip and XML changes to a valid workbook: every outcome is a plan or a refusal.

Each case applies one to three changes, chosen at random, to the parts or
the archive of a small valid plan (shared strings, a formula, a percentage
format, a Functions and a Policy sheet). All cases are read in child
processes limited to 1 GB of memory: an abort, a traceback or a time-out
fails the test and names the case. ``FULCRUM_FUZZ_SEED`` and
``FULCRUM_FUZZ_CASES`` run another or a longer walk.
"""

from __future__ import annotations

import io
import os
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from tests.models.test_hostile_workbooks import patched_headers, read_in_child

SEED = int(os.environ.get("FULCRUM_FUZZ_SEED", "20261125"))
CASES = int(os.environ.get("FULCRUM_FUZZ_CASES", "300"))
#: Cases read by one child process (a few children share the work and keep a failure's report short).
BATCH = 100

Parts = dict[str, bytes]
Change = Callable[[random.Random, Parts], None]


def base_parts() -> Parts:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    percent = book.add_format({"num_format": "0%"})
    budget = book.add_worksheet("Budget")
    budget.write_row(0, 0, ["Line", "Function", "Current", "Floor", "Weight"])
    for r, (line, function, current) in enumerate(
        [("Payroll", "HR", 120_000), ("Laptops", "IT", 80_000), ("Search ads", "Acquisition", 200_000)],
        start=1,
    ):
        budget.write_row(r, 0, [line, function, current])
        budget.write(r, 4, 1 + r / 10)
    budget.write_formula(3, 3, "=C4*0.5", None, 100_000)
    functions = book.add_worksheet("Functions")
    functions.write_row(0, 0, ["Function", "Kind", "Floor"])
    functions.write_row(1, 0, ["HR", "internal"])
    functions.write(1, 2, 0.05, percent)
    policy = book.add_worksheet("Policy")
    policy.write_row(0, 0, ["Setting", "Value"])
    policy.write_row(1, 0, ["Total budget", 420_000])
    book.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _xml_part(rng: random.Random, parts: Parts) -> str | None:
    names = [name for name in parts if name.endswith((".xml", ".rels"))]
    return rng.choice(names) if names else None


def _sheet(rng: random.Random, parts: Parts) -> str | None:
    names = [name for name in parts if name.startswith("xl/worksheets/sheet")]
    return rng.choice(names) if names else None


def _reference(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        letters = letters.lower()
    digits = str(
        rng.choice([0, 1, 2, 99_999, 100_000, 100_001, 1_048_576, 1_048_577, rng.randint(1, 10**12)])
    )
    return letters + digits


def _edit_sheet(rng: random.Random, parts: Parts, edit: Callable[[bytes], bytes]) -> None:
    name = _sheet(rng, parts)
    if name is not None:
        parts[name] = edit(parts[name])


def far_reference(rng: random.Random, parts: Parts) -> None:
    def edit(data: bytes) -> bytes:
        refs = list(re.finditer(rb'<c r="[^"]*"', data))
        if not refs:
            return data
        found = rng.choice(refs)
        return data[: found.start()] + f'<c r="{_reference(rng)}"'.encode() + data[found.end() :]

    _edit_sheet(rng, parts, edit)


def far_cell(rng: random.Random, parts: Parts) -> None:
    ref = rng.choice(["XFD1048576", "ALL100000", "ALM1", "A100001", "AX99999", "AY99999", "ALL4999", "B5000"])
    row = re.sub(r"\D", "", ref)
    xml = f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()
    _edit_sheet(rng, parts, lambda data: data.replace(b"</sheetData>", xml + b"</sheetData>"))


def second_reference(rng: random.Random, parts: Parts) -> None:
    form = rng.choice(['r="{}"', "r='{}'", '\tr="{}"', ' r = "{}"', ' x:r="{}"'])
    extra = (" " + form.format(_reference(rng))).encode()
    _edit_sheet(rng, parts, lambda data: data.replace(b'"><v>', b'"' + extra + b"><v>", 1))


def no_references(rng: random.Random, parts: Parts) -> None:
    cells = b"<c><v>1</v></c>" * rng.choice([1, 10, 999, 1_001, 2_000])
    row = str(rng.choice([4, 50, 1_048_576])).encode()
    xml = b'<row r="' + row + b'">' + cells + b"</row>"
    _edit_sheet(rng, parts, lambda data: data.replace(b"</sheetData>", xml + b"</sheetData>"))


def prefixed_cells(rng: random.Random, parts: Parts) -> None:
    def edit(data: bytes) -> bytes:
        data = data.replace(
            b"<worksheet ",
            b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
            1,
        )
        return data.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>")

    _edit_sheet(rng, parts, edit)


def row_number(rng: random.Random, parts: Parts) -> None:
    number = str(rng.choice([0, 100_001, 1_048_576, 4_294_967_297, 10**30])).encode()
    _edit_sheet(rng, parts, lambda data: re.sub(rb'<row r="\d+"', b'<row r="' + number + b'"', data, count=1))


def dimension(rng: random.Random, parts: Parts) -> None:
    claim = rng.choice([b"A1:XFD1048576", b"A1", b"ZZZZ1", b"", b"A1:A0"])
    _edit_sheet(
        rng, parts, lambda data: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + claim + b'"', data)
    )


def document_type(rng: random.Random, parts: Parts) -> None:
    name = _xml_part(rng, parts)
    if name is None:
        return
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    padding = rng.choice([b"", b" " * 5_000, b"<!--" + b"-" * 10 + b" " * 9_000 + b"-->"])
    declaration, marker, body = parts[name].partition(b"?>")
    parts[name] = (
        declaration + marker + padding + doctype + body if marker else padding + doctype + parts[name]
    )


def encoding(rng: random.Random, parts: Parts) -> None:
    name = _xml_part(rng, parts)
    if name is None:
        return
    choice = rng.choice(["utf-16", "utf-16-le", "utf-32", "declared"])
    text = parts[name].decode("utf-8", "replace")
    if choice == "declared":
        label = rng.choice(["UTF-7", "ISO-8859-1", "ebcdic-cp-us", "utf8", "UTF-8", "nonsense"])
        parts[name] = parts[name].replace(b'encoding="UTF-8"', f'encoding="{label}"'.encode())
    else:
        parts[name] = text.replace('encoding="UTF-8"', f'encoding="{choice}"').encode(choice)


def shared_strings(rng: random.Random, parts: Parts) -> None:
    name = "xl/sharedStrings.xml"
    if name in parts:
        attribute = rng.choice([b"uniqueCount", b"count"])
        value = str(rng.choice([0, 1, 100_000, 200_000, 10**9, 4 * 10**9, 10**15, -1])).encode()
        parts[name] = re.sub(attribute + rb'="-?\d+"', attribute + b'="' + value + b'"', parts[name])


def cell_value(rng: random.Random, parts: Parts) -> None:
    value = rng.choice([b"1e309", b"nan", b"-0", b"1e-400", b"9" * 400, b"", b"abc", b"99999999", b"-1"])
    kind = rng.choice([b"", b' t="s"', b' t="e"', b' t="b"', b' t="str"', b' t="d"', b' t="n"', b' t="zz"'])

    def edit(data: bytes) -> bytes:
        cells = list(re.finditer(rb'(<c r="[^"]*")[^>]*><v>[^<]*</v>', data))
        if not cells:
            return data
        found = rng.choice(cells)
        return data[: found.start()] + found.group(1) + kind + b"><v>" + value + b"</v>" + data[found.end() :]

    _edit_sheet(rng, parts, edit)


def style_index(rng: random.Random, parts: Parts) -> None:
    index = str(rng.choice([1, 99, 999_999, 4_294_967_296])).encode()
    _edit_sheet(rng, parts, lambda data: data.replace(b'"><v>', b'" s="' + index + b'"><v>', 1))
    if "xl/styles.xml" in parts and rng.random() < 0.5:
        parts["xl/styles.xml"] = re.sub(rb'count="\d+"', b'count="4000000000"', parts["xl/styles.xml"])


def hidden_columns(rng: random.Random, parts: Parts) -> None:
    high = str(rng.choice([3, 16_384, 16_385, 10**12])).encode()
    cols = b'<cols><col min="1" max="' + high + b'" hidden="1"/></cols>'
    _edit_sheet(rng, parts, lambda data: data.replace(b"<sheetData", cols + b"<sheetData", 1))


def sheet_entries(rng: random.Random, parts: Parts) -> None:
    name = "xl/workbook.xml"
    if name not in parts:
        return
    data = parts[name]
    choice = rng.randrange(4)
    if choice == 0:
        data = data.replace(b'name="Functions"', b'name="Budget"')
    elif choice == 1:
        data = data.replace(b'name="Budget"', b'name="Budget" state="hidden"')
    elif choice == 2:
        data = re.sub(rb'r:id="rId\d+"', b'r:id="rId99"', data, count=1)
    else:
        data = data.replace(b'name="Budget"', b'name="' + "É\u0000x".encode() + b'"')
    parts[name] = data


def relationship_target(rng: random.Random, parts: Parts) -> None:
    name = "xl/_rels/workbook.xml.rels"
    if name in parts:
        target = rng.choice(
            [b"/xl/worksheets/sheet1.xml", b"../../../etc/passwd", b"worksheets/none.xml", b""]
        )
        parts[name] = re.sub(rb'Target="worksheets/sheet1.xml"', b'Target="' + target + b'"', parts[name])


def flip_bytes(rng: random.Random, parts: Parts) -> None:
    name = rng.choice(sorted(parts))
    data = bytearray(parts[name])
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    parts[name] = bytes(data)


def truncate_part(rng: random.Random, parts: Parts) -> None:
    name = rng.choice(sorted(parts))
    parts[name] = parts[name][: rng.randrange(len(parts[name]) + 1)]


def delete_part(rng: random.Random, parts: Parts) -> None:
    del parts[rng.choice(sorted(parts))]


def junk(rng: random.Random, parts: Parts) -> None:
    name = _xml_part(rng, parts)
    if name is None:
        return
    piece = rng.choice([b"<", b">", b"&lol;", b"<![CDATA[", b"<?pi x?>", b"\x00", b"<c r=", b"</sheetData>"])
    data = parts[name]
    at = rng.randrange(len(data) + 1)
    parts[name] = data[:at] + piece * rng.randint(1, 50) + data[at:]


XML_CHANGES: tuple[Change, ...] = (
    far_reference,
    far_cell,
    second_reference,
    no_references,
    prefixed_cells,
    row_number,
    dimension,
    document_type,
    encoding,
    shared_strings,
    cell_value,
    style_index,
    hidden_columns,
    sheet_entries,
    relationship_target,
    flip_bytes,
    truncate_part,
    delete_part,
    junk,
)


def archive_bytes(rng: random.Random, parts: Parts) -> bytes:
    """The parts zipped, deflated; now and then one of them stored, or compressed another way."""
    other = rng.choice(sorted(parts)) if parts and rng.random() < 0.08 else None
    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data, compress_type=method if name == other else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def archive_change(rng: random.Random, data: bytes, path: Path, part: str) -> bytes:
    """The zipped workbook changed as a whole: cut short, bytes flipped, a header's method or flags."""
    choice = rng.randrange(5)
    if choice == 0:
        return data[: rng.randrange(len(data))]
    if choice == 1:
        changed = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            changed[rng.randrange(len(changed))] = rng.randrange(256)
        return bytes(changed)
    path.write_bytes(data)
    method, flags = (rng.choice([9, 99, 12]), 0) if choice == 2 else (None, rng.choice([0x1, 0x8, 0x41]))
    return patched_headers(path, path, part, method=method, flags=flags).read_bytes()


def write_case(rng: random.Random, base: Parts, path: Path) -> None:
    parts = dict(base)
    for change in rng.sample(XML_CHANGES, rng.randint(1, 3)):
        change(rng, parts)
    data = archive_bytes(rng, parts)
    if parts and rng.random() < 0.08:
        data = archive_change(rng, data, path, rng.choice(sorted(parts)))
    path.write_bytes(data)


def test_random_changes_give_a_plan_or_a_refusal_never_an_abort(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    base = base_parts()
    paths = []
    for case in range(CASES):
        path = tmp_path / f"case{case:04}.xlsx"
        write_case(rng, base, path)
        paths.append(path)
    results: dict[str, dict[str, object]] = {}
    for start in range(0, len(paths), BATCH):
        results.update(read_in_child(paths[start : start + BATCH]))
    refused = 0
    for path in paths:
        result = results[str(path)]
        issues = result["issues"]
        assert isinstance(issues, list)
        if result["lines"] is None:
            refused += 1
            assert issues, f"{path.name}: neither a plan nor an issue"
        for _sheet, message in issues:
            assert isinstance(message, str) and message.strip(), f"{path.name}: an empty message"
            assert "Traceback" not in message, f"{path.name}: {message}"
    # The walk reaches both outcomes (a walk that only breaks files, or none, tests little).
    assert 0 < refused < len(paths)
