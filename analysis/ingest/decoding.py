"""Bytes -> text, whatever the encoding, with unambiguous repairs said in a warning.

A file pasted together from UTF-8 and cp1252 parts is decoded run by run (encoding
'utf-8+cp1252'); stray NUL bytes and NUL padding are removed.
"""

from __future__ import annotations

import codecs
import re

from analysis.ingest.model import IngestError


def _decode(data: bytes, filename: str) -> tuple[str, str, list[str]]:
    """Text, the encoding used and warnings. Never raises for an encoding: cp1252 with a
    latin-1 fallback decodes any bytes; only NUL bytes in a non-UTF-16 body refuse a file."""
    warnings: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        # a view, not data[3:]: slicing copied the whole file (687 MB for 1M rows)
        text, encoding = str(memoryview(data)[3:], "utf-8", "replace"), "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        text, encoding = data.decode("utf-32", errors="replace"), "utf-32"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text, encoding = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        utf16 = _utf16_order(data) if b"\x00" in data else None
        if utf16 is not None:
            text, encoding = data.decode(utf16, errors="replace"), utf16
        else:
            if b"\x00" in data:
                data, removed = _drop_nul_bytes(data, filename)
                warnings.append(_nul_warning(removed, filename))
            text, encoding, more = _decode_8bit_or_utf8(data, filename)
            warnings.extend(more)
    if "\x00" in text:  # NUL padding after a UTF-16/32 text: a NUL character is 2 or 4 bytes
        size = 4 if encoding == "utf-32" else 2 if encoding.startswith("utf-16") else 1
        warnings.append(_nul_warning(size * text.count("\x00"), filename))
        text = text.replace("\x00", "")
    return text, encoding, warnings


def _utf16_order(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the NUL bytes fall on every other byte (ASCII text in
    UTF-16 without a BOM, e.g. Excel's 'Unicode text'); trailing NUL padding is ignored."""
    sample = data.rstrip(b"\x00")[:20_000]
    if len(sample) < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


# A run of NUL bytes between two printable characters stood for a separator ("Beta<NUL>Unit");
# elsewhere (next to a delimiter, a line break or the end of the file) it is dropped.
_INNER_NULS = re.compile(rb"(?<=[^\x00-\x20,;|])\x00+(?=[^\x00-\x20,;|])")


def _drop_nul_bytes(data: bytes, filename: str) -> tuple[bytes, int]:
    """The text without its NUL bytes, or the 'binary file' error when NULs are too many to be
    stray bytes or padding (text never holds NULs; images and programs are full of them)."""
    body = data.rstrip(b"\x00")
    total = data.count(0)
    inner = body.count(0)
    if inner > max(16, 0.01 * len(body)):
        raise IngestError(
            f"{filename!r} is a binary file, not a text table: upload the survey export as "
            "CSV or .xlsx."
        )
    return _INNER_NULS.sub(b" ", body).replace(b"\x00", b""), total


def _nul_warning(n: int, filename: str) -> str:
    return (
        f"Removed {n:,} NUL byte{'s' if n != 1 else ''} (invisible null characters, left by an "
        f"interrupted export or a damaged copy) from {filename!r}: check that the file is "
        "complete."
    )


# A character that only a valid multi-byte UTF-8 sequence can give, in text decoded with
# surrogateescape (invalid bytes become U+DC80..U+DCFF).
_UTF8_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")
# cp1252 for every byte 0x80-0xFF (latin-1 for the five bytes cp1252 leaves undefined).
_CP1252_OF_ESCAPE = {
    0xDC00 + b: bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0x100)
}


def _decode_8bit_or_utf8(data: bytes, filename: str) -> tuple[str, str, list[str]]:
    """UTF-8 if the bytes are; one 8-bit codec if no byte sequence is valid multi-byte UTF-8;
    otherwise a file pasted together from UTF-8 and cp1252 parts, decoded run by run."""
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    if _UTF8_NON_ASCII.search(escaped) is None:
        text, encoding = _decode_8bit(data)
        return text, encoding, []
    lines, line, pos = [], 1, 0
    newline = "\n" if "\n" in escaped else "\r"
    for m in _ESCAPED_RUN.finditer(escaped):
        line += escaped.count(newline, pos, m.start())
        pos = m.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    warning = (
        f"{filename!r} mixes two text encodings: {len(lines):,} line(s) ({_lines_note(lines)}) "
        "were read as Windows-1252 (cp1252) and the rest as UTF-8, so accented names match "
        "across both parts; check those lines, or save the file again as CSV UTF-8."
    )
    return escaped.translate(_CP1252_OF_ESCAPE), "utf-8+cp1252", [warning]


_WESTERN = {
    "cp1252",
    "latin_1",
    "iso8859_15",
    "iso8859_1",
    "cp1250",
    "iso8859_2",
    "mac_roman",
    "cp850",
    "cp437",
    "utf_8",
    "ascii",
}


def _decode_8bit(data: bytes) -> tuple[str, str]:
    """cp1252 (Excel's 'CSV' on Western Windows) unless the bytes clearly are something else."""
    try:
        cp1252 = data.decode("cp1252")
    except UnicodeDecodeError:
        cp1252 = None
    guess = None
    try:
        from charset_normalizer import from_bytes

        # Only the lines with non-ASCII bytes tell encodings apart.
        sample = b"\n".join(ln for ln in data.splitlines() if any(b > 127 for b in ln))
        best = from_bytes(sample[:200_000]).best() if len(sample) >= 200 else None
        guess = best.encoding if best is not None else None
        if guess is not None and guess.startswith(("utf_16", "utf_32")):
            guess = None  # UTF-16/32 are recognised by their BOM or NUL bytes, not guessed
    except (ImportError, LookupError, ValueError):
        guess = None
    if cp1252 is not None and (guess is None or guess in _WESTERN):
        return cp1252, "cp1252"
    if guess is not None:
        try:
            text = data.decode(guess)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and (cp1252 is None or not _western_letters(cp1252)):
            return text, guess
    if cp1252 is not None:
        return cp1252, "cp1252"
    return data.decode("latin-1"), "latin-1"


#: Letters of the Western European languages cp1252 is made for. A text that another code page
#: would give and cp1252 reads as some of these is read as cp1252 (the detector's guess on a few
#: accented words is weak); one with others ("Pardavimø virðvalandþ": Lithuanian read as cp1252)
#: keeps the guess.
_WESTERN_LETTERS = frozenset("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŒ")


def _western_letters(text: str) -> bool:
    """Whether every non-ASCII letter of ``text`` (as cp1252 read it) is a Western European one
    ("Finanzbüro, Montréal", which the detector alone called Baltic cp775: "Montrķal")."""
    return all(c in _WESTERN_LETTERS for c in text if ord(c) > 127 and c.isalpha())


def _lines_note(numbers: list[int]) -> str:
    """'line 9', 'lines 2, 5, 9' or 'lines 20 to 35' for a warning."""
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    if len(numbers) <= 3:
        return "lines " + ", ".join(map(str, numbers))
    return f"lines {numbers[0]} to {numbers[-1]}"
