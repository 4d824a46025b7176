"""Credentials pasted into prompts: API keys, JWTs and Authorization header values.

A leaked key is worse than a leaked name (it grants access), so these patterns favour
recall; each one still needs a distinctive prefix or header word, which keeps hashes,
UUIDs and commit ids in debugging chats intact.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from sentinel.privacy.recognizers.gate import WordGate

GATE = WordGate(
    (
        "sk-",
        "_live_",
        "_test_",
        "aiza",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "hf_",
        "npm_",
        "xox",
        "xapp-",
        "sg.",
        "eyj",
        "bearer",
        "basic",
        "token",
        "key",
        "secret",
        "shpat_",
        "shpca_",
        "shppa_",
        "shpss_",
        "pypi-",
        "dop_v1_",
        "dapi",
        "pmak-",
        "atatt",
        "lin_api_",
        "gsk_",
        "r8_",
        "hvs.",
        "figd_",
        "nrak-",
        "xai-",
        "sq0",
        "ltai",
        "_key",
    ),
    r"AKIA|ASIA|(?:SK|AC)[0-9a-f]{32}|:AA",
)

_TOKEN = r"[A-Za-z0-9_\-.~+/]{12,}=*"
# A variable or field that holds a credential, also inside a longer name (DEEPSEEK_API_KEY,
# "client_secret", aws_secret_access_key, SENDGRID_TOKEN): the value after it is the secret.
# No left boundary: the name may end a longer one.
_KEY_NAME = (
    r"(?:api[_-]?key|apikey|(?:secret|access|account|private)[_-]?key|secret|token|(?-i:_KEY))"
)
# Prefixes their issuers document: Shopify, PyPI, DigitalOcean, Databricks, Postman,
# Atlassian, Linear, Groq, Replicate, HashiCorp Vault, Figma, New Relic, xAI, Square,
# Alibaba Cloud AccessKey ids (LTAI).
_VENDOR = (
    r"(?<![A-Za-z0-9])(?:shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}|pypi-AgE[A-Za-z0-9_-]{50,}|"
    r"dop_v1_[0-9a-f]{64}|dapi[0-9a-f]{32}|PMAK-[0-9a-f]{24}-[0-9a-f]{34}|ATATT[A-Za-z0-9_=-]{20,}|"
    r"lin_api_[A-Za-z0-9]{40}|gsk_[A-Za-z0-9]{48,}|r8_[A-Za-z0-9]{37}|hvs\.[A-Za-z0-9_-]{24,}|"
    r"figd_[A-Za-z0-9_-]{40,}|NRAK-[A-Z0-9]{27}|xai-[A-Za-z0-9]{40,}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}|"
    r"LTAI[0-9A-Za-z]{12,20}(?![0-9A-Za-z]))"
)


def secret_recognizers(language: str) -> list[PatternRecognizer]:
    """The secret recognizers as tables of patterns, one entry a vendor's key shape:
    long because the tables are, and kept whole so each shape's score and context read
    side by side."""
    api_key = PatternRecognizer(
        supported_entity="API_KEY",
        name="ApiKeyRecognizer",
        supported_language=language,
        patterns=[
            Pattern("openai_style", r"(?<![A-Za-z0-9])sk-(?:proj-)?[A-Za-z0-9_\-]{16,}", 0.9),
            Pattern("aws_access_key", r"(?<![A-Z0-9])AKIA[0-9A-Z]{16}(?![A-Z0-9])", 0.9),
            Pattern("github_token", r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{30,}", 0.9),
            Pattern("github_pat", r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{22,}", 0.9),
            # Stripe (secret, publishable, restricted; live and test), Google, GitLab,
            # Hugging Face and npm tokens: each prefix is documented by its issuer.
            Pattern("stripe_key", r"(?<![A-Za-z0-9])[spr]k_(?:live|test)_[A-Za-z0-9]{16,}", 0.9),
            Pattern("google_api_key", r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_\-]{35}", 0.9),
            Pattern("gitlab_token", r"(?<![A-Za-z0-9])glpat-[A-Za-z0-9_\-]{20,}", 0.9),
            Pattern("huggingface_token", r"(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}", 0.9),
            Pattern("npm_token", r"(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}", 0.9),
            # AWS temporary (STS) access key ids; the secret key is known by its context.
            Pattern("aws_temp_key", r"(?<![A-Z0-9])ASIA[0-9A-Z]{16}(?![A-Z0-9])", 0.9),
            Pattern(
                "aws_secret_key",
                r"(?<=[:=\s\"'>])(?<=(?:secret[_ -]?(?:access[_ -]?)?key|aws[_ -]?secret)[\"']?"
                r"(?:\s*(?:is|[:=]|=>)\s*|\s+)[\"']?)"
                r"(?-i:(?=[A-Za-z0-9/+]*[0-9/+])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z]))"
                r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
                0.9,
            ),
            # Slack bot / user / app / config tokens, SendGrid, Twilio API key and account
            # SIDs, Mailgun private keys, Azure storage connection strings' AccountKey.
            Pattern("slack_token", r"(?<![A-Za-z0-9])xox[abposer]-[A-Za-z0-9-]{10,}", 0.9),
            Pattern("slack_app_token", r"(?<![A-Za-z0-9])xapp-\d-[A-Za-z0-9-]{10,}", 0.9),
            Pattern(
                "sendgrid_key",
                r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}",
                0.9,
            ),
            Pattern("twilio_sid", r"(?<![A-Za-z0-9])(?:SK|AC)[0-9a-f]{32}(?![A-Za-z0-9])", 0.85),
            Pattern("mailgun_key", r"(?<![A-Za-z0-9])key-[0-9a-f]{32}(?![A-Za-z0-9])", 0.9),
            Pattern("vendor_key", _VENDOR, 0.9),
            # A Telegram bot token: the bot's numeric id, a colon, 35 characters.
            Pattern("telegram_bot", r"(?<![\d])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])", 0.9),
            Pattern("azure_account_key", r"(?<=AccountKey=)[A-Za-z0-9+/]{20,}={0,2}", 0.9),
            # The credential after an auth scheme ("Authorization: Bearer abc...").
            Pattern("auth_scheme", rf"(?<=\b(?:bearer|basic|token)\s+){_TOKEN}", 0.8),
            # key = value assignments ("api_key: abc...", "secret_key=...").
            Pattern(
                "key_assignment",
                rf"(?<=[:=\s\"'])(?<={_KEY_NAME}[\"']?\s*[:=]\s*[\"']?){_TOKEN}",
                0.7,
            ),
            # A lower-case *_key field ("amap_key": "...") holds a key only when its value
            # looks like one: 20+ letters and digits with a digit (primary_key = user_id stays).
            Pattern(
                "key_field_value",
                r"(?<=_key[\"']?\s*[:=]\s*[\"']?)(?=[A-Za-z]*\d)[A-Za-z0-9]{20,}(?![\w-])",
                0.7,
            ),
        ],
        global_regex_flags=regex.IGNORECASE | regex.ASCII,
    )
    jwt = PatternRecognizer(
        supported_entity="JWT",
        name="JwtRecognizer",
        supported_language=language,
        patterns=[
            Pattern(
                "jwt",
                r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
                0.95,
            )
        ],
        global_regex_flags=regex.ASCII,
    )
    return [api_key, jwt]
