"""Every text import kind with a small valid input and the options it needs, for import-path tests."""

from __future__ import annotations

from dataclasses import dataclass

from reliability.reader_targets import CARBONTRACKER_STD, INPUTS, SACCT, head_lines, whole
from shared_paths import REPOSITORY, samples_dir
from workbench.services import imports


@dataclass(frozen=True)
class TextKind:
    """One import kind: the file name, a valid input and the import options."""

    kind: str
    file_name: str
    content: callable
    options: dict

    def import_options(self, **extra) -> imports.ImportOptions:
        return imports.ImportOptions(kind=self.kind, **{**self.options, **extra})


def _sample(relative: str, reader=head_lines):
    return lambda: reader(samples_dir() / relative)


def _input(name: str):
    return lambda: head_lines(INPUTS / name)


TEXT_KINDS: tuple[TextKind, ...] = (
    TextKind("gpu-log", "gpu.csv", _sample("nvidia_smi/xypp3__gpu_glasses__nvidia_smi.csv"),
             {"site": "lab", "run": "r1"}),
    TextKind("codecarbon", "emissions.csv", _sample("codecarbon/codecarbon_repo/examples__emissions.csv"),
             {"site": "lab", "run": "r1", "timezone": "UTC"}),
    TextKind("meter", "meter.csv", _input("dc-paris-main-meter.csv"), {"site": "lab", "meter": "main"}),
    TextKind("procurement", "assets.csv", _input("procurement-2024.csv"), {"site": "lab"}),
    TextKind("factors", "factors.csv", _input("grid-factors-2025.csv"), {}),
    TextKind("instruments", "instruments.csv", _input("instruments-2025.csv"), {"site": "lab"}),
    TextKind("scope1", "scope1.csv", _input("scope1-2025.csv"), {"site": "lab"}),
    TextKind("runs", "runs.csv", _input("declared-runs.csv"), {"timezone": "UTC"}),
    TextKind("hardware-library", "hardware.csv",
             lambda: head_lines(REPOSITORY / "workbench/resources/hardware/embodied_defaults.csv"), {}),
    TextKind("nvidia-smi-q", "gpu-q.txt",
             _sample("nvidia_smi/extracted/linux-x86_64__nvidia-l40s__595.80__load__q.txt", whole),
             {"site": "lab", "run": "r1", "timezone": "UTC"}),
    TextKind("dmon", "dmon.txt", _sample("nvidia_smi/extracted/linux-x86_64__nvidia-l40s__595.80__load__dmon.txt",
                                         whole),
             {"site": "lab", "run": "r1", "timezone": "UTC", "start": "2025-01-01T00:00:00", "interval_s": 1.0}),
    TextKind("dcgm", "scrape.metrics", _sample("dcgm/datadog-integrations-core__dcgm__metrics.txt", whole),
             {"site": "lab", "run": "r1", "scrape_time": "2025-06-01T12:00:00Z"}),
    TextKind("slurm", "sacct.txt", lambda: SACCT.encode(), {"site": "lab", "timezone": "UTC"}),
    TextKind("carbontracker", "1234_2020-08-24T192604Z_carbontracker.log", lambda: CARBONTRACKER_STD.encode(),
             {"site": "lab", "timezone": "UTC"}),
)
KIND_IDS = [kind.kind for kind in TEXT_KINDS]


def new_lab_project(folder):
    """A new project with the site 'lab' that the kinds' options name."""
    from workbench.services import entities, projects

    project = projects.new_project(folder / "import-test.cwb", "import test")
    entities.configure_site(project, "lab", grid_zone="FR", timezone="UTC", pue_category="PUE3")
    return project
