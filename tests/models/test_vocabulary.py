"""The words finance teams use: column headers (models/schema.py) and function names (models/functions.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from models.fields import column_key, header_key
from models.functions import (
    ACQUISITION,
    CANONICAL_FUNCTIONS,
    EXISTING_CUSTOMERS,
    Kind,
    canonical,
    default_kind,
    spelling_key,
)
from models.schema import BUDGET_COLUMNS, FUNCTION_COLUMNS, LINE_FIELDS, POLICY_SETTINGS, is_code_header
from models.workbook import ImportReport, read_plan

MakeBook = Callable[..., Path]


def _read(make_book: MakeBook, header: Sequence[Any], *rows: Sequence[Any]) -> ImportReport:
    return read_plan(make_book({"Budget": [list(header), *map(list, rows)]}))


def _columns(*header: str) -> dict[str, list[int]]:
    return BUDGET_COLUMNS.match(header)


# -- header words ----------------------------------------------------------------------------


def test_every_header_word_names_one_field() -> None:
    keys = [
        column_key(word)
        for spec in LINE_FIELDS
        for word in (*spec.headers, *(w for group in spec.fallbacks for w in group.headers))
    ]
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)
    assert all(keys), "a header that reads as nothing"


def test_no_header_word_reads_as_a_code_column() -> None:
    words = [
        w
        for spec in LINE_FIELDS
        if spec.attr != "code"
        for w in (*spec.headers, *(x for g in spec.fallbacks for x in g.headers))
    ]
    words += [w for words in FUNCTION_COLUMNS.headers.values() for w in words]
    assert [w for w in words if is_code_header(w)] == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # English
        (["Description", "Division", "Actual"], {"name": 0, "function": 1, "current": 2}),
        (["Cost centre name", "Business unit", "Budget"], {"name": 0, "function": 1, "current": 2}),
        (["Cost center name", "Department", "FY25 Budget"], {"name": 0, "function": 1, "current": 2}),
        (["Account", "Department", "Revised budget"], {"name": 0, "function": 1, "current": 2}),
        (["Cost centre", "Function", "Proposed budget"], {"name": 0, "function": 1, "current": 2}),
        # German
        (["Kostenstelle", "Bezeichnung", "Abteilung", "Betrag"], {"name": 1, "function": 2, "current": 3}),
        (["Kostenstellenbezeichnung", "Bereich", "Ist"], {"name": 0, "function": 1, "current": 2}),
        (["Kostenstelle", "Abteilung", "Vorjahr"], {"name": 0, "function": 1, "current": 2}),
        # French
        (["Service", "Poste", "Libellé", "Montant (€)"], {"name": 2, "function": 0, "current": 3}),
        (["Service", "Poste", "Réalisé N-1"], {"name": 1, "function": 0, "current": 2}),
        # Spanish
        (["Departamento", "Concepto", "Importe"], {"name": 1, "function": 0, "current": 2}),
        (["Centro de coste", "Departamento", "Presupuesto 2025"], {"name": 0, "function": 1, "current": 2}),
    ],
)
def test_headers_in_each_language_are_found(header: list[str], expected: dict[str, int]) -> None:
    found = _columns(*header)
    assert {field: cols[0] for field, cols in found.items()} == expected
    assert all(len(cols) == 1 for cols in found.values())


@pytest.mark.parametrize(
    "header",
    [
        "Libellé",
        "LIBELLE",
        "libelle",
        "Libellé (EUR)",
        "Désignation",
        "Designation",
        "Descripción",
        "Descripcion",
    ],
)
def test_accents_case_and_units_do_not_matter(header: str) -> None:
    assert _columns(header) == {"name": [0]}


def test_accents_fold_in_every_header_key() -> None:
    assert header_key("Réalisé") == header_key("Realise") == "realise"
    assert header_key("Área") == header_key("area")
    assert header_key("Maßnahme") == "massnahme"


@pytest.mark.parametrize(
    "header",
    [
        "Budget",
        "FY25 Budget",
        "Budget 2025",
        "Budget FY2025",
        "FY 2025 budget",
        "Budget FY25/26",
        "Budget 2024-25",
        "2025 Budget",
        "Budget (FY 2025)",
        "GJ 2025 Budget",
        "Budget N",
    ],
)
def test_a_year_in_a_column_header_is_one_rule_not_a_list(header: str) -> None:
    assert column_key(header) == "budget"
    assert _columns(header) == {"current": [0]}


def test_years_alone_and_sheet_names_keep_their_meaning() -> None:
    assert _columns("2025") == {}
    assert _columns("Plan 2025") == {}
    assert header_key("Budget 2024") != header_key("Budget 2025")  # two sheets stay two


# -- a line's name against a department column -----------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name", "function"),
    [
        (["Department", "Function", "Current"], 0, 1),  # the only column naming lines
        (["Department", "Current"], 0, None),  # a department sheet's lines
        (["Description", "Department", "Current"], 0, 1),  # a name beside it: the department is the function
        (["Department", "Cost centre name", "Current"], 1, 0),
        (["Abteilung", "Bezeichnung", "Betrag"], 1, 0),
        (["Libellé", "Service", "Montant"], 0, 1),
        (["Departamento", "Concepto", "Importe"], 1, 0),
        (
            ["Cost centre", "Department", "Current"],
            0,
            1,
        ),  # cost centres are the lines, departments group them
        (["Division", "Department", "Current"], 1, 0),  # a function column: the department names the lines
    ],
)
def test_a_department_column_is_the_line_only_when_no_other_column_names_the_lines(
    header: list[str], name: int, function: int | None
) -> None:
    found = _columns(*header)
    assert found["name"] == [name]
    assert found.get("function") == (None if function is None else [function])


def test_a_department_column_beside_a_line_and_a_function_is_not_used(make_book: MakeBook) -> None:
    report = _read(make_book, ["Line", "Department", "Function", "Current"], ["Payroll", "People", "HR", 10])
    assert report.ok and report.plan is not None
    assert report.columns == {"name": "A", "function": "C", "current": "D"}
    assert any("column B ('Department') is not used" in note for note in report.notes)


def test_a_workbook_with_a_description_and_a_department_reads_departments_as_functions(
    make_book: MakeBook,
) -> None:
    report = _read(
        make_book,
        ["Cost centre", "Description", "Department", "FY25 Budget"],
        ["CC100", "Payroll", "Human Resources", 500],
        ["CC200", "Servers", "Informatique", 300],
        ["CC300", "Ads", "Marketing", 200],
    )
    assert report.ok and report.plan is not None
    assert [(line.name, line.function, line.kind) for line in report.plan.lines] == [
        ("Payroll", "Human Resources", Kind.INTERNAL),
        ("Servers", "Informatique", Kind.INTERNAL),
        ("Ads", "Marketing", Kind.CUSTOMER),
    ]
    assert any("column A ('Cost centre') is not used" in note for note in report.notes)


# -- code columns ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Cost centre code",
        "Code",
        "Kostenstelle Nr",
        "Kostenstelle (Nr.)",
        "Kostenstellennummer",
        "Code analytique",
        "Código",
        "Account no.",
        "Account #",
        "N° compte",
        "Cost centre ID",
    ],
)
def test_a_code_column_is_never_the_line(header: str) -> None:
    assert is_code_header(header)
    found = _columns(header, "Department", "Budget")
    assert found == {"name": [1], "current": [2], "code": [0]}


def test_of_several_code_columns_the_first_is_the_code(make_book: MakeBook) -> None:
    assert _columns("Account no.", "Cost centre ID", "Description", "Division", "Budget")["code"] == [0]
    report = _read(make_book, ["CC #", "Cost centre", "Function", "Budget"], [4100, "Payroll", "HR", 10])
    assert report.plan is not None, report.issues
    (line,) = report.plan.lines
    assert (line.code, line.name) == ("4100", "Payroll")


def test_yes_no_in_a_header_is_not_a_code() -> None:
    assert not is_code_header("Locked (yes/no)")
    assert _columns("Line", "Function", "Current", "Locked (yes/no)")["locked"] == [3]


# -- the message for a missing column -------------------------------------------------------------


def test_a_missing_column_names_what_was_found_and_what_is_accepted(make_book: MakeBook) -> None:
    report = _read(make_book, ["Kostenstelle", "Bezeichnung", "Plan 2025"], ["4100", "Payroll", 10])
    assert report.plan is None
    (issue,) = report.issues
    assert (issue.sheet, issue.row) == ("Budget", 1)
    message = issue.message
    assert message.startswith(
        "Missing required columns Function, Current in the header row; "
        "found: Kostenstelle, Bezeichnung, Plan 2025; "
    )
    assert "Current can be headed Current, Actual, Budget, Amount, Betrag, Montant, Importe, ..." in message
    assert "Function can be headed Function, Division, Business unit, Funktion, Fonction, Función" in message


def test_a_missing_line_column_names_its_fallbacks(make_book: MakeBook) -> None:
    report = _read(make_book, ["Function", "Current"], ["HR", 10])
    (issue,) = report.issues
    assert "found: Function, Current; Line can be headed Line, Name, Description" in issue.message
    assert "Cost centre, Account, Department, ..." in issue.message


def test_no_header_row_says_what_each_column_may_be_called(make_book: MakeBook) -> None:
    report = _read(make_book, ["x", "y"], ["a", 1])
    (issue,) = report.issues
    assert issue.message.startswith("No header row found: the sheet needs columns Line, Function, Current (")
    assert "Current can be headed Current, Actual" in issue.message


def test_a_hidden_duplicate_gives_way_to_the_visible_column() -> None:
    # Two columns headed for one field are refused unless all but one are hidden (see test_budget_rows).
    assert _columns("Line", "Function", "Budget 2024", "Budget 2025")["current"] == [2, 3]


# -- function names ----------------------------------------------------------------------------------


def test_every_listed_spelling_is_its_function() -> None:
    for function in CANONICAL_FUNCTIONS:
        for spelling in function.spellings:
            found = canonical(spelling)
            assert found is function, spelling
            assert default_kind(spelling) is function.kind


def test_no_spelling_is_two_functions_or_listed_twice() -> None:
    keys = [spelling_key(s) for f in CANONICAL_FUNCTIONS for s in f.spellings]
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)
    groups = {spelling_key(s) for g in (ACQUISITION, EXISTING_CUSTOMERS) for s in g.spellings}
    assert groups.isdisjoint(keys)


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("Human Resources", "HR"),
        ("People & Culture", "HR"),
        ("People ops", "HR"),
        ("Tech", "IT"),
        ("Information Technology", "IT"),
        ("internal communications", "Internal comms"),
        ("Personalabteilung", "HR"),
        ("Ressources Humaines", "HR"),
        ("RESSOURCES HUMAINES", "HR"),
        ("Recursos Humanos", "HR"),
        ("RR.HH.", "HR"),
        ("Human Resources (HR)", "HR"),
        ("Information Technology (IT)", "IT"),
        ("IT & Digital", "IT"),
        ("IT and digital", "IT"),
        ("Informatique", "IT"),
        ("EDV", "IT"),
        ("Tecnología", "IT"),
        ("Tecnologia", "IT"),
        ("Systèmes d’information", "IT"),
        ("(IT)", "IT"),
        ("Employee Communications", "Internal comms"),
        ("Interne Kommunikation", "Internal comms"),
        ("Communication interne", "Internal comms"),
        ("Comunicacion interna", "Internal comms"),
    ],
)
def test_names_in_each_language_and_spelling_are_one_function(name: str, function: str) -> None:
    found = canonical(name)
    assert found is not None and found.name == function
    assert default_kind(name) is Kind.INTERNAL


@pytest.mark.parametrize(
    "name",
    [
        "Service",
        "Services",
        "Support",
        "Operations",
        "Administration",
        "Communication",
        "Communications",
        "Kommunikation",
        "Finance",
        "Customer service",
        "IT sales",
    ],
)
def test_generic_words_stay_customer_functions(name: str) -> None:
    assert canonical(name) is None
    assert default_kind(name) is Kind.CUSTOMER


@pytest.mark.parametrize("name", ["Corporate services", "Shared services", "Back-office", "Zentrale Dienste"])
def test_back_office_divisions_are_internal_but_none_of_the_three(name: str) -> None:
    assert canonical(name) is None
    assert default_kind(name) is Kind.INTERNAL


def test_a_function_word_is_not_a_header_word_and_back() -> None:
    header_keys = {column_key(w) for words in BUDGET_COLUMNS.headers.values() for w in words}
    header_keys |= {column_key(w) for spec in LINE_FIELDS for g in spec.fallbacks for w in g.headers}
    assert "service" in header_keys and canonical("Service") is None


def test_policy_words_are_untouched() -> None:
    words = [w for spec in POLICY_SETTINGS for w in spec.synonyms]
    assert len(words) == len(set(words))


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Budget £m", "budget"),
        ("Budget CHF", "budget"),
        ("Betrag TEUR", "betrag"),
        ("Amount $000s", "amount"),
    ],
)
def test_a_unit_or_currency_in_a_header_is_not_part_of_its_name(header: str, key: str) -> None:
    assert column_key(header) == key
