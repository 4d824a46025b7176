"""An outside tester's attacks on the eighth round's precision rules (issue 19): each
case is a person's data a keep-rule must not hide, written the ways users write it."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import Redactor


@pytest.mark.parametrize(
    "text",
    [
        "Reach me at 0800 555 1234 after six.",
        "Text me on 0800 555 1234 tonight.",
        "Call me on my personal 0800 555 1234 any time.",
        "0800 555 1234 is my mobile, not the office.",
        "Ring Dana on her private 0808 157 0192 instead.",
        "我的私人电话400-820-1234，别外传。",
    ],
)
def test_a_service_range_number_given_as_someones_own_line_stays_a_phone(
    redactor: Redactor, text: str
) -> None:
    found = [e for e in redactor.analyze_many([text])[0] if e.type == "PHONE_NUMBER"]
    assert found, text


@pytest.mark.parametrize(
    "text",
    [
        "Call our hotline on 0800 555 1234 for help.",
        "Me and my team answer the 0800 555 1234 support line.",
        "客服热线400-820-1234。",
    ],
)
def test_a_service_line_without_an_owner_is_still_kept(redactor: Redactor, text: str) -> None:
    assert not [e for e in redactor.analyze_many([text])[0] if e.type == "PHONE_NUMBER"]
