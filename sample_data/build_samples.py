"""Writes the sample plan and the blank template in this folder.

Run ``uv run python sample_data/build_samples.py`` after changing either.
The sample is a mid-size company's budget: internal functions (HR, IT,
internal communications, training, finance, facilities) and customer
functions (service, product, loyalty, acquisition, marketing).
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

# (line, function, current, floor, cap, weight, curve, locked, max change)
LINES: list[tuple[str, str, float, float | None, float | None, float, str, bool, float | None]] = [
    ("Recruitment & onboarding", "HR", 820_000, None, None, 0.9, "diminishing", False, None),
    ("Payroll & benefits administration", "HR", 640_000, 600_000, None, 0.7, "diminishing", False, None),
    ("Learning platform licences", "HR", 210_000, None, None, 0.8, "diminishing", False, None),
    ("Employee wellbeing programme", "HR", 380_000, None, None, 1.0, "diminishing", False, None),
    ("HR business partners", "HR", 560_000, None, None, 0.8, "diminishing", False, None),
    ("Workforce planning analytics", "HR", 150_000, None, None, 0.9, "diminishing", False, None),
    ("Core network & infrastructure", "IT", 1_450_000, 1_300_000, None, 0.9, "diminishing", False, None),
    ("Cloud hosting", "IT", 1_120_000, None, None, 1.0, "diminishing", False, None),
    ("Cyber security", "IT", 890_000, 850_000, None, 1.1, "diminishing", False, 0.10),
    ("Service desk", "IT", 610_000, None, None, 0.8, "diminishing", False, None),
    ("ERP maintenance", "IT", 740_000, None, None, 0.7, "diminishing", True, None),
    ("Data platform", "IT", 680_000, None, None, 1.2, "diminishing", False, None),
    ("Laptop & device refresh", "IT", 520_000, None, None, 0.6, "linear", False, None),
    ("Legacy system decommissioning", "IT", 260_000, None, 400_000, 0.9, "diminishing", False, None),
    ("Intranet & collaboration tools", "Internal comms", 240_000, None, None, 0.8, "diminishing", False, None),
    ("Town halls & leadership briefings", "Internal comms", 130_000, None, None, 0.7, "diminishing", False, None),
    ("Change communications", "Internal comms", 170_000, None, None, 0.9, "diminishing", False, None),
    ("Internal newsletter", "Internal comms", 60_000, None, None, 0.5, "diminishing", False, None),
    ("Leadership development", "Training", 310_000, None, None, 0.9, "diminishing", False, None),
    ("Frontline skills academy", "Training", 420_000, None, None, 1.1, "diminishing", False, None),
    ("Compliance training", "Training", 140_000, 140_000, None, 0.5, "linear", False, None),
    ("Technical certifications", "Training", 180_000, None, None, 0.8, "diminishing", False, None),
    ("Financial planning & analysis", "Finance & legal", 520_000, None, None, 0.6, "diminishing", False, None),
    ("Audit & assurance", "Finance & legal", 310_000, 310_000, None, 0.4, "linear", True, None),
    ("Legal counsel", "Finance & legal", 460_000, None, None, 0.5, "diminishing", False, None),
    ("Office leases", "Facilities", 1_900_000, None, None, 0.3, "linear", True, None),
    ("Workplace services", "Facilities", 380_000, None, None, 0.5, "diminishing", False, None),
    ("Contact centre staffing", "Customer service", 2_350_000, 2_000_000, None, 1.2, "diminishing", False, None),
    ("Contact centre technology", "Customer service", 690_000, None, None, 1.1, "diminishing", False, None),
    ("Self-service portal", "Customer service", 540_000, None, None, 1.3, "diminishing", False, None),
    ("Field service engineers", "Customer service", 1_280_000, None, None, 1.0, "diminishing", False, None),
    ("Complaint resolution team", "Customer service", 410_000, None, None, 1.2, "diminishing", False, None),
    ("Service quality monitoring", "Customer service", 190_000, None, None, 0.9, "diminishing", False, None),
    ("Chat & messaging support", "Customer service", 330_000, None, None, 1.3, "diminishing", False, None),
    ("Core product engineering", "Product", 3_100_000, 2_800_000, None, 1.3, "diminishing", False, None),
    ("Mobile app", "Product", 1_250_000, None, None, 1.4, "diminishing", False, None),
    ("Product design & research", "Product", 620_000, None, None, 1.2, "diminishing", False, None),
    ("Quality assurance", "Product", 540_000, None, None, 0.9, "diminishing", False, None),
    ("Accessibility improvements", "Product", 210_000, None, None, 1.1, "diminishing", False, None),
    ("Platform performance", "Product", 480_000, None, None, 1.0, "diminishing", False, None),
    ("New market features", "Product", 900_000, None, 1_400_000, 1.5, "diminishing", False, None),
    ("Integrations marketplace", "Product", 350_000, None, None, 1.2, "diminishing", False, None),
    ("Loyalty points programme", "Loyalty", 1_050_000, None, None, 1.1, "diminishing", False, None),
    ("Customer success managers", "Loyalty", 880_000, None, None, 1.3, "diminishing", False, None),
    ("Renewal campaigns", "Loyalty", 300_000, None, None, 1.2, "diminishing", False, None),
    ("Customer community", "Loyalty", 160_000, None, None, 1.0, "diminishing", False, None),
    ("VIP account programme", "Loyalty", 240_000, None, None, 1.1, "diminishing", False, None),
    ("Paid search", "Acquisition", 1_600_000, None, None, 1.5, "diminishing", False, None),
    ("Paid social", "Acquisition", 1_150_000, None, None, 1.4, "diminishing", False, None),
    ("Partner referrals", "Acquisition", 420_000, None, None, 1.3, "diminishing", False, None),
    ("Sales development reps", "Acquisition", 1_380_000, None, None, 1.2, "diminishing", False, None),
    ("Trade shows & events", "Acquisition", 560_000, None, None, 0.8, "diminishing", False, None),
    ("Affiliate marketing", "Acquisition", 290_000, None, None, 1.1, "diminishing", False, None),
    ("Brand campaigns", "Marketing", 1_300_000, None, None, 0.9, "diminishing", False, None),
    ("Content & SEO", "Marketing", 450_000, None, None, 1.2, "diminishing", False, None),
    ("Market research", "Marketing", 230_000, None, None, 0.8, "diminishing", False, None),
    ("Sponsorships", "Marketing", 400_000, None, 450_000, 0.6, "linear", False, None),
]

FUNCTIONS = [
    ("HR", "internal", 2_600_000, None),
    ("IT", "internal", "13%", None),
    ("Internal comms", "internal", "95% of current", None),
    ("Training", "internal", None, None),
    ("Finance & legal", "internal", None, None),
    ("Facilities", "internal", None, None),
    ("Customer service", "customer", 6_000_000, None),
    ("Product", "customer", None, None),
    ("Acquisition", "customer", None, "15%"),
    ("Marketing", "customer", None, None),
]

POLICY = [
    ("Total budget", 42_000_000),
    ("Spend whole budget", "yes"),
    ("Internal share min", 0.30),
    ("Max change", 0.25),
    ("Objective", "max-impact"),
    ("Ratio", "Customer service >= 0.8 x Acquisition"),
    ("Ratio", "Loyalty >= 0.4 x Acquisition"),
]

BUDGET_HEADERS = ["Line", "Function", "Current", "Floor", "Cap", "Weight", "Curve", "Locked", "Max change"]


def _formats(book: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "sub": book.add_format({"italic": True, "font_color": "#555555"}),
        "header": book.add_format({"bold": True, "bg_color": "#1F3A5F", "font_color": "#FFFFFF", "border": 1}),
        "money": book.add_format({"num_format": "#,##0"}),
        "pct": book.add_format({"num_format": "0%"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }


def build_sample(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    f = _formats(book)
    sheet = book.add_worksheet("Budget")
    sheet.write(0, 0, "Northwind Services: operating budget FY2027", f["title"])
    sheet.write(1, 0, "Current = FY2026 actuals; floors, caps and change limits as agreed with the CFO", f["sub"])
    for c, title in enumerate(BUDGET_HEADERS):
        sheet.write(3, c, title, f["header"])
    widths = [36, 18, 14, 14, 14, 9, 13, 9, 12]
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    for r, (name, function, current, floor, cap, weight, curve, locked, change) in enumerate(LINES, start=4):
        sheet.write(r, 0, name)
        sheet.write(r, 1, function)
        sheet.write_number(r, 2, current, f["money"])
        if floor is not None:
            sheet.write_number(r, 3, floor, f["money"])
        if cap is not None:
            sheet.write_number(r, 4, cap, f["money"])
        sheet.write_number(r, 5, weight)
        sheet.write(r, 6, curve)
        sheet.write(r, 7, "yes" if locked else "no")
        if change is not None:
            sheet.write_number(r, 8, change, f["pct"])
    sheet.freeze_panes(4, 0)

    functions = book.add_worksheet("Functions")
    for c, title in enumerate(["Function", "Kind", "Floor", "Cap"]):
        functions.write(0, c, title, f["header"])
    functions.set_column(0, 0, 20)
    functions.set_column(1, 3, 18)
    for r, (name, kind, floor, cap) in enumerate(FUNCTIONS, start=1):
        functions.write(r, 0, name)
        functions.write(r, 1, kind)
        for c, value in ((2, floor), (3, cap)):
            if isinstance(value, (int, float)):
                functions.write_number(r, c, value, f["money"])
            elif value is not None:
                functions.write_string(r, c, value)

    policy = book.add_worksheet("Policy")
    policy.write(0, 0, "Setting", f["header"])
    policy.write(0, 1, "Value", f["header"])
    policy.set_column(0, 0, 22)
    policy.set_column(1, 1, 42)
    for r, (setting, value) in enumerate(POLICY, start=1):
        policy.write(r, 0, setting)
        if setting == "Total budget":
            policy.write_number(r, 1, value, f["money"])  # type: ignore[arg-type]
        elif isinstance(value, float):
            policy.write_number(r, 1, value, f["pct"])
        else:
            policy.write(r, 1, value)
    book.close()


INSTRUCTIONS = [
    ("How to fill in this workbook", "title"),
    ("Budget: one row per line (department, cost centre or initiative). Line, Function and Current are required.", None),
    ("Kind: customer or internal. Leave it blank to take it from the Functions sheet; HR, IT and Internal comms are internal, every other function customer.", None),
    ("Current: today's spend. Floor / Cap: the least / most the line may receive. Money may be typed as 1200000, 1,200,000 or $1,200,000.", None),
    ("Weight: value of one unit of money spent on the line (default 1). Curve: diminishing (default) or linear.", None),
    ("Half-return: the spend at which the line's marginal value has halved (default: its current spend).", None),
    ("Locked: yes keeps the line at its current spend. Max change: the most the line may move, as 15% or 0.15.", None),
    ("Functions: Function, Kind, Floor, Cap. A floor or cap is an amount (1,200,000), a share of the budget (8%) or of the function's current total (95% of current).", None),
    ("Policy: Total budget, Spend whole budget (yes/no), Internal share min, Internal share max, Max change, Objective (max-impact or min-change), Relative change (yes/no), and any number of Ratio rows such as 'Customer service >= 0.5 x Acquisition'.", None),
]


def build_template(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    f = _formats(book)
    info = book.add_worksheet("Instructions")
    info.set_column(0, 0, 120)
    for r, (text, style) in enumerate(INSTRUCTIONS):
        info.write(r * 2 if r else 0, 0, text, f[style] if style else f["wrap"])
    budget = book.add_worksheet("Budget")
    for c, title in enumerate(BUDGET_HEADERS[:3] + ["Kind"] + BUDGET_HEADERS[3:] + ["Half-return"]):
        budget.write(0, c, title, f["header"])
        budget.set_column(c, c, 16)
    budget.freeze_panes(1, 0)
    functions = book.add_worksheet("Functions")
    for c, title in enumerate(["Function", "Kind", "Floor", "Cap"]):
        functions.write(0, c, title, f["header"])
        functions.set_column(c, c, 18)
    for r, (name, kind) in enumerate((("HR", "internal"), ("IT", "internal"), ("Internal comms", "internal")), start=1):
        functions.write(r, 0, name)
        functions.write(r, 1, kind)
    policy = book.add_worksheet("Policy")
    policy.write(0, 0, "Setting", f["header"])
    policy.write(0, 1, "Value", f["header"])
    policy.set_column(0, 1, 26)
    for r, (setting, value) in enumerate((("Spend whole budget", "no"), ("Objective", "max-impact")), start=1):
        policy.write(r, 0, setting)
        policy.write(r, 1, value)
    info.activate()
    book.close()


if __name__ == "__main__":
    build_sample(HERE / "sample_plan.xlsx")
    build_template(HERE / "template.xlsx")
    print("Wrote", HERE / "sample_plan.xlsx", "and", HERE / "template.xlsx")
