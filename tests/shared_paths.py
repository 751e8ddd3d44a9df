"""Where the shared reference material lives: real sample files and validation data.

Tests read them in place and never copy them into the repository. The folder is found from
$CWB_SHARED_DIR, else ``shared`` next to the repository (or one level higher, for worktrees
and CI clones inside the workspace), else /work/shared.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    candidates = []
    if os.environ.get("CWB_SHARED_DIR"):
        candidates.append(Path(os.environ["CWB_SHARED_DIR"]))
    candidates += [REPOSITORY.parent / "shared", REPOSITORY.parent.parent / "shared", Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "samples").is_dir():
            return candidate
    raise RuntimeError("the shared folder with samples/ was not found; set CWB_SHARED_DIR to it "
                       f"(looked in: {', '.join(str(c) for c in candidates)})")


def samples_dir() -> Path:
    return shared_dir() / "samples"


def validation_dir() -> Path:
    return shared_dir() / "validation"
