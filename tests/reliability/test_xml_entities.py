"""XML entity expansion and external entities in Green Button, nvidia-smi -q -x and XLSX parts.

Every payload is tried against every XML-reading path through the application: Green Button and
nvidia-smi XML imports (defusedxml), a procurement XLSX import (python-calamine reads the sheet,
defusedxml the workbook part) and the verification of a workbook (openpyxl over defusedxml and
lxml). External references point at a marker file on disk and at an HTTP server on 127.0.0.1
that records every request. No path may expand an entity beyond its literal text, read the
marker file, or send a request; each either refuses the file with InputRejectedError or reads
it without the entities.
"""

from __future__ import annotations

import http.server
import io
import re
import threading
import tracemalloc
import zipfile

import pytest

from reliability.import_kinds import new_lab_project
from reliability.spreadsheets import valid_workbook_parts, write_archive
from shared_paths import samples_dir
from workbench.errors import InputRejectedError
from workbench.services import imports, verification_files

FAULT_CLASS = "XML entity expansion or external entity"

MARKER = "CWB-SECRET-MARKER-5f3a"
PEAK_LIMIT_BYTES = 32 << 20


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        RecordingHandler.requests.append(self.path)
        body = f'<!ENTITY leak "{MARKER}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def loopback_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(MARKER)
    return path


def payloads(url: str, secret_uri: str) -> dict[str, tuple[str, str]]:
    """Return case -> (internal DTD subset, entity reference placed in a text node)."""
    laughs = '<!ENTITY lol0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol" + str(level - 1) + ";") * 10}">' for level in range(1, 10))
    return {
        "billion laughs": (laughs, "&lol9;"),
        "quadratic blowup": (f'<!ENTITY big "{"x" * 50_000}">', "&big;" * 2_000),
        "external entity file": (f'<!ENTITY leak SYSTEM "{secret_uri}">', "&leak;"),
        "external entity http loopback": (f'<!ENTITY leak SYSTEM "{url}/entity">', "&leak;"),
        "external parameter entity": (f'<!ENTITY % remote SYSTEM "{url}/remote.dtd"> %remote;', "&leak;"),
        "external DTD": ("", "x"),
        "xinclude of file": ("", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_uri}" '
                                 'parse="text"/>'),
    }


_PROLOG = re.compile(rb"^\s*(<\?xml[^>]*\?>)?(\s*<\?xml-stylesheet[^>]*\?>)?(\s*<!--.*?-->)?\s*(<!DOCTYPE[^>]*>)?\s*",
                     re.DOTALL)


def hostile_document(document: bytes, case: str, url: str, secret_uri: str, text_tag: bytes) -> bytes:
    """Give ``document`` a DOCTYPE with the case's declarations and put its reference in the first ``text_tag``."""
    subset, reference = payloads(url, secret_uri)[case]
    body = _PROLOG.sub(b"", document, count=1)
    root = re.match(rb"<([A-Za-z_][\w:.-]*)", body).group(1)
    system = f' SYSTEM "{url}/external.dtd"' if case == "external DTD" else ""
    doctype = f"<!DOCTYPE {root.decode()}{system} [{subset}]>" if subset or system else ""
    start = body.index(b"<" + text_tag)
    close = body.index(b">", start) + 1
    end = body.index(b"</" + text_tag, close)
    body = body[:close] + reference.encode() + body[end:]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.encode() + b"\n" + body


CASES = list(payloads("http://127.0.0.1:1", "file:///x"))


def assert_safe(outcome_text: str, before_requests: int) -> None:
    assert MARKER not in outcome_text
    assert "lollollollollollollollollollollollollollollollollollollollol" not in outcome_text
    assert len(RecordingHandler.requests) == before_requests, f"requests sent: {RecordingHandler.requests}"


