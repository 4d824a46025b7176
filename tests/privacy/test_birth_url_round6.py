"""Issue 19, sixth round: dates of birth a few words after the birth word, in a table's
birth column or written twice, and URLs whose query carries a token. Sentences of our
own (no corpus line), each kind with look-alikes that must stay, through the real
Redactor."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # words between the birth word and the date
        ("Q: What is your date of birth? A: June 5th, 1979.", ["June 5th, 1979"]),
        ("the bank wants name, DOB and address. here: Tom, 11 Jun 1990, ok", ["11 Jun 1990"]),
        ("the app asks DOB in DDMMYYYY so I typed 05061979", ["05061979"]),
        ("kid's DOB for the portal login, it's 20160312 i think", ["20160312"]),
        ('record["birth_date"] = to_date("29/02/1987")', ["29/02/1987"]),
        ("学籍表上孩子的生日被写成了2016年3月12日，应该是3月21日", ["2016年3月12日"]),
        ("我嘅出生日期係1989年7月3日", ["1989年7月3日"]),
        # a plural birth word takes every date of its window
        (
            "we need both DOBs for the form: mine 4 Mar 1981, my wife Olena 22 Sep 1983",
            ["4 Mar 1981", "22 Sep 1983"],
        ),
        # lunar and other calendars
        ("奶奶生于一九三八年正月十五，想查公历", ["一九三八年正月十五"]),
        ("my grandfather was born on Farvardin 3, 1331 in the Persian calendar", []),
        ("my aunt was born on Tishrei 14, 1948 in Haifa", ["Tishrei 14, 1948"]),
        # a birth column
        ("| name | dob | team |\n|---|---|---|\n| Ana | 1985-04-12 | ops |", ["1985-04-12"]),
        ("id,name,birthday\n7,Ana,03/11/1990\n8,Li,1992-12-01", ["03/11/1990", "1992-12-01"]),
        ("| 工号 | 出生日期 |\n|---|---|\n| 0042 | 1979.06.30 |", ["1979.06.30"]),
        # the same date written again
        ("my DOB is 12/04/1988, my passport says 1988-04-12", ["12/04/1988", "1988-04-12"]),
    ],
)
def test_birth_dates_in_context(redactor: Redactor, text: str, values: list[str]) -> None:
    hits = found(redactor, text)
    out = redactor.redact(text).text
    for value in values:
        assert ("DATE_OF_BIRTH", value) in hits, hits
        assert value not in out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # the first date after the birth word is the birth date, the next is not
        ("born 1990-02-03, start date 2025-01-06, badge 4471", "2025-01-06"),
        ("出生日期1990/03/11，事故日期2025年1月9日", "2025年1月9日"),
        ("DOB 07/07/1977, enrolled 01/09/2024 in the night class", "01/09/2024"),
        ("DOB on file; passport issued 2019-05-14 in Lyon", "2019-05-14"),
        # a birth column's neighbours
        ("| name | joined | dob |\n|---|---|---|\n| Ana | 2024-03-01 | 1985-04-12 |", "2024-03-01"),
        # no birth word at all, or too far from it
        ("the release is on 2025-03-04 and my birthday party is next week", "2025-03-04"),
        (
            "my birthday is in spring. Unrelated: the contract we signed with the landlord "
            "runs out on 2027-06-30",
            "2027-06-30",
        ),
        ("the birthday sale ends 2026-12-24", "2026-12-24"),
    ],
)
def test_other_dates_near_birth_words_stay(redactor: Redactor, text: str, kept: str) -> None:
    assert kept in redactor.redact(text).text, found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "open https://files.example.org/share/abc?sig=9f8e7d6c5b4a&exp=1700000000 to download",
        "reset link: https://accounts.shop-example.com/reset?uid=4412&token=Zq81LmPw0aRt",
        "join https://meet.example.com/room/4410?pwd=QmFzZTY0c3R1ZmY and bring notes",
        "https://app.example.com/login?email=ana.lopez%40mail.com&next=/home",
        "callback https://app.example.com/cb#access_token=eyX9kq2Lm0Pz&expires_in=3600",
        "https://bucket.s3.amazonaws.com/a.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Signature=0a1b2c3d4e5f67890a1b2c3d4e5f6789",
    ],
)
def test_urls_carrying_a_token_are_redacted_whole(redactor: Redactor, text: str) -> None:
    url = next(w for w in text.split() if "://" in w)
    assert ("URL", url) in found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "see https://api.example.com/v1/items?page=2&retry=3 for paging",
        "https://docs.example.com/guide#install explains it",
        "https://example.com/search?q=python+asyncio&code=utf8",
        "https://shop.example.com/item?id=88213&ref=newsletter",
        "the token endpoint is https://auth.example.com/oauth/token?grant_type=client",
    ],
)
def test_plain_urls_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)
