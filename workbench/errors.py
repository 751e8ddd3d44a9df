"""Structured exceptions for every condition the workbench reports to a user.

Each class carries the offending value, where it was found and what to do next, so the CLI can
print one clear message with a stable exit status and the GUI can show the same text in a
dialog. Exit statuses: 2 usage error, 3 input rejected, 4 project file error, 5 verification
failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class WorkbenchError(Exception):
    """Base class: a failure with a message for the user and a hint on what to do."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message.rstrip('.')}. {self.hint}"
        return self.message


class UsageError(WorkbenchError):
    """A command was called with invalid arguments or options."""

    exit_code = 2


class AssumptionError(UsageError):
    """An assumption key or value is invalid, or the set cannot be changed."""


class OperationCancelled(WorkbenchError):
    """The user cancelled a long operation; the project was left unchanged."""

    exit_code = 1

    def __init__(self, operation: str) -> None:
        super().__init__(f"{operation} was cancelled; the project is unchanged.")
        self.operation = operation


@dataclass(frozen=True)
class RowProblem:
    """One rejected input row: where it is and why it was not used."""

    file: str
    row: int
    column: str
    value: str
    reason: str

    def describe(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"{self.file}, row {self.row}, column '{self.column}', value '{value}': {self.reason}"


class InputRejectedError(WorkbenchError):
    """An input file cannot be imported; nothing from it was stored."""

    exit_code = 3

    def __init__(
        self,
        file: str | Path,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        hint: str = "",
        problems: list[RowProblem] | None = None,
    ) -> None:
        self.file = str(file)
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
        self.problems = problems or []
        where = [Path(self.file).name]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        if value is not None:
            where.append(f"value '{value}'")
        super().__init__(f"{', '.join(where)}: {reason}", hint=hint)


class DuplicateSourceError(InputRejectedError):
    """The same file content was imported before."""

    def __init__(self, file: str | Path, sha256: str, earlier_name: str, earlier_id: int) -> None:
        super().__init__(
            file,
            f"this file (SHA-256 {sha256[:12]}...) was already imported as source {earlier_id} "
            f"('{earlier_name}')",
            hint="Import it again only on purpose, with --allow-duplicate.",
        )
        self.sha256 = sha256
        self.earlier_id = earlier_id


class ProjectFileError(WorkbenchError):
    """A project file cannot be created, opened or written."""

    exit_code = 4

    def __init__(self, path: str | Path, message: str, *, hint: str = "") -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: {message}", hint=hint)


class ForeignFileError(ProjectFileError):
    """The file is not a Carbon Workbench project."""


class NewerFormatError(ProjectFileError):
    """The project was written by a newer version of the workbench."""


class DamagedProjectError(ProjectFileError):
    """The project file is damaged or its audit log does not verify."""


class ProjectReadOnlyError(ProjectFileError):
    """The project file or its folder cannot be written, so the project is open read-only or not at all."""


class ProjectMissingError(ProjectFileError):
    """The open project's file is no longer at its path: the drive was removed, or it was moved or deleted."""


class DiskFullError(ProjectFileError):
    """A write failed because the disk (or the project's size limit) is full; the change was rolled back."""


class ProjectBusyError(ProjectFileError):
    """Another process held the project's write lock for longer than the workbench waits."""


class NotFoundError(UsageError):
    """A named run, site, assumption set or other entity does not exist in the project."""


class VerificationError(WorkbenchError):
    """A signed export, its manifest or its figures do not verify."""

    exit_code = 5


class MissingFactorError(WorkbenchError):
    """No emission factor covers some energy; the result would be incomplete."""

    exit_code = 3


class CrossViewError(UsageError):
    """Figures of the inventory view and the footprint view were about to be added together.

    The two views differ in boundary, allocation and embodied treatment, so their sum means
    nothing; compare them in a reconciliation table instead.
    """

    def __init__(self, views: tuple[str, ...], operation: str = "add") -> None:
        self.views = views
        super().__init__(f"cannot {operation} figures of the {' and '.join(views)} views",
                         hint="Inventory and footprint figures are never added; compute one view, or "
                              "compare the two side by side.")


class NettingError(UsageError):
    """Avoided emissions were about to be added to or subtracted from an emissions total.

    Avoided emissions are estimates of what a change would save; the GHG Protocol and SCI report
    them beside the inventory and the footprint, never netted against them.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"cannot add or subtract avoided emissions ({what}) and an emissions total",
                         hint="Report avoided emissions beside the totals; they are never deducted from them.")


class FacilityOverheadError(UsageError):
    """PUE was requested for energy that already includes the facility overhead."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is already facility-level energy (it includes cooling and power "
                         "distribution overhead), so PUE cannot be applied to it again",
                         hint="Pass facility-level energy without a PUE, or pass IT or node energy with the PUE.")


class DisclosureIncompleteError(WorkbenchError):
    """A final report lacks required disclosures; ``items`` lists (item number, text, what is missing)."""

    exit_code = 5

    def __init__(self, items: list[tuple[int, str, str]]) -> None:
        self.items = items
        listing = "; ".join(f"item {number} ({text}): {detail}" for number, text, detail in items)
        super().__init__(f"a final report needs every required disclosure, and {len(items)} are missing: {listing}",
                         hint="Add what is missing, or export a draft with --draft.")


class ProjectLockedError(ProjectFileError):
    """Another workbench process has the project open; ``holder`` names it (pid, host, since when).

    ``stale`` is False here: a lock whose process is known to be gone is removed, not reported.
    """

    def __init__(self, path: str | Path, holder: "object") -> None:
        self.holder = holder
        super().__init__(path, f"is open in another Carbon Workbench ({holder})",
                         hint="Close it there, or open this project read-only.")
