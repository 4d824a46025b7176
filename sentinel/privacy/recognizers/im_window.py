"""Handles a few words after Discord, Telegram, Skype and the like, and QQ as 扣扣.

`im_account` takes a handle right after the messenger's name ("discord: mika_04").
People also write what happens there first ("Discord mod log: kite_07 posted ...",
"Telegram bot support: user @orbit_fan22 says ...", "Skype id for the call is owl.3310",
"Discord 上 rain_fox_88 一直私信我"). Within the same sentence after the name, a handle
that ends in digits after a letter part (or a _ / . between), or any @handle, is an
account; a version (v2.1), a file (bot_v2.py), a channel (#general) or an API word
(webhook_url, bot_token), a handle right after "channel" (Slack channel growth_2024) or one
that ends in a version (profile_v2) is none; after "handle is" an ordinary word (loose,
broken) is the door's handle, so a handle there needs a handle's shape. 扣扣 (a common
spelling of QQ) takes a QQ number.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gate import WordGate
from sentinel.privacy.recognizers.im_account import _SERVICE
from sentinel.privacy.recognizers.im_context import _window
from sentinel.privacy.recognizers.rules import RuleRecognizer

ENTITY = "IM_ACCOUNT"
GATE = WordGate(
    (
        *("discord", "telegram", "skype", "slack", "kakao", "viber", "扣扣", "handle", "user"),
        *("mod ", "moderator", "member", "账号", "帳號", "用户名", "用戶名", "账户", "帳戶"),
    )
)
_MESSENGER = re.compile(r"discord|telegram|skype|slack|kakao|viber", re.IGNORECASE)
_WINDOW = 60
# letters, then _ or . parts, ending in 2+ digits (kite_07, owl.3310, rain_fox_88, ivo22).
_HANDLE = re.compile(
    r"(?<![\w@#./:-])(?:@[A-Za-z][\w.]{1,30}[A-Za-z0-9_]"
    r"|[A-Za-z][A-Za-z]*(?:[_.][A-Za-z]+)*[_.]?\d{2,6})(?![\w@/]|\.[A-Za-z]|[-(])",
    re.ASCII,
)
# A code word, a version or a platform with its number (bot_v2, api_2024, sha256, win11).
_CODE_WORD = re.compile(
    r"(?:bot|api|webhook|app|sdk|token|client|server|channel|oauth|py|js|v|version|port|"
    r"http|https|tls|utf|sha|md|x|id|win|ios|android|node|python|es|gpt|ubuntu|macos|rtx|gtx)"
    r"(?:[_.]|\d)",
    re.IGNORECASE,
)
_QQ_ALIAS = re.compile(
    r"(?<=扣扣)\s*(?:号|号码|是|[:：])?\s*([1-9]\d{4,10})(?![\d.,]|\s*(?:元|块|人|个|次))"
)


# Words after "user" that are no login ("user account logged in").
_NOT_LOGIN = (
    r"(?:account|accounts|profile|session|sessions|data|name|agent|group|groups|role|roles|"
    r"admin|login|logins|who|that|which|has|had|was|is|never|just|then|also|first|last)"
)
# An account named by its label (handle 是 @x, 账号kira_lee, 用户名: sol.w), or a handle
# with a _ or . after user / mod in a log ("all with user ren_ito", "mod sky.tran banned").
_NAMED = re.compile(
    r"(?:(?<![A-Za-z])(?:handle|user\s?name)\s*(?:is|[:：是为])\s*(?=@|[\w.-]*[\d_.])"
    r"|(?:账号|帳號|用户名|用戶名|账户|帳戶)\s*(?:是|为|為|[:：])?\s*)"
    rf"(?!{_SERVICE}(?![\w.-]))(@?[A-Za-z][A-Za-z0-9_.-]{{2,30}}[A-Za-z0-9_])(?![\w@]|\.[A-Za-z])"
    r"|(?<![A-Za-z])(?:user|mod|moderator|member)\s+"
    r"([a-z][a-z0-9]*[_.][a-z0-9]+(?:[_.][a-z0-9]+)*)(?![\w@]|\.[A-Za-z])"
    # A lower-case login without _ or . when an account's action follows it.
    rf"|(?<![A-Za-z])(?:user|mod|moderator|member|admin)\s+(?!(?:{_NOT_LOGIN}|{_SERVICE})\s)"
    r"([a-z][a-z0-9]{4,30})\s+(?:login|logged|signed|banned|kicked|muted|joined)\b",
    re.ASCII | re.IGNORECASE,
)

# A file name is no handle (user settings.py, 账号config.json).
_FILE = re.compile(
    r"\.(?:py|js|ts|json|ya?ml|txt|md|csv|log|html?|css|xml|sh|conf|cfg|ini|toml|sql|rb|go|"
    r"java|php|exe|png|jpe?g|gif|pdf|zip|gz|tar|docx?|xlsx?|pptx?)$",
    re.IGNORECASE,
)

# A channel's or room's name, and a version at the end, name no account.
_CHANNEL_BEFORE = re.compile(r"(?:channel|room|server|group|#)\s*[:：]?\s*$", re.IGNORECASE)
_VERSION_END = re.compile(r"[_.]v\d+$", re.IGNORECASE)


def _not_account(text: str, start: int, handle: str) -> bool:
    before = _CHANNEL_BEFORE.search(text, max(0, start - 12), start)
    return bool(before or _VERSION_END.search(handle) or _FILE.search(handle))


class ImWindowRecognizer(RuleRecognizer):
    """Messenger handles a few words after the messenger's name, and 扣扣 numbers."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans = [m.span(1) for m in _QQ_ALIAS.finditer(text)]
        named = ((m, next(g for g in (1, 2, 3) if m[g])) for m in _NAMED.finditer(text))
        spans += [m.span(g) for m, g in named if not _not_account(text, m.start(g), m[g])]
        end = 0
        for t in _MESSENGER.finditer(text):
            start = max(t.end(), end)  # windows that overlap are read once
            end = _window(text, t.end(), _WINDOW)
            spans += [
                m.span()
                for m in _HANDLE.finditer(text, start, end)
                if not _CODE_WORD.match(m[0].lstrip("@"))
                and not _not_account(text, m.start(), m[0])
            ]
        return [RecognizerResult(ENTITY, s, e, 0.7) for s, e in sorted(set(spans))]
