"""Where each replication of a batch sits in the batch's arrays.

A batch (`simulation.batch`) steps B replications of one scenario together: their clinicians are laid
end to end in one set of arrays (replication b holds entries `start[b]` to `start[b + 1] - 1`) and
their networks form one block-diagonal network, so each compiled pass runs once a week for all of
them. A replication's random draws stay its own: every compiled loop that draws takes one key per
replication (`keys[b]`, from that replication's own stream) and counts from the replication's first
clinician (or first tie), so a replication's numbers are the same bits whatever batch it is in
(tests/test_batch.py). A single model is a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Segments:
    """The offsets of B replications' clinicians: `start` has B + 1 entries, from 0 to the total."""

    start: np.ndarray  # (B + 1,) int64

    @classmethod
    def of(cls, sizes: list[int] | np.ndarray) -> Segments:
        """Segments of the given sizes (clinicians per replication), in order."""
        start = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(np.asarray(sizes, dtype=np.int64), out=start[1:])
        return cls(start)

    @classmethod
    def single(cls, n: int) -> Segments:
        """One replication of `n` clinicians."""
        return cls.of([n])

    @property
    def count(self) -> int:
        """B, the number of replications."""
        return int(self.start.shape[0] - 1)

    @property
    def total(self) -> int:
        """Clinicians of all replications together."""
        return int(self.start[-1])

    @cached_property
    def sizes(self) -> np.ndarray:
        """(B,) clinicians per replication."""
        return np.diff(self.start)

    @cached_property
    def owner(self) -> np.ndarray:
        """(total,) int32: the replication each entry belongs to."""
        return np.repeat(np.arange(self.count, dtype=np.int32), self.sizes)

    def slice(self, b: int) -> slice:
        """Replication b's entries."""
        return slice(int(self.start[b]), int(self.start[b + 1]))

    def sums(self, values: np.ndarray) -> np.ndarray:
        """(B,) per-replication sums of an array over all entries (integers exactly)."""
        return np.add.reduceat(values, self.start[:-1]) if values.shape[0] else np.zeros(self.count, values.dtype)

    def count_of(self, index: np.ndarray) -> np.ndarray:
        """(B,) how many of the entries `index` (positions in the batch) each replication holds."""
        return np.bincount(self.owner[index], minlength=self.count)
