"""`iprx status` without a broker: the silent-publisher logic, the bounded windows, the JSON shape and the screen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from iprx.cli.status import ago, parse_duration, render, to_json
from iprx.kernel.kafka_admin import lag_of
from iprx.pipeline.status import (
    Bounds,
    DeadLetters,
    GroupLag,
    LastSignal,
    Status,
    TopicStatus,
    capped_starts,
    newest_per_rule,
    publisher_activity,
)
from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata
from rich.console import Console

NOW = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def test_a_publisher_is_silent_only_once_its_newest_record_is_older_than_the_threshold():
    seen = {
        "CN/GOV/GACC/seizures": (NOW - timedelta(minutes=3), ["t.seizure"]),
        "CN/GOV/MIIT/procurement": (NOW - DAY, ["t.procurement"]),  # exactly at the threshold: not yet
        "CN/GOV/NCAC/inspections": (NOW - DAY - timedelta(seconds=1), ["t.inspection", "t.inspection", "t.a"]),
    }
    activity = publisher_activity(seen, NOW, DAY)
    assert [(a.publisher, a.silent) for a in activity] == [
        ("CN/GOV/NCAC/inspections", True),  # silent ones first
        ("CN/GOV/GACC/seizures", False),
        ("CN/GOV/MIIT/procurement", False),
    ]
    assert activity[0].topics == ("t.a", "t.inspection")
    assert activity[0].last_record_at == NOW - DAY - timedelta(seconds=1)
    assert [a.silent for a in publisher_activity(seen, NOW, timedelta(minutes=2))] == [True, True, True]


def test_a_members_own_cadence_from_the_registry_decides_when_it_is_silent():
    seen = {
        "CN/GOV/GACC/seizures": (NOW - timedelta(hours=2), ["t.seizure"]),  # expected every hour: silent
        "CN/PROV/440000/copyright": (NOW - timedelta(days=3), ["t.inspection"]),  # expected weekly: fine
        "XX/GOV/OTHER/x": (NOW - timedelta(hours=2), ["t.seizure"]),  # not a member: the default threshold
    }
    cadences = {"CN/GOV/GACC/seizures": timedelta(hours=1), "CN/PROV/440000/copyright": timedelta(days=7)}
    activity = {a.publisher: (a.silent, a.silent_after) for a in publisher_activity(seen, NOW, DAY, cadences)}
    assert activity == {
        "CN/GOV/GACC/seizures": (True, timedelta(hours=1)),
        "CN/PROV/440000/copyright": (False, timedelta(days=7)),
        "XX/GOV/OTHER/x": (False, DAY),
    }


def signal(rule: str, minutes_ago: int, severity: str = "LOW", subject: str = "s") -> LastSignal:
    at = NOW - timedelta(minutes=minutes_ago)
    return LastSignal(rule, at, at - DAY, severity, "ENTERPRISE", subject)


def test_the_newest_signal_of_each_rule_is_kept_whatever_the_reading_order():
    newest = newest_per_rule(
        [signal("b.rule", 5, subject="b1"), signal("a.rule", 1, "HIGH", "a2"), signal("a.rule", 9, subject="a1")]
    )
    assert [(s.rule_id, s.subject_id, s.severity) for s in newest] == [
        ("a.rule", "a2", "HIGH"),
        ("b.rule", "b1", "LOW"),
    ]


def tp(p: int) -> TopicPartition:
    return TopicPartition("t.deadletter", p)


def test_the_dead_letter_cap_is_shared_by_the_partitions_and_keeps_the_newest():
    since = {tp(0): 100, tp(1): 0, tp(2): 50}
    ends = {tp(0): 110, tp(1): 1_000, tp(2): 50}
    # 34, 33 and 33 of the 100; partition 0 holds only 10 of the window, partition 2 none
    assert capped_starts(since, ends, 100) == ({tp(0): 100, tp(1): 967, tp(2): 50}, True)
    assert capped_starts(since, ends, 2) == ({tp(0): 109, tp(1): 999, tp(2): 50}, True)  # never more than asked
    assert capped_starts(since, ends, 3_000) == (since, False)  # all of them fit: nothing cut


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("30m", timedelta(minutes=30)), ("24h", DAY), ("2d", 2 * DAY),
     ("1.5", timedelta(minutes=90))],
)  # fmt: skip
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "-1h", "0", "3w"])
def test_not_durations(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_ages_are_rounded_down_to_two_units():
    assert [ago(NOW, NOW - d) for d in (timedelta(seconds=42), timedelta(minutes=5, seconds=59))] == ["42s", "5m"]
    assert ago(NOW, NOW - timedelta(hours=3, minutes=20, seconds=5)) == "3h 20m"
    assert [ago(NOW, NOW - d) for d in (DAY, DAY + timedelta(hours=4, minutes=30))] == ["1d", "1d 4h"]
    assert ago(NOW, NOW + timedelta(seconds=5)) == "0s"  # a clock ahead of ours is not a negative age


def a_status() -> Status:
    seizure_time = datetime(2026, 6, 30, 8, 15, tzinfo=UTC)
    return Status(
        taken_at=NOW,
        bootstrap="127.0.0.1:19092",
        answer_ms=3.4,
        bounds=Bounds(silent_after=timedelta(hours=1), dead_letter_cap=5),
        topics=(
            TopicStatus("t.seizure", "seizure", True, True, (4, 0, 3), 90, seizure_time),
            TopicStatus("t.procurement", "procurement", False, True),
            TopicStatus("t.signals", "signals", True, False, (2, 2, 2)),
        ),
        groups=(
            GroupLag("g-worker", {"t.seizure": (1, 0, 2), "t.rekey": (0,)}, True),
            GroupLag("g-sink", {}, False, "CoordinatorNotAvailableError: no coordinator"),
        ),
        dead_letters=DeadLetters(NOW - DAY, {"check.code": 4, "decode.bad_magic": 1}, 6, True, undecodable=1),
        signals=(signal("seizure.significant", 2, "CRITICAL", "914403001922038216"),),
        signals_read=6,
        publishers=publisher_activity(
            {"CN/GOV/OLD/x": (NOW - timedelta(hours=2), ["t.seizure"]), "CN/GOV/GACC/seizures": (NOW, ["t.seizure"])},
            NOW,
            timedelta(hours=1),
        ),
        incomplete=("signals",),
    )


def test_the_json_document_holds_every_figure_in_plain_types():
    document = json.loads(json.dumps(to_json(a_status())))
    assert document["broker"] == {"bootstrap_servers": "127.0.0.1:19092", "reachable": True, "answer_ms": 3.4}
    seizure, procurement, signals = document["topics"]
    assert seizure == {
        "name": "t.seizure",
        "logical": "seizure",
        "exists": True,
        "worker_input": True,
        "partitions": 3,
        "end_offsets": [4, 0, 3],
        "end_offset": 7,
        "appended_last_minute": 90,
        "rate_per_s": 1.5,
        "latest_event_time": "2026-06-30T08:15:00+00:00",
    }
    assert (procurement["exists"], procurement["partitions"], procurement["rate_per_s"]) == (False, 0, None)
    assert signals["rate_per_s"] is None and signals["appended_last_minute"] is None
    assert document["missing_topics"] == ["t.procurement"]
    worker, sink = document["groups"]
    assert worker == {
        "group": "g-worker",
        "committed": True,
        "lag": 3,
        "topics": {"t.seizure": {"lag": 3, "partitions": [1, 0, 2]}, "t.rekey": {"lag": 0, "partitions": [0]}},
        "error": None,
    }
    assert sink["error"].startswith("CoordinatorNotAvailableError")
    assert document["dead_letters"] == {
        "since": "2026-12-01T07:00:00+00:00",
        "read": 6,
        "capped": True,
        "undecodable": 1,
        "complete": True,
        "by_reason": {"check.code": 4, "decode.bad_magic": 1},
    }
    assert document["signals"]["read"] == 6
    assert document["signals"]["last_per_rule"] == [
        {
            "rule_id": "seizure.significant",
            "raised_at": "2026-12-02T06:58:00+00:00",
            "occurred_at": "2026-12-01T06:58:00+00:00",
            "severity": "CRITICAL",
            "subject_type": "ENTERPRISE",
            "subject_id": "914403001922038216",
        }
    ]
    assert [(p["publisher"], p["silent"]) for p in document["publishers"]] == [
        ("CN/GOV/OLD/x", True),
        ("CN/GOV/GACC/seizures", False),
    ]
    assert document["bounds"]["silent_after_s"] == 3600 and document["bounds"]["dead_letter_cap"] == 5
    assert document["incomplete"] == ["signals"]


def screen(status: Status, width: int = 140) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(render(status))
    return console.export_text()


def test_the_screen_shows_every_part():
    text = screen(a_status())
    assert "broker 127.0.0.1:19092 answered in 3 ms" in text
    assert "missing topics: t.procurement" in text
    seizure_row = next(line for line in text.splitlines() if line.strip().startswith("t.seizure "))
    assert seizure_row.split()[1:6] == ["3", "7", "1.50", "2026-06-30", "08:15:00Z"]
    assert "t.seizure 3" in text and "CoordinatorNotAvailableError" in text  # worker behind on; sink unknown
    reasons = {
        line.split()[0]: line.split()[1] for line in text.splitlines() if line.strip().startswith(("check.", "decode."))
    }
    assert reasons == {"check.code": "4", "decode.bad_magic": "1"}
    assert "(undecodable)" in text and "capped: only the newest 5" in text
    assert "seizure.significant" in text and "CRITICAL" in text and "(2m ago)" in text
    silent = next(line for line in text.splitlines() if "CN/GOV/OLD/x" in line)
    assert "SILENT" in silent and "(2h ago)" in silent
    assert "SILENT" not in next(line for line in text.splitlines() if "CN/GOV/GACC/seizures" in line)
    assert "not read to the end within 3 s: signals" in text


def test_long_topic_names_are_never_cut_on_a_narrow_terminal():
    status = a_status()
    long_name = "exchange-production-2026." + "cooperation.outbound"
    topic = TopicStatus(long_name, "cooperation.outbound", True, False, (1,))
    narrow = screen(Status(**{**vars(status), "topics": (topic,)}), width=60)
    assert long_name in narrow  # on one line: the other columns fold instead


def test_lag_counts_from_the_commit_or_from_the_start_when_there_is_none():
    committed = {tp(0): OffsetAndMetadata(7, "", -1), tp(1): OffsetAndMetadata(-1, "", -1)}
    starts = {tp(0): 0, tp(1): 3, tp(2): 5}
    ends = {tp(0): 10, tp(1): 4, tp(2): 5}
    assert lag_of(committed, starts, ends) == {tp(0): 3, tp(1): 1, tp(2): 0}
