"""Clauses of a sentence and the attributes of the clause a level is announced in.

A veto reads only the trigger's clause: "Britain raised its level to severe and asked people to
call police if they see anything suspicious" has its "if" in another clause. A sentence is cut
at ";", ":" and the packs' `clause_breaks` ("while", "and asked", "but"); each clause gets typed
attributes from the packs' sections (negation, modality, history, definitions, unchanged,
reported_by, partial_scope, see_also) plus the language-independent past markers the engine computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ClauseAttributes:
    negated: bool = False  # a negation before or between the level and its action
    modal: bool = False  # hypothetical, hedged, conditional, a question or a debate
    historical: bool = False  # background: a past declaration, a dated earlier year
    definitional: bool = False  # describes the scale or what a level means
    unchanged: bool = False  # says the level did not change
    reported_by: bool = False  # an attribution ("the ministry said")
    partial: bool = False  # for part of an area only ("maintained in certain places")
    elsewhere: bool = False  # a link to another article ("Read also: ...")

    @property
    def vetoed(self) -> bool:
        return (
            self.modal
            or self.historical
            or self.definitional
            or self.unchanged
            or self.partial
            or self.elsewhere
        )


_HARD_BREAK = re.compile(r";|:(?!\d)")


def split_clauses(folded: str, breaks: re.Pattern[str] | None) -> list[Clause]:
    """Clauses of one folded sentence (spans cover the sentence; a break word opens a clause)."""
    cuts = {0, len(folded)}
    for m in _HARD_BREAK.finditer(folded):
        cuts.add(m.end())
    if breaks is not None:
        for m in breaks.finditer(folded):
            cuts.add(m.start())
    ordered = sorted(cuts)
    return [Clause(a, b) for a, b in pairwise(ordered) if b > a]


def clause_at(clauses: list[Clause], pos: int) -> Clause:
    for c in clauses:
        if c.start <= pos < c.end:
            return c
    return clauses[-1]


def any_in(pattern: re.Pattern[str] | None, folded: str, clause: Clause) -> bool:
    return bool(pattern and pattern.search(folded, clause.start, clause.end))
