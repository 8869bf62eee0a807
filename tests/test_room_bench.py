"""The room's benchmark runs on a small room, and its lost answers are counted from the store."""
from reintegra import bench
from reintegra.bench_room import lost_answers, simulate
from reintegra.workshop.store import RoomStore


def test_the_room_benchmark_runs_small_and_counts_lost_answers_from_the_store(tmp_path):
    assert "room" in bench.PARTS
    figures, expected = simulate(tmp_path, participants=3, speed=400, poll_s=0.2, floor_samples=3)
    assert figures["room_participants_in_view"] == 3 and figures["room_view_shows_everyone"]
    assert figures["room_failed_writes"] == 0 and figures["room_lost_answers"] == 0
    assert figures["room_writes"] >= 3 * 20  # 16 items, second thoughts, needs, referral choices each
    assert figures["room_view_polls"] >= 1 and figures["room_view_refresh_p95_ms"] > 0
    assert figures["room_store_kb"] > 0
    assert len(expected) == 3 and all(len(by_key) == 2 for by_key in expected.values())

    store = RoomStore(tmp_path)
    assert lost_answers(store, expected) == 0
    pid, by_key = next(iter(expected.items()))
    key = next(k for k in by_key if k.startswith("case-assessment|"))
    exercise, subject = key.split("|")
    item, value = next(iter(by_key[key].items()))
    store.record(pid, exercise, subject, {item: None})  # an answer goes missing: counted
    assert lost_answers(store, expected) == 1
    changed = next(i for i, v in by_key[key].items() if i != item)
    store.record(pid, exercise, subject, {changed: "not-what-was-given"})  # a changed answer: counted too
    assert lost_answers(store, expected) == 2
