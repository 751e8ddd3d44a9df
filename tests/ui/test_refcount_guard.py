"""Guard against PySide6 builds that lose references to None and True.

PySide6 6.12.0 on CPython 3.11 drops one reference to None on every call of a Qt method that
returns void, and one reference to True on every Signal.emit(). A live GUI makes thousands of
such calls a minute, so the interpreter soon aborts with "Fatal Python error: none_dealloc" or
"bool_dealloc". Ordinary GUI tests pass on that build, because a short suite never drives the
count to zero. These tests count the references directly.

The counting runs in a child interpreter: when a build is broken enough to abort, the abort
shows as a failed test instead of ending the test session. On CPython 3.12 and later None and
True are immortal and their counts never move, so the tests pass there even on a broken build,
which is harmless for the same reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

CALLS = 1000
TOLERANCE = 10  # references that may come and go for other reasons; a broken build loses CALLS

COUNTING_SCRIPT = textwrap.dedent(f"""
    import json
    import sys

    from PySide6.QtCore import QCoreApplication, QObject, QRectF, QTimer, Signal

    app = QCoreApplication([])

    class Emitter(QObject):
        fired = Signal(int)

    received = []
    emitter = Emitter()
    emitter.fired.connect(received.append)
    rect = QRectF(0.0, 0.0, 1.0, 1.0)
    timer = QTimer()

    before = sys.getrefcount(None)
    for _ in range({CALLS}):
        rect.setWidth(2.0)
        timer.setInterval(5)
    print(json.dumps({{"none_delta": sys.getrefcount(None) - before}}), flush=True)

    before = sys.getrefcount(True)
    for _ in range({CALLS}):
        emitter.fired.emit(1)
    print(json.dumps({{"true_delta": sys.getrefcount(True) - before, "received": len(received)}}), flush=True)
""")


@pytest.fixture(scope="module")
def counts() -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    result = subprocess.run([sys.executable, "-c", COUNTING_SCRIPT], env=env, capture_output=True, text=True,
                            timeout=120)
    measured = {"returncode": result.returncode, "stderr": result.stderr.strip()[-2000:]}
    for line in result.stdout.splitlines():
        measured.update(json.loads(line))
    return measured


def test_void_calls_keep_none_refcount(counts):
    assert "none_delta" in counts, f"the counting interpreter died: {counts}"
    assert abs(counts["none_delta"]) <= TOLERANCE, (
        f"{2 * CALLS} void Qt calls changed the reference count of None by {counts['none_delta']}; "
        "this PySide6 build corrupts reference counts (6.12.0 on CPython 3.11 does), use 6.11.x")


def test_signal_emit_keeps_true_refcount(counts):
    assert "true_delta" in counts, f"the counting interpreter died after the None check: {counts}"
    assert counts["received"] == CALLS
    assert abs(counts["true_delta"]) <= TOLERANCE, (
        f"{CALLS} Signal.emit() calls changed the reference count of True by {counts['true_delta']}; "
        "this PySide6 build corrupts reference counts (6.12.0 on CPython 3.11 does), use 6.11.x")
    assert counts["returncode"] == 0, counts["stderr"]
