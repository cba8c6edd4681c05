"""Scenario discovery: the ranges of the uncertain parameters under which a plan fails.

Given the K parameter worlds of a run (`simulation.worlds.WorldDesign.draws`, one row per world, one
column per uncertain key) and, per world, whether the chosen portfolio failed there (missed the
target, or lost to the runner-up), `failure_conditions` looks for *boxes*: conjunctions of at most
`max_depth` one-sided thresholds ("key < t", "key >= t") inside which failure is concentrated. This is
scenario discovery in the sense of Bryant & Lempert (2010), with boxes scored by the two measures
they use: coverage (the share of all failures that fall inside the box) and density (the share of
the box's worlds that fail).

Method (a small top-down search in the spirit of CART and PRIM, written here rather than taken from a
library so that every box examined can be counted for the test below):

1. Depth 1: for every key and both directions, every cut between two successive distinct draws is
   examined (the threshold is the midpoint); the cut with the highest F-score, the harmonic mean of
   coverage and density (2 f / (F + n) for f failures among the box's n worlds, F failures in all),
   is kept. Boxes must hold at least `min_share` of the worlds (PRIM's minimum support).
2. Depth 2 .. `max_depth`: the `BEAM` (10) best boxes of the previous depth are each refined by one
   more threshold per key and direction, chosen the same way among the worlds inside them (a second
   threshold on the same key in the other direction gives an interval). Boxes with the same rules
   (keys and directions) are merged, keeping the best. The 10 best of the new depth are then
   backfitted: each threshold is chosen again given the others, until none moves (at most 5 rounds).
   This is greedy like CART's recursive splitting (Breiman et al. 1984) but keeps one box per rule
   set rather than a partition, and the F-score plays the role of PRIM's trade-off between coverage
   and density (Friedman & Fisher 1999).

When a box "stands out" (otherwise it is not returned; [] when none does):

- it is significant: the one-sided hypergeometric (Fisher exact) probability of at least f failures
  among n worlds drawn from K holding F failures, multiplied by the number m of boxes the search
  examined (Bonferroni), is at most `alpha` (0.05). With labels independent of the draws each
  examined box's probability is a valid p-value, so by the union bound the chance of returning any
  box at all is at most `alpha`: random labels give [] at least 95 % of the time. The correction is
  conservative (neighbouring cuts are nearly the same box), so with few worlds only strong, clean
  conditions come out. Measured m: about 3,000 boxes for 32 worlds and 5 keys, 10,000 for 32 worlds
  and 40 keys, 20,000 for 200 worlds and 40 keys; with 32 worlds and 40 keys a box of 5 worlds
  holding all the failures just passes (m / C(32, 5) = 0.05), and any noise needs more worlds (or
  fewer keys: pass only the keys that could matter).
- every rule earns its place: for each rule, the box without it, tested the same way (the box's
  failures among that larger box's worlds and failures), is significantly less dense (same m).
- it is clearly denser than failure overall: density >= rate + `min_gain` (1 - rate), with rate = F / K,
  i.e. at least a quarter (by default) of the way from the overall rate to failure in every world.

No failure (F = 0) or failure everywhere (F = K) gives []. The search is deterministic (stable sorts,
no random numbers): the same input gives the same output.

References: Friedman, J. H. & Fisher, N. I. (1999) Bump hunting in high-dimensional data. Statistics
and Computing 9, 123-143. Bryant, B. P. & Lempert, R. J. (2010) Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery. Technological Forecasting and Social
Change 77, 34-49. Breiman, L., Friedman, J. H., Olshen, R. A. & Stone, C. J. (1984) Classification
and Regression Trees. Wadsworth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Rule = tuple[str, str, float]  # (key, "<" or ">=", threshold)

# Boxes of one depth refined into the next (and backfitted): a beam small enough that the Bonferroni
# factor stays in the thousands or tens of thousands (module docstring), large enough that every key
# and direction that matters alone is among them for a handful of relevant keys.
BEAM = 10


@dataclass(frozen=True)
class Condition:
    """A box of parameter worlds where failure is concentrated.

    rules: (key, "<" or ">=", threshold), all of which hold inside the box; coverage: share of all
    failing worlds inside the box; density: share of the box's worlds that fail; worlds: worlds inside
    the box; failures: failing worlds inside; p_value: the Bonferroni-adjusted probability of a box at
    least this dense by chance (the larger of the box's test and its rules' tests, module docstring).
    """

    rules: list[Rule]
    coverage: float
    density: float
    worlds: int
    failures: int
    p_value: float

    @property
    def score(self) -> float:
        """The F-score: harmonic mean of coverage and density (what the conditions are sorted by)."""
        total = self.coverage + self.density
        return 0.0 if total == 0 else 2 * self.coverage * self.density / total

    def describe(
        self,
        labels: dict[str, str] | None = None,
        forms: dict[str, str] | None = None,
        outcome_phrase: str = "it fails",
    ) -> str:
        """The condition in plain words, e.g. "if workshop attitude gain is below ×0.71 of its stated value
        and judgment.visibility is above its stated value +0.12, the runner-up does better (14 of 16 such
        worlds; 82 % of all failures)".

        labels: key -> the name to print (default: the key); forms: key -> 'times' (draws are factors,
        shown ×0.71 of its stated value), 'plus' (shifts, shown its stated value +0.12) or 'within'
        (values; also the default); outcome_phrase: what failing means here.
        """
        labels, forms = labels or {}, forms or {}
        parts = []
        for key in dict.fromkeys(rule[0] for rule in self.rules):
            name = labels.get(key, key)
            form = forms.get(key, "within")
            below = [t for k, op, t in self.rules if k == key and op == "<"]
            above = [t for k, op, t in self.rules if k == key and op == ">="]
            if below and above:
                low, high = max(above), min(below)
                if form == "times":
                    parts.append(f"{name} is between ×{_number(low)} and ×{_number(high)} of its stated value")
                elif form == "plus":
                    parts.append(f"{name} is between its stated value {_shift(low)} and {_shift(high)}")
                else:
                    parts.append(f"{name} is between {_number(low)} and {_number(high)}")
                continue
            word, threshold = ("below", min(below)) if below else ("above", max(above))
            if form == "times":
                parts.append(f"{name} is {word} ×{_number(threshold)} of its stated value")
            elif form == "plus":
                parts.append(f"{name} is {word} its stated value {_shift(threshold)}")
            else:
                parts.append(f"{name} is {word} {_number(threshold)}")
        share = round(100 * self.coverage)
        return (
            f"if {' and '.join(parts)}, {outcome_phrase} "
            f"({self.failures} of {self.worlds} such worlds; {share} % of all failures)"
        )


def _number(value: float) -> str:
    """Two significant digits below 1 (0.71, 0.0031), three up to 100 (1.25, 12.5), whole above."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.3g}"


