from sentinel.privacy.language import detect, english_view, ner_clauses


def test_detect_per_text() -> None:
    assert detect("hello there") == {"en"}
    assert detect("你好，世界") == {"zh"}
    assert detect("帮我查一下John的订单") == {"en", "zh"}
    assert detect("13800138000 / 42") == frozenset()
    assert detect("你好", "en") == {"en"}


def test_english_view_keeps_offsets() -> None:
    text = "我是Tom Lee，在DeepSeek工作。"
    view = english_view(text)
    assert len(view) == len(text)
    assert view.split() == ["Tom", "Lee", "DeepSeek"]
    assert view[2:9] == text[2:9] == "Tom Lee"


def test_only_clauses_with_a_name_candidate_go_to_the_ner() -> None:
    view = "my email is a@b.com. Then I met Tom Lee! We use Python. The end"
    spans = ner_clauses(view, {"python", "we", "the", "then", "i"})
    assert [view[s:e].strip() for s, e in spans] == ["Then I met Tom Lee!"]
