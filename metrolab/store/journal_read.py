"""Reading a run journal: every checksum verified, readings streamed as columns.

The journal format is described in :mod:`metrolab.store.journal` (which writes it). A
journal is read in blocks of a quarter of a megabyte, so memory stays bounded however
long the run was. Each block is checked in a handful of C-level passes: the SHA-256 chain of all
its lines at once, then one regular expression that recognises the canonical form of a
``reading`` entry (what :func:`~metrolab.store.durable.canonical_json` writes for the
runner's readings) and extracts its numbers. Consecutive readings of one point become a
:class:`ReadingColumns` of numpy arrays instead of one dict per reading. Every other
line, and any reading in another form, is parsed strictly as JSON into a
:class:`JournalEntry`.

Reading stops at the first torn or bad line; :class:`JournalReader` then says where and
why in ``problem``, as :func:`read_journal` always did.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import operator
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Union

from metrolab.store.errors import JournalError
from metrolab.store.journal_batch import BATCH_KIND, batch_columns, expand

if TYPE_CHECKING:
    from metrolab.store.journal_columns import BlockReadings, ReadingColumns

FORMAT = "metrolab-journal"
GENESIS = "0" * 64
#: bytes read at a time; a block always ends at a line end (a longer line is read whole).
#: A quarter of a megabyte: big enough that a block's C-level passes dominate, small
#: enough that its copies reuse the same memory instead of touching new pages each time
BLOCK_BYTES = 1 << 18

_DECODER = json.JSONDecoder()
_HEAD = operator.itemgetter(slice(0, 64))
_SEPARATOR = operator.itemgetter(slice(64, 65))
_REST = operator.itemgetter(slice(64, None))
_HEX = operator.methodcaller("hexdigest")
#: how every ``readings`` line starts after its checksum (canonical JSON: sorted keys)
_BATCH_START = b' {"data":{"count":'
#: what separates the fields of a ``readings`` line as the journal writes it (sorted keys)
_BATCH_MARKS = (b'{"data":{"count":', b',"index":{"i8le":"', b'"},"phase":"', b'","point_id":"',
                b'","time":{"f8le":"', b'"},"unit":"', b'","value":{"f8le":"',
                b'"}},"kind":"readings","seq":', b',"time":"', b'"}')

@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal entry: sequence number, ISO 8601 UTC time of writing, kind and data."""

    seq: int
    time: str
    kind: str
    data: dict[str, Any]


#: what :meth:`JournalReader.items` yields
JournalItem = Union["JournalEntry", "ReadingColumns"]


class JournalContents(list[JournalEntry]):
    """The valid entries of a journal (header excluded), in order, plus what stopped the read.

    ``problem`` is None when every byte was read, otherwise a sentence saying where and why
    reading stopped; ``valid_size`` is the byte length of the valid prefix; ``last_hash``
    the checksum of its last line; ``trailing_lines`` the number of complete lines after
    the bad one (0 for a torn tail).
    """

    def __init__(self, path: Path, run_id: str, created: str) -> None:
        super().__init__()
        self.path = path
        self.run_id = run_id
        self.created = created
        self.problem: str | None = None
        self.valid_size = 0
        self.last_hash = GENESIS
        self.last_seq = 0
        self.trailing_lines = 0
        self.version = 1


