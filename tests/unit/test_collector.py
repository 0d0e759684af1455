"""``advisor.collector.collector_paused``: the cyclic collector is off inside, back as it was after."""

from __future__ import annotations

import gc

import pytest

from advisor.collector import collector_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_and_restored(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError  # restored however the block ends
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_freeze_moves_what_was_built_out_of_the_collectors_sight():
    before = gc.get_freeze_count()
    kept = [[i] for i in range(1000)]
    try:
        with collector_paused(freeze=True):
            kept.append([])
        assert gc.get_freeze_count() >= before + len(kept)
    finally:
        gc.unfreeze()
