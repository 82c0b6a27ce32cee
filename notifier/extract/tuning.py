"""Every window, weight and confidence factor of free-text extraction, in one frozen value.

`Extractor(catalog, tuning=Tuning())`; `python -m notifier.extract.evaluate --tune name=value`
sweeps one on the labelled corpus. Windows are in characters of folded text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class Tuning:
    # --- mentions ---
    window_noun: int = 100  # a level word counts within this distance of a level noun
    window_gap: int = 28  # two names of one level side by side ("умеренного («желтого»)")
    ordinal_apposition: int = 40  # an ordinal this close to a level's name describes it
    ordinal_anchor: int = 30  # an ordinal needs a from/to or action word this close
    pair_gap: int = 70  # most characters between the old and the new level of a from/to pair
    from_before: int = 14  # "from" this close before a level marks it as the old one
    scale_before: int = 16  # "out of" this close before a number marks a scale's size
    negation_before: int = 16  # a negation this close before the action negates it
    past_date_days: int = 14  # a clause dated this many days before the document is history
    # --- areas ---
    attach_first: int = 90  # the first area after (or before) a level
    attach_next: int = 45  # each further area of a list
    named_after_anaphor: int = 6  # "в городах Астана": the places follow the anaphor at once
    # --- scheme choice (score of a candidate scheme in a sentence) ---
    score_marker: float = 4.0  # a marker of the scheme in the sentence
    score_doc_marker: float = 0.7  # per marker in the document (at most 3)
    score_area_here: float = 3.0  # per area of the scheme in the sentence (at most 2)
    score_area_doc: float = 0.5  # per area of the scheme in the document (at most 4)
    score_depth: float = 2.5  # per level of depth of the scheme's root (a city scheme wins)
    score_language: float = 0.5  # the text's main language is one of the scheme's
    # --- confidence ---
    conf_named: float = 0.92  # the level is named (colour, number)
    conf_adjective: float = 0.82  # the level is only a translated adjective
    penalty_cue_near: float = 0.25  # the security cue is in a neighbouring sentence only
    penalty_anaphor: float = 0.1  # the areas come from an anaphor ("there")
    penalty_recent: float = 0.2  # the areas come from the sentence before
    penalty_list_verb: float = 0.05  # one verb after a list of levels
    penalty_implicit: float = 0.15  # a level spoken of without its name
    factor_twin: float = 0.85  # a bare city name that may mean its twin region
    factor_successor: float = 0.9  # a former area read as its successors
    factor_default_area: float = 0.8  # no place named: the scheme's default area
    factor_foreign_default: float = 0.6  # ... and nothing in the text is about that country
    # --- limits (linear time on hostile input) ---
    max_sentence_chars: int = 2000  # a longer "sentence" is cut into pieces of this size
    max_mentions: int = 12  # level mentions considered per sentence and scheme
    max_sentences: int = 4000  # sentences considered per document
    max_text_chars: int = 200_000  # characters of one document read (articles are far shorter)

    def with_(self, assignments: list[str]) -> Tuning:
        """A copy with `name=value` assignments applied (values parsed as the field's type)."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, object] = {}
        for item in assignments:
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(f"unknown tuning {name!r}; known: {', '.join(sorted(known))}")
            kind = type(getattr(self, name))
            try:
                changes[name] = kind(value)
            except ValueError as exc:
                raise ValueError(f"tuning {name}: {value!r} is not a {kind.__name__}") from exc
        return replace(self, **changes)  # type: ignore[arg-type]
