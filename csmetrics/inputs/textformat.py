"""How the text of CSV exports is written: its character encoding and its decimal separator.

DuckDB reads UTF-8 (and, natively, UTF-16 and Latin-1 only: its other encodings are an extension csmetrics
never downloads). Windows exports are often Windows-1252 (cp1252), which differs from Latin-1 in the bytes
0x80-0x9F (€ ‘ ’ “ ” … –). So a CSV export in another encoding than UTF-8 is transcoded, once, into a UTF-8
copy in a private temporary directory, in blocks of 4 MiB through Python's incremental decoder (no work per
row), and every CSV reader of csmetrics reads that copy (:func:`readable_path`); messages keep naming the
export itself. Each of these encodings maps a line feed and a carriage return to themselves, so the copy has
the same lines as the export: every line number in a message is the export's. The copies are removed when
the read ends (:func:`reading`, or at exit).

A UTF-16 export starts with a byte-order mark (FF FE or FE FF), which no UTF-8 or Windows-1252 text starts
with: it is read as UTF-16 without being asked. Bytes that are not UTF-8 in an export read as UTF-8 are an
error naming the line and the byte, and the ``--encoding`` to give (:func:`not_utf8_error`).

The decimal separator (``.`` or ``,``) is chosen per read; ``None`` lets csmetrics decide per file
(csmetrics.inputs.decimals).
"""

from __future__ import annotations

import atexit
import codecs
import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from csmetrics.errors import ConfigError, InputError

BLOCK = 1 << 22
# The names accepted for --encoding and [source] encoding, and the codec each one reads with.
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",  # the byte-order mark of a UTF-8 file is skipped in any case
    "utf-16": "utf-16",
    "utf16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16-le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-16-be": "utf-16-be",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
}
ENCODING_CHOICES = "utf-8 (the default), utf-16, cp1252 (alias windows-1252), latin-1 (alias iso-8859-1)"
DECIMAL_SEPARATORS = (".", ",")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def encoding_name(value: str | None, where: str = "--encoding") -> str:
    """The codec of an encoding name as given (case, ``_`` or ``-`` do not matter); ConfigError for others."""
    if value is None:
        return "utf-8"
    key = value.strip().lower().replace("_", "-")
    if key not in ENCODINGS:
        msg = f"{where}: unknown encoding {value!r}; csmetrics reads {ENCODING_CHOICES}"
        raise ConfigError(msg)
    return ENCODINGS[key]


def decimal_separator(value: str | None, where: str = "--decimal-separator") -> str | None:
    """``.`` or ``,`` as given; None (also for ``auto``): decided per file."""
    if value is None or value.strip().lower() == "auto":
        return None
    if value not in DECIMAL_SEPARATORS:
        msg = f"{where}: {value!r} is not a decimal separator; give . or , (or auto)"
        raise ConfigError(msg)
    return value


@dataclass(frozen=True)
class TextFormat:
    """The encoding of CSV exports (a codec of ENCODINGS) and their decimal separator (None: per file)."""

    encoding: str = "utf-8"
    decimal_separator: str | None = None

    @classmethod
    def of(cls, encoding: str | None, decimal: str | None, mapping: object = None) -> TextFormat:
        """The options given, else a mapping's ``[source] encoding`` / ``decimal_separator``, else the defaults."""
        where = f"mapping {getattr(mapping, 'name', '')}: source." if mapping is not None else ""
        mapped_encoding = getattr(mapping, "encoding", None) if encoding is None else None
        mapped_decimal = getattr(mapping, "decimal_separator", None) if decimal is None else None
        encoding_where = f"{where}encoding" if encoding is None and where else "--encoding"
        decimal_where = f"{where}decimal_separator" if decimal is None and where else "--decimal-separator"
        return cls(
            encoding_name(encoding if encoding is not None else mapped_encoding, encoding_where),
            decimal_separator(decimal if decimal is not None else mapped_decimal, decimal_where),
        )


_active = TextFormat()
_base: Path | None = None  # where the transcoded copies go (None: the system's temporary directory)
_directory: Path | None = None
_copies: dict[str, tuple[int, int, Path | None, str]] = {}  # path -> (mtime, size, UTF-8 copy or None, encoding)


def active() -> TextFormat:
    """The text format of the read under way (:func:`reading`)."""
    return _active


@contextmanager
def reading(text: TextFormat | None, temp_base: Path | None = None) -> Iterator[None]:
    """CSV exports read while this runs are read in ``text``'s encoding; their UTF-8 copies go in a private
    directory under ``temp_base`` (default: the system's temporary directory), removed at the end."""
    global _active, _base, _directory
    saved = (_active, _base, _directory, dict(_copies))
    _active, _base, _directory = text or TextFormat(), temp_base, None
    _copies.clear()
    try:
        yield
    finally:
        _remove(_directory)
        _active, _base, _directory = saved[0], saved[1], saved[2]
        _copies.clear()
        _copies.update(saved[3])


