"""The interactive browser view (`simulate view`): Mesa's SolaraViz page for the clinician model.

Modules: `settings` (the controls' values and the scenario they make), `viewmodel` (the model the
page builds, with cached node positions), `drawing` (matplotlib pictures from the arrays),
`groups` (the shares by department and role, from the state arrays), `components` (network, plots,
numbers, selected clinician, by department and role), `controls` (sidebar), `app` (the page),
`server` (starting it on loopback). In Jupyter: `from simulation.view.app import ClinicianView`,
then `ClinicianView(scenario="scenarios/workshops.toml")` as the last line of a cell.
"""