def decode_line(line: bytes, prev_hash: str, expected_seq: int, *,
                checksum_known: bool = False) -> tuple[JournalEntry, str] | str:
    """Return (entry, checksum) of a good journal line (without its line end), else the
    reason (text) why it is bad: checksum, JSON or sequence number.

    ``checksum_known``: the line's checksum was already checked against its predecessor.
    """
    checksum, _, body = line.partition(b" ")
    if not checksum_known and (len(checksum) != 64 or hashlib.sha256(
            prev_hash.encode() + b" " + body).hexdigest().encode() != checksum):
        return "checksum does not match"
    try:
        obj = _DECODER.decode(body.decode("utf-8"))
        entry = JournalEntry(int(obj["seq"]), str(obj["time"]), str(obj["kind"]),
                             dict(obj["data"]))
    except (ValueError, KeyError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        return f"unreadable JSON ({exc})"
    if entry.seq != expected_seq:
        return f"sequence number {entry.seq} where {expected_seq} was expected"
    return entry, checksum.decode()


def _good_checksums(lines: list[bytes], prev: bytes) -> int:
    """Return how many of ``lines``, from the first, carry a checksum chained to ``prev``
    (and to each other) as the journal format says: the count before the first bad one."""
    sums = list(map(_HEAD, lines))
    computed = "".join(map(_HEX, map(hashlib.sha256, map(
        operator.add, [prev, *sums[:-1]], map(_REST, lines))))).encode()
    if computed == b"".join(sums) and all(map(b" ".__eq__, map(_SEPARATOR, lines))):
        return len(lines)
    for number, line in enumerate(lines):  # rare: find the first bad line
        if line[64:65] != b" " or hashlib.sha256(prev + line[64:]).hexdigest().encode() \
                != line[:64]:
            return number
        prev = line[:64]
    return len(lines)  # pragma: no cover - the joined comparison said otherwise


class JournalReader:
    """A journal opened for reading; :meth:`items` streams its valid entries in order.

    The header is read when the reader is made (:class:`JournalError` if the file is
    missing or has no valid header): ``run_id`` and ``created`` are known at once. After
    :meth:`items` is exhausted, ``problem``, ``valid_size``, ``last_hash``, ``last_seq``,
    ``last_time`` (ISO 8601 time the last valid entry was written) and ``trailing_lines``
    describe what was read.
    """

    def __init__(self, path: str | os.PathLike[str], *, block_bytes: int = BLOCK_BYTES) -> None:
        self.path = Path(path)
        self.block_bytes = block_bytes
        try:
            with open(self.path, "rb") as handle:
                first = handle.readline()
        except OSError as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc.strerror or exc}") from exc
        header = decode_line(first[:-1], GENESIS, 0) if first.endswith(b"\n") else "empty file"
        if isinstance(header, str) or header[0].kind != "journal" or \
                header[0].data.get("format") != FORMAT:
            reason = header if isinstance(header, str) else "first entry is not a journal header"
            raise JournalError(f"{self.path} is not a metrolab journal (header: {reason}); "
                               "nothing in it was ever acknowledged")
        self.run_id = str(header[0].data["run_id"])
        self.created = header[0].time
        version = header[0].data.get("version", 1)
        #: the journal format version of the header (2: may hold ``readings`` lines)
        self.version = version if type(version) is int else 1
        self._header = (len(first), header[1])
        self.problem: str | None = None
        self.valid_size = len(first)
        self.last_hash = header[1]
        self.last_seq = 0
        self.last_time = self.created
        self.trailing_lines = 0

    def contents(self) -> JournalContents:
        """Return every valid entry as a :class:`JournalContents` (one dict per entry)."""
        contents = JournalContents(self.path, self.run_id, self.created)
        contents.version = self.version
        contents.extend(item for item in self.items(columns=False)
                        if isinstance(item, JournalEntry))
        contents.problem, contents.valid_size = self.problem, self.valid_size
        contents.last_hash, contents.last_seq = self.last_hash, self.last_seq
        contents.trailing_lines = self.trailing_lines
        return contents

    def items(self, *, columns: bool = True) -> Iterator[JournalItem]:
        """Yield the valid entries after the header in journal order.

        With ``columns`` canonical readings come as :class:`ReadingColumns` (one per run of
        consecutive readings of one point, phase and unit); without, every entry is a
        :class:`JournalEntry`. Reading stops at the first bad line (see ``problem``).
        """
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc.strerror or exc}") from exc
        finder = None
        if columns:  # numpy only when asked for: a journal writer must start fast
            from metrolab.store.journal_columns import BlockReadings

            finder = BlockReadings.find
        try:
            handle.seek(self._header[0])
            yield from self._read(handle, finder)
        finally:
            handle.close()

    def _read(self, handle: BinaryIO, finder: Finder | None) -> Iterator[JournalItem]:
        seq, offset, line_number = 1, self._header[0], 1
        prev = self._header[1].encode()
        carry, last, last_seq = b"", b"", 0
        while chunk := handle.read(self.block_bytes):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            if not block:
                continue  # one line longer than a block: read on
            lines = block.split(b"\n")
            lines.pop()
            good = _good_checksums(lines, prev)
            done, after, why = yield from _block_items(block, lines, good, seq, finder)
            offset += sum(map(len, lines[:done])) + done
            line_number += done
            if done:
                prev, last, last_seq = lines[done - 1][:64], lines[done - 1], after.last
            seq = after.next
            if done < len(lines):
                self._stop(lines[done], prev, seq, offset, line_number, why,
                           len(lines) - done - 1 + _count_lines(handle, carry))
                carry = b""
                break
        if carry:
            self.problem = (f"torn last line at byte {offset} ({len(carry)} bytes without "
                            "a line end): never acknowledged, ignored")
        self.valid_size, self.last_hash, self.last_seq = offset, prev.decode(), seq - 1
        if last:
            decoded = decode_line(last, "", last_seq, checksum_known=True)
            self.last_time = decoded[0].time if not isinstance(decoded, str) else self.created

    def _stop(self, line: bytes, prev: bytes, seq: int, offset: int, number: int,
              why: str | None, after: int) -> None:
        """Record that reading stopped at the bad ``line`` (line ``number`` after the
        header, expected to be entry ``seq``, at ``offset``); ``why`` is the reason if known."""
        if why is None:
            reason = decode_line(line, prev.decode(), seq)
            why = reason if isinstance(reason, str) else "checksum does not match"
        self.trailing_lines = after
        self.problem = (f"line {number + 1} (byte {offset}) is bad: {why}; {after} complete "
                        "line(s) after it not read")


