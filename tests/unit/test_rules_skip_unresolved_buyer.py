"""Procurement rules keyed by the buyer skip a release whose buyer is unresolved, and count it."""

import pytest
from iprx.stream_processors.metrics import RULE_SKIPS
from iprx.stream_processors.rules import hardware_os_not_preloaded, licence_shortfall

from tests.unit.rule_harness import RULEBOOK, at, award, computer_item, licence_item


def skipped(rule_id: str) -> float:
    return RULE_SKIPS.labels(rule_id, "buyer_unresolved")._value.get()


@pytest.mark.parametrize(
    ("module", "item"),
    [(licence_shortfall, licence_item(10)), (hardware_os_not_preloaded, computer_item(10))],
)
def test_an_unresolved_buyer_is_skipped_and_counted(module, item):
    params = RULEBOOK.rule(module.RULE.rule_id).params
    before = skipped(module.RULE.rule_id)
    assert module.keys(award("a", at(0), item, buyer_id=""), params) == ()
    assert skipped(module.RULE.rule_id) == before + 1
    assert module.keys(award("b", at(0), item), params) == ("11100000000013127W",)
    assert skipped(module.RULE.rule_id) == before + 1
