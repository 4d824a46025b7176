"""Names typed as chat, found by the words around them (issue 19): lower case, a lone
first name after a verb or before 's, foreign names, Chinese names next to 跟 / 给 / 说;
and the everyday words in the same positions that must stay (ask Siri, tell Alexa,
will, Spring Boot, 东方有). The sentences are not those of benchmarks/pii_handwritten.txt."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("we had coffee with peter jones this morning", ["peter jones"]),
        ("can you remind jessica about the deadline", ["jessica"]),
        ("my brother Tobias needs a lawyer", ["Tobias"]),
        ("Melissa's laptop is in the drawer", ["Melissa"]),
        ("did jeremy's package arrive", ["jeremy"]),
        ("Samantha said the invoice is wrong", ["Samantha"]),
        ("Please invite Giovanni Esposito to the review.", ["Giovanni Esposito"]),
        ("Nguyen Thi Lan sent the receipts.", ["Nguyen Thi Lan"]),
        ("帮我给Jessica订一张机票", ["Jessica"]),
        ("Brian的电脑又蓝屏了", ["Brian"]),
        ("麻烦跟韦涛说一声会议取消了", ["韦涛"]),
        ("令狐冲的剑法天下第一", ["令狐冲"]),
    ],
)
def test_name_in_chat_context_is_redacted(redactor: Redactor, text: str, names: list[str]) -> None:
    out = redactor.redact(text).text
    assert all(name not in out for name in names), out
    assert "<PERSON_1>" in out


@pytest.mark.parametrize(
    "text",
    [
        "ask Siri to call mom",
        "tell Alexa to play some music",
        "will you ask him to check the logs",
        "i may join later, tell her the build is green",
        "Upgrading Spring Boot from 2.7 broke the build.",
        "Is Julia faster than Python for this?",
        "My Echo Dot is acting up again.",
        "上官网和东方有什么区别？",
        "我和同事跟进一下这个问题",
        "给力，谢谢大家",
    ],
)
def test_everyday_word_in_name_context_is_kept(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert result.text == text, [(e.type, text[e.start : e.end]) for e in result.entities]


def test_compound_surname_alone_after_a_context_word_does_not_fail(redactor: Redactor) -> None:
    # 和 + 欧阳 (surname only) once raised IndexError in the compound-name check
    assert "欧阳" not in redactor.redact("我和欧阳一起去吃饭").text
