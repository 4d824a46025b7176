"""URLs whose path is the secret: webhook and other capability links.

`url_credentials` takes URLs whose userinfo or query holds a credential. Webhook URLs
(Slack's hooks.slack.com/services/T…/B…/<token>, Discord's /api/webhooks/<id>/<token>,
Teams', Zapier's) and other capability links put the secret in the path: whoever holds
the URL can post as the app. A path segment of 20+ letters, digits, _ and - that mixes
upper case, lower case and digits is such a token (a slug, a version, a SHA in hex or a
short video id is not: no mix, or too short), and then the whole URL is redacted. A
segment that splits wholly into capitalised words, numbers and version or dimension bits
(OrderCreatedEvent2024Handler, PaymentServiceV2Integration, HeroBanner1920x1080v3) is a
CamelCase slug a person named, not a token: random tokens put capitals next to capitals
and digits, so they never split that way.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"https?://\S+/[\w-]{20}", re.ASCII)

# Possessive parts: no two alternatives take the same characters, so no backtracking.
_SLUG = r"(?:[A-Z][a-z]{2,}+|[Vv]?\d++|x\d++|[-_])++(?![\w-])"
_TOKEN = r"(?!" + _SLUG + r")(?=[\w-]*[a-z])(?=[\w-]*[A-Z])(?=[\w-]*\d)[\w-]{20,}(?![\w-])"
_SECRET_PATH_URL = (
    r"(?<![A-Za-z0-9+.-])https?://[A-Za-z0-9.-]+(?::\d+)?"
    r"(?:/[A-Za-z0-9\-._~%]*)*?/" + _TOKEN + r"(?:[/?#][A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*"
    r"[A-Za-z0-9/=_-])?"
)


def url_secret_path_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="URL",
        name="UrlSecretPathRecognizer",
        supported_language=language,
        patterns=[Pattern("url_secret_path", _SECRET_PATH_URL, 0.85)],
        global_regex_flags=regex.ASCII,
    )
