"""Small helpers for widget layouts."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout

__all__ = ["clear_layout"]


def clear_layout(layout: QLayout) -> None:
    """Take every item out of ``layout``; its widgets are deleted once control returns to the event loop."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()
