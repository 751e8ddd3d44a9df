"""Builders of hostile spreadsheet archives: a valid workbook's parts with one part replaced or added."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import openpyxl

ZERO_BLOCK = bytes(1 << 20)


def valid_workbook_parts() -> dict[str, bytes]:
    """Return the parts of a small procurement workbook written by openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["item", "category", "quantity", "acquired", "embodied_co2e_kg_per_unit", "lifetime_years",
                  "embodied_source"])
    sheet.append(["GPU server", "server", 1, "2025-01-10", 2500, 5, "vendor PCF"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    return _with_shared_strings(parts)


def _with_shared_strings(parts: dict[str, bytes]) -> dict[str, bytes]:
    """Move cell A2's text into xl/sharedStrings.xml, as Excel writes it (openpyxl writes inline strings)."""
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="A2" t="inlineStr"><is><t>GPU server</t></is></c>', b'<c r="A2" t="s"><v>0</v></c>')
    parts["xl/sharedStrings.xml"] = (b'<sst xmlns="' + main + b'" count="1" uniqueCount="1">'
                                     b"<si><t>GPU server</t></si></sst>")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/></Relationships>')
    return parts


def write_archive(path, parts: dict[str, bytes], extra_entries: int = 0) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        for number in range(extra_entries):
            archive.writestr(f"xl/media/padding{number}.bin", b"")


def write_with_zero_part(path, part_name: str, megabytes: int, prefix: bytes = b"") -> None:
    """Write the workbook with ``part_name`` replaced by ``prefix`` and ``megabytes`` MiB of NUL bytes.

    The part's deflate stream is one fully flushed 1 MiB block repeated, so building a 300 MiB
    bomb takes milliseconds and the test never holds the inflated part in memory.
    """
    parts = valid_workbook_parts()
    parts.pop(part_name, None)
    entries = [(name, _deflate(data), zlib.crc32(data), len(data)) for name, data in parts.items()]
    block, crc = _zero_block_stream(), zlib.crc32(prefix)
    for _ in range(megabytes):
        crc = zlib.crc32(ZERO_BLOCK, crc)
    stream = _deflate_flushed(prefix) + block * megabytes + _FINAL_BLOCK
    entries.append((part_name, stream, crc, len(prefix) + megabytes * len(ZERO_BLOCK)))
    _write_zip(path, entries)


_FINAL_BLOCK = b"\x03\x00"  # an empty final fixed-Huffman block ends a deflate stream


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _deflate_flushed(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _zero_block_stream() -> bytes:
    return _deflate_flushed(ZERO_BLOCK)


def _write_zip(path, entries: list[tuple[str, bytes, int, int]]) -> None:
    """Write a ZIP archive of deflated entries (name, deflate stream, CRC-32, inflated size)."""
    local, central, offset = [], [], 0
    for name, stream, crc, size in entries:
        encoded = name.encode()
        header = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), size, len(encoded), 0)
        local.append(header + encoded + stream)
        central.append(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(stream), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        offset += len(local[-1])
    directory = b"".join(central)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    with open(path, "wb") as handle:
        handle.writelines(local)
        handle.write(directory + end)


def lie_about_size(path, part_name: str, declared: int) -> None:
    """Rewrite the declared uncompressed size of ``part_name`` in the local header and central directory."""
    data = bytearray(path.read_bytes())
    encoded = part_name.encode()
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_offset = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_offset:name_offset + len(encoded)] == encoded:
                data[start + size_offset:start + size_offset + 4] = struct.pack("<I", declared)
            start += 4
    path.write_bytes(bytes(data))
