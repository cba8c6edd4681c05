"""What the view's Export buttons download: the watched run's time series, the clinician table now,
and the scenario on the page as a TOML file that `simulate` runs to the same numbers.

- `timeseries_csv(model)`: one row per week stepped so far (week 0 first), columns `week` and every
  outcome column of steps.csv (`simulation.outcomes.COLUMNS`, same names and order), written by
  `simulation.results.tables.to_csv_bytes` (10 significant digits, NaN as an empty cell): the
  values Mesa's DataCollector recorded at each step, which are the model's `last` outcomes.
- `clinicians_csv(model)`: one row per clinician at the current week: `week` (the week shown, the
  same on every row: file names carry no week), `id` (the view's clinician id,
  0 to n-1), `node` (the id in the network file, for a network read from files only), department, role,
  seniority (years), mode (none/verify/primary), attitude (1-7), skeptical (attitude below
  population.skeptical_below: true/false, the definition of share_skeptical), literacy, trust,
  status_concern (0-1), reputation (peer rating of skill, 1-7), advice_in_degree (colleagues seeking
  advice).
- `scenario_toml_text(model)`: the scenario the model was built from (the file with the sliders'
  values and the seed box written over it), every key resolved, with run.seed = the seed the model
  ran with, run.replications = 1, and no `extends` or `compare_to`. The view builds its model as
  replication 0 of that root seed (`ViewModel`: `ClinicianModel(..., replication=0)`), which is the
  first replication `simulate FILE.toml --replications 1` runs, so its steps.csv repeats the view's
  curve week for week.

Nothing here imports Solara.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.modes import MODE_NAMES
from simulation.outcomes import COLUMNS
from simulation.results.tables import to_csv_bytes
from simulation.scenario.toml_writer import scenario_toml

VIEW_REPLICATION = 0  # the replication of the root seed the view builds (ViewModel)


def timeseries_frame(model) -> pd.DataFrame:
    """Week and every outcome column, one row per week stepped so far (week 0 first)."""
    series = model.datacollector.model_vars
    frame = pd.DataFrame({name: np.asarray(series[name], dtype=float) for name in COLUMNS})
    frame.insert(0, "week", np.arange(len(frame), dtype=np.int64))
    return frame


def timeseries_csv(model) -> bytes:
    """`timeseries_frame` as steps.csv writes numbers."""
    return to_csv_bytes(timeseries_frame(model))


def clinicians_frame(model) -> pd.DataFrame:
    """One row per clinician at the current week (columns in the module's notes)."""
    state = model.state
    columns: dict[str, object] = {
        "week": np.full(state.n, int(model.week), dtype=np.int64),
        "id": np.arange(state.n, dtype=np.int64),
    }
    if getattr(model, "node_ids", None) is not None:
        columns["node"] = [str(x) for x in model.node_ids]
    columns.update(
        {
            "department": [state.department_names[int(d)] for d in state.department],
            "role": [state.role_names[int(r)] for r in state.role],
            "seniority": np.asarray(state.seniority, dtype=float),
            "mode": [MODE_NAMES[int(m)] for m in state.mode],
            "attitude": np.asarray(state.attitude, dtype=float),
            "skeptical": np.asarray(state.attitude < state.skeptical_below, dtype=bool),
            "literacy": np.asarray(state.literacy, dtype=float),
            "trust": np.asarray(state.trust, dtype=float),
            "status_concern": np.asarray(state.status_concern, dtype=float),
            "reputation": np.asarray(state.reputation, dtype=float),
            "advice_in_degree": np.asarray(state.advice_in_degree, dtype=np.int64),
        }
    )
    return pd.DataFrame(columns)


def clinicians_csv(model) -> bytes:
    """`clinicians_frame` with 10 significant digits and booleans as true/false."""
    frame = clinicians_frame(model)
    frame["skeptical"] = np.where(frame["skeptical"], "true", "false")
    return to_csv_bytes(frame)


def scenario_toml_text(model) -> str:
    """The model's scenario as a standalone TOML file for one replication (see the module's notes)."""
    scenario = model.config
    source = getattr(getattr(model, "settings", None), "scenario_path", None)
    header = (
        "Exported from the interactive view (simulate view): the scenario on the page, every key resolved,\n"
        + (f"from {Path(source).name} with the controls' values.\n" if source else "")
        + f"The view ran replication {VIEW_REPLICATION} of run.seed; "
        + "`simulate FILE.toml --replications 1` repeats its curve week for week."
    )
    return scenario_toml(scenario, seed=int(scenario.run.seed), replications=1, header=header)


def export_name(model, what: str, suffix: str) -> str:
    """A download's file name: <scenario>-<what>.<suffix> (the scenario's name made file-safe). No week:
    the names are fixed when the card is drawn, and the card is not redrawn at each step
    (simulation.view.tools says why); the week is inside each file."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(model.config.scenario.name or "scenario")).strip("-") or "scenario"
    return f"{name}-{what}.{suffix}"