def _shift(value: float) -> str:
    text = _number(value)
    return text if text.startswith("-") else f"+{text}"


@dataclass
class _Box:
    rules: tuple[Rule, ...]
    mask: np.ndarray  # (K,) bool: the worlds inside
    worlds: int
    failures: int

    @property
    def signature(self) -> frozenset[tuple[str, str]]:
        return frozenset((key, op) for key, op, _ in self.rules)


def _best_cuts(values: np.ndarray, fails: np.ndarray, total_failures: int, min_worlds: int) -> tuple[list, int]:
    """The best cut below and above among these worlds: [(op, threshold, n, f)], and the cuts examined."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    cumulative = np.concatenate([[0], np.cumsum(fails[order])])
    n = len(values)
    cuts = np.nonzero(sorted_values[1:] > sorted_values[:-1])[0] + 1  # first i worlds vs the rest
    if len(cuts) == 0:
        return [], 0
    thresholds = (sorted_values[cuts - 1] + sorted_values[cuts]) / 2
    found = []
    examined = 0
    for op, size, failing in (
        ("<", cuts, cumulative[cuts]),
        (">=", n - cuts, cumulative[n] - cumulative[cuts]),
    ):
        admissible = size >= min_worlds
        examined += int(admissible.sum())
        if not admissible.any():
            continue
        score = np.where(admissible, 2 * failing / (total_failures + size), -1.0)
        best = int(np.argmax(score))  # the first of equal scores: deterministic
        found.append((op, float(thresholds[best]), int(size[best]), int(failing[best])))
    return found, examined


def _mask(draws: np.ndarray, columns: dict[str, int], rules: tuple[Rule, ...]) -> np.ndarray:
    inside = np.ones(draws.shape[0], dtype=bool)
    for key, op, threshold in rules:
        values = draws[:, columns[key]]
        inside &= values < threshold if op == "<" else values >= threshold
    return inside


def _refit(
    box: _Box, draws: np.ndarray, columns: dict[str, int], fails: np.ndarray, min_worlds: int
) -> tuple[_Box, int]:
    """The box with each threshold chosen again given the others (same direction; kept only when the
    F-score rises), until none moves (at most 5 rounds). Returns the box and the cuts examined."""
    examined, total_failures = 0, int(fails.sum())
    for _ in range(5 if len(box.rules) > 1 else 0):
        moved = False
        for index, (key, op, threshold) in enumerate(box.rules):
            others = box.rules[:index] + box.rules[index + 1 :]
            within = _mask(draws, columns, others)
            cuts, count = _best_cuts(draws[within, columns[key]], fails[within], total_failures, min_worlds)
            examined += count
            for cut_op, cut, size, failing in cuts:
                better = failing / (total_failures + size) > box.failures / (total_failures + box.worlds)
                if cut_op == op and cut != threshold and better and size < int(within.sum()):
                    rules = (*box.rules[:index], (key, op, cut), *box.rules[index + 1 :])
                    box, moved = _Box(rules, _mask(draws, columns, rules), size, failing), True
        if not moved:
            break
    return box, examined


def _check(draws: np.ndarray, keys: list[str], failed: np.ndarray, max_depth: int, min_share: float) -> None:
    if draws.ndim != 2:
        raise ValueError(f"draws must be a (worlds x keys) array, got shape {draws.shape}")
    if len(keys) != draws.shape[1]:
        raise ValueError(f"{len(keys)} keys for {draws.shape[1]} columns of draws")
    if len(set(keys)) != len(keys):
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"keys repeated: {', '.join(repeated)}")
    if failed.shape != (draws.shape[0],):
        raise ValueError(f"failed must hold one value per world ({draws.shape[0]}), got shape {failed.shape}")
    if not np.isfinite(draws).all():
        bad = sorted({keys[j] for j in np.nonzero(~np.isfinite(draws))[1]})
        raise ValueError(f"draws not finite for key(s) {', '.join(bad)}")
    if not np.isin(failed, (0, 1)).all():
        raise ValueError("failed must be true/false (or 1/0) per world")
    if max_depth < 1:
        raise ValueError(f"max_depth must be at least 1, got {max_depth}")
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}")


def failure_conditions(
    draws: np.ndarray,
    keys: list[str],
    failed: np.ndarray,
    *,
    max_depth: int = 2,
    min_share: float = 0.1,
    alpha: float = 0.05,
    min_gain: float = 0.25,
) -> list[Condition]:
    """The boxes of parameter worlds where failure is concentrated, best first (module docstring).

    draws: (K worlds x keys) draws (shifts, factors or values); keys: the column names; failed: (K,)
    whether the plan failed in each world; max_depth: most thresholds per box; min_share: least share
    of the worlds inside a box; alpha: family-wise error rate of the significance test; min_gain: how
    far above the overall failure rate a box's density must be, as a share of the way to 1. Sorted by
    F-score (harmonic mean of coverage and density), then fewer rules. [] when nothing stands out.
    """
    draws = np.asarray(draws, dtype=float)
    failed = np.asarray(failed)
    _check(draws, list(keys), failed, max_depth, min_share)
    fails = failed.astype(bool)
    total, total_failures = draws.shape[0], int(fails.sum())
    if total_failures == 0 or total_failures == total or draws.shape[1] == 0:
        return []
    min_worlds = max(1, math.ceil(min_share * total - 1e-9))
    columns = {key: j for j, key in enumerate(keys)}

    def score(box: _Box) -> float:  # the F-score, 2 f / (F + n)
        return 2 * box.failures / (total_failures + box.worlds)

    def keep(level: dict[frozenset[tuple[str, str]], _Box], box: _Box) -> None:
        known = level.get(box.signature)
        if known is None or score(box) > score(known):
            level[box.signature] = box

    examined = 0  # every box whose worlds and failures were counted: the Bonferroni factor
    found: dict[frozenset[tuple[str, str]], _Box] = {}
    parents = [_Box((), np.ones(total, dtype=bool), total, total_failures)]
    for _ in range(max_depth):
        level: dict[frozenset[tuple[str, str]], _Box] = {}
        for parent in parents:
            taken = {(key, op) for key, op, _ in parent.rules}
            for key in keys:
                values = draws[parent.mask, columns[key]]
                cuts, count = _best_cuts(values, fails[parent.mask], total_failures, min_worlds)
                examined += count
                for op, threshold, size, failing in cuts:
                    if (key, op) not in taken and size < parent.worlds:
                        rules = (*parent.rules, (key, op, threshold))
                        keep(level, _Box(rules, _mask(draws, columns, rules), size, failing))
        best = sorted(level.values(), key=lambda box: -score(box))[:BEAM]  # stable: ties keep their order
        for box in best:
            refitted, count = _refit(box, draws, columns, fails, min_worlds)
            examined += count
            keep(level, refitted)
        found.update(level)
        parents = sorted(level.values(), key=lambda box: -score(box))[:BEAM]
        if not parents:
            break

    from scipy.stats import hypergeom  # lazily: importing the package stays light

    rate = total_failures / total
    least_density = rate + min_gain * (1 - rate)
    conditions = []
    for box in found.values():
        if box.failures / box.worlds < least_density:
            continue
        p_values = [float(hypergeom.sf(box.failures - 1, total, total_failures, box.worlds))]
        for index in range(len(box.rules) if len(box.rules) > 1 else 0):  # each rule earns its place
            without = _mask(draws, columns, box.rules[:index] + box.rules[index + 1 :])
            p_values.append(
                float(hypergeom.sf(box.failures - 1, int(without.sum()), int(fails[without].sum()), box.worlds))
            )
        p_value = min(1.0, examined * max(p_values))
        if p_value > alpha:
            continue
        conditions.append(
            Condition(
                rules=list(box.rules),
                coverage=box.failures / total_failures,
                density=box.failures / box.worlds,
                worlds=box.worlds,
                failures=box.failures,
                p_value=p_value,
            )
        )
    conditions.sort(key=lambda c: (-round(c.score, 12), len(c.rules), c.p_value, repr(c.rules)))
    unique, seen = [], set()
    for condition in conditions:  # the same worlds under other rules: keep the best-ranked
        members = _mask(draws, columns, tuple(condition.rules)).tobytes()
        if members not in seen:
            seen.add(members)
            unique.append(condition)
    return unique
