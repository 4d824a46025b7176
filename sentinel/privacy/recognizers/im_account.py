"""Messenger ids in context: WeChat, QQ, LINE, Discord, Telegram, Slack, KakaoTalk, and
account names in logs and forms (user=zhangwei, "username": "li.na").

A WeChat id (6-20 characters, a letter first; five with a digit, as older or mistyped ids
are written) is an ordinary word out of context and a
QQ number is just digits, so both count only right after 微信 / WeChat / vx / QQ. In
English, "WeChat" must be followed by a separator or "id", so "WeChat support" stays.
The other messengers' handles count after the messenger's name ("LINE id: mika_0312",
"my discord is shadowfox#4412", "telegram @ivan_petrov", "kakao: minji.k") or, for an
@handle, after a verb of messaging ("ping @dana.k on slack", "dm @raj"). An @ inside an
e-mail address, a code decorator (@Override, @app.get), an npm scope (@types/node) or a
handle right after a dot or a path character is never one.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from sentinel.privacy.recognizers.gate import WordGate

GATE = WordGate(
    (
        "微信",
        "wechat",
        "weixin",
        "vx",
        "qq",
        "v信",
        "line id",
        "lineid",
        "discord",
        "telegram",
        "slack",
        "kakao",
        "카톡",
        "skype",
        "viber",
        "whatsapp",
        "user=",
        "username",
        "user_name",
        "user name",
        "login_name",
        "login name",
        "login=",
        "uid=",
        "account=",
        "handle",
        "nick",
        "t.me/",
        "wa.me/",
    ),
    r"LINE|Line|Signal|[Tt][Gg]\b|@(?<![\w.]@)[A-Za-z]",
)

_END = r"(?![A-Za-z0-9_-])"
# "line" and "signal" are words: as messengers they are capitalized or carry "id".
_MESSENGER = (
    r"(?:(?-i:LINE|Line|Signal)|line\s*id|discord|telegram|(?<![A-Za-z])tg|kakao(?:\s*talk)?|"
    r"카톡|slack|skype|viber|whatsapp)"
)
_SEP = r"\s*(?:is|[:：是为為]|-)?\s*"
_ID_WORD = r"(?:id|user(?:name)?|handle|account|账号|帳號|号|號)"
# After "<messenger> id:" any handle; after the messenger alone one with a digit, _ or .
# or an @ in front, so "on LINE today" and "slack is down" stay.
# Each starts with a one-character look-behind, which fails fast inside words, so the
# long one runs at few positions.
_AFTER_ID = (
    rf"(?<=[\s:：是为為\-\"'])(?<=(?<![A-Za-z]){_MESSENGER}\s*{_ID_WORD}\s*(?:is|[:：是为為]|-)\s*)"
)
_AFTER_MESSENGER = rf"(?<=[\s:：是为為\-\"'])(?<=(?<![A-Za-z]){_MESSENGER}(?:\s*{_ID_WORD})?{_SEP})"
# A new-style Discord / Slack / Telegram / LINE name: letters, digits, _ . - (not at ends),
# optionally with Discord's legacy #1234.
_HANDLE = r"[A-Za-z][A-Za-z0-9_.-]{0,30}[A-Za-z0-9_](?:#\d{4}(?!\d))?"
# Not followed by what makes it an e-mail, a path, a package scope or a call.
_NOT_CODE = r"(?![A-Za-z0-9_]|@|/|\(|\.[A-Za-z])"
_VERB = (
    r"(?:ping|pinging|pinged|dm|dms|message|messaged|msg|tag|tagged|mention|mentioned|"
    r"cc|ask|asked|tell|told|thank|thanks|add|added|contact|reach|text|texted|follow|find|"
    r"to|with|from|by|me|hi|hey|联系|加|找|问)"
)

# user= / uid= in key=value logs, username: in forms and JSON; never a service account.
_SERVICE = (
    r"(?:root|admin|administrator|guest|system|test|user|null|none|nobody|anonymous|ubuntu|"
    r"postgres|www-data|deploy|jenkins|git|ec2-user|service|default|unknown|bot|api|app)"
)
_LOG_USER = (
    r"(?<=[=:：\s\"'])(?<=(?<![A-Za-z])(?:user(?:name)?|uid|login|account)=[\"']?"
    r"|(?<![A-Za-z])(?:user[_ ]?name|login[_ ]?name|handle|nick(?:name)?)[\"']?\s*[:：]\s*[\"']?)"
    rf"(?!{_SERVICE}(?![A-Za-z0-9_.-]))"
)
# After a messenger's name, a version (Slack v4.33) or an API word (Discord bot_token,
# slack webhook_url) is no handle.
_CODE_WORD = r"(?i:bot|api|webhook|app|sdk|token|client|server|channel|oauth|py|js)[_.-]"
# What follows a mention that addresses someone (never a decorator's next line).
_ADDRESSED = r"(?:can|could|would|pls|please|plz|thanks|thx|ty|are|did|do|have|any|when)"


def im_account_recognizer(language: str) -> PatternRecognizer:
    """One recognizer whose patterns are a table, one entry a messenger and its context:
    long because the table is, and kept whole so each entry's score and guard read side
    by side."""
    return PatternRecognizer(
        supported_entity="IM_ACCOUNT",
        name="ImAccountRecognizer",
        supported_language=language,
        patterns=[
            Pattern(
                "wechat_zh",
                r"(?<=(?:微信|v信)(?:号|id|账号)?\s*(?:是|为|[:：])?\s*"
                r"|(?<![A-Za-z])vx号?(?:\s*[:：是]\s*|\s+))"
                r"(?:[A-Za-z][A-Za-z0-9_-]{5,19}|(?=[A-Za-z_-]*\d)[A-Za-z][A-Za-z0-9_-]{4})" + _END,
                0.8,
            ),
            Pattern(
                "wechat_en",
                r"(?<=\b(?:wechat|weixin)(?:\s*(?:id|:)|\s+is)\s*:?\s*)"
                r"[A-Za-z][A-Za-z0-9_-]{5,19}" + _END,
                0.8,
            ),
            Pattern(
                "qq",
                r"(?<=\bqq\s*(?:号码|号|id|number|no\.?)?\s*(?:是|为|is|[:：])?\s*)"
                r"[1-9]\d{4,10}(?!\d)",
                0.8,
            ),
            # Discord's legacy name#1234 after "discord" on the same line.
            Pattern(
                "discord_tag",
                r"(?<![\w#@/])[A-Za-z][\w.]{1,31}#\d{4}(?!\d)(?<=discord[^\n]{0,120})",
                0.8,
            ),
            Pattern("messenger_id", _AFTER_ID + r"@?" + _HANDLE + _NOT_CODE, 0.8),
            Pattern(
                "messenger_handle",
                _AFTER_MESSENGER
                + r"(?:@|(?=[A-Za-z0-9_.-]*[0-9_.])(?![vV]\d)(?!"
                + _CODE_WORD
                + r"))"
                + _HANDLE
                + _NOT_CODE,
                0.8,
            ),
            # Profile links: t.me/<name>, line.me/ti/p/~<id>, wa.me/<number>.
            Pattern(
                "messenger_link",
                r"(?<![\w.])(?=[tlw])(?:t\.me/|telegram\.me/|line\.me/ti/p/~?|wa\.me/\+?)[A-Za-z0-9_.-]{3,40}",
                0.8,
            ),
            # An account name in a log line or a form (user=zhangwei, "username": "li.na").
            Pattern("log_username", _LOG_USER + r"@?" + _HANDLE + _NOT_CODE, 0.7),
            # @handle after a messaging verb, before "on slack", or addressed ("@dana, can").
            Pattern(
                "at_handle",
                rf"@(?<=(?<![A-Za-z]){_VERB}\s+@|[（(]\s*@){_HANDLE}{_NOT_CODE}"
                rf"|(?<![\w@./])@{_HANDLE}{_NOT_CODE}(?=\s+(?:on|in|at|via|over)\s+{_MESSENGER})"
                rf"|(?<![\w@./])@{_HANDLE}(?=[,:]?\s+{_ADDRESSED}\b|,)",
                0.75,
            ),
        ],
        global_regex_flags=regex.IGNORECASE | regex.ASCII,
    )
