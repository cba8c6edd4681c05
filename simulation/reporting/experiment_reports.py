"""The documents of the experiment reports (sweep, sensitivity, calibration) as `document.Block`s.

The experiments compute (simulation/experiments/); these functions only lay out what they computed, from plain
values and the result tables, and `document.to_markdown` writes the report.md text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from simulation.reporting.document import Block
from simulation.scenario.experiments import ParameterConfig


def sweep_number(x: object) -> str:
    """A sweep table cell: 4 significant digits for floats, blank for NaN."""
    return "" if x != x else f"{x:.4g}" if isinstance(x, float) else str(x)


def sensitivity_number(x: float) -> str:
    """A sensitivity table cell: 3 significant digits, blank for NaN."""
    return "" if x != x else f"{x:.3g}"


def _images(plots: Sequence[str], matches) -> list[Block]:
    return [Block("img", Path(plot).stem, path=plot) for plot in plots if matches(Path(plot).stem)]


def sweep_document(
    name: str,
    design: str,
    points: int,
    replications: int,
    steps: int,
    seed: int,
    keys: Sequence[str],
    failed: int,
    outcomes: Sequence[str],
    summary: pd.DataFrame,
    saturation: Mapping[str, Sequence[str]],
    plots: Sequence[str],
) -> list[Block]:
    """Blocks of a sweep's report.md: per outcome the point table (mean, 95 % CI, middle 95 % of runs), the
    saturation lines (`saturation[outcome]`) and the outcome's plots (file stems starting with the outcome)."""
    blocks = [
        Block("h1", f"Sweep: {name}"),
        Block(
            "p",
            f"{points} points ({design}) x {replications} replications x {steps} weeks, "
            f"common random numbers (root seed {seed}).\nVaried: {', '.join(keys)}.",
        ),
    ]
    if failed:
        blocks.append(
            Block("p", f"**{failed} replications failed** (errors.csv); their points use the remaining replications.")
        )
    for outcome in outcomes:
        rows = summary[summary["outcome"] == outcome]
        table = [
            [
                *(sweep_number(row[k]) for k in keys),
                sweep_number(row["mean"]),
                f"{sweep_number(row['ci_low'])} to {sweep_number(row['ci_high'])}",
                f"{sweep_number(row['range_low'])} to {sweep_number(row['range_high'])}",
            ]
            for _, row in rows.iterrows()
        ]
        header = [*keys, "mean", "95 % CI", "middle 95 % of runs"]
        blocks += [Block("h2", outcome), Block("table", header=header, rows=table, align="l" * len(header))]
        if saturation.get(outcome):
            blocks.append(Block("p", "\n".join(saturation[outcome])))
        blocks += _images(plots, lambda stem, o=outcome: stem.startswith(o))
    return blocks


