"""Look-alikes that must come out of the Redactor unchanged (issue 19, precision).

Product and tech names, version strings, order numbers, durations, amounts, and
everyday Chinese words that start with a surname character. No regression allowed: a
change that redacts any of them fails here, so the list only grows.
"""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor

DECOYS = [
    # products
    "Is the Nintendo Switch OLED worth it?",
    "My Roomba j7 keeps getting stuck under the sofa.",
    "Compare the Kindle Paperwhite and the Pixel 8 for me.",
    "The Dyson V15 and the Galaxy S23 Ultra are on sale.",
    "华为MatePad的屏幕有问题",
    "戴森吹风机坏了，能修吗？",
    "小米手环8和苹果手表哪个好？",
    "方太油烟机多少钱？",
    "石头扫地机器人找不到充电座",
    # tech
    "Our Kafka consumer lags behind.",
    "Upgrade Node.js before the Logstash pipeline runs.",
    "RabbitMQ drops messages when Celery restarts.",
    "Jenkins, Terraform and Ansible run the deploy.",
    "Cassandra and ClickHouse both store the events.",
    "Jupyter notebooks talk to Redis.",
    # versions, order numbers, durations, amounts
    "Version 3.11.4 fixed it, v2.3.1-rc1 did not.",
    "Order 784512369 and ticket JIRA-4521 are related.",
    "订单号2023110512345678还没发货",
    "The job takes 45 minutes, sometimes 3.5 hours.",
    "退款¥3,280，运费45元，一共等了2天。",
    "It cost $1,299.00, or €89.99 per month.",
    "reference INC1234567 and A1234-5678",
    # everyday Chinese words starting with a surname character
    "请把白名单和黑名单都加到配置里",
    "今天很高兴，明天周末",
    "这样很方便，也很安全",
    "黄金价格和金额都涨了",
    "马上把程序发给我",
    "王国里的雷达和龙头",
    "于是我们去了欧洲",
    "常见问题在文档的第三章节",
    "宋体和毛巾有什么区别？",
    "张开嘴，温度正常",
    "司机说全部包装好了",
    "江湖上的钱包",
    "上官网查一下任务",
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoy_is_left_unchanged(redactor: Redactor, text: str) -> None:
    result = redactor.redact(text)
    assert result.text == text, [(e.type, text[e.start : e.end]) for e in result.entities]