def import_outcome(project, path, options) -> str:
    """Import and return every text the import produced (error, notes, stored rows), measuring memory."""
    tracemalloc.start()
    try:
        try:
            report = imports.import_file(project, path, options)
            text = repr(report)
        except InputRejectedError as exc:
            text = str(exc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT_BYTES, f"peak Python allocation {peak:,} bytes"
    stored = project.conn.execute("SELECT group_concat(quote(original_name) || notes_json || options_json) "
                                  "FROM sources").fetchone()[0] or ""
    return text + stored


@pytest.mark.parametrize("case", CASES)
def test_green_button_entities_not_expanded(case, loopback_server, secret_file, tmp_path):
    source = (samples_dir() / "meter/green_button/vladistan__abridged_electric_containerized.xml").read_bytes()
    path = tmp_path / "usage.xml"
    path.write_bytes(hostile_document(source, case, loopback_server, secret_file.as_uri(), b"title"))
    before = len(RecordingHandler.requests)
    project = new_lab_project(tmp_path)
    try:
        text = import_outcome(project, path, imports.ImportOptions(kind="green-button", site="lab", meter="main"))
    finally:
        project.close()
    assert_safe(text, before)
    assert "usage.xml" in text


@pytest.mark.parametrize("case", CASES)
def test_nvidia_smi_xml_entities_not_expanded(case, loopback_server, secret_file, tmp_path):
    source = (samples_dir() / "nvidia_smi/xml_telegraf/a10g.xml").read_bytes()
    path = tmp_path / "gpu.xml"
    path.write_bytes(hostile_document(source, case, loopback_server, secret_file.as_uri(), b"driver_version"))
    before = len(RecordingHandler.requests)
    project = new_lab_project(tmp_path)
    try:
        text = import_outcome(project, path, imports.ImportOptions(kind="nvidia-smi-xml", site="lab", run="r1",
                                                                   timezone="UTC"))
    finally:
        project.close()
    assert_safe(text, before)


XLSX_PARTS = {"sharedStrings": ("xl/sharedStrings.xml", b"t"), "workbook": ("xl/workbook.xml", b"sheets"),
              "sheet": ("xl/worksheets/sheet1.xml", b"t")}


def hostile_workbook(path, part_key: str, case: str, url: str, secret_uri: str) -> None:
    part, tag = XLSX_PARTS[part_key]
    parts = valid_workbook_parts()
    if part_key == "workbook":
        # Keep the <sheets> content: the reference goes into a new element of its own.
        parts[part] = parts[part].replace(b"</workbook>", b"<extLst><ext>x</ext></extLst></workbook>")
        tag = b"ext"
    parts[part] = hostile_document(parts[part], case, url, secret_uri, tag)
    write_archive(path, parts)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("part_key", list(XLSX_PARTS))
def test_xlsx_part_entities_not_expanded(part_key, case, loopback_server, secret_file, tmp_path):
    path = tmp_path / "assets.xlsx"
    hostile_workbook(path, part_key, case, loopback_server, secret_file.as_uri())
    before = len(RecordingHandler.requests)
    project = new_lab_project(tmp_path)
    try:
        text = import_outcome(project, path, imports.ImportOptions(kind="procurement", site="lab"))
    finally:
        project.close()
    assert_safe(text, before)


@pytest.mark.parametrize("case", ["billion laughs", "external entity file", "external entity http loopback",
                                  "external parameter entity"])
@pytest.mark.parametrize("part_key", list(XLSX_PARTS))
def test_verified_workbook_entities_not_expanded(part_key, case, loopback_server, secret_file, tmp_path):
    path = tmp_path / "report.xlsx"
    hostile_workbook(path, part_key, case, loopback_server, secret_file.as_uri())
    before = len(RecordingHandler.requests)
    try:
        manifest, runs = verification_files.read_workbook(path.read_bytes(), path.name)
        text = repr((manifest, runs))
    except Exception as exc:  # noqa: BLE001 (verify reports any failure to read the workbook as a problem)
        text = f"{type(exc).__name__}: {exc}"
    assert_safe(text, before)


def test_xlsx_archive_is_valid_zip(tmp_path):
    path = tmp_path / "assets.xlsx"
    hostile_workbook(path, "sharedStrings", "billion laughs", "http://127.0.0.1:1", "file:///x")
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        assert b"&lol9;" in archive.read("xl/sharedStrings.xml")
