"""Name shapes of issue 19's third round: lower-case titles, verbs in any tense, given
names that are everyday words next to a verb, surname-first Latin names, romanized
Russian names, Turkish and Polish letters, Latin names inside Chinese text, Chinese
titles (王总), 问 / 叫 before a name, 小王 / 老张, names jieba knows as words (苏醒, 金星)
doing something; and the look-alikes in the same positions that must stay. The
sentences are in none of the benchmark corpora."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("thanks mrs. kowalski, the parcel came", ["kowalski"]),
        ("i asked fernando about the refund", ["fernando"]),
        ("we are still waiting on Beatriz for the numbers", ["Beatriz"]),
        ("Grace said the figures are final", ["Grace"]),
        ("my niece Hope starts school in september", ["Hope"]),
        ("Le Thi Hoa runs the Danang warehouse", ["Le Thi Hoa"]),
        ("the refund goes to Kemal Yıldız", ["Yıldız"]),
        ("请Paolo明天回个电话", ["Paolo"]),
        ("Ibrahim Musa texted me the tracking number", ["Ibrahim Musa"]),
        ("yekaterina wants the keys back", ["yekaterina"]),
        ("The invoice for Anastasia Kuznetsova is ready", ["Kuznetsova"]),
        ("刚才钱总打电话来了", ["钱总"]),
        ("你问邱峰要一下密码", ["邱峰"]),
        ("叫谢婷婷下来拿快递", ["谢婷婷"]),
        ("给老周打个电话", ["老周"]),
        ("金星说他周五请假", ["金星"]),
        ("林立的电脑坏了", ["林立"]),
        ("施小川负责这个客户", ["施小川"]),
        ("跟建军说一下明天的安排", ["建军"]),
    ],
)
def test_name_shape_is_redacted(redactor: Redactor, text: str, names: list[str]) -> None:
    out = redactor.redact(text).text
    assert all(name not in out for name in names), out
    assert "<PERSON_1>" in out


@pytest.mark.parametrize(
    "text",
    [
        "the June release is late",
        "Will it rain on friday?",
        "hope this helps, grace period ends soon",
        "I have been using Spring Boot with Kotlin",
        "ask Datadog support about the alert",
        "用Aurora跑一下数据迁移",
        "the job is waiting for Ray workers to start",
        "周总结写完了吗",
        "给老板发个邮件",
        "两小时以后再说",
        "老师把作业发群里了",
        "陈列柜需要重新布置",
        "朱红色的封面好看",
        "东方明珠几点关门",
        "金融的风险要控制",
    ],
)
def test_look_alike_in_name_position_is_kept(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert result.text == text, [(e.type, text[e.start : e.end]) for e in result.entities]
