from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from iprx.kernel.checks import check_seizure
from iprx.kernel.identifiers import is_valid_uscc, uscc_check_char
from iprx.simulation.synthetic import seizures


@pytest.mark.parametrize("code", ["914403001922038216", "91440300708461136T", "91110000600037341L"])
def test_real_unified_social_credit_codes_validate(code):
    assert is_valid_uscc(code)


@pytest.mark.parametrize("code", ["914403001922038217", "91440300708461136", "9144030070846113IT", ""])
def test_wrong_check_character_length_or_alphabet_fails(code):
    assert not is_valid_uscc(code)


def test_check_character_alphabet():
    assert uscc_check_char("91110000600037341") == "L"


def test_same_seed_same_data():
    a = list(seizures(11, 50))
    b = list(seizures(11, 50))
    assert a == b
    assert a != list(seizures(12, 50))
    assert all(is_valid_uscc(r["exporter"]["id"]) for r in a)


def test_synthetic_seizures_pass_the_publisher_checks():
    for record in seizures(5, 200):
        assert check_seizure(record) == []


def test_checks_report_each_bad_field():
    record = next(seizures(5, 1))
    record["quantity"] = -1
    record["estimated_value_cny"] = Decimal("-0.01")
    record["header"]["occurred_at"] = datetime.now(UTC) + timedelta(days=1)
    record["header"]["publisher"] = "GACC"
    fields = {e.field for e in check_seizure(record)}
    assert fields == {"quantity", "estimated_value_cny", "header.occurred_at", "header.publisher"}
