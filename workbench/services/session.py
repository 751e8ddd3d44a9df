"""The state of one open project for an interactive front end, without Qt.

:class:`Session` holds the open project, the selected assumption set, the prepared
:class:`~workbench.services.compute.FootprintModel`, the current (possibly previewed)
assumptions and the latest result. Plain-Python listeners subscribe per field; the Qt window is
one such listener, tests are another.

Recompute is request then response: :meth:`Session.request` freezes the assumptions and numbers
the request, :func:`compute_response` runs on any thread and touches no shared mutable state
except the model's cache of factor sums, and :meth:`Session.apply` on the owning thread drops a
response that a newer request or another project has made stale.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from workbench.engine.assumptions import SPECS, Assumptions
from workbench.project import audit, energy_totals
from workbench.project.store import Project
from workbench.services import assumptions as assumption_service
from workbench.services import projects

if TYPE_CHECKING:  # pandas and the engine's model load lazily, when a project opens
    import pandas as pd

    from workbench.engine.footprint import FootprintResult
    from workbench.services.compute import FootprintModel
    from workbench.services.opening import OpenedProject

log = logging.getLogger(__name__)

__all__ = ["SPECS", "Assumptions", "AuditStatus", "ProjectInfo", "RecomputeRequest", "RecomputeResponse",
           "RUN_COLUMNS", "Session", "compute_response", "factor_zones", "runs_frame"]

Listener = Callable[[Any], None]

FIELDS = ("project", "set_name", "sets", "committed", "assumptions", "result", "audit", "factor_zones")

# Columns of the runs table, in display order; the keys are RunFootprint attributes.
RUN_COLUMNS = ("run", "kind", "site", "zone", "gpu_count", "gpu_energy_kwh", "facility_energy_kwh",
               "operational_co2e_kg", "embodied_co2e_kg", "total_co2e_kg")


@dataclass(frozen=True)
class ProjectInfo:
    """What a status line shows about the open project file."""

    path: Path
    name: str
    format_version: int
    read_only: bool = False


@dataclass(frozen=True)
class AuditStatus:
    """The result of checking the audit log's hash chain, in words for a status line."""

    ok: bool
    entries: int
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit log: {self.entries} entries, hash chain intact"
        return f"Audit log BROKEN: {self.problem}"


@dataclass(frozen=True)
class RecomputeRequest:
    """Frozen input of one recompute; ``serial`` orders requests of one session."""

    serial: int
    model: "FootprintModel"
    assumptions: Assumptions
    preview: bool