@dataclass(frozen=True, slots=True)
class _Numbers:
    """Sequence numbers after a block's lines were read: the next one expected, and the
    (first) one of the last line read."""

    next: int
    last: int


class _Seqs:
    """The first sequence number of each line of a block: one per line, ``count`` for a
    ``readings`` line (:mod:`metrolab.store.journal_batch`)."""

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self._lines: list[int] = []  # line numbers of readings lines, in order
        self._extra: list[int] = []  # sequence numbers they take beyond one, summed

    def add_batch(self, number: int, count: int) -> None:
        """Note that line ``number`` (after any noted before) takes ``count`` numbers."""
        self._lines.append(number)
        self._extra.append((self._extra[-1] if self._extra else 0) + count - 1)

    def first(self, number: int) -> int:
        """Return the first sequence number of line ``number``."""
        before = bisect.bisect_left(self._lines, number)
        return self.seq + number + (self._extra[before - 1] if before else 0)

    def firsts(self, good: int) -> Any:
        """Return the first sequence numbers of lines ``0 .. good - 1`` (a numpy array)."""
        import numpy as np

        firsts = self.seq + np.arange(good, dtype=np.int64)
        previous = 0
        for number, extra in zip(self._lines, self._extra, strict=True):
            firsts[number + 1:] += extra - previous
            previous = extra
        return firsts


def _batches(block: bytes, lines: list[bytes], good: int,
             seqs: _Seqs) -> dict[int, JournalEntry | str]:
    """Return the ``readings`` lines among the first ``good`` of a block: line number to
    its entry (count checked, columns not yet decoded), or to why it is bad (and then no
    later line); note in ``seqs`` how many numbers each takes."""
    found: dict[int, JournalEntry | str] = {}
    if _BATCH_START not in block:
        return found
    for number in range(good):
        if not lines[number].startswith(_BATCH_START, 64):
            continue
        decoded = _canonical_batch(lines[number]) or \
            decode_line(lines[number], "", seqs.first(number), checksum_known=True)
        if isinstance(decoded, JournalEntry) and decoded.seq != seqs.first(number):
            decoded = f"sequence number {decoded.seq} where {seqs.first(number)} was expected"
        if isinstance(decoded, str):
            found[number] = decoded
            break
        entry = decoded if isinstance(decoded, JournalEntry) else decoded[0]
        if entry.kind != BATCH_KIND:
            continue
        count = entry.data.get("count")
        if type(count) is not int or count < 1:
            found[number] = f"a readings batch with count {count!r}"
            break
        found[number] = entry
        seqs.add_batch(number, count)
    return found


def _canonical_batch(line: bytes) -> JournalEntry | None:
    """Return the ``readings`` entry of a line in the exact form the journal writes (its
    columns still base64 text), or None for anything else (then JSON parses it).

    Canonical JSON escapes every quote and control character inside a string, so when no
    text field holds a backslash, the field separators below can only be where they are
    found: this splits the line with a few ``find`` calls instead of scanning its
    base64 text character by character."""
    if not line.startswith(_BATCH_MARKS[0], 65):
        return None
    fields, at = [], 65 + len(_BATCH_MARKS[0])
    for mark in _BATCH_MARKS[1:]:
        end = line.find(mark, at)
        if end < 0:
            return None
        fields.append(line[at:end])
        at = end + len(mark)
    if at != len(line):
        return None
    count, index, phase, point_id, time, unit, value, seq, written = fields
    texts = (phase, point_id, unit, written)
    if not (count.isdigit() and seq.isdigit()) or any(b"\\" in text for text in texts):
        return None
    try:
        phase_s, point_s, unit_s, written_s = (text.decode("utf-8") for text in texts)
    except UnicodeDecodeError:
        return None
    return JournalEntry(int(seq), written_s, BATCH_KIND, {
        "count": int(count), "index": {"i8le": index}, "phase": phase_s,
        "point_id": point_s, "time": {"f8le": time}, "unit": unit_s, "value": {"f8le": value}})


