"""Worker processes give the same answers as the in-process analyzer."""

from sentinel.privacy.redactor import Redactor


def test_pool_matches_in_process(redactor: Redactor) -> None:
    texts = [
        "I'm Mary Johnson, mary@example.com",
        "我是张伟，手机13800138000",
        "nothing here",
    ] * 10
    pooled = Redactor(n_process=2)
    try:
        assert pooled.redact_many(texts) == redactor.redact_many(texts)
    finally:
        pooled.close()
