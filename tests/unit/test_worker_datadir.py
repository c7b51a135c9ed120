"""Each running worker process gets a table directory of its own, and a restarted one gets its old one."""

from __future__ import annotations

from iprx.kernel.config import load_settings
from iprx.pipeline.services import claim_datadir


def test_running_workers_get_distinct_slots_and_a_freed_slot_is_taken_again(tmp_path):
    settings = load_settings(env={"IPRX_DATA_DIR": str(tmp_path), "IPRX_WORKER_GROUP_ID": "g 1"})
    first, first_lock = claim_datadir(settings)
    second, second_lock = claim_datadir(settings)
    assert (first, second) == ("worker-tables/g_1/0", "worker-tables/g_1/1")
    first_lock.close()  # the first worker ends: its slot, and the tables in it, go to the next start
    again, again_lock = claim_datadir(settings)
    assert again == "worker-tables/g_1/0"
    other = load_settings(env={"IPRX_DATA_DIR": str(tmp_path), "IPRX_WORKER_GROUP_ID": "g2"})
    elsewhere, elsewhere_lock = claim_datadir(other)  # another group never opens these tables
    assert elsewhere == "worker-tables/g2/0"
    for lock in (second_lock, again_lock, elsewhere_lock):
        lock.close()
