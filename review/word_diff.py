"""What changed inside a matched passage, word by word: the library item's words the upload dropped
or replaced, and the words it put in their place, for the text review page."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# Passages are a few thousand characters; past this many words a side the diff is not drawn (its cost
# grows with the square of the words).
MAX_WORDS = 4000
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Change:
    text: str
    kind: str  # "same", "removed" (the library item's), "added" (the upload's)


@dataclass(frozen=True)
class WordDiff:
    changes: list[Change]
    changed_words: int  # words removed or added

    @property
    def identical(self) -> bool:
        return self.changed_words == 0


def word_diff(library_text: str, query_text: str) -> WordDiff | None:
    """The passage's words, as the library item has them and as the upload has them; None when the
    passage is too long to compare here."""
    old, new = _WORDS.findall(library_text), _WORDS.findall(query_text)
    if len(old) > 2 * MAX_WORDS or len(new) > 2 * MAX_WORDS:  # tokens: words and the spaces between
        return None
    changes: list[Change] = []
    changed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(Change("".join(old[a1:a2]), "same"))
            continue
        if a2 > a1:
            changes.append(Change("".join(old[a1:a2]), "removed"))
            changed += sum(1 for token in old[a1:a2] if not token.isspace())
        if b2 > b1:
            changes.append(Change("".join(new[b1:b2]), "added"))
            changed += sum(1 for token in new[b1:b2] if not token.isspace())
    return WordDiff(changes, changed)
