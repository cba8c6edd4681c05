"""The report's glossary: the plain-language meaning of the words a report cannot do without.

`TERMS` is the data: each `Term` has the word as the glossary shows it, the patterns that find it in
a report's text (whole words, case-insensitive), and its meaning in a sentence or two for a planner.
`glossary_block(text)` returns one report `Block` (a list, `document.Block` kind "ul") of only the
terms that occur in `text` (e.g. the markdown of the report's other blocks), alphabetically;
`glossary_blocks(text)` the same under a heading. Nothing in a report uses it yet: the report's
sections decide where it goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from simulation.reporting.document import Block, to_markdown

HEADING = "Words used in this report"


@dataclass(frozen=True)
class Term:
    """One glossary entry: `word` as shown, `meaning` in plain words, `patterns` (regular expressions,
    matched as whole words, case-insensitively) that find it in a text; default: the word itself."""

    word: str
    meaning: str
    patterns: tuple[str, ...] = ()
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = self.patterns or (re.escape(self.word),)
        object.__setattr__(self, "_regex", re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])", re.I))

    def occurs_in(self, text: str) -> bool:
        return self._regex.search(text) is not None


TERMS: tuple[Term, ...] = (
    Term(
        "replication",
        "One simulated future of the hospital: the same plan run again with other random draws (who meets whom, "
        "who changes their mind when). A result is the average over many replications; their spread shows how "
        "differently things could turn out.",
        (r"replications?", r"runs? of the model"),
    ),
    Term(
        "baseline",
        "The hospital as it is, without the plan: what each plan is compared with.",
        (r"baselines?",),
    ),
    Term(
        "derived baseline",
        "The plan's own hospital with the plan's interventions taken out, built by the program when the plan's "
        "hospital differs from the baseline file it names, so that the plan is still compared with its own hospital.",
    ),
    Term(
        "paired difference",
        "The difference between a plan and the baseline measured replication by replication: replication k of "
        "both starts from the same hospital and the same random draws (common random numbers), so luck cancels "
        "out and only the plan's effect remains.",
        (r"paired(?: differences?)?", r"common random numbers", r"unpaired"),
    ),
    Term(
        "percentage points",
        "The difference of two percentages: from 20 % to 15 % is 5 points fewer (not 25 % fewer).",
        (r"percentage points?", r"points (?:fewer|more)", r"[-+−]\d[\d.,]* points"),
    ),
    Term(
        "95 % interval of a mean",
        "The range within which the average result lies, given how many replications were run (Student t "
        "interval). More replications make it narrower; it says how precisely the simulation pins the average, "
        "not what one hospital will see.",
        (r"95 % (?:confidence )?interval", r"confidence intervals?"),
    ),
    Term(
        "range of runs",
        "Where the middle 95 % of replications ended: how differently one hospital like this could turn out.",
        (r"ranges? of (?:the )?runs", r"middle 95 % of (?:the )?runs", r"95 % of runs"),
    ),
    Term(
        "interval from chance alone",
        "The range of results that chance alone produces in this hospital when every assumption of the model "
        "is taken as stated.",
        (r"chance alone",),
    ),
    Term(
        "interval with what we do not know",
        "The range of results when chance is joined by doubt about the assumptions themselves (how strong an "
        "effect is, how fast opinions move): the model is run in many parameter worlds, each with other plausible "
        "values. It is at least as wide as the range from chance alone.",
        (r"(?:with )?what we do not know", r"chance plus"),
    ),
    Term(
        "parameter world",
        "One plausible set of the model's uncertain values (effect sizes, rates), drawn from the ranges listed "
        "under what we assumed. Every plan is run in the same worlds, so they are compared under the same doubts.",
        (r"parameter worlds?", r"worlds?"),
    ),
    Term(
        "probability of beating the baseline",
        "The share of parameter worlds in which the plan's average effect goes in the better direction: how sure "
        "we can be that the plan helps at all, given what we do not know.",
        (r"beat(?:s|ing)? (?:the )?baseline", r"p_better"),
    ),
    Term(
        "probability of being best",
        "The share of parameter worlds in which the plan has the best average result of all those compared "
        "(doing nothing included).",
        (
            r"(?:probability|chance) (?:of being|it is) (?:the )?best",
            r"(?:the )?best of (?:the |those |all )?(?:\d+ )?(?:options|plans|scenarios|those compared)",
            r"p_best",
        ),
    ),
    Term(
        "unknowns that matter most",
        "The uncertain assumptions whose value moves the answer most across parameter worlds (by rank "
        "correlation): where better evidence would settle the question fastest.",
        (r"unknowns? that matters?(?: most)?", r"hinges? on", r"rank correlations?", r"Spearman"),
    ),
    Term(
        "skeptical",
        "A clinician whose attitude toward clinical AI is below the skeptical line (3.5 on a 1-7 scale by default).",
        (r"skeptic(?:al|s|ism)?",),
    ),
    Term(
        "verifying",
        "Using AI to check one's own decision after making it: the way of using AI that catches AI errors.",
        (r"verif(?:y|ying|ies|ication)",),
    ),
    Term(
        "primary aid",
        "Using AI as the primary decision aid: AI drives the decision, so its errors are more often passed on.",
        (r"primary(?: decision)? aid", r"primary users?"),
    ),
    Term(
        "competence gap",
        "How much higher colleagues rate the skill of clinicians who use no AI than of those who use it (points "
        "on a 1-7 scale): the social penalty of using AI.",
        (r"competence (?:gap|penalty)",),
    ),
    Term(
        "errors passed on",
        "AI errors that reach a patient because the clinician followed the AI without catching the mistake; "
        "errors caught are those a verifying clinician stopped. A count of AI errors only: it grows with AI use.",
        (r"errors? (?:passed on|caught)",),
    ),
    Term(
        "errors reaching patients per 1,000 decisions",
        "Every wrong decision that reaches a patient, the clinicians' own errors and AI errors together, per "
        "1,000 decisions of all clinicians: comparable between plans and hospitals with more and less AI use.",
        (r"errors? reach(?:ed|ing) patients",),
    ),
    Term(
        "clinician-hours",
        "The time a plan costs: hours of clinicians' working time (attendees and facilitators), summed.",
        (r"clinician-hours?",),
    ),
    Term(
        "target",
        "A goal of the plan, such as skeptics down to 15 % within two years; P(target) is the share of "
        "replications that reached it by its deadline.",
        (r"targets?", r"P\(target\)"),
    ),
    Term(
        "Wilson interval",
        "The 95 % interval of a probability estimated from a number of replications; unlike a plain "
        "plus-or-minus it stays within 0-100 % when few runs or all runs reach a target.",
        (r"Wilson(?: intervals?)?",),
    ),
    Term(
        "Welch interval",
        "The 95 % interval of a difference between runs that were not paired (different seeds or hospitals); "
        "wider than a paired one.",
        (r"Welch(?: intervals?)?",),
    ),
    Term(
        "assortativity",
        "Whether colleagues who are tied resemble each other (in attitude, or in how they use AI): above 0 they "
        "are alike, 0 is no pattern, below 0 they differ.",
        (r"assortativity",),
    ),
    Term(
        "hazard",
        "The weekly chance that a clinician who has never used AI starts using it.",
        (r"(?:weekly |adoption )?hazards?",),
    ),
    Term(
        "exposure at adoption",
        "The share of a clinician's colleagues who already used AI when that clinician started using it.",
        (r"exposure at adoption",),
    ),
    Term(
        "mean degree",
        "The average number of colleagues a clinician is tied to in the network.",
        (r"(?:mean )?degree",),
    ),
    Term(
        "clustering",
        "How often two colleagues of a clinician are colleagues of each other too (0-1): high in tight teams.",
        (r"clustering", r"transitivity"),
    ),
    Term(
        "Morris indices",
        "A screening of which model settings matter: each setting is moved in steps across its range and the "
        "average size of the change in the result (mu*) ranks the settings.",
        (r"Morris(?: indices| screening)?", r"mu\*"),
    ),
    Term(
        "Sobol indices",
        "The share of the spread of a result due to each setting alone (first order) and together with the "
        "others (total order), estimated by many runs over all settings' ranges.",
        (r"Sobol(?: indices)?",),
    ),
)


def terms_in(text: str, terms: tuple[Term, ...] = TERMS) -> list[Term]:
    """The terms that occur in `text`, alphabetically by word."""
    return sorted((t for t in terms if t.occurs_in(text)), key=lambda t: t.word.lower())


def glossary_block(text: str) -> Block | None:
    """A list Block of the terms found in `text` ('**word**: meaning'), or None when none occurs."""
    found = terms_in(text)
    if not found:
        return None
    return Block("ul", items=[f"**{t.word}**: {t.meaning}" for t in found])


def glossary_blocks(text_or_blocks: str | list[Block]) -> list[Block]:
    """The glossary section (a heading and the list) for a report's text or blocks; [] when no term occurs."""
    text = text_or_blocks if isinstance(text_or_blocks, str) else to_markdown(text_or_blocks)
    block = glossary_block(text)
    return [] if block is None else [Block("h2", HEADING), block]
