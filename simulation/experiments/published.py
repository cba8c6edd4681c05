"""Published intervention results as validation cases (docs/VALIDATION.md, section 7).

Each case runs scenarios of `scenarios/validation/` with paired seeds (the same replication numbers,
hence the same hospitals and the same draws of every rule until the arms differ) and compares a
model figure, with its 95 % Student t interval over replications, with a published one:

- opinion leaders: the risk difference of adoption of a recommended practice at the end of the trial
  (champions minus no champions), against the Cochrane review of local opinion leaders (Flodgren et
  al. 2011: median adjusted risk difference +0.09, range -0.15 to +0.72, 18 trials) and Soumerai et
  al. (JAMA 1998: aspirin +0.13 against -0.03 in control hospitals, beta-blockers +0.31 against
  +0.18);
- network targeting: the share adopting after seeding 5 % of the clinicians by nomination, at
  random, or by in-degree (Kim et al., Lancet 2015: 74.3 %, 66.2 % and 61.0 %);
- the institutional push (ONC Data Brief 35) is fitted by `simulate calibrate` on
  `scenarios/validation/ehr_push.toml`; its published series is `EHR_BASIC`.

`write_cases(out)` writes the tables and figures the document shows:
`uv run python -m simulation.experiments.published docs/validation`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.execution.plan import replication_jobs
from simulation.execution.replication import run_replications
from simulation.experiments.common import mean_interval
from simulation.outcomes import COLUMNS
from simulation.scenario.interventions import ChampionsConfig, TargetingRule
from simulation.scenario.schema import Scenario

# Flodgren et al. 2011 (Cochrane review of local opinion leaders, 18 trials): median adjusted risk
# difference in compliance with desired practice, and the range of the trials' effects.
COCHRANE_MEDIAN = 0.09
COCHRANE_RANGE = (-0.15, 0.72)
# Soumerai et al. 1998 (37 Minnesota hospitals): median change, opinion-leader hospitals vs controls.
SOUMERAI = {"aspirin": (0.13, -0.03), "beta-blockers": (0.31, 0.18)}
# Kim et al. 2015 (32 Honduran villages, 5 % seeded): share adopting (multivitamins) by targeting.
KIM = {"nominated": 0.743, "random": 0.662, "opinion_leaders": 0.610}
TARGETING_RULES: tuple[TargetingRule, ...] = ("nominated", "random", "opinion_leaders")
# ONC Data Brief 35 (2016): share of US non-federal acute-care hospitals with a basic EHR, 2008-2015.
EHR_BASIC = {2008: 0.094, 2009: 0.122, 2010: 0.156, 2011: 0.276, 2012: 0.444, 2013: 0.594, 2014: 0.755, 2015: 0.838}

VALIDATION_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios" / "validation"
_USES = COLUMNS.index("share_none")


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its 95 % Student t interval."""

    mean: float
    low: float
    high: float
    replications: int

    @classmethod
    def of(cls, values: np.ndarray) -> Estimate:
        mean, _, low, high, n = mean_interval(np.asarray(values, dtype=float))
        return cls(mean, low, high, n)

    def text(self, scale: float = 100.0, digits: int = 1) -> str:
        return f"{self.mean * scale:.{digits}f} ({self.low * scale:.{digits}f} to {self.high * scale:.{digits}f})"


def final_adoption(scenario: Scenario, replications: int | None = None) -> np.ndarray:
    """Per replication (0..R-1, root seed run.seed), the share following the practice (using AI in
    any mode) at the last step."""
    results = run_replications(replication_jobs(scenario, replications))
    return np.array([1.0 - result.outcomes[-1, _USES] for result in results])


def paired_difference(treated: Scenario, control: Scenario, replications: int | None = None) -> Estimate:
    """Treated minus control in final adoption, replication by replication (paired seeds)."""
    return Estimate.of(final_adoption(treated, replications) - final_adoption(control, replications))


def with_champions(scenario: Scenario, **keys: object) -> Scenario:
    """A copy of `scenario` whose champions tables have `keys` set (e.g. targeting, seats)."""
    tables = [i.model_copy(update=keys) if isinstance(i, ChampionsConfig) else i for i in scenario.interventions]
    return scenario.model_copy(update={"interventions": tables})


def with_keys(scenario: Scenario, section: str, **keys: object) -> Scenario:
    """A copy of `scenario` with `keys` set in its `[section]` table."""
    return scenario.model_copy(update={section: getattr(scenario, section).model_copy(update=keys)})


