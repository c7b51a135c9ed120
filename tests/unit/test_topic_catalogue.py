"""The topic catalogue is the one definition the publisher, worker, sink, admin and docs read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from iprx.kernel import topics
from iprx.kernel.config import load_settings
from iprx.kernel.kafka_admin import public_topics
from iprx.kernel.topics import Family, TopicSpec
from iprx.producers import FAMILIES
from iprx.schemas import default_catalog
from iprx.sinks.clickhouse.rows import MAPPINGS
from iprx.stream_processors.events import SCHEMAS

REPO = Path(__file__).resolve().parents[2]


def test_every_carried_schema_exists_and_lands_in_its_table() -> None:
    known = set(default_catalog().names())
    carried = {schema for t in topics.ALL for schema in t.lands}
    assert carried <= known
    assert set(MAPPINGS) == carried
    assert all(MAPPINGS[schema].table == topics.TABLES[schema] for schema in carried)


def test_a_schema_is_carried_by_one_topic_only() -> None:
    schemas = [schema for t in topics.ALL for schema in t.lands]
    assert len(schemas) == len(set(schemas))


def test_the_worker_reads_what_it_can_decode() -> None:
    assert {schema for t in topics.WORKER_INPUTS for schema in t.schemas} == set(SCHEMAS)
    assert [t.label for t in topics.WORKER_INPUTS] == ["procurement", "inspection", "seizure", "cooperation"]


def test_publishers_families_come_from_the_catalogue() -> None:
    assert set(FAMILIES) == {"procurement", "inspection", "case", "seizure", "cooperation"}
    for name, family in FAMILIES.items():
        assert family.topic is topics.FAMILY_TOPIC[name]
        assert family.schemas == dict(topics.FAMILIES[name].events)
        assert set(family.schemas.values()) <= family.topic.schemas


def test_a_family_cannot_publish_what_its_topic_does_not_carry() -> None:
    stray = Family("stray", {"x.happened": "iprx.signal.Signal"}, lambda r: "k", "k")
    with pytest.raises(ValueError, match="family stray publishes"):
        TopicSpec("t", "doc", lands={"iprx.seizure.SeizureRecorded": "seizures"}, families=(stray,))


def test_topics_are_created_as_the_catalogue_says() -> None:
    settings = load_settings(env={"IPRX_KAFKA_PARTITIONS": "4"})
    created = {t.name: t for t in public_topics(settings)}
    assert set(created) == {settings.topic(t.name) for t in topics.ALL}
    seizure = created[settings.topic(topics.SEIZURE.name)]
    assert seizure.num_partitions == 4
    assert seizure.topic_configs["retention.ms"] == "-1"
    assert seizure.topic_configs["cleanup.policy"] == "delete"


def test_topic_docs_are_generated_from_the_catalogue() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "iprx", "topics", "docs", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    doc = (REPO / "docs" / "topics.md").read_text(encoding="utf-8")
    for t in topics.ALL:
        assert f"`{t.name}`" in doc


def test_catalogue_entries_can_be_set_members() -> None:
    assert len(set(topics.ALL)) == len(topics.ALL)
    assert len(set(topics.FAMILIES.values())) == len(topics.FAMILIES)