def sensitivity_document(
    name: str,
    method: str,
    points: int,
    replications: int,
    steps: int,
    seed: int,
    sample_seed: int,
    parameters: Sequence[ParameterConfig],
    failed: int,
    outcomes: Sequence[str],
    indices: pd.DataFrame,
    noise: pd.DataFrame,
    plots: Sequence[str],
) -> list[Block]:
    """Blocks of a sensitivity analysis's report.md: the parameter ranges, then per outcome the replication noise,
    the index table (Morris mu*/sigma/mu with noise floors, or Sobol ST/S1) and the outcome's plots."""
    f = sensitivity_number
    blocks = [
        Block("h1", f"Sensitivity: {name} ({method.title()})"),
        Block(
            "p",
            f"{points} sample points x {replications} replications x {steps} weeks, "
            f"common random numbers (root seed {seed}), sample seed {sample_seed}.",
        ),
        Block(
            "table",
            header=["parameter", "range or values"],
            rows=[
                [p.key, ", ".join(map(str, p.values)) if p.values is not None else f"{p.low:g} to {p.high:g}"]
                for p in parameters
            ],
        ),
    ]
    if failed:
        blocks.append(Block("p", f"**{failed} replications failed** (errors.csv)."))
    for outcome in outcomes:
        rows = indices[indices["outcome"] == outcome] if not indices.empty else indices
        n = noise[noise["outcome"] == outcome].iloc[0]
        blocks.append(Block("h2", outcome))
        if method == "morris":
            blocks += [
                Block(
                    "p",
                    f"Replication noise: SD between replications {f(n['noise_sd'])}, of a point's mean "
                    f"{f(n['noise_se'])}; noise alone would give mu* of about {f(n['mu_star_noise_floor'])} "
                    "(noise floor, mean over parameters; per parameter in the table). "
                    f"Replication noise is {100 * n['noise_share']:.1f} % of the variance between sample points.",
                ),
                Block(
                    "table",
                    header=["rank", "parameter", "mu*", "95 % CI", "sigma", "mu", "noise floor", "above noise"],
                    rows=[
                        [
                            str(r["rank"]),
                            str(r["parameter"]),
                            f(r["mu_star"]),
                            f"{f(r['mu_star_low'])} to {f(r['mu_star_high'])}",
                            f(r["sigma"]),
                            f(r["mu"]),
                            f(r["noise_floor"]),
                            str(r["above_noise"]),
                        ]
                        for _, r in rows.iterrows()
                    ],
                    align="rlrlrrrl",
                ),
            ]
        else:
            blocks += [
                Block(
                    "p",
                    f"Replication noise is {100 * n['noise_share']:.1f} % of the variance of the point means "
                    f"(SD between replications {f(n['noise_sd'])}, of a mean {f(n['noise_se'])}).",
                ),
                Block(
                    "table",
                    header=["rank", "parameter", "ST", "95 % CI", "S1", "95 % CI"],
                    rows=[
                        [
                            str(r["rank"]),
                            str(r["parameter"]),
                            f(r["ST"]),
                            f"{f(r['ST_low'])} to {f(r['ST_high'])}",
                            f(r["S1"]),
                            f"{f(r['S1_low'])} to {f(r['S1_high'])}",
                        ]
                        for _, r in rows.iterrows()
                    ],
                    align="rlrlrl",
                ),
            ]
        blocks += _images(plots, lambda stem, o=outcome: stem.endswith(o))
    return blocks


def fit_table(fit: pd.DataFrame, mean: str, band: str, series: bool = False) -> Block:
    """fit.csv as the report's table: step, (the series,) observed, the simulated mean and its band."""
    rows = [
        [
            str(row.step),
            *([str(row.metric)] if series else []),
            f"{row.observed:.3f}",
            f"{row.simulated_mean:.3f}",
            f"{row.simulated_low:.3f} to {row.simulated_high:.3f}",
        ]
        for row in fit.itertuples(index=False)
    ]
    header = ["Step", *(["Series"] if series else []), "Observed", mean, band]
    return Block("table", header=header, rows=rows, align="rlrrl" if series else "rrrl")


def calibration_document(
    name: str,
    source: Path,
    observed: str,
    last_step: int,
    samples: int,
    replications: int,
    accepted: int,
    estimates: pd.DataFrame,
    published: Mapping[str, str],
    check_replications: int,
    rmse: float,
    rmse_in_points: bool,
    fit: pd.DataFrame,
) -> list[Block]:
    """Blocks of a calibration's report.md: the fitted parameters (posterior median, 95 % interval, bounds, best
    set, published value), the fit (RMSE in percentage points when `rmse_in_points`, the curve table) and the
    fit.png/posterior.png figures of the folder."""
    return [
        Block("h1", f"Calibration of {name}"),
        Block(
            "meta",
            f"Scenario file: {source} · observed: {observed} · steps 1-{last_step} · "
            f"rejection ABC: {samples} parameter sets x {replications} replications with common random "
            f"numbers, the closest {accepted} accepted",
        ),
        Block("h2", "Fitted parameters"),
        Block(
            "p",
            "Posterior median with the 2.5-97.5 percentile interval of the accepted parameter sets "
            "(a uniform prior over the bounds).",
        ),
        Block(
            "table",
            header=["Parameter", "Estimate", "95 % interval", "Bounds", "Best single set", "Published"],
            rows=[
                [
                    f"`{row.parameter}`",
                    f"{row.estimate:.4g}",
                    f"{row.low:.4g} to {row.high:.4g}",
                    f"{row.prior_low:g} to {row.prior_high:g}",
                    f"{row.best:.4g}",
                    str(published.get(str(row.parameter), "")),
                ]
                for row in estimates.itertuples(index=False)
            ],
            align="lrllrl",
        ),
        Block("h2", "Fit"),
        Block(
            "p",
            f"Calibrated model ({check_replications} replications at the estimates) against the observations: "
            f"RMSE of the mean curve **{100 * rmse:.1f} percentage points**"
            if rmse_in_points
            else f"RMSE of the mean curve **{rmse:.4g}**",
        ),
        fit_table(fit, mean="Simulated mean", band="Middle 95 % of runs"),
        Block("img", "Observed against the calibrated model", path="fit.png"),
        Block("img", "Approximate posterior", path="posterior.png"),
        Block(
            "p",
            "Files: calibration.csv (estimates), samples.csv (every parameter set and its distance), fit.csv, "
            "calibrated.toml (the scenario with the estimates; run it with `simulate calibrated.toml`).",
        ),
    ]


