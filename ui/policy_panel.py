"""The plan's rules: budget, the floors behind the customer, shares, ratios, change limit."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from models.domain import Bound, Objective, Plan, function_key
from models.edits import (
    EditError,
    add_ratio,
    parse_bound,
    parse_setting,
    remove_ratio,
    set_function_bound,
    set_policy,
)
from models.formats import money
from models.functions import KEY_FUNCTIONS, CanonicalFunction, canonical
from models.result import Result, RuleSensitivity
from models.rules import Family, RuleKey
from models.schema import setting
from ui.layouts import clear_layout

__all__ = ["PolicyPanel", "find_function"]

BOUND_HINT = "Amount (1,200,000), % of budget (8%) or % of current (95% of current); blank for none"


def find_function(plan: Plan, function: CanonicalFunction) -> str | None:
    """The plan's spelling of a canonical function, if the plan has it."""
    return next((f for f in plan.functions() if canonical(f) is function), None)


def _sensitivity_text(rule: RuleSensitivity, limit: float) -> str:
    """A binding rule's price and the limits over which the same rules hold the plan, as a tooltip says it."""
    low = "0" if rule.allowable_decrease is None else money(max(limit - rule.allowable_decrease, 0.0))
    high = "any higher" if rule.allowable_increase is None else money(limit + rule.allowable_increase)
    text = (
        f"Binding. Impact per unit loosened: {rule.shadow_price:.4f}. The same rules hold the plan "
        f"for a limit from {low} to {high}."
    )
    if not rule.unique:
        text += " The price is not the same on both sides of the limit (a tie in the plan)."
    return text


def _bound_text(bound: Bound | None) -> str:
    return "" if bound is None else bound.describe()


class _Field(QLineEdit):
    """A line edit that commits on Enter or leaving it, and shows the plan's value otherwise."""

    def __init__(self, placeholder: str, commit: Callable[[str], None], tooltip: str = "") -> None:
        super().__init__()
        self.setPlaceholderText(placeholder)
        self.setToolTip(tooltip)
        #: What the field is for; the plan's sensitivity is said below it once solved.
        self.help = tooltip
        self._commit = commit
        self._shown = ""
        self.editingFinished.connect(self._on_editing_finished)

    def show_value(self, text: str) -> None:
        self._shown = text
        if not self.hasFocus() or self.text() == text:
            self.setText(text)

    def _on_editing_finished(self) -> None:
        if self.text() != self._shown:
            self._commit(self.text())