def _remove(directory: Path | None) -> None:
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def _copy_directory() -> Path:
    global _directory
    if _directory is None:
        base = _base if _base is not None else Path(tempfile.gettempdir())
        try:
            base.mkdir(parents=True, exist_ok=True)
            made = Path(tempfile.mkdtemp(prefix="csmetrics-text-", dir=base))
        except OSError as e:
            msg = f"temp directory {base}: cannot hold a UTF-8 copy of an export ({e.strerror or e}); give --temp-dir"
            raise InputError(msg) from e
        atexit.register(_remove, made)
        _directory = made
    return _directory


def open_raw(path: Path) -> IO[bytes]:
    """The file's bytes (decompressed for ``.gz``)."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _is_text_export(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in _TEXT_SUFFIXES


def _bom_encoding(path: Path) -> str | None:
    try:
        with open_raw(path) as f:
            return _BOMS.get(f.read(2))
    except (OSError, EOFError, gzip.BadGzipFile):
        return None


def source_encoding(path: Path) -> str:
    """The encoding ``path`` is read in: the one asked for, or UTF-16 for a file with its byte-order mark."""
    readable_path(path)
    entry = _copies.get(str(path))
    return entry[3] if entry is not None else "utf-8"


def readable_path(path: Path) -> Path:
    """The UTF-8 file to read for the CSV export ``path``: itself, or its transcoded copy."""
    key = str(path)
    try:
        stat = path.stat()
    except OSError:
        return path
    entry = _copies.get(key)
    if entry is not None and entry[:2] == (stat.st_mtime_ns, stat.st_size):
        return entry[2] or path
    encoding = _active.encoding
    copy: Path | None = None
    if _is_text_export(path):
        if encoding == "utf-8" and _bom_encoding(path):
            encoding = "utf-16"
        if encoding != "utf-8":
            copy = _transcode(path, encoding)
    _copies[key] = (stat.st_mtime_ns, stat.st_size, copy, encoding)
    return copy or path


def _transcode(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` read in ``encoding`` (same characters, same lines), in blocks."""
    if encoding.startswith("utf-16"):  # the byte-order mark decides (and is dropped); none: as asked, or LE
        encoding = "utf-16" if _bom_encoding(path) else "utf-16-le" if encoding == "utf-16" else encoding
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    fd, target = tempfile.mkstemp(prefix="copy-", suffix=f"-{name}", dir=_copy_directory())
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = 0
    try:
        with open_raw(path) as source, os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            while block := source.read(BLOCK):
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as e:
                    raise _undecodable(path, encoding, block, e, lines) from None
                lines += text.count("\n")
                out.write(text)
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as e:
        msg = f"{path}: ends in the middle of a character ({e.reason}): not {encoding} text; check --encoding"
        raise InputError(msg) from None
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        Path(target).unlink(missing_ok=True)
        msg = f"{path}: cannot be read: {getattr(e, 'strerror', None) or e}"
        raise InputError(msg) from e
    return Path(target)


def _undecodable(path: Path, encoding: str, block: bytes, error: UnicodeDecodeError, lines: int) -> InputError:
    before = codecs.decode(block[: error.start], encoding if encoding != "utf-16" else "utf-16-le", "replace")
    byte = block[error.start : error.start + 1].hex().upper()
    other = "latin-1" if encoding == "cp1252" else "cp1252"
    return InputError(
        f"{path}, line {lines + before.count(chr(10)) + 1}: byte 0x{byte} is not {encoding} text ({error.reason}); "
        f"is the export in another encoding? Try --encoding {other} (or utf-8, utf-16)"
    )


def not_utf8_error(path: Path) -> InputError | None:
    """The error for an export read as UTF-8 that holds bytes UTF-8 has not: its first such line and byte, and
    the --encoding that reads it (found in one read of the file, on this error path only); None when it is
    UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    lines = 0
    try:
        with open_raw(path) as f:
            while block := f.read(BLOCK):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as e:
                    return _utf8_problem(path, lines + block.count(b"\n", 0, e.start) + 1, block[e.start])
                lines += block.count(b"\n")
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return None


def _utf8_problem(path: Path, line: int, byte: int) -> InputError:
    as_cp1252 = bytes([byte]).decode("cp1252", errors="replace")
    shown = f" ({as_cp1252} in Windows-1252)" if as_cp1252 != "\ufffd" and byte >= 0x80 else ""
    return InputError(
        f"{path}, line {line}: byte 0x{byte:02X}{shown} is not UTF-8 text: the export is in another encoding. "
        "Give --encoding cp1252 (Windows exports; or latin-1, utf-16), or [source] encoding in the mapping, "
        "or save the export as UTF-8"
    )
