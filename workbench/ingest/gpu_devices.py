"""GPU identities shared by the telemetry readers, and the hourly energy table they all return.

Every GPU reader (query-gpu CSV, ``-q`` text and XML, dmon, Prometheus scrapes) gives its
devices integer codes through a :class:`DeviceRegistry` and returns one ``energy`` table with
the columns in :data:`ENERGY_TABLE_COLUMNS`, so the import service stores them all the same way.

A device key is the GPU's UUID when the file gives a real one. Captures often mask the UUID
with zeros, and hand-written logs give only an index, so then the key is scoped to the host (or
to the file name when no host is known): ``node01:index=3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

MASKED_UUID = re.compile(r"^(GPU-)?0{8}-0{4}-0{4}-0{4}-0{12}$", re.IGNORECASE)
ENERGY_TABLE_COLUMNS = (
    "device_key", "host", "uuid", "gpu_index", "model", "hour_utc", "level", "energy_wh", "gpu_energy_wh",
    "idle_energy_wh", "sample_count", "measured_samples", "coverage", "gap_seconds", "longest_gap_s",
    "quality", "basis", "interval_s", "first_row", "last_row")


@dataclass
class DeviceInfo:
    """A GPU as a file describes it; ``identity`` is the value of the column that identifies it."""

    identity: str
    field: str
    uuid: str | None = None
    gpu_index: str | None = None
    model: str | None = None
    host: str | None = None

    def key(self, scope: str) -> str:
        if self.uuid and not MASKED_UUID.match(self.uuid):
            return self.uuid if self.uuid.upper().startswith("GPU-") else f"GPU-{self.uuid}"
        return f"{self.host or scope}:{self.field}={self.identity}"


class DeviceRegistry:
    """Integer codes for the GPUs of one file, in order of first appearance."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str | None, str], int] = {}
        self.info: dict[int, DeviceInfo] = {}

    def code(self, info: DeviceInfo) -> int:
        """Return the code of the device ``info`` describes, registering it on first sight."""
        token = (info.host, info.identity)
        found = self.codes.get(token)
        if found is None:
            found = len(self.codes)
            self.codes[token] = found
            self.info[found] = info
        return found

    def identity_of(self, code: int) -> str:
        return self.info[code].identity

    def __len__(self) -> int:
        return len(self.info)


def energy_table(hourly: pd.DataFrame, registry: DeviceRegistry, scope: str, *, basis: str,
                 interval_s: float | None, quality: str | pd.Series = "measured") -> pd.DataFrame:
    """Build the ``energy`` table from an integrator's hourly rows.

    ``scope`` names the device keys of GPUs without a real UUID (the host, else the file name).
    ``basis`` is how the energy was obtained: ``power_integral`` or ``energy_counter``.
    """
    keys = {code: info.key(scope) for code, info in registry.info.items()}
    devices = hourly["device"]
    frame = pd.DataFrame({
        "device_key": devices.map(keys),
        "host": devices.map({code: info.host for code, info in registry.info.items()}),
        "uuid": devices.map({code: _real_uuid(info.uuid) for code, info in registry.info.items()}),
        "gpu_index": devices.map({code: info.gpu_index for code, info in registry.info.items()}),
        "model": devices.map({code: info.model for code, info in registry.info.items()}),
        "hour_utc": hourly["hour"].astype(np.int64) * 3600,
        "level": "gpu_board",
        "energy_wh": hourly["energy_wh"].astype(float),
        "gpu_energy_wh": hourly["energy_wh"].astype(float),
        "idle_energy_wh": hourly["idle_energy_wh"].astype(float),
        "sample_count": hourly["sample_count"].astype(np.int64),
        "measured_samples": hourly["measured_samples"].astype(np.int64),
        "coverage": hourly["coverage"].astype(float),
        "gap_seconds": hourly["gap_seconds"].astype(float),
        "longest_gap_s": hourly["longest_gap_s"].astype(float),
        "quality": quality,
        "basis": basis,
        "interval_s": interval_s,
        "first_row": hourly["first_row"],
        "last_row": hourly["last_row"],
    })
    return frame[list(ENERGY_TABLE_COLUMNS)]


def mark_unmeasured_devices(frame: pd.DataFrame) -> list[str]:
    """Set energy to NaN and quality to 'unmeasured' for GPUs with no power reading at all; return their keys.

    Such a GPU has samples (so it has rows) but every power value was missing, so its energy is
    unknown, not 0 Wh.
    """
    if frame.empty:
        return []
    readings = frame.groupby("device_key")["measured_samples"].transform("sum")
    never = (readings == 0).to_numpy()
    frame.loc[never, ["energy_wh", "gpu_energy_wh", "idle_energy_wh"]] = np.nan
    frame.loc[never, "quality"] = "unmeasured"
    frame.loc[never, "basis"] = "none"
    return sorted(frame.loc[never, "device_key"].unique())


def unmeasured_rows(registry: DeviceRegistry, codes: list[int], scope: str, hour_utc: int,
                    rows: dict[int, int]) -> pd.DataFrame:
    """Rows for GPUs that reported no power at all: energy unknown (NaN), quality 'unmeasured'."""
    if not codes:
        return pd.DataFrame(columns=list(ENERGY_TABLE_COLUMNS))
    infos = [registry.info[code] for code in codes]
    return pd.DataFrame({
        "device_key": [info.key(scope) for info in infos], "host": [info.host for info in infos],
        "uuid": [_real_uuid(info.uuid) for info in infos], "gpu_index": [info.gpu_index for info in infos],
        "model": [info.model for info in infos], "hour_utc": hour_utc, "level": "gpu_board",
        "energy_wh": np.nan, "gpu_energy_wh": np.nan, "idle_energy_wh": np.nan, "sample_count": 1,
        "measured_samples": 0, "coverage": 0.0, "gap_seconds": 0.0, "longest_gap_s": 0.0,
        "quality": "unmeasured", "basis": "none", "interval_s": np.nan,
        "first_row": [rows.get(code) for code in codes], "last_row": [rows.get(code) for code in codes],
    })[list(ENERGY_TABLE_COLUMNS)]


def _real_uuid(uuid: str | None) -> str | None:
    if not uuid or MASKED_UUID.match(uuid):
        return uuid or None
    return uuid if uuid.upper().startswith("GPU-") else f"GPU-{uuid}"