class PolicyPanel(QScrollArea):
    edit_made = Signal(object, str)
    edit_refused = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self._plan = Plan(())
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B00020;")
        self.message.hide()
        layout.addWidget(self.message)

        key = QGroupBox("Floors behind the customer")
        key.setStyleSheet("QGroupBox { font-weight: bold; font-size: 11pt; }")
        grid = QGridLayout(key)
        grid.addWidget(QLabel("Floor"), 0, 1)
        grid.addWidget(QLabel("Cap"), 0, 2)
        self.key_fields: dict[str, tuple[QLabel, _Field, _Field]] = {}
        for row, name in enumerate((f.name for f in KEY_FUNCTIONS), start=1):
            label = QLabel(name)
            floor = _Field("no floor", partial(self._set_key_bound, name, "floor"), BOUND_HINT)
            cap = _Field("no cap", partial(self._set_key_bound, name, "cap"), BOUND_HINT)
            grid.addWidget(label, row, 0)
            grid.addWidget(floor, row, 1)
            grid.addWidget(cap, row, 2)
            self.key_fields[name] = (label, floor, cap)
        layout.addWidget(key)

        budget = QGroupBox("Budget")
        form = QFormLayout(budget)
        self.total_budget = _Field("today's total", self._set_budget, setting("total_budget").help)
        self.spend_whole = QCheckBox("Spend the whole budget")
        self.spend_whole.setToolTip(setting("spend_whole_budget").help)
        self.spend_whole.toggled.connect(self._on_spend_whole_toggled)
        self.objective = QComboBox()
        self.objective.addItem("Maximise impact", Objective.MAX_IMPACT)
        self.objective.addItem("Move the least money", Objective.MIN_CHANGE)
        self.objective.setToolTip(setting("objective").help)
        self.objective.activated.connect(self._on_objective_activated)
        self.max_change = _Field("no limit", self._set_max_change, setting("max_change").help)
        form.addRow("Total budget", self.total_budget)
        form.addRow("", self.spend_whole)
        form.addRow("Objective", self.objective)
        form.addRow("Change limit", self.max_change)
        layout.addWidget(budget)

        share = QGroupBox("Internal share of the money allocated")
        share_form = QFormLayout(share)
        self.share_min = _Field(
            "none",
            lambda text: self._set_share("internal_share_min", text),
            setting("internal_share_min").help,
        )
        self.share_max = _Field(
            "none",
            lambda text: self._set_share("internal_share_max", text),
            setting("internal_share_max").help,
        )
        share_form.addRow("At least", self.share_min)
        share_form.addRow("At most", self.share_max)
        layout.addWidget(share)

        others = QGroupBox("Other function floors and caps")
        others_layout = QVBoxLayout(others)
        self._others_holder = QWidget()
        others_layout.addWidget(self._others_holder)
        self._others_layout = others_layout
        add_row = QHBoxLayout()
        self.add_function = QComboBox()
        add_button = QPushButton("Add rule")
        add_button.clicked.connect(self._on_add_function_clicked)
        add_row.addWidget(self.add_function, 1)
        add_row.addWidget(add_button)
        others_layout.addLayout(add_row)
        layout.addWidget(others)

        ratios = QGroupBox("Ratio rules")
        ratio_layout = QVBoxLayout(ratios)
        self._ratio_list = QVBoxLayout()
        ratio_layout.addLayout(self._ratio_list)
        new_ratio = QHBoxLayout()
        self.ratio_left = QComboBox()
        self.ratio_factor = QDoubleSpinBox()
        self.ratio_factor.setRange(0.0, 100.0)
        self.ratio_factor.setDecimals(2)
        self.ratio_factor.setSingleStep(0.1)
        self.ratio_factor.setValue(0.5)
        self.ratio_right = QComboBox()
        add_ratio_button = QPushButton("Add")
        add_ratio_button.clicked.connect(self._on_add_ratio_clicked)
        new_ratio.addWidget(self.ratio_left, 2)
        new_ratio.addWidget(QLabel(">="))
        new_ratio.addWidget(self.ratio_factor, 1)
        new_ratio.addWidget(QLabel("x"))
        new_ratio.addWidget(self.ratio_right, 2)
        new_ratio.addWidget(add_ratio_button)
        ratio_layout.addLayout(new_ratio)
        layout.addWidget(ratios)
        layout.addStretch(1)

    # -- showing the plan ----------------------------------------------------

    def show_sensitivity(self, result: Result | None) -> None:
        """Each rule's field says what loosening it is worth and how far, once the plan is solved."""
        report = result.sensitivity if result is not None else None
        binding = {rule.key: rule for rule in result.rules if rule.binding} if result is not None else {}
        # Rules whose limits are money (a share's range would be money too, and read wrongly).
        fields: list[tuple[_Field, RuleKey | None]] = [(self.total_budget, RuleKey(Family.BUDGET))]
        for key in KEY_FUNCTIONS:
            _label, floor, cap = self.key_fields[key.name]
            function = find_function(self._plan, key)
            fields.append((floor, RuleKey(Family.FUNCTION_FLOOR, function) if function else None))
            fields.append((cap, RuleKey(Family.FUNCTION_CAP, function) if function else None))
        for field, rule_key in fields:
            held = binding.get(rule_key) if rule_key is not None else None
            rule = report.rule(rule_key) if report is not None and held is not None and rule_key else None
            if held is None or rule is None:
                field.setToolTip(field.help)
            else:
                field.setToolTip(f"{field.help}\n\n{_sensitivity_text(rule, held.limit)}")

    def set_plan(self, plan: Plan) -> None:
        self._plan = plan
        policy = plan.policy
        for key in KEY_FUNCTIONS:
            name = key.name
            label, floor, cap = self.key_fields[name]
            function = find_function(plan, key)
            rule = plan.function_rule(function) if function else None
            label.setText(function or f"{name} (no lines)")
            for field in (floor, cap):
                field.setEnabled(function is not None)
            floor.show_value(_bound_text(rule.floor if rule else None))
            cap.show_value(_bound_text(rule.cap if rule else None))
        for attr, field in (
            ("total_budget", self.total_budget),
            ("max_change", self.max_change),
            ("internal_share_min", self.share_min),
            ("internal_share_max", self.share_max),
        ):
            spec = setting(attr)
            field.show_value(spec.edit_text(spec.get(policy)))
        self.spend_whole.blockSignals(True)
        self.spend_whole.setChecked(policy.spend_whole_budget)
        self.spend_whole.blockSignals(False)
        self.objective.setCurrentIndex(self.objective.findData(policy.objective))
        self._show_other_functions(plan)
        self._show_ratios(plan)

    def _key_function_names(self, plan: Plan) -> set[str]:
        found = (find_function(plan, key) for key in KEY_FUNCTIONS)
        return {function_key(f) for f in found if f}

    def _show_other_functions(self, plan: Plan) -> None:
        self._others_holder.deleteLater()
        self._others_holder = QWidget()
        self._others_layout.insertWidget(0, self._others_holder)
        grid = QGridLayout(self._others_holder)
        grid.setContentsMargins(0, 0, 0, 0)
        keys = self._key_function_names(plan)
        rules = [r for r in plan.policy.functions if function_key(r.function) not in keys]
        for row, rule in enumerate(rules):
            floor = _Field("no floor", partial(self._set_bound, rule.function, "floor"), BOUND_HINT)
            cap = _Field("no cap", partial(self._set_bound, rule.function, "cap"), BOUND_HINT)
            floor.show_value(_bound_text(rule.floor))
            cap.show_value(_bound_text(rule.cap))
            remove = QPushButton("Remove")
            remove.clicked.connect(lambda _checked=False, f=rule.function: self._remove_function_rule(f))
            for col, widget in enumerate((QLabel(rule.function), floor, cap, remove)):
                grid.addWidget(widget, row, col)
        ruled = {function_key(r.function) for r in plan.policy.functions} | keys
        self.add_function.clear()
        for function in plan.functions():
            if function_key(function) not in ruled:
                self.add_function.addItem(function)

    def _show_ratios(self, plan: Plan) -> None:
        clear_layout(self._ratio_list)
        for n, ratio in enumerate(plan.policy.ratios):
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(QLabel(ratio.describe()), 1)
            remove = QPushButton("Remove")
            remove.clicked.connect(
                lambda _checked=False, index=n: self._apply(
                    remove_ratio(self._plan, index), "Remove a ratio rule"
                )
            )
            line.addWidget(remove)
            self._ratio_list.addWidget(row)
        for combo in (self.ratio_left, self.ratio_right):
            chosen = combo.currentText()
            combo.clear()
            combo.addItems(plan.functions())
            if chosen:
                combo.setCurrentText(chosen)

    # -- edits -----------------------------------------------------------------

    def _apply(self, new: Plan, description: str) -> None:
        self.message.hide()
        if new != self._plan:
            self.edit_made.emit(new, description)

    def _refuse(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()
        self.edit_refused.emit(message)
        self.set_plan(self._plan)

    def _try(self, make: Callable[[], Plan], description: str) -> None:
        try:
            new = make()
        except EditError as error:
            self._refuse(str(error))
            return
        self._apply(new, description)

    def _set_bound(self, function: str, which: str, text: str) -> None:
        self._try(
            lambda: set_function_bound(self._plan, function, which, parse_bound(text)),
            f"Set the {function} {which} to {text.strip() or 'none'}",
        )

    def _set_key_bound(self, name: str, which: str, text: str) -> None:
        key = next(f for f in KEY_FUNCTIONS if f.name == name)
        function = find_function(self._plan, key)
        if function is not None:
            self._set_bound(function, which, text)

    def _remove_function_rule(self, function: str) -> None:
        def make() -> Plan:
            plan = set_function_bound(self._plan, function, "floor", None)
            return set_function_bound(plan, function, "cap", None)

        self._try(make, f"Remove the {function} floor and cap")

    def _set_budget(self, text: str) -> None:
        self._try(
            lambda: set_policy(self._plan, total_budget=parse_setting("total_budget", text)),
            f"Set the total budget to {text.strip() or 'today’s total'}",
        )

    def _set_max_change(self, text: str) -> None:
        self._try(
            lambda: set_policy(self._plan, max_change=parse_setting("max_change", text)),
            f"Set the change limit to {text.strip() or 'none'}",
        )

    def _set_share(self, which: str, text: str) -> None:
        word = "minimum" if which.endswith("min") else "maximum"
        self._try(
            lambda: set_policy(self._plan, **{which: parse_setting(which, text)}),
            f"Set the internal share {word} to {text.strip() or 'none'}",
        )

    def _on_spend_whole_toggled(self, checked: bool) -> None:
        self._try(
            lambda: set_policy(self._plan, spend_whole_budget=checked),
            "Spend the whole budget" if checked else "Allow leaving budget unspent",
        )

    def _on_objective_activated(self, index: int) -> None:
        objective = self.objective.itemData(index)
        self._try(
            lambda: set_policy(self._plan, objective=objective),
            f"Objective: {self.objective.itemText(index)}",
        )

    def _on_add_function_clicked(self) -> None:
        function = self.add_function.currentText()
        if function:
            self._try(
                lambda: set_function_bound(self._plan, function, "floor", Bound(0.0)),
                f"Add a floor for {function}",
            )

    def _on_add_ratio_clicked(self) -> None:
        left, right = self.ratio_left.currentText(), self.ratio_right.currentText()
        factor = self.ratio_factor.value()
        self._try(
            lambda: add_ratio(self._plan, left, factor, right), f"Add ratio {left} >= {factor:g} x {right}"
        )

    def key_field(self, name: str, which: str) -> QLineEdit:
        """The floor or cap field of a key function (for keyboard focus and tests)."""
        _label, floor, cap = self.key_fields[name]
        return floor if which == "floor" else cap
