"""Issue 19, sixth round: messenger ids a few words after the messenger or in its table
column, passports and SSNs a few words after their word, and more street-level address
shapes (Turkish, number after the street, PO boxes, plots, Chinese compounds). Sentences
of our own, each kind with look-alikes that must stay, through the real Redactor."""

from __future__ import annotations

import pytest
from scoring import found

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("她加我微信的时候，我发了 lin_xiaoyu99 给她", "IM_ACCOUNT", "lin_xiaoyu99"),
        ("the QQ group owner kicked 48213907 yesterday", "IM_ACCOUNT", "48213907"),
        ("his Skype is live:.cid.3f9a1c7e2b", "IM_ACCOUNT", "live:.cid.3f9a1c7e2b"),
        ("add me on skype, it's live:marta.k.88", "IM_ACCOUNT", "live:marta.k.88"),
        ("chat log from wxid_k2p9x7m4q1 at 10:02", "IM_ACCOUNT", "wxid_k2p9x7m4q1"),
        (
            "| # | nick | Discord |\n|---|---|---|\n| 1 | 风 | sable.wind.42 |",
            "IM_ACCOUNT",
            "sable.wind.42",
        ),
        ("my Kenyan passport expired, old number AK2093847, help", "PASSPORT", "AK2093847"),
        ("passport? not that one, mine is 512093847", "PASSPORT", "512093847"),
        ('the form: "Passport no. (South Africa)": M00438291', "PASSPORT", "M00438291"),
        ("my SSN, no dashes, is 412789034", "US_SSN", "412789034"),
        ("阿里云的AccessKey是LTAI5tQx8RmZk2WfPv7N，泄露了", "API_KEY", "LTAI5tQx8RmZk2WfPv7N"),
        (
            '{"baidu_map_key": "7c1e0f9a3b2d4e6f8a0b1c2d3e4f5a6b"}',
            "API_KEY",
            "7c1e0f9a3b2d4e6f8a0b1c2d3e4f5a6b",
        ),
        (
            "adresim Atatürk Caddesi No: 18 D: 4, Çankaya 06690 Ankara",
            "LOCATION",
            "Atatürk Caddesi No: 18 D: 4, Çankaya 06690 Ankara",
        ),
        (
            "send it to Herzl St 21, Apt 4, Haifa 3303921 please",
            "LOCATION",
            "Herzl St 21, Apt 4, Haifa 3303921",
        ),
        ("mail goes to PO Box 7781, Windhoek", "LOCATION", "PO Box 7781, Windhoek"),
        ("we live at Plot 442, Block 3, Lusaka", "LOCATION", "Plot 442, Block 3, Lusaka"),
        (
            "地址是上海市闵行区春申花园二期15号楼2单元601",
            "LOCATION",
            "上海市闵行区春申花园二期15号楼2单元601",
        ),
    ],
)
def test_round6_shapes_are_found(redactor: Redactor, text: str, entity: str, value: str) -> None:
    hits = found(redactor, text)
    assert any(t == entity and value in v for t, v in hits), hits
    assert value not in redactor.redact(text).text


@pytest.mark.parametrize(
    "text",
    [
        "微信支付 v3 接口文档在哪",
        "微信版本 8.0.47 更新了什么",
        "QQ群有50000人，QQ会员15元一个月",
        "Skype for Business is retired",
        "live:true in the config means streaming",
        "| # | 昵称 | Discord |\n|---|---|---|\n| 1 | 风 | yes |",
        "passport renewal takes 6 weeks, order number 471903265",
        "passport photos cost 15 dollars, order number 48213907",
        "SSN format is 3-2-4 digits, 9 in total",
        "sort_key = created_at_then_identifier_desc",
        "the foreign_key: customer_id references customers",
        "No: 5 in the list, Caddesi is Turkish for street",
        "Main St 5 is a sample row in the tutorial",
        "the PO Box option is unavailable",
        "plot 3 shows the loss curve",
        "这栋楼有15层，3号楼在装修",
    ],
)
def test_round6_look_alikes_stay(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).text == text, found(redactor, text)
