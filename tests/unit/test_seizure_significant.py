from datetime import UTC, datetime
from decimal import Decimal

import pytest
from iprx.stream_processors.events import Seizure
from iprx.stream_processors.rulebook import Rulebook
from iprx.stream_processors.rules import seizure_significant
from iprx.stream_processors.ruleset import RuleSet, RuleSetError, load_ruleset
from iprx.stream_processors.signals import Evidence, signal_id, to_record

RULESET = load_ruleset()
PARAMS = seizure_significant.Params.from_ruleset(RULESET)


def seizure(value: str, event_id: str = "e-1", offset: int = 7) -> Seizure:
    return Seizure(
        event_id=event_id,
        occurred_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        jurisdiction="440300",
        seizure_id="5300-2026-0000001",
        customs_office_code="5300",
        direction="EXPORT",
        hs_code="852349",
        estimated_value_cny=Decimal(value),
        quantity=100,
        exporter_id="914403001922038216",
        source=Evidence(event_id, "iprx.seizure", 2, offset),
    )


def test_shipped_ruleset_has_the_design_threshold():
    assert PARAMS.min_value_cny == Decimal("1000000")
    assert PARAMS.severity == "MEDIUM"
    assert PARAMS.ruleset_version == RULESET.version


@pytest.mark.parametrize(
    ("value", "fires"),
    [("1000000.00", True), ("999999.99", False), ("1000000.01", True), ("0", False), ("25000000", True)],
)
def test_threshold_boundary(value, fires):
    assert len(seizure_significant.evaluate(seizure(value), PARAMS)) == (1 if fires else 0)


def test_signal_carries_rule_version_evidence_and_numbers():
    [s] = seizure_significant.evaluate(seizure("2500000.00"), PARAMS)
    assert (s.rule_id, s.rule_version, s.ruleset_version) == ("seizure.significant", 1, RULESET.version)
    assert (s.category, s.severity, s.subject_type, s.subject_id) == (
        "ENFORCEMENT",
        "MEDIUM",
        "SEIZURE",
        "5300-2026-0000001",
    )
    assert s.evidence == (Evidence("e-1", "iprx.seizure", 2, 7),)
    assert s.score == 2.5
    assert "2,500,000.00 CNY" in s.reason and "1,000,000.00" in s.reason
    assert s.metrics == {"estimated_value_cny": 2_500_000.0, "threshold_cny": 1_000_000.0}


def test_outbound_defaults_when_the_section_does_not_say():
    params = seizure_significant.Params.from_ruleset(RuleSet("v", {"seizure.significant": {"min_value_cny": 1}}, "t"))
    assert (params.severity, params.outbound_handling, params.outbound_recipients) == ("MEDIUM", "AMBER", ())


def test_threshold_and_severity_come_from_the_ruleset():
    # The rulebook builds every rule, so the override sits on top of the shipped sections.
    rules = RULESET.rules | {"seizure.significant": {"min_value_cny": "500", "severity": "HIGH"}}
    ruleset = RuleSet("test-2", rules, "t.toml")
    book = Rulebook.from_ruleset(ruleset)
    [s] = book.signals(seizure("500"))
    assert (s.severity, s.ruleset_version) == ("HIGH", "test-2")
    assert book.signals(seizure("499.99")) == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"min_value_cny": "lots"},
        {"min_value_cny": "-1"},
        {"min_value_cny": "1", "severity": "HUGE"},
        {"min_value_cny": "1", "outbound_handling": "PURPLE"},
        {"min_value_cny": "1", "outbound_recipients": "US/GOV/CBP/ipr"},
        {"min_value_cny": "1", "outbound_recipients": [""]},
    ],
)
def test_bad_parameters_are_rejected(params):
    with pytest.raises(RuleSetError):
        seizure_significant.Params.from_ruleset(RuleSet("v", {"seizure.significant": params}, "bad.toml"))


def test_signal_id_is_deterministic_and_ignores_replay_position():
    [a] = seizure_significant.evaluate(seizure("2000000", offset=7), PARAMS)
    [b] = seizure_significant.evaluate(seizure("2000000", offset=9000), PARAMS)  # the same event, replayed
    [c] = seizure_significant.evaluate(seizure("2000000", event_id="e-2"), PARAMS)
    assert a.signal_id == b.signal_id != c.signal_id
    assert signal_id("r", "T", "s", ["x", "y"]) == signal_id("r", "T", "s", ["y", "x", "x"])


def test_signal_record_matches_the_avro_schema():
    from iprx.schemas import SingleObjectCodec

    [s] = seizure_significant.evaluate(seizure("3000000"), PARAMS)
    codec = SingleObjectCodec()
    _, decoded = codec.decode(codec.encode("iprx.signal.Signal", to_record(s, datetime(2026, 3, 2, tzinfo=UTC))))
    assert str(decoded["signal_id"]) == str(s.signal_id) == str(decoded["header"]["event_id"])
    assert decoded["evidence"] == [{"event_id": "e-1", "topic": "iprx.seizure", "partition": 2, "offset": 7}]


def test_ruleset_file_errors(tmp_path):
    with pytest.raises(RuleSetError, match="does not exist"):
        load_ruleset(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules]\n")
    with pytest.raises(RuleSetError, match="version"):
        load_ruleset(bad)
