"""The glossary data (simulation.reporting.glossary): only the words a text uses, each in plain words."""

from __future__ import annotations

from simulation.reporting.document import Block, to_markdown
from simulation.reporting.glossary import HEADING, TERMS, glossary_block, glossary_blocks, terms_in


def _words(text: str) -> list[str]:
    return [t.word for t in terms_in(text)]


def test_only_the_terms_in_the_text_alphabetically():
    text = "Probability 40 % (Wilson interval 20-62 %) over 20 replications; attitude assortativity 0.12."
    assert _words(text) == ["assortativity", "replication", "Wilson interval"]
    block = glossary_block(text)
    assert block is not None and block.kind == "ul" and len(block.items) == 3
    assert block.items[0].startswith("**assortativity**: ") and "alike" in block.items[0]
    assert glossary_block("Nothing technical here.") is None
    assert glossary_blocks("Nothing technical here.") == []


def test_whole_words_only():
    assert "hazard" not in _words("hazardous")  # not part of a longer word
    assert "skeptical" in _words("Skeptical clinicians")  # any case
    assert _words("the skeptical line") == ["skeptical"]
    assert "percentage points" in _words("5.0 points fewer skeptical") and "percentage points" in _words("+2.3 points")


def test_the_report_words_of_issue_14_are_defined():
    text = (
        "replication; paired difference; chance alone; with what we do not know; parameter world; "
        "beats baseline in 90 %; skeptical; verifying; primary aid; competence gap; clinician-hours; "
        "assortativity; hazard; Wilson interval; Morris; Sobol indices; best of the 9 options"
    )
    words = set(_words(text))
    for word in (
        "replication", "paired difference", "interval from chance alone", "interval with what we do not know",
        "parameter world", "probability of beating the baseline", "probability of being best", "skeptical",
        "verifying", "primary aid", "competence gap", "clinician-hours", "assortativity", "hazard",
        "Wilson interval", "Morris indices", "Sobol indices",
    ):  # fmt: skip
        assert word in words, word


def test_every_term_finds_itself_and_has_a_plain_meaning():
    assert len({t.word.lower() for t in TERMS}) == len(TERMS)
    for term in TERMS:
        assert term.occurs_in(term.word), term.word
        assert term.meaning.endswith(".") and 40 <= len(term.meaning) <= 400, term.word


def test_blocks_of_a_report_give_a_section():
    blocks = [Block("h1", "Report"), Block("p", "Differences are paired; the Welch interval is wider.")]
    section = glossary_blocks(blocks)
    assert [b.kind for b in section] == ["h2", "ul"] and section[0].text == HEADING
    assert [item.split("**")[1] for item in section[1].items] == ["paired difference", "Welch interval"]
    assert "Welch interval" in to_markdown(section)