def champion_seats(scenario: Scenario) -> int:
    """Seats of the scenario's (first) champions table."""
    return next(i.seats for i in scenario.interventions if isinstance(i, ChampionsConfig))


@dataclass(frozen=True)
class TargetingResult:
    """Final adoption by targeting rule on one network, and the paired differences between rules."""

    network: str
    adoption: dict[str, Estimate]
    differences: dict[tuple[str, str], Estimate]

    def ordering(self) -> list[str]:
        """The rules from the highest mean adoption to the lowest."""
        return sorted(self.adoption, key=lambda rule: -self.adoption[rule].mean)


def targeting_comparison(
    scenario: Scenario,
    network: str,
    replications: int | None = None,
    rules: tuple[TargetingRule, ...] = TARGETING_RULES,
) -> TargetingResult:
    """Each rule's final adoption and every pair's paired difference (same seeds for every rule)."""
    finals = {rule: final_adoption(with_champions(scenario, targeting=rule), replications) for rule in rules}
    pairs = [(a, b) for k, a in enumerate(rules) for b in rules[k + 1 :]]
    return TargetingResult(
        network,
        {rule: Estimate.of(values) for rule, values in finals.items()},
        {(a, b): Estimate.of(finals[a] - finals[b]) for a, b in pairs},
    )


def opinion_leader_sensitivity(
    treated: Scenario,
    control: Scenario,
    seats: tuple[int, ...] = (3, 6, 12),
    reconsider: tuple[float, ...] = (0.03, 0.05, 0.1),
    replications: int | None = None,
) -> pd.DataFrame:
    """The risk difference for other numbers of opinion leaders and rates of reconsidering the practice."""
    rows = []
    for rate in reconsider:
        arm_control = with_keys(control, "choice", reconsider_rate=rate)
        base = final_adoption(arm_control, replications)
        for count in seats:
            arm = with_keys(with_champions(treated, seats=count), "choice", reconsider_rate=rate)
            estimate = Estimate.of(final_adoption(arm, replications) - base)
            rows.append(
                {
                    "opinion_leaders": count,
                    "reconsider_rate": rate,
                    "control_adoption": float(base.mean()),
                    "risk_difference": estimate.mean,
                    "low": estimate.low,
                    "high": estimate.high,
                }
            )
    return pd.DataFrame(rows)