@dataclass(frozen=True, eq=False)
class RecomputeResponse:
    """A footprint result with its hourly series and runs table, for the request that asked for it.

    ``shaped`` holds data the views derive from the result (chart series, for example) under
    keys that name the view and its options. A worker fills it before the response reaches the
    owning thread, so the views find their data ready; see :meth:`shape`.
    """

    request: RecomputeRequest
    result: "FootprintResult"
    hourly: "pd.DataFrame"
    runs: "pd.DataFrame"
    shaped: dict[Any, Any] = dataclasses.field(default_factory=dict, repr=False)

    def shape(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Return ``shaped[key]``, computing it with ``compute()`` and keeping it when it is missing."""
        if key not in self.shaped:
            self.shaped[key] = compute()
        return self.shaped[key]


def runs_frame(result: "FootprintResult") -> "pd.DataFrame":
    """Return one row per run with the columns in :data:`RUN_COLUMNS`."""
    import numpy as np
    import pandas as pd

    # Read from the result's columns rather than its RunFootprint rows: building 1,000 row
    # objects took about 50 ms of each frame of a slider drag.
    inputs, columns, zone = result.inputs, result.columns, result.assumptions.factor_zone
    data: dict[str, Any] = {
        "run": [run.name for run in inputs], "kind": [run.kind for run in inputs],
        "site": [run.site for run in inputs], "zone": [zone or run.zone for run in inputs],
        "gpu_count": [run.gpu_count for run in inputs]}
    for key in RUN_COLUMNS[5:]:
        data[key] = np.asarray(columns[key], dtype=float)
    return pd.DataFrame(data, columns=list(RUN_COLUMNS))


def compute_response(request: RecomputeRequest) -> RecomputeResponse:
    """Compute the footprint for ``request``; safe to call from a worker thread.

    It reads only the prepared model. The model caches factor sums per zone on first use, and
    two threads filling the same entry compute the same value, so the race is harmless.
    """
    result = request.model.compute(request.assumptions)
    hourly = request.model.hourly(request.assumptions)
    return RecomputeResponse(request, result, hourly, runs_frame(result))


def factor_zones(project: Project) -> list[str]:
    """Return the grid zones that have emission factors in ``project``, sorted."""
    rows = project.conn.execute("SELECT DISTINCT zone FROM factors ORDER BY zone")
    return [row[0] for row in rows]


def audit_status(project: Project) -> AuditStatus:
    """Recompute the audit log's hash chain of ``project``."""
    status = audit.verify_chain(project.conn)
    return AuditStatus(status.ok, status.entries, status.problem)


class _Field:
    """A read-only attribute of :class:`Session` backed by its notifying value store."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: "Session | None", owner: type) -> Any:
        if instance is None:
            return self
        return instance._values[self.name]


class Session:
    """One open project and what the views show of it; every field notifies its listeners.

    Fields (read them as attributes): ``project`` (:class:`ProjectInfo` or None), ``set_name``,
    ``sets`` (list of dicts from :func:`workbench.services.assumptions.list_sets`), ``committed``
    (the stored assumptions of the set), ``assumptions`` (what the views show, a preview or the
    committed values), ``result`` (:class:`RecomputeResponse` or None), ``audit``
    (:class:`AuditStatus` or None), ``factor_zones``. Listeners run on the thread that changes
    the field; a Qt front end changes fields on its GUI thread only.
    """

    project: ProjectInfo | None = _Field()
    set_name: str = _Field()
    sets: list[dict[str, Any]] = _Field()
    committed: Assumptions | None = _Field()
    assumptions: Assumptions | None = _Field()
    result: RecomputeResponse | None = _Field()
    audit: AuditStatus | None = _Field()
    factor_zones: list[str] = _Field()

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {name: [] for name in FIELDS}
        self._values: dict[str, Any] = {name: None for name in FIELDS}
        self._values["set_name"] = assumption_service.DEFAULT_SET
        self._values["sets"] = []
        self._values["factor_zones"] = []
        self._project: Project | None = None
        self._model: FootprintModel | None = None
        self._serial = 0
        self._rows_only = False  # set when the open project's stored run totals failed the recount

    # -- fields and listeners ----------------------------------------------------------------

    def subscribe(self, field: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(new_value)`` whenever ``field`` changes; return a function that unsubscribes."""
        if field not in self._listeners:
            raise KeyError(f"unknown session field '{field}'; fields are {', '.join(FIELDS)}")
        self._listeners[field].append(listener)
        return lambda: self._listeners[field].remove(listener)

    def _set(self, field: str, value: Any) -> None:
        old = self._values[field]
        self._values[field] = value
        if old is value or _same(old, value):
            return
        for listener in list(self._listeners[field]):
            listener(value)

    @property
    def project_file(self) -> Project | None:
        """The open project with the owning thread's connection; workers call ``.connect()`` on it."""
        return self._project

    @property
    def model(self) -> "FootprintModel | None":
        return self._model

    # -- opening and closing -----------------------------------------------------------------

    def open(self, path: str | Path, *, read_only: bool = False) -> None:
        """Open the project at ``path`` and compute its footprint with the default assumption set.

        ``read_only`` opens the file without write access, so every change raises
        ProjectFileError. On an error from opening or preparing the model (a ProjectFileError,
        for example) the previously open project stays open and unchanged. A damaged page found
        later, while the lists or the first result are read, raises DamagedProjectError and
        leaves no project open.
        """
        from workbench.services.opening import read_project

        self.adopt_opened(read_project(path, read_only=read_only))

    def adopt_opened(self, opened: "OpenedProject") -> None:
        """Make ``opened`` (from :func:`workbench.services.opening.read_project`, any thread) the open project.

        Runs on the owning thread: it opens this thread's connection, reads the assumption sets,
        zones and audit status, and publishes the first result, which ``opened`` already holds.
        A damaged page found here raises DamagedProjectError and leaves no project open.
        """
        project = opened.project.connect()
        self._close_project()
        self._project = project
        self._model = opened.model
        try:
            # A damaged page can sit in a table that only the lists read.
            with projects.reporting_damage(project.path):
                self._set("project", ProjectInfo(Path(project.path), project.name, project.format_version,
                                                 project.read_only))
                self._refresh_lists()
                self._set("set_name", opened.set_name)
                self._set("committed", opened.committed)
                self._set("assumptions", opened.committed)
                self.apply(dataclasses.replace(opened.response, request=self.request(opened.committed)))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the open project, if any, and clear every field."""
        self._close_project()
        self._model = None
        self._serial += 1
        self._set("result", None)
        self._set("audit", None)
        self._set("factor_zones", [])
        self._set("sets", [])
        self._set("committed", None)
        self._set("assumptions", None)
        self._set("project", None)

    def _close_project(self) -> None:
        self._rows_only = False
        if self._project is not None:
            self._project.close()
            log.info("closed project %s", self._project.path)
            self._project = None

    def reload(self) -> None:
        """Prepare the model again after the project's data changed (an import, for example)."""
        project = self._require_project()
        self._model = _prepare_model(project, stored_totals=not self._rows_only)
        self._refresh_lists()
        self._select(self.set_name)

    def prepare_model_job(self) -> Callable[[Any], "FootprintModel"]:
        """Return a job that prepares the model from the project file on its own connection (any thread).

        Pass its result to :meth:`adopt_model` on the thread that owns this session; together they
        do what :meth:`reload` does, without preparing the model on that thread.
        """
        project = self._require_project()
        rows_only = self._rows_only

        def job(_progress: Any) -> "FootprintModel":
            with project.connect() as worker_project:
                return _prepare_model(worker_project, stored_totals=not rows_only)

        return job

    def stored_totals_check_job(self) -> Callable[[Any], list[str]]:
        """Return a job that recounts the energy rows and lists where the stored run totals differ (any thread).

        Opening uses the totals stored in the file when their digests match the energy table
        (:func:`workbench.project.energy_totals.read`). That check cannot see rows changed in
        place with equal sums, or edited totals, so the desktop application runs this job after
        opening and calls :meth:`distrust_stored_totals` when the list is not empty.
        """
        project = self._require_project()

        def job(_progress: Any) -> list[str]:
            with project.connect() as worker_project:
                return energy_totals.differences(worker_project.conn)

        return job

    def distrust_stored_totals(self) -> None:
        """Read the run energy from the energy rows in every later :meth:`prepare_model_job` of this project."""
        self._rows_only = True

    def adopt_model(self, model: "FootprintModel") -> RecomputeRequest:
        """Use ``model``, prepared by :meth:`prepare_model_job`, and return the request to compute.

        The assumption set stays selected and its committed values are shown. The caller computes
        the request (off the UI thread) and passes the response to :meth:`apply`.
        """
        project = self._require_project()
        self._model = model
        self._refresh_lists()
        committed = assumption_service.snapshot(project, self.set_name)
        self._set("committed", committed)
        self._set("assumptions", committed)
        return self.request(committed)

    def _refresh_lists(self) -> None:
        project = self._require_project()
        self._set("sets", assumption_service.list_sets(project))
        self._set("factor_zones", factor_zones(project))
        self.refresh_audit()

    def refresh_audit(self) -> None:
        """Check the audit log's hash chain again and publish the status."""
        self._set("audit", audit_status(self._require_project()))

    # -- assumption sets ---------------------------------------------------------------------

    def select_set(self, name: str) -> None:
        """Show assumption set ``name``; raise NotFoundError if the project has no such set."""
        self._require_project()
        self._select(name)

    def _select(self, name: str) -> None:
        committed = assumption_service.snapshot(self._require_project(), name)
        self._set("set_name", name)
        self._set("committed", committed)
        self._set("assumptions", committed)
        self.recompute()

    def preview(self, changes: dict[str, Any]) -> RecomputeRequest:
        """Show the committed assumptions with ``changes`` applied, without storing them.

        Returns the request to compute; pass its response to :meth:`apply`.
        """
        committed = self._require_committed()
        previewed = dataclasses.replace(committed, **changes)
        self._set("assumptions", previewed)
        return self.request(previewed, preview=True)

    def discard_preview(self) -> None:
        """Go back to the committed assumptions and their result."""
        self._set("assumptions", self._require_committed())
        self.recompute()

    def commit(self, values: dict[str, Any], rationale: str) -> list[dict[str, Any]]:
        """Store ``values`` in the current set with ``rationale``; this writes the audit entries.

        Returns the change records of :func:`workbench.services.assumptions.change` and
        raises AssumptionError for invalid values, a locked set or an empty rationale; the
        preview stays in place then, so the caller decides whether to discard it.
        """
        project = self._require_project()
        changes = assumption_service.change(project, self.set_name, values, rationale=rationale)
        committed = assumption_service.snapshot(project, self.set_name)
        self._set("committed", committed)
        self._set("assumptions", committed)
        self._set("sets", assumption_service.list_sets(project))
        self.refresh_audit()
        self.recompute()
        return changes

    # -- recompute ---------------------------------------------------------------------------

    def request(self, assumptions: Assumptions, *, preview: bool = False) -> RecomputeRequest:
        """Number a new request for ``assumptions``; every earlier request becomes stale."""
        if self._model is None:
            raise RuntimeError("no project is open, so there is nothing to compute")
        self._serial += 1
        return RecomputeRequest(self._serial, self._model, assumptions, preview)

    def apply(self, response: RecomputeResponse) -> bool:
        """Publish ``response`` as the result unless a newer request was made; return whether it was used."""
        request = response.request
        if request.serial != self._serial or request.model is not self._model:
            log.debug("dropped stale recompute %d (latest %d)", request.serial, self._serial)
            return False
        self._set("result", response)
        return True

    def recompute(self) -> RecomputeResponse:
        """Compute the current assumptions on this thread and publish the result."""
        response = compute_response(self.request(self.assumptions or self._require_committed()))
        self.apply(response)
        return response

    # -- helpers -----------------------------------------------------------------------------

    def _require_project(self) -> Project:
        if self._project is None:
            raise RuntimeError("no project is open")
        return self._project

    def _require_committed(self) -> Assumptions:
        if self.committed is None:
            raise RuntimeError("no project is open")
        return self.committed


def _prepare_model(project: Project, *, stored_totals: bool = True) -> "FootprintModel":
    from workbench.services.compute import FootprintModel

    return FootprintModel(project, stored_totals=stored_totals)


def _same(old: Any, new: Any) -> bool:
    try:
        return bool(old == new)
    except (TypeError, ValueError):  # objects such as DataFrames do not compare to one bool
        return False
