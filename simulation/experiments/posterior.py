"""A calibration's posterior (posterior.csv of `simulate calibrate`, method smc) as the parameter worlds of any scenario.

`[uncertainty] posterior = "path/to/posterior.csv"` draws each world's values of the posterior's keys by
weighted resampling of its particles (multinomial, with the `weight` column as probabilities): a world
takes all keys of one particle together, so the posterior's correlations (a ridge between an outside
push and a peer effect) are kept. Those keys leave the Latin hypercube of the other ranges
(`simulation.worlds`); their documented ranges are replaced.

The file: a header line and one row per particle; columns `weight` (0 or more, not all 0), then one
column per key (dotted paths as in `[calibration] free`, e.g. `choice.bass_p`); `particle`,
`distance` and `unadjusted_<key>` columns are read over. Anything else is refused with a
ScenarioError naming the file, the column and the line.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulation.errors import ScenarioError
from simulation.scenario.uncertainty import UncertainParameter

SKIPPED = ("particle", "distance")
SKIPPED_PREFIX = "unadjusted_"


@dataclass(frozen=True)
class Posterior:
    """Particles (n x keys) and their weights (summing to 1), read from `path`."""

    path: Path
    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray

    def parameters(self) -> list[UncertainParameter]:
        """One `within` range per key (the particles' span), for the world design's bookkeeping."""
        out = []
        for j, key in enumerate(self.keys):
            low, high = float(self.values[:, j].min()), float(self.values[:, j].max())
            if not low < high:
                high = low + max(abs(low), 1.0) * 1e-9
            out.append(
                UncertainParameter(key=key, within=(low, high), reason=f"calibration posterior {self.path.name}")
            )
        return out

    def resample(self, count: int, seed: int) -> np.ndarray:
        """`count` particles drawn by weight (count x keys), from `seed`."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x905_7E,)))
        return self.values[rng.choice(len(self.weights), size=count, p=self.weights)]


def read_posterior(path: Path | str, where: str = "[uncertainty] posterior") -> Posterior:
    """Read and check a posterior.csv (module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{where}: posterior file not found: {path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the posterior ({exc})") from None
    rows = [row for row in rows if row and any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ScenarioError(f"{path}: a posterior needs a header line and at least one particle row")
    header = [cell.strip() for cell in rows[0]]
    if "weight" not in header:
        raise ScenarioError(f"{path}: no 'weight' column (a posterior.csv of simulate calibrate with method = 'smc')")
    keys = [c for c in header if c != "weight" and c not in SKIPPED and not c.startswith(SKIPPED_PREFIX)]
    if not keys:
        raise ScenarioError(f"{path}: no parameter column beside 'weight' (e.g. choice.bass_p)")
    wanted = ["weight", *keys]
    at = [header.index(c) for c in wanted]
    table = np.empty((len(rows) - 1, len(wanted)))
    for i, row in enumerate(rows[1:]):
        line = i + 2
        if len(row) != len(header):
            raise ScenarioError(f"{path}, line {line}: {len(row)} cells, but the header has {len(header)} columns")
        for j, column in zip(at, wanted, strict=True):
            try:
                value = float(row[j])
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ScenarioError(f"{path}, line {line}, column '{column}': {row[j][:40]!r} is not a finite number")
            table[i, wanted.index(column)] = value
    weights = table[:, 0]
    if (weights < 0).any():
        line = int(np.argmax(weights < 0)) + 2
        raise ScenarioError(f"{path}, line {line}, column 'weight': weights must be 0 or more")
    if weights.sum() <= 0:
        raise ScenarioError(f"{path}, column 'weight': every weight is 0; at least one particle needs weight")
    return Posterior(path, tuple(keys), table[:, 1:], weights / weights.sum())
