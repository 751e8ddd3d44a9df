"""Meters for the engine: each meter's hourly energy with its measurement point and accuracy class."""

from __future__ import annotations

from workbench.engine.metering import MeasuredPue, MeterInput, measured_pue
from workbench.errors import NotFoundError, UsageError
from workbench.project import repo
from workbench.project.store import Project


def load_meter_inputs(project: Project) -> list[MeterInput]:
    """Return every meter of the project as an engine input, hours sorted."""
    frame = repo.meter_energy(project.conn)
    inputs = []
    for name, rows in frame.groupby("meter", sort=True):
        hourly = rows.groupby("hour_utc")["energy_wh"].sum().sort_index()
        first = rows.iloc[0]
        inputs.append(MeterInput(name=str(name), site=first["site"], measurement_point=first["measurement_point"],
                                 accuracy_class=first["accuracy_class"], hours=hourly.index.to_numpy("int64"),
                                 energy_kwh=hourly.to_numpy(float) / 1000.0))
    return inputs


def site_measured_pue(project: Project, facility_meter: str, it_meter: str) -> MeasuredPue | None:
    """Measure PUE from two meters of the project; raise NotFoundError or UsageError when unusable."""
    meters = {meter.name: meter for meter in load_meter_inputs(project)}
    for name in (facility_meter, it_meter):
        if name not in meters:
            raise NotFoundError(f"no meter named '{name}' has energy in the project")
    try:
        return measured_pue(meters[facility_meter], meters[it_meter])
    except ValueError as exc:
        raise UsageError(str(exc), hint="Import the IT meter with --measurement-point ups_output, pdu_output or "
                                        "server_input.") from None
