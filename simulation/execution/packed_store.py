"""Finished replications packed into a few append-only files, instead of one file per replication.

HPC file systems limit how many files a user may keep (quotas of a few hundred thousand inodes are
common), and a sensitivity analysis has tens of thousands of replications. So the partial folder of
a run (`simulation.execution.checkpoint`) keeps them as records appended to one `.pack` file per
writing process: results come back to the process that runs the command, which appends them, so a
run has one file, a resumed run one more per resume, and a shard of a sharded run
(`simulation.execution.shard`) one of its own.

A record is a header, the key, then the payload (the replication's encoded tables):

    magic b"SRP1" | key length (uint32) | payload length (uint64) | CRC-32 of key and payload (uint32)

little-endian, 20 bytes, then the key (UTF-8, e.g. `s0-r3`) and the payload. Every record is
flushed to the kernel as soon as it is appended (a killed process loses none of them) and fsynced
at most every FSYNC_SECONDS and when the writer closes (a power cut loses at most that much). A
record cut short (the process killed in the middle of a write, or a power cut) or whose checksum
does not match ends that file's readable part: it and anything after it are ignored, and its
replication runs again on resume. Nothing is ever rewritten in place.
"""

from __future__ import annotations

import errno
import io
import os
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from simulation.errors import output_error

__all__ = ["PACK_SUFFIX", "PackedStore", "kept_count", "scan"]

MAGIC = b"SRP1"
HEADER = struct.Struct("<4sIQI")  # magic, key length, payload length, CRC-32 of key + payload
PACK_SUFFIX = ".pack"
# fsync at most this often (seconds): an fsync per record costs about 2 ms of the main process's
# time (measured for the one-file-per-replication store this replaces), the main cost of a
# sensitivity analysis's bookkeeping; a kill -9 loses nothing either way (records are flushed).
FSYNC_SECONDS = 1.0
MAX_KEY_BYTES = 4096  # a longer key length in a header is corruption, not a key


@dataclass(frozen=True)
class Location:
    """Where a record's payload is: its file, offset and length (bytes)."""

    path: Path
    offset: int
    length: int


def scan(path: Path) -> Iterator[tuple[str, Location]]:
    """Every whole record of one pack file, in file order: (key, where its payload is). Stops at the
    first record cut short or failing its checksum (module docstring)."""
    try:
        handle = open(path, "rb")
    except OSError:
        return
    with handle:
        size = os.fstat(handle.fileno()).st_size
        position = 0
        while position + HEADER.size <= size:
            magic, key_length, length, checksum = HEADER.unpack(handle.read(HEADER.size))
            end = position + HEADER.size + key_length + length
            if magic != MAGIC or key_length > MAX_KEY_BYTES or end > size:
                return
            key = handle.read(key_length)
            payload = handle.read(length)
            if zlib.crc32(payload, zlib.crc32(key)) != checksum:
                return
            try:
                name = key.decode("utf-8")
            except UnicodeDecodeError:
                return
            yield name, Location(path, position + HEADER.size + key_length, length)
            position = end


def pack_files(folder: Path) -> list[Path]:
    """The pack files of `folder`, by name (hidden temporary names left out)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == PACK_SUFFIX and not p.name.startswith("."))


def kept_count(folder: Path) -> int:
    """How many distinct replications the pack files of `folder` hold whole (0 if none)."""
    return len({key for path in pack_files(folder) for key, _ in scan(path)})


class PackedStore:
    """The records of one folder: an index of every pack file there (key -> `Location`), and this
    process's own pack file, opened at its first `put`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index: dict[str, Location] = {}
        self._handle: io.FileIO | None = None
        self._path: Path | None = None
        self._synced = 0.0
        self.refresh()

    def refresh(self) -> None:
        """Index every pack file of the folder (the first whole record of a key counts)."""
        self.index = {}
        for path in pack_files(self.folder):
            for key, where in scan(path):
                self.index.setdefault(key, where)

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def __len__(self) -> int:
        return len(self.index)

    def keys(self) -> list[str]:
        return list(self.index)

    def get(self, key: str) -> bytes | None:
        """The payload of `key` (None: not kept, or its file is gone)."""
        where = self.index.get(key)
        if where is None:
            return None
        try:
            with open(where.path, "rb") as handle:
                handle.seek(where.offset)
                data = handle.read(where.length)
        except OSError:
            return None
        return data if len(data) == where.length else None

    def drop(self, key: str) -> None:
        """Forget `key` (its payload could not be decoded): it is run again and appended anew."""
        self.index.pop(key, None)

    @property
    def path(self) -> Path:
        """This process's pack file (named by its pid and start time, so never another's)."""
        if self._path is None:
            self._path = self.folder / f"w{os.getpid()}-{time.time_ns():x}{PACK_SUFFIX}"
        return self._path

    def put(self, key: str, payload: bytes) -> None:
        """Append one record to this process's pack file and index it. On a full disk the file is cut
        back to its last whole record and an `OutputError` names it."""
        name = key.encode("utf-8")
        header = HEADER.pack(MAGIC, len(name), len(payload), zlib.crc32(payload, zlib.crc32(name)))
        if self._handle is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "ab", buffering=0)  # unbuffered: each record goes to the kernel whole
        handle = self._handle
        start = os.fstat(handle.fileno()).st_size
        try:
            record = memoryview(header + name + payload)
            while record:
                record = record[handle.write(record) or 0 :]
            if time.monotonic() - self._synced > FSYNC_SECONDS:
                self.sync()
        except OSError as exc:
            self._cut_back(start)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise output_error(exc, self.path) from None
            raise
        self.index[key] = Location(self.path, start + HEADER.size + len(name), len(payload))

    def _cut_back(self, size: int) -> None:
        """After a failed append: cut the file back to `size` (its last whole record) and close it."""
        handle, self._handle = self._handle, None
        try:
            os.truncate(self.path, size)
        except OSError:
            pass  # the torn tail is ignored on reading anyway
        if handle is not None:
            try:
                handle.close()
            except OSError:
                pass  # unbuffered: nothing is left to write

    def sync(self) -> None:
        """fsync this process's pack file (if open)."""
        if self._handle is not None:
            os.fsync(self._handle.fileno())
        self._synced = time.monotonic()

    def close(self) -> None:
        """fsync and close this process's pack file (a later `put` opens a new one)."""
        if self._handle is None:
            return
        try:
            self.sync()
        finally:
            self._handle.close()
            self._handle = None
            self._path = None
