"""When the relay's lease holder scans the whole outbox again (a full read on FerretDB)."""

from agora.eventsourcing.relay import CatchUpSchedule


def test_the_first_scan_is_due_at_once() -> None:
    assert CatchUpSchedule(shortest=5, longest=60).due(0.0)


def test_scans_that_find_nothing_come_less_and_less_often_up_to_the_longest_wait() -> None:
    schedule = CatchUpSchedule(shortest=5, longest=60)
    now, waits = 0.0, []
    for _ in range(6):
        schedule.scanned(now, published=0, more_waiting=False)
        wait = 0.0
        while not schedule.due(now + wait):
            wait += 1
        waits.append(wait)
        now += wait
    assert waits == [10, 20, 40, 60, 60, 60]


def test_a_scan_that_published_something_brings_the_shortest_wait_back() -> None:
    schedule = CatchUpSchedule(shortest=5, longest=60)
    for moment in (0.0, 10.0, 30.0):
        schedule.scanned(moment, published=0, more_waiting=False)
    schedule.scanned(70.0, published=3, more_waiting=False)
    assert not schedule.due(74.9)
    assert schedule.due(75.0)


def test_a_full_batch_means_scanning_again_right_away() -> None:
    schedule = CatchUpSchedule(shortest=5, longest=60)
    schedule.scanned(0.0, published=0, more_waiting=False)
    schedule.scanned(10.0, published=500, more_waiting=True)
    assert schedule.due(10.0)
