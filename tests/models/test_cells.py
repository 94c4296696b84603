import datetime as dt

import pytest

from models.cells import CellError, read_bool, read_fraction, read_money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (1200, 1200.0),
        ("1200", 1200.0),
        ("1,200,000", 1_200_000.0),
        ("$1,200,000.50", 1_200_000.5),
        (" € 1.200.000,50 ", 1_200_000.5),
        ("1 200 000 €", 1_200_000.0),
        ("GBP 3,400", 3400.0),
        ("1.2M", 1_200_000.0),
        ("450k", 450_000.0),
        ("(300)", -300.0),
        ("-$5", -5.0),
        ("12,5", 12.5),
        ("CHF 1'250", 1250.0),
    ],
)
def test_money_text_is_read(text: object, expected: float) -> None:
    assert read_money(text) == pytest.approx(expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("TBD", "'TBD' cannot be read"),
        (True, "TRUE/FALSE"),
        (dt.date(2026, 1, 5), "date"),
        ("#REF!", "error #REF!"),
        ("15%", "percentage"),
        ("1,20,0", "cannot be read"),
    ],
)
def test_money_refuses_what_it_cannot_read(value: object, fragment: str) -> None:
    with pytest.raises(CellError, match=fragment.replace("(", r"\(")):
        read_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [(0.15, 0.15), ("15%", 0.15), ("15 %", 0.15), ("0.15", 0.15)])
def test_fractions(value: object, expected: float) -> None:
    assert read_fraction(value) == pytest.approx(expected)  # type: ignore[arg-type]


def test_plain_number_above_one_is_ambiguous_as_percentage() -> None:
    with pytest.raises(CellError, match="ambiguous"):
        read_fraction(15)
    assert read_fraction(1.5, percent_format=True) == 1.5


@pytest.mark.parametrize(
    ("value", "expected"), [("yes", True), ("No", False), (True, True), (0, False), ("x", True)]
)
def test_bools(value: object, expected: bool) -> None:
    assert read_bool(value) is expected  # type: ignore[arg-type]


def test_bool_refuses_other_text() -> None:
    with pytest.raises(CellError, match="'maybe' is not yes or no"):
        read_bool("maybe")


@pytest.mark.parametrize(
    ("number", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA"), (16384, "XFD")],
)
def test_column_letters_as_excel_shows_them(number: int, letters: str) -> None:
    from models.issues import column_letter

    assert column_letter(number) == letters
