"""IEEE 488.2 definite-length arbitrary blocks: ``#<n><length><bytes>``.

``#18<8 bytes>`` carries one REAL,64 value; the byte order is the instrument's
``FORMat:BORDer`` (NORMal = big-endian, the SCPI default; SWAPped = little-endian).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class BlockFormatError(ValueError):
    """The bytes are not a complete definite-length block (the text says why)."""


def block_header_size(data: bytes) -> tuple[int, int]:
    """Return ``(header_bytes, payload_bytes)`` of the block that ``data`` starts with.

    ``data`` needs at least the header. Raises BlockFormatError for an indefinite
    (``#0``) block or a header that is not ``#`` + digit + that many digits.
    """
    if len(data) < 2 or data[:1] != b"#" or not data[1:2].isdigit():
        raise BlockFormatError(f"not an IEEE 488.2 block header: {bytes(data[:12])!r}")
    digits = int(data[1:2])
    if digits == 0:
        raise BlockFormatError("indefinite-length block (#0) is not supported: ask for REAL,64")
    length_text = data[2 : 2 + digits]
    if len(length_text) < digits:
        raise BlockFormatError(f"block header cut short: {bytes(data[:12])!r}")
    if not length_text.isdigit():
        raise BlockFormatError(f"block length is not a number: {bytes(data[: 2 + digits])!r}")
    return 2 + digits, int(length_text)


def encode_block(payload: bytes) -> bytes:
    """Return ``payload`` wrapped in a definite-length block header."""
    length = str(len(payload)).encode("ascii")
    if len(length) > 9:
        raise BlockFormatError(f"payload of {len(payload)} bytes does not fit a block header")
    return b"#" + str(len(length)).encode("ascii") + length + payload


def block_payload(data: bytes) -> bytes:
    """Return the payload of the complete block ``data`` (trailing terminator allowed).

    Raises BlockFormatError when the block is shorter than its header says or
    anything but a line terminator follows it.
    """
    header, length = block_header_size(data)
    payload = data[header : header + length]
    if len(payload) != length:
        raise BlockFormatError(f"block says {length} bytes, only {len(payload)} arrived")
    rest = data[header + length :]
    if rest not in (b"", b"\n", b"\r\n"):
        raise BlockFormatError(f"{len(rest)} unexpected bytes after the block: {rest[:12]!r}")
    return payload


def decode_float64(payload: bytes, *, big_endian: bool = True) -> np.ndarray:
    """Return the REAL,64 values in ``payload`` as a float64 array (native byte order).

    ``big_endian`` is True for ``FORMat:BORDer NORMal`` and False for SWAPped.
    """
    import numpy as np

    if len(payload) % 8:
        raise BlockFormatError(f"REAL,64 payload of {len(payload)} bytes is not a multiple of 8")
    values = np.frombuffer(payload, dtype=">f8" if big_endian else "<f8")
    return values.astype(np.float64, copy=False)
