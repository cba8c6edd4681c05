"""Partial results packed into a few append-only files (issue 18; `simulation.execution.packed_store`):
a partial folder holds a handful of files whatever the number of replications, a record cut short
or corrupted is ignored (its replication runs again), a full disk cuts the file back to its last
whole record and names it, and a resumed run reads every record of the runs before it."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from conftest import WORKSHOPS, small_scenario

from simulation.errors import OutputError
from simulation.execution.backends import LocalProcesses, Serial
from simulation.execution.checkpoint import PartialRun
from simulation.execution.engine import MemorySink, run_jobs
from simulation.execution.packed_store import HEADER, PackedStore, kept_count, pack_files, scan
from simulation.execution.plan import replication_jobs
from simulation.scenario import load_scenario


def payload(i: int) -> bytes:
    return bytes([i % 251]) * (1000 + 37 * i)


def test_records_read_back_and_a_torn_or_corrupt_tail_is_ignored(tmp_path):
    store = PackedStore(tmp_path)
    for i in range(5):
        store.put(f"s0-r{i}", payload(i))
    store.close()
    (pack,) = pack_files(tmp_path)
    assert [key for key, _ in scan(pack)] == [f"s0-r{i}" for i in range(5)]
    again = PackedStore(tmp_path)
    assert all(again.get(f"s0-r{i}") == payload(i) for i in range(5))

    data = pack.read_bytes()
    pack.write_bytes(data[:-7])  # the last record cut short, as a kill in the middle of a write leaves it
    assert kept_count(tmp_path) == 4
    third = dict(scan(pack))["s0-r2"]
    corrupt = bytearray(pack.read_bytes())
    corrupt[third.offset + 10] ^= 0xFF  # a flipped byte: its checksum fails, it and what follows are ignored
    pack.write_bytes(bytes(corrupt))
    assert [key for key, _ in scan(pack)] == ["s0-r0", "s0-r1"]

    resumed = PackedStore(tmp_path)  # a resumed run: what is missing goes to a file of its own
    for i in range(2, 5):
        assert f"s0-r{i}" not in resumed
        resumed.put(f"s0-r{i}", payload(i))
    resumed.close()
    assert len(pack_files(tmp_path)) == 2
    final = PackedStore(tmp_path)
    assert len(final) == 5 and all(final.get(f"s0-r{i}") == payload(i) for i in range(5))


class FullDisk:
    """A pack file's handle whose writes write half the record, then fail with ENOSPC."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, data) -> int:
        self.handle.write(bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device", str(self.handle.name))

    def fileno(self) -> int:
        return self.handle.fileno()

    def close(self) -> None:
        self.handle.close()


def test_a_full_disk_cuts_the_pack_back_to_its_last_whole_record_and_names_it(tmp_path):
    store = PackedStore(tmp_path)
    store.put("s0-r0", payload(0))
    whole = store.path.stat().st_size
    assert whole == HEADER.size + len("s0-r0") + len(payload(0))
    store._handle = FullDisk(store._handle)
    with pytest.raises(OutputError) as error:
        store.put("s0-r1", payload(1))
    message = str(error.value)
    assert message.startswith("no space left on device while writing") and ".pack" in message
    assert store.path.stat().st_size == whole and kept_count(tmp_path) == 1
    assert "s0-r1" not in store


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_a_partial_folder_holds_a_few_files_whatever_the_replications(tmp_path, workers):
    """40 replications (serially, and on 2 worker processes in the slow run): the partial folder
    holds its manifest, its lock and one pack file (at most workers + a few files), and they read
    back as the in-memory run."""
    scenario = load_scenario(small_scenario(tmp_path / "s.toml", replications=40, steps=4, n=40, extends=WORKSHOPS))
    jobs = replication_jobs(scenario)
    partial = PartialRun(tmp_path / "out", "comparison", jobs, resume=False)
    run_jobs(jobs, sink=partial, backend=LocalProcesses(workers) if workers > 1 else Serial())
    files = [p for p in partial.folder.rglob("*") if p.is_file()]
    assert kept_count(partial.folder / "replications") == 40
    assert len(files) <= workers + 3, sorted(p.name for p in files)
    memory = MemorySink()
    run_jobs(jobs, sink=memory)
    for kept, read in zip(memory.results(), partial.results(), strict=True):
        assert np.array_equal(kept.outcomes, read.outcomes, equal_nan=True)
    partial.discard()
