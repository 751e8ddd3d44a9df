"""Write the demo inputs into sample_projects/inputs (if missing) and build sample_projects/demo.cwb.

Usage: python sample_projects/build_demo.py [--regenerate] [PROJECT.cwb]

The inputs are synthetic and deterministic; `carbon-workbench demo PATH` builds the same project
from the same generator without needing this folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(HERE / "demo.cwb"), help="where to write the project")
    parser.add_argument("--regenerate", action="store_true", help="rewrite the input files first")
    args = parser.parse_args(argv)

    from workbench.services import demo

    inputs = HERE / "inputs"
    if args.regenerate and inputs.exists():
        shutil.rmtree(inputs)
    if not inputs.exists():
        demo.write_inputs(inputs)
    project_path = Path(args.project)
    for suffix in ("", "-wal", "-shm"):
        Path(str(project_path) + suffix).unlink(missing_ok=True)
    with demo.build_demo_project(project_path, inputs) as project:
        print(f"Built {project.path} ('{project.name}') from {inputs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