def smc_calibration_document(
    name: str,
    source: Path,
    observed: str,
    method: str,
    estimates: pd.DataFrame,
    populations: pd.DataFrame,
    published: Mapping[str, str],
    check_replications: int,
    rmse: float,
    rmse_in_points: bool,
    fit: pd.DataFrame,
) -> list[Block]:
    """Blocks of an ABC-SMC calibration's report.md: the method line (`method`), the posterior (median, 90 %
    credible interval, effective sample size, regression adjustment), the populations, the posterior
    predictive fit and the fit.png/posterior.png figures."""
    adjusted = [str(row.parameter) for row in estimates.itertuples(index=False) if row.regression_applied]
    return [
        Block("h1", f"Calibration of {name}"),
        Block("meta", f"Scenario file: {source} · observed: {observed} · {method}"),
        Block("h2", "Posterior"),
        Block(
            "p",
            "Weighted median and 90 % credible interval (5-95 % weighted quantiles) of the final population, "
            "a uniform prior over the bounds; ESS = effective sample size of the particles' weights. "
            + (
                f"Local-linear regression adjustment applied to {', '.join(f'`{a}`' for a in adjusted)} (its summaries "
                "explain at least half of its spread, R^2 in the table); the unadjusted interval is beside it."
                if adjusted
                else "No regression adjustment applied (R^2 in the table)."
            ),
        ),
        Block(
            "table",
            header=["Parameter", "Estimate", "90 % interval", "Unadjusted", "R^2", "ESS", "Bounds", "Published"],
            rows=[
                [
                    f"`{row.parameter}`",
                    f"{row.estimate:.4g}",
                    f"{row.low:.4g} to {row.high:.4g}",
                    f"{row.unadjusted_low:.4g} to {row.unadjusted_high:.4g}",
                    f"{row.regression_r2:.2f}",
                    f"{row.ess:.0f}",
                    f"{row.prior_low:g} to {row.prior_high:g}",
                    str(published.get(str(row.parameter), "")),
                ]
                for row in estimates.itertuples(index=False)
            ],
            align="lrllrrll",
        ),
        Block("h2", "Populations"),
        Block(
            "table",
            header=["Population", "Tolerance", "Evaluations", "Particles"],
            rows=[
                [str(int(row.t)), f"{row.epsilon:.4g}", f"{int(row.samples):,}", str(int(row.particles))]
                for row in populations.itertuples(index=False)
            ],
            align="rrrr",
        ),
        Block("h2", "Posterior predictive fit"),
        Block(
            "p",
            f"{check_replications} parameter sets drawn from the posterior, one run each: "
            + (
                f"RMSE of their mean against the observations **{100 * rmse:.1f} percentage points**"
                if rmse_in_points
                else f"scaled RMSE of their mean against the observations **{rmse:.4g}**"
            ),
        ),
        fit_table(fit, mean="Predictive mean", band="5-95 % of draws", series=True),
        Block("img", "Observed against the posterior predictive band", path="fit.png"),
        Block("img", "Posterior particles", path="posterior.png"),
        Block(
            "p",
            "Files: calibration.csv (estimates), posterior.csv (particles and weights; use it as "
            "`[uncertainty] posterior` of any scenario), populations.csv, fit.csv, pyabc.db (pyabc's database), "
            "calibrated.toml (the scenario at the posterior medians).",
        ),
    ]


def write_report(folder: Path, blocks: Sequence[Block]) -> None:
    """An experiment's report as the run reports are written: report.md, and report.html with its
    plots embedded (self-contained, for a browser or print)."""
    from simulation.reporting.document import to_markdown
    from simulation.reporting.html import write_html

    (folder / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    write_html(folder / "report.html", blocks, folder)
