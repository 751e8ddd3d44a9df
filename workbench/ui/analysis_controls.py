"""Trial-count and seed spin boxes shared by the uncertainty and comparison views."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox

MAX_TRIALS = 2_000_000
MAX_SEED = 2_147_483_647


def trials_spin_box(tooltip: str) -> QSpinBox:
    """Create a spin box for a Monte Carlo trial count, 2 to MAX_TRIALS in steps of 10,000."""
    box = QSpinBox()
    box.setRange(2, MAX_TRIALS)
    box.setSingleStep(10_000)
    box.setGroupSeparatorShown(True)
    box.setToolTip(tooltip)
    return box


def seed_spin_box() -> QSpinBox:
    """Create a spin box for the seed of the random number generator."""
    box = QSpinBox()
    box.setRange(0, MAX_SEED)
    box.setToolTip("Seed of the random number generator; the same seed reproduces every digit")
    return box