def _batch_items(entry: JournalEntry, columns: bool) -> list[JournalItem]:
    """Return the readings of a ``readings`` entry: one :class:`ReadingColumns`, or with
    ``columns`` false one ``reading`` :class:`JournalEntry` each. Raises ValueError if
    the batch is malformed."""
    if not columns:
        return [JournalEntry(entry.seq + n, entry.time, "reading", data)
                for n, data in enumerate(expand(entry.data))]
    import numpy as np

    from metrolab.store.journal_columns import ReadingColumns

    count, point_id, phase, unit, index, time, value = batch_columns(entry.data)
    return [ReadingColumns(point_id, phase, unit,
                           np.arange(entry.seq, entry.seq + count, dtype=np.int64),
                           index, time, value)]


def _block_items(block: bytes, lines: list[bytes], good: int, seq: int,
                 finder: Finder | None) -> Generator[JournalItem, None, tuple[int, _Numbers,
                                                                              str | None]]:
    """Yield the items of a block's first ``good`` lines (the first numbered ``seq``, their
    checksums already checked; readings found as columns by ``finder`` if given); return
    how many lines were read (fewer than ``good`` when a line fails the strict parse),
    the sequence numbers after them, and why the line after them is bad if known."""
    seqs = _Seqs(seq)
    batches = _batches(block, lines, good, seqs)

    def stop(number: int, why: str | None) -> tuple[int, _Numbers, str | None]:
        return number, _Numbers(seqs.first(number),
                                seqs.first(number - 1) if number else seq - 1), why

    found = finder(block, lines, good, seqs.firsts(good)) \
        if finder is not None and good else None
    strict = range(good) if found is None else found.others
    start = 0
    for number in strict:
        if found is not None:
            yield from found.between(start, number)
        first = seqs.first(number)
        batch = batches.get(number)
        if isinstance(batch, str):
            return stop(number, batch)
        if batch is None:
            decoded = decode_line(lines[number], "", first, checksum_known=True)
            if isinstance(decoded, str):
                return stop(number, decoded)
            yield decoded[0]
        else:
            try:
                items = _batch_items(batch, finder is not None)
            except ValueError as exc:
                return stop(number, f"malformed readings batch ({exc})")
            yield from items
        start = number + 1
    if found is not None:
        yield from found.between(start, good)
    if not good:
        return stop(0, None)
    last = seqs.first(good - 1)
    taken = batches.get(good - 1)
    return good, _Numbers(last + (taken.data["count"] if isinstance(taken, JournalEntry)
                                  else 1), last), None


#: finds the canonical readings of a block (see :mod:`metrolab.store.journal_columns`)
Finder = Callable[[bytes, list[bytes], int, Any], "BlockReadings | None"]


def _count_lines(handle: BinaryIO, carry: bytes) -> int:
    """Return the number of complete lines in ``carry`` and the rest of ``handle``."""
    count = carry.count(b"\n")
    for chunk in iter(lambda: handle.read(BLOCK_BYTES), b""):
        count += chunk.count(b"\n")
    return count


def read_journal(path: str | os.PathLike[str]) -> JournalContents:
    """Return the valid entries of the journal at ``path`` (a :class:`JournalContents` list).

    Reading stops at the first torn or bad-checksum line; ``problem`` then says so.
    Raises :class:`JournalError` if the file is missing or has no valid header.
    """
    return JournalReader(path).contents()


def chain_head(path: str | os.PathLike[str], size: int) -> str | None:
    """Return the checksum of the last line within the first ``size`` bytes of the journal
    at ``path`` if every line there is whole and chained from the start, else None.

    This is how a record's ``journal_head`` is checked against the journal beside it:
    only checksums are computed, no entry is parsed.
    """
    prev, done = GENESIS.encode(), 0
    with open(path, "rb") as handle:
        carry = b""
        while done < size:
            chunk = handle.read(min(BLOCK_BYTES, size - done))
            if not chunk:
                return None
            done += len(chunk)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            block, carry = data[:cut], data[cut:]
            lines = block.split(b"\n")[:-1]
            if lines and _good_checksums(lines, prev) < len(lines):
                return None
            if lines:
                prev = lines[-1][:64]
    return None if carry else prev.decode()
