"""The event-time clock of a rule agent: per family, held back by a family not yet seen, lifted by a
watermark; and when the wall clock may tick a partition."""

from __future__ import annotations

from datetime import timedelta

from iprx.stream_processors.eventtime import EventClock, is_live

from tests.unit.rule_harness import at

TWO = ("seizure", "cooperation")


def test_a_rule_clock_is_the_smallest_of_its_families_and_waits_for_each():
    clock = EventClock()
    clock.saw(0, "cooperation", at(200))
    assert clock.clock(0, TWO) is None  # no seizure yet: nothing may close on the notices' word
    assert clock.clock(0, ("cooperation",)) == at(200)
    clock.saw(0, "seizure", at(10))
    clock.saw(0, "seizure", at(5))  # an older event never moves a clock back
    assert clock.clock(0, TWO) == at(10)
    assert clock.clock(1, TWO) is None  # partitions are apart


def test_a_watermark_lifts_every_family_of_its_partition_but_never_lowers_one():
    clock = EventClock()
    clock.saw(0, "cooperation", at(200))
    clock.lift(0, at(100))
    assert clock.clock(0, TWO) == at(100)  # the seizures' clock is the watermark now
    clock.lift(0, at(50))
    assert clock.clock(0, TWO) == at(100)
    clock.saw(0, "seizure", at(150))
    assert clock.clock(0, TWO) == at(150)
    assert clock.clock(1, TWO) is None


def test_lowest_is_how_far_every_partition_with_a_clock_has_come():
    clock = EventClock()
    assert clock.lowest(TWO) is None
    clock.saw(0, "seizure", at(10))
    clock.saw(0, "cooperation", at(20))
    clock.lift(2, at(5))
    clock.saw(1, "seizure", at(1))  # held back: no cooperation on partition 1, so not counted
    assert clock.lowest(TWO) == at(5)


def test_newest_is_the_latest_of_any_family_or_watermark():
    clock = EventClock()
    assert clock.newest(0) is None
    clock.saw(0, "seizure", at(10))
    clock.saw(0, "cooperation", at(3))
    assert clock.newest(0) == at(10)  # live by its seizures, though the rule's clock waits for notices
    clock.lift(0, at(20))
    assert clock.newest(0) == at(20)


def test_only_a_clock_near_the_wall_clock_is_live():
    now, hour = at(100), timedelta(hours=1)
    assert is_live(now - timedelta(minutes=59), now, hour)
    assert not is_live(now - timedelta(minutes=61), now, hour)  # a backfill
    assert not is_live(None, now, hour)  # held back
    assert not is_live(now, now, timedelta(0))  # worker.live_within_s = 0: the wall clock never ticks


def test_partitions_handed_to_another_worker_are_forgotten():
    clock = EventClock()
    clock.saw(0, "seizure", at(1))
    clock.saw(1, "seizure", at(9))
    clock.lift(2, at(5))
    clock.keep_only({1})
    assert (clock.clock(0, ("seizure",)), clock.newest(2)) == (None, None)
    assert clock.lowest(("seizure",)) == at(9)  # the stale partition 0 no longer holds the figure back
