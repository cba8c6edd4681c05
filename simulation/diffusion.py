"""Diffusion statistics researchers expect, measured every step (columns of steps.csv).

- `new_adopters`: clinicians who use AI for the first time this step (users at week 0 count as
  adopters from week 0);
- `adoption_hazard`: new adopters / clinicians who had never used AI at the start of the step (the
  discrete-time hazard rate of adoption);
- `exposure_at_adoption`: mean share of colleagues using AI, at the start of the step, among this
  step's new adopters: each adopter's personal-network threshold (Valente 1996, "Social network
  thresholds in the diffusion of innovations"); empty when nobody adopted;
- `attitude_assortativity`: Pearson correlation of attitudes across ties (both directions), i.e.
  Newman's (2003) scalar assortativity; above 0 = colleagues think alike;
- `mode_assortativity`: Newman's categorical assortativity of the mode of AI use across ties,
  r = (sum_m e_mm - sum_m a_m^2) / (1 - sum_m a_m^2), e the share of tie ends in each pair of modes.

`simulation.outcomes` lists these columns with the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.fast.arcs import assortativity_sums, attitude_and_mode_sums
from simulation.fast.clinicians import record_adoption
from simulation.modes import MODE_NAMES
from simulation.network.hospital import HospitalNetwork
from simulation.segments import Segments
from simulation.state import ClinicianState


def scalar_assortativity(values: np.ndarray, network: HospitalNetwork) -> float:
    """Pearson correlation of `values` at the two ends of every tie (NaN without ties or spread)."""
    if network.arc_source.size == 0:
        return float("nan")
    x, y = values[network.arc_source], values[network.arc_target]
    sx, sy = x.std(), y.std()
    if sx == 0 or sy == 0:
        return float("nan")
    return float(((x - x.mean()) * (y - y.mean())).mean() / (sx * sy))


def categorical_assortativity(categories: np.ndarray, network: HospitalNetwork, k: int = len(MODE_NAMES)) -> float:
    """Newman's assortativity coefficient of a categorical attribute (NaN if it is constant on ties)."""
    if network.arc_source.size == 0:
        return float("nan")
    pairs = np.bincount(categories[network.arc_source] * k + categories[network.arc_target], minlength=k * k)
    e = pairs.reshape(k, k) / network.arc_source.size
    a = e.sum(axis=1)
    expected = float((a * a).sum())
    if expected >= 1.0:
        return float("nan")
    return float((np.trace(e) - expected) / (1.0 - expected))


class AdoptionTracker:
    """When each clinician first used AI, and how exposed they were to colleagues' use then (the
    replications of a batch end to end, `simulation.segments`)."""

    def __init__(self, state: ClinicianState, segments: Segments | None = None) -> None:
        self.segments = Segments.single(state.n) if segments is None else segments
        self.adopted_at = np.where(state.uses_ai(), 0, -1)
        self.exposure = np.full(state.n, np.nan)

    def update(self, state: ClinicianState, exposure_before: np.ndarray, step: int) -> dict[str, np.ndarray]:
        """Record this step's first-time users; `exposure_before` is each clinician's share of
        colleagues using AI at the start of the step. Columns as (B,) arrays."""
        totals = record_adoption(self.segments.start, self.adopted_at, self.exposure, state.mode, exposure_before, step)
        count, at_risk, exposed = totals[:, 0], totals[:, 1], totals[:, 2]
        return {
            "new_adopters": count,
            "adoption_hazard": np.divide(count, at_risk, out=np.full(count.shape, np.nan), where=at_risk != 0),
            "exposure_at_adoption": np.divide(exposed, count, out=np.full(count.shape, np.nan), where=count != 0),
        }


@dataclass(frozen=True)
class NetworkStatistics:
    """The assortativity columns of a step, and what the pass over the ties counted on the way.

    columns: attitude_assortativity and mode_assortativity, (B,) arrays; mode_counts: (n, 3)
    colleagues of each clinician in each mode for the state's current modes
    (`HospitalNetwork.mode_counts`), which the model hands to the network for the next week's
    anticipation; None without ties.
    """

    columns: dict[str, np.ndarray]
    mode_counts: np.ndarray | None


def network_statistics(
    state: ClinicianState, network: HospitalNetwork, segments: Segments | None = None
) -> NetworkStatistics:
    """The assortativity columns for the current state of each replication of `segments` (None:
    one), from one compiled pass over the ties.

    The same coefficients as `scalar_assortativity` and `categorical_assortativity` (which list both
    ends of every arc), written as sums over clinicians: with A the adjacency, d the degrees and
    m = sum(d) arcs, the Pearson correlation over arcs is (x.Ax/m - (d.x/m)^2) / (d.x^2/m - (d.x/m)^2)
    and e[k, l] = 1_k.A1_l / m (docs/PERFORMANCE.md). Equal up to rounding. The pass also counts
    each clinician's colleagues per mode; they are returned, not kept (the caller decides).
    """
    k = len(MODE_NAMES)
    segments = Segments.single(state.n) if segments is None else segments
    arcs = segments.sums(network.degree).astype(float)
    if not arcs.any():
        nothing = np.full(segments.count, np.nan)
        return NetworkStatistics({"attitude_assortativity": nothing, "mode_assortativity": nothing.copy()}, None)
    x = state.attitude
    matrix = network.adjacency
    sums, counts = attitude_and_mode_sums(matrix.indptr, matrix.indices, matrix.data, network.weighted, x, state.mode)
    table = assortativity_sums(network.degree_float, x, sums, state.mode, counts, segments.start)
    with np.errstate(divide="ignore", invalid="ignore"):  # replications without ties give NaN
        mean = table[:, 0] / arcs
        variance = table[:, 1] / arcs - mean * mean
        spread = (table[:, 12] != 0) & (variance > 0)  # else no ties, or every clinician with ties thinks alike
        attitude = np.where(spread, (table[:, 2] / arcs - mean * mean) / variance, np.nan)
        e = table[:, 3:12].reshape(-1, k, k) / arcs[:, None, None]
        a = e.sum(axis=2)
        expected = (a * a).sum(axis=1)
        modes = np.where(expected < 1.0, (np.trace(e, axis1=1, axis2=2) - expected) / (1.0 - expected), np.nan)
    return NetworkStatistics({"attitude_assortativity": attitude, "mode_assortativity": modes}, counts)


def initial_adoption(state: ClinicianState, segments: Segments | None = None) -> dict[str, np.ndarray]:
    """Week-0 adoption columns: adopters so far are the users at the start; no hazard or exposure yet."""
    segments = Segments.single(state.n) if segments is None else segments
    nothing = np.full(segments.count, np.nan)
    return {
        "new_adopters": segments.sums(state.uses_ai().astype(float)),
        "adoption_hazard": nothing,
        "exposure_at_adoption": nothing.copy(),
    }


def mean_exposure_at_adoption(new_adopters: np.ndarray, exposure: np.ndarray) -> float:
    """One run's mean personal-network threshold: steps' exposures weighted by their adopters
    (arrays over steps 1..T; steps without adopters have NaN exposure and weight 0)."""
    weight = np.where(np.isnan(exposure), 0.0, new_adopters)
    if weight.sum() == 0:
        return float("nan")
    return float(np.nansum(exposure * weight) / weight.sum())
