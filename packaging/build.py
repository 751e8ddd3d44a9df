"""Build the one-folder desktop application with PyInstaller and show that it starts.

Usage: python packaging/build.py [--dist DIR] [--work DIR] [--skip-build]

Needs the ``packaging`` extra (``pip install -e '.[packaging]'``). Renders the icons, runs
PyInstaller on ``packaging/carbon-workbench.spec`` and copies the ``.desktop`` file, the MIME
type and the icons into the folder. Then it smoke-tests the result with ``--version`` of both
executables and ``carbon-workbench-gui --self-test``. The self-test builds the demo project,
opens it in the main window on Qt's offscreen platform, exports a signed report and verifies it. Prints the folder's
size and exits with 1 when any step fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAME = "carbon-workbench"
SMOKE_TIMEOUT_S = 600


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller and add the desktop integration files; return the application folder."""
    sys.path.insert(0, str(HERE))
    from render_icons import render_icons

    render_icons(HERE / "icons")
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--distpath", str(dist),
                    "--workpath", str(work), str(HERE / f"{NAME}.spec")], check=True, cwd=ROOT)
    folder = dist / NAME
    share = folder / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    (share / "mime" / "packages").mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / f"{NAME}.desktop", share / "applications" / f"{NAME}.desktop")
    shutil.copy2(HERE / f"{NAME}-mime.xml", share / "mime" / "packages" / f"{NAME}.xml")
    for png in sorted((HERE / "icons").glob(f"{NAME}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(png, target)
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "workbench" / "resources" / "icons" / f"{NAME}.svg", scalable / f"{NAME}.svg")
    return folder


def smoke_test(folder: Path) -> bool:
    """Run the built executables; return True when every check passed."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    checks = [[str(folder / f"{NAME}-gui"), "--version"], [str(folder / NAME), "--version"],
              [str(folder / f"{NAME}-gui"), "--self-test"]]
    passed = True
    for command in checks:
        started = time.monotonic()
        completed = subprocess.run(command, capture_output=True, text=True, env=environment,
                                   timeout=SMOKE_TIMEOUT_S, cwd=folder)
        elapsed = time.monotonic() - started
        output = (completed.stdout + completed.stderr).strip()
        print(f"$ {' '.join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command))}"
              f"  -> exit {completed.returncode} in {elapsed:.1f} s\n{output}\n")
        passed = passed and completed.returncode == 0
    return passed


def folder_size_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the application folder goes")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="PyInstaller work folder")
    parser.add_argument("--skip-build", action="store_true", help="only smoke-test an existing build")
    args = parser.parse_args(argv)

    folder = args.dist / NAME if args.skip_build else build(args.dist, args.work)
    size_mib = folder_size_bytes(folder) / (1 << 20)
    print(f"application folder: {folder} ({size_mib:,.0f} MiB)")
    ok = smoke_test(folder)
    print("smoke test passed" if ok else "smoke test FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
