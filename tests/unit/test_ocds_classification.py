"""Which OCDS classifications are software licences and computers: the boundaries of every prefix."""

import pytest
from iprx.producers.adapters.ocds_classification import COMPUTER, SOFTWARE, classify, classify_item


@pytest.mark.parametrize(
    ("scheme", "code", "kind", "normalised"),
    [
        # CPV division 48: software packages
        ("CPV", "47999999", None, "47999999"),
        ("CPV", "48000000", SOFTWARE, "48000000"),
        ("CPV", "48620000-0", SOFTWARE, "48620000"),
        ("CPV", "48999999", SOFTWARE, "48999999"),
        ("CPV", "49000000", None, "49000000"),
        # CPV group 302: computer equipment
        ("CPV", "30100000", None, "30100000"),
        ("CPV", "30199999", None, "30199999"),
        ("CPV", "30200000", COMPUTER, "30200000"),
        ("CPV", "30200000-1", COMPUTER, "30200000"),
        ("CPV", "30213100-6", COMPUTER, "30213100"),
        ("CPV", "30299999", COMPUTER, "30299999"),
        ("CPV", "30300000", None, "30300000"),
        # UNSPSC class 4323: software; 4321: computers
        ("UNSPSC", "43229999", None, "43229999"),
        ("UNSPSC", "43230000", SOFTWARE, "43230000"),
        ("UNSPSC", "43233004", SOFTWARE, "43233004"),
        ("UNSPSC", "43239999", SOFTWARE, "43239999"),
        ("UNSPSC", "43240000", None, "43240000"),
        ("UNSPSC", "43209999", None, "43209999"),
        ("UNSPSC", "43210000", COMPUTER, "43210000"),
        ("UNSPSC", "43211503", COMPUTER, "43211503"),
        ("UNSPSC", "43219999", COMPUTER, "43219999"),
        ("UNSPSC", "43220000", None, "43220000"),
        # the scheme decides which prefixes apply: a UNSPSC 48... or a CPV 4323... is neither
        ("UNSPSC", "48000000", None, "48000000"),
        ("CPV", "43230000", None, "43230000"),
        # scheme names are case-insensitive; numeric ids are accepted
        ("cpv", "48000000", SOFTWARE, "48000000"),
        ("Unspsc", 43211500, COMPUTER, "43211500"),
    ],
)
def test_classification_table(scheme, code, kind, normalised):
    result = classify({"scheme": scheme, "id": code, "description": "d"})
    assert result.kind == kind
    assert result.code == normalised
    assert result.scheme == scheme.upper()
    assert result.valid
    assert (result.problem is None) == (kind is not None)
    if kind is None:
        assert result.problem == f"{scheme.upper()} {normalised} is neither software nor computer"


@pytest.mark.parametrize(
    ("classification", "problem"),
    [
        (None, "has no classification"),
        ({"scheme": "CPV"}, "CPV classification has no code"),
        ({"scheme": "UNSPSC", "description": "Servicios"}, "UNSPSC classification has no code"),
        ({"scheme": "CPV", "id": "4800000"}, "CPV '4800000' is not a valid CPV code"),
        ({"scheme": "CPV", "id": "45233130.0"}, "CPV '45233130.0' is not a valid CPV code"),
        ({"scheme": "UNSPSC", "id": "4323000012"}, "UNSPSC '4323000012' is not a valid UNSPSC code"),
        ({"scheme": "CPVS", "id": "48000000"}, "scheme 'CPVS' is neither CPV nor UNSPSC"),
        ({"id": "48000000"}, "classification has no scheme"),
    ],
)
def test_what_is_not_a_code_is_reported_not_guessed(classification, problem):
    result = classify(classification)
    assert result.kind is None
    assert result.problem == problem


def test_a_valid_primary_code_decides_even_against_an_additional_one():
    item = {
        "classification": {"scheme": "CPV", "id": "45000000"},
        "additionalClassifications": [{"scheme": "CPV", "id": "48000000"}],
    }
    chosen, others = classify_item(item)
    assert chosen.kind is None and chosen.code == "45000000"
    assert [c.code for c in others] == ["48000000"]


def test_an_additional_code_decides_when_the_primary_is_another_scheme():
    item = {
        "classification": {"scheme": "X-LOCAL", "id": "SW-1"},
        "additionalClassifications": [
            {"scheme": "CPV", "id": "45000000"},
            {"scheme": "UNSPSC", "id": "43211503"},
        ],
    }
    chosen, others = classify_item(item)
    assert (chosen.scheme, chosen.code, chosen.kind) == ("UNSPSC", "43211503", COMPUTER)
    assert [(c.scheme, c.code) for c in others] == [("OTHER", "SW-1"), ("CPV", "45000000")]