def opinion_leader_figure(difference: np.ndarray, path: Path) -> Path:
    """The model's paired risk differences against the Cochrane range and median and Soumerai's."""
    from simulation.reporting.plots.figure import new_figure, save_figure, set_titles
    from simulation.reporting.plots.style import COLOR_BASELINE, COLOR_VERIFY, alternative_color

    estimate = Estimate.of(difference)
    fig = new_figure((9.0, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.axvspan(*COCHRANE_RANGE, color=COLOR_BASELINE, alpha=0.12, lw=0, label="Cochrane 2011: range of 18 trials")
    ax.axvline(COCHRANE_MEDIAN, color=COLOR_BASELINE, lw=2, ls="--", label="Cochrane 2011: median +0.09")
    for k, (drug, (leaders, controls)) in enumerate(SOUMERAI.items()):
        ax.plot(leaders - controls, 1.6, "D", color=alternative_color(k + 1), ms=9, label=f"Soumerai 1998, {drug}")
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, difference.size)
    ax.scatter(difference, 1.0 + jitter, s=14, color=COLOR_VERIFY, alpha=0.45, label="Model: one replication")
    ax.errorbar(
        estimate.mean,
        0.4,
        xerr=[[estimate.mean - estimate.low], [estimate.high - estimate.mean]],
        fmt="o",
        color=COLOR_VERIFY,
        capsize=5,
        lw=2,
        label="Model: mean, 95 % interval",
    )
    ax.set_yticks([])
    ax.set_ylim(0, 2)
    ax.set_xlim(-0.2, 0.75)
    ax.set_xlabel("Risk difference in following the practice at the end (opinion leaders minus control)")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    set_titles(
        fig,
        ax,
        "Opinion leaders: the model's effect against the trials",
        f"{estimate.replications} paired replications of scenarios/validation/opinion_leaders.toml "
        f"vs practice_hospital.toml; mean {estimate.mean:+.3f}",
    )
    return save_figure(fig, path)


def against_random(result: TargetingResult, rule: str) -> Estimate:
    """`rule` minus random seeding, paired replication by replication."""
    if (rule, "random") in result.differences:
        return result.differences[(rule, "random")]
    e = result.differences[("random", rule)]
    return Estimate(-e.mean, -e.high, -e.low, e.replications)


def targeting_figure(results: list[TargetingResult], path: Path) -> Path:
    """Nomination and in-degree seeding against random seeding: Kim et al.'s and the model's (paired
    differences with 95 % intervals), in percentage points of the population adopting."""
    from simulation.reporting.plots.figure import new_figure, save_figure, set_titles
    from simulation.reporting.plots.style import COLOR_BASELINE, alternative_color

    fig = new_figure((9.0, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    rows = ["Kim et al. 2015, 32 villages", *(r.network for r in results)]
    for k, rule in enumerate(("nominated", "opinion_leaders")):
        label = "nominated" if k == 0 else "in-degree (opinion_leaders)"
        offset = 0.12 if k == 0 else -0.12
        published = 100 * (KIM[rule] - KIM["random"])
        ax.plot(published, len(rows) - 1 + offset, "D", color=alternative_color(k), ms=9, label=f"{label} minus random")
        for g, result in enumerate(results):
            e = against_random(result, rule)
            y = len(rows) - 2 - g + offset
            ax.errorbar(
                100 * e.mean,
                y,
                xerr=[[100 * (e.mean - e.low)], [100 * (e.high - e.mean)]],
                fmt="o",
                color=alternative_color(k),
                capsize=4,
                lw=2,
            )
            ax.annotate(
                f"{100 * e.mean:+.1f}", (100 * e.mean, y), xytext=(6, 5), textcoords="offset points", fontsize=8
            )
        ax.annotate(
            f"{published:+.1f}",
            (published, len(rows) - 1 + offset),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=8,
        )
    ax.axvline(0, color=COLOR_BASELINE, lw=1)
    ax.set_yticks(range(len(rows)), list(reversed(rows)))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("Difference from random seeding in the share adopting at the end (percentage points)")
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    set_titles(
        fig,
        ax,
        "Who to seed: nomination and in-degree against random",
        "5 % seeded. Diamonds: Kim et al. 2015; dots: the model, mean and 95 % interval of paired replications",
    )
    return save_figure(fig, path)


@dataclass(frozen=True)
class Cases:
    """What `write_cases` measured."""

    opinion_leaders: Estimate
    sensitivity: pd.DataFrame
    targeting: list[TargetingResult]


def write_cases(out: Path, replications: int = 40, ckm: bool = True) -> Cases:
    """Run the opinion-leader and targeting cases and write their tables and figures into `out`."""
    from simulation.scenario import load_scenario

    out.mkdir(parents=True, exist_ok=True)
    treated = load_scenario(VALIDATION_SCENARIOS / "opinion_leaders.toml")
    control = load_scenario(VALIDATION_SCENARIOS / "practice_hospital.toml")
    difference = final_adoption(treated, replications) - final_adoption(control, replications)
    opinion_leader_figure(difference, out / "opinion_leaders.png")
    sensitivity = opinion_leader_sensitivity(treated, control, replications=replications)
    sensitivity.to_csv(out / "opinion_leaders_sensitivity.csv", index=False, float_format="%.4f")
    networks = [("Generated hospital, 500", "targeting_hospital.toml")]
    if ckm:
        networks.append(("CKM physicians, 246", "targeting_ckm.toml"))
    results = [
        targeting_comparison(load_scenario(VALIDATION_SCENARIOS / f), name, replications) for name, f in networks
    ]
    targeting_figure(results, out / "targeting.png")
    rows = [
        {"network": r.network, "rule": rule, "adoption": e.mean, "low": e.low, "high": e.high}
        for r in results
        for rule, e in r.adoption.items()
    ] + [
        {"network": r.network, "rule": f"{a} - {b}", "adoption": e.mean, "low": e.low, "high": e.high}
        for r in results
        for (a, b), e in r.differences.items()
    ]
    pd.DataFrame(rows).to_csv(out / "targeting.csv", index=False, float_format="%.4f")
    return Cases(Estimate.of(difference), sensitivity, results)


if __name__ == "__main__":  # pragma: no cover - the documentation's figures
    found = write_cases(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/validation"))
    print(found.opinion_leaders)
    print(found.sensitivity.to_string())
    for result in found.targeting:
        print(result.network, {k: v.text() for k, v in result.adoption.items()})
        print({f"{a}-{b}": v.text() for (a, b), v in result.differences.items()})
