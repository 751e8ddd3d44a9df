"""The validation suite: every worked example and published case recomputed by the engine.

The expected values ship with the package (``resources/validation``): the worked examples of the
methodology with their expected outputs, and published AI-training footprints with every input
their authors stated and the agreement expected when recomputing them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

from workbench.errors import UsageError
from workbench.services.validation_cases import WORKED_EXAMPLES, Check
from workbench.services.validation_published import published_case
from workbench.services.validation_uncertainty import UNCERTAINTY_EXAMPLES, nas_case

log = logging.getLogger(__name__)


def _load(name: str) -> dict:
    text = resources.files("workbench").joinpath("resources", "validation", name).read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class ValidationReport:
    """Every check of the suite; ``passed`` only when all of them pass."""

    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def as_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": [check.as_dict() for check in self.checks],
                "failed": len(self.failed), "total": len(self.checks), "not_checked": []}


def run_validation(cases: list[str] | None = None) -> ValidationReport:
    """Run the worked examples with their uncertainty checks, the published and the comparison cases.

    ``cases`` limits the run to the named cases.
    """
    examples = _load("worked_examples.json")
    published = _load("published_cases.json")["cases"]
    comparisons = _load("comparison_cases.json")["cases"]
    known = list(WORKED_EXAMPLES) + [case["id"] for case in published] + [case["id"] for case in comparisons]
    unknown = sorted(set(cases or ()) - set(known))
    if unknown:
        raise UsageError(f"unknown validation case {', '.join(unknown)}", hint=f"Cases: {', '.join(known)}.")
    checks: list[Check] = []
    for name, function in WORKED_EXAMPLES.items():
        if cases is None or name in cases:
            checks.extend(function(examples[name]))
            if name in UNCERTAINTY_EXAMPLES:
                checks.extend(UNCERTAINTY_EXAMPLES[name](examples[name]))
    for case in published:
        if cases is None or case["id"] in cases:
            checks.extend(published_case(case))
    by_id = {case["id"]: case for case in published}
    for case in comparisons:
        if cases is None or case["id"] in cases:
            checks.extend(nas_case(case, by_id))
    report = ValidationReport(tuple(checks))
    log.info("validation: %d checks, %d failed", len(checks), len(report.failed))
    return report


def format_table(report: ValidationReport) -> str:
    """Render the report as a plain-text table: case, quantity, expected, computed, tolerance, pass."""
    header = f"{'case':<40}{'quantity':<44}{'expected':>16}{'computed':>16}{'tolerance':>11}  pass"
    lines = [header, "-" * len(header)]
    for check in report.checks:
        if check.tolerance_rel:
            tolerance = f"{check.tolerance_rel:.0e}"
        else:
            tolerance = f"+/-{check.tolerance_abs:g}" if check.tolerance_abs else "exact"
        lines.append(f"{check.case[:39]:<40}{check.quantity[:43]:<44}{check.expected:>16.8g}{check.computed:>16.8g}"
                     f"{tolerance:>11}  {'yes' if check.passed else 'NO'}")
    lines.append("-" * len(header))
    lines.append(f"{len(report.checks) - len(report.failed)} of {len(report.checks)} checks pass")
    return "\n".join(lines)
