"""Tenant-supplied regular expressions, run by RE2 (google-re2): linear time in the input, always.

Python's `re` backtracks: a business admin's `(a+)+` against a 28-character PO number held a worker
for 15 s (every tenant waited). RE2 has no backtracking, so matching costs O(pattern x input). It
also has no backreferences or look-arounds; such patterns are refused when they are saved, with a
message that says why. The compiled program is capped in memory (MAX_MEM), so a huge repetition
such as `(x{100}){100}` is refused rather than built.
"""

from __future__ import annotations

from functools import lru_cache

import re2
from django.core.exceptions import ValidationError

MAX_MEM = 1 << 20  # bytes for RE2's compiled program and DFA cache per pattern


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is a form error, not a line on stderr
    options.max_mem = MAX_MEM
    return options


@lru_cache(maxsize=256)
def regex_compile(pattern: str):
    """The RE2 program for `pattern`, or ValidationError with a message fit for a business admin."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValidationError(
            f"This regular expression cannot be used ({detail}). Patterns run in linear time, so "
            "backreferences (\\1), look-aheads and look-behinds ((?=, (?!, (?<=) and repetitions over "
            "1000 are not supported; e.g. ^PO-[0-9]{6}$ works."
        ) from exc


def regex_fullmatch(pattern: str, text: str) -> bool:
    return regex_compile(pattern).fullmatch(text) is not None
