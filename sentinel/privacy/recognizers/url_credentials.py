"""URLs that carry credentials: userinfo (scheme://user:password@host/...) or a token.

Plain URLs are not personal data and are useful when debugging, so only URLs with a
userinfo part, or with a query / fragment parameter that is a credential (token, code,
key, sig, pwd, X-Amz-Signature, access_token ...) or an e-mail address, are redacted,
and then whole: the user name is often an e-mail or a person, the host tells which
database the password opens, and a signed or magic link opens the account or the file
to whoever holds it. The parameter's value must look like a secret (8+ characters with a
digit, or 16+), so `?retry=3` and `?code=utf8` stay.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"://[^\s/]*@|://\S*?[?#&][^\s=]*=")

_URL = (
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:[^\s/@]+@[A-Za-z0-9.-]+"
    r"(?::\d+)?(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9/=_-])?"
)
_SECRET_PARAM = (
    r"(?:access_?token|id_?token|refresh_?token|auth_?token|token|auth|code|otp|key|api_?key|"
    r"apikey|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|"
    r"x-goog-signature|x-goog-credential|pwd|password|passwd|pass|secret|client_secret|"
    r"session_?id|sessionid|sid|ticket|t|hash|magic)"
)
# 8+ characters holding a digit and a letter, or 16+ of any token characters; a JWT is
# left to the JWT recognizer, which masks the secret and keeps the plain link readable.
_SECRET_VALUE = (
    r"(?!eyJ)(?:(?=[\w.%~-]{0,200}\d)(?=[\w.%~-]{0,200}[A-Za-z])[\w.%~-]{8,}|[\w.%~-]{16,})"
)
_EMAIL_VALUE = r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+"
_TOKEN_URL = (
    r"(?<![A-Za-z0-9+.-])https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9\-._~:/!$'()*+,;%]*)?"
    r"[?#](?:[A-Za-z0-9\-._~!$'()*+,%/]*(?:=[^\s&#]*)?&)*?"
    rf"(?:{_SECRET_PARAM}={_SECRET_VALUE}|(?:email|e|user|login)={_EMAIL_VALUE})(?![\w%])"
    r"(?:[&#][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9/=_-])?"
)


def url_credentials_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="URL",
        name="UrlWithCredentialsRecognizer",
        supported_language=language,
        patterns=[
            Pattern("url_with_credentials", _URL, 0.9),
            Pattern("url_with_token", _TOKEN_URL, 0.85),
        ],
        global_regex_flags=regex.ASCII | regex.IGNORECASE,
    )
