"""The example scenario files: `scenarios/` of a source checkout, or their copy inside an installed
wheel (`simulation/scenarios_data/`, pyproject.toml `[tool.hatch.build.targets.wheel.force-include]`).

The browser view lists them and opens `baseline.toml` by default. Files that read network data from
beside the repository (`ckm.toml`: `../shared/data/ckm/`) need that folder wherever they are.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "scenarios_data"  # in a wheel
CHECKOUT = PACKAGE.parent / "scenarios"  # in a source checkout (or an editable install)


def scenario_folder() -> Path:
    """The folder of the example scenarios: the installed copy if there is one, else the checkout's
    `scenarios/` (which may be missing: then no examples are listed)."""
    return INSTALLED if INSTALLED.is_dir() else CHECKOUT
