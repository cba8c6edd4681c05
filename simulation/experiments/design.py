"""Designs: factorial grids and Latin hypercube samples over declared parameters.

A parameter's unit-interval coordinate u in [0, 1) maps to a value by `value_at`: a range maps
linearly to low + u (high - low) (rounded to a whole number when the scenario key is an integer);
listed values (categories) are taken as values[floor(u k)] for k values, so every category gets an
equal share of the interval, in listed order. Sensitivity samples use the same mapping.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.stats import qmc

from simulation.scenario.experiments import ParameterConfig, Value


def value_at(parameter: ParameterConfig, u: float, integer: bool) -> Value:
    """The parameter's value at unit coordinate u (see the module docstring)."""
    if parameter.values is not None:
        k = len(parameter.values)
        return parameter.values[min(k - 1, max(0, int(math.floor(u * k))))]
    value = float(parameter.low) + float(u) * (float(parameter.high) - float(parameter.low))  # type: ignore[arg-type]
    value = min(max(value, float(parameter.low)), float(parameter.high))  # type: ignore[arg-type]
    return int(round(value)) if integer else float(f"{value:.12g}")


def typed(value: Value, integer: bool) -> Value:
    """A grid value as the key expects it: 20.0 -> 20 for an integer key."""
    if integer and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def factorial(parameters: list[ParameterConfig], integer: list[bool]) -> list[tuple[Value, ...]]:
    """Every combination of the parameters' grids; the first parameter varies slowest."""
    grids = [[typed(v, i) for v in p.grid()] for p, i in zip(parameters, integer, strict=True)]
    return list(itertools.product(*grids))


def latin_hypercube(
    parameters: list[ParameterConfig], integer: list[bool], samples: int, seed: int
) -> list[tuple[Value, ...]]:
    """`samples` points, each parameter's range cut into `samples` strata hit once (scipy's LatinHypercube)."""
    unit = qmc.LatinHypercube(d=len(parameters), rng=np.random.default_rng(seed)).random(samples)
    return [tuple(value_at(p, float(u), i) for p, u, i in zip(parameters, row, integer, strict=True)) for row in unit]
