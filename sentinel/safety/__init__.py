"""Content safety: operators' sensitive-word lists applied to prompts and answers.

`lists` reads and validates the list files, `normalize` folds case, width and CJK
padding, `matcher` searches every term at once (Aho-Corasick), `stream` masks text
that arrives in pieces, `guard` applies one call's actions (flag, mask, block), and
`filter` holds the lists in force and reloads them when they change. Layer 4, beside
privacy: the client and the proxy call a guard; nothing here imports them.
"""

from sentinel.safety.filter import SafetyFilter, safety_filter
from sentinel.safety.guard import CallGuard
from sentinel.safety.hooks import screen_prompt
from sentinel.safety.lists import SafetyListError, SafetyLists, load_lists

__all__ = [
    "CallGuard",
    "SafetyFilter",
    "SafetyListError",
    "SafetyLists",
    "load_lists",
    "safety_filter",
    "screen_prompt",
]
