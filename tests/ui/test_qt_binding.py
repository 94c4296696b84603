"""The Qt binding keeps Python's reference counts: a long afternoon of signals must not crash the window.

PySide6 6.12.0 under Python 3.11 released a reference to ``True`` at every
``emit()`` (and so to whatever a slot's call returned): after a few thousand
signals the process aborted with "deallocating True or False". The window
emits a signal on every edit, solve, progress step and panel update.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(object)


def test_emitting_signals_keeps_the_reference_counts_of_true_and_none() -> None:
    emitter = _Emitter()
    seen: list[object] = []
    emitter.changed.connect(seen.append)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(500):
        emitter.changed.emit(None)
    # Each emit returns a fresh reference to True and the slot's None is released once: no drift.
    assert abs(sys.getrefcount(True) - true_before) < 50
    assert abs(sys.getrefcount(None) - none_before) < 50 + len(seen)
    assert len(seen) == 500
