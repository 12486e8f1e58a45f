"""The scheduling rules of `decide`, without a database: examples, then random DAGs."""

from __future__ import annotations

import random
from collections.abc import Iterable

import networkx as nx
import pytest

from designer.engine import decide
from designer.engine.decide import (
    CANCELED,
    COMPLETED,
    FAILED,
    NOT_STARTED,
    QUEUED,
    RUN_MOVES,
    RUNNING,
    SKIPPED,
    STEP_MOVES,
    Dag,
    IllegalMove,
    next_wave,
    run_outcome,
    run_starts,
    skip_rest,
)
from designer.engine.events import RUN_STATUS, STEP_STATUS


def _statuses(dag: Dag, **given: str) -> dict[str, str]:
    return {node: given.get(node, NOT_STARTED) for node in dag.order}


DIAMOND = Dag.of("abcd", [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])


def test_only_the_steps_whose_upstreams_all_completed_are_ready() -> None:
    wave = next_wave(DIAMOND, _statuses(DIAMOND, a=COMPLETED, b=COMPLETED), "bcd")
    assert wave == decide.Wave(skip=(), ready=("c",))


def test_a_step_downstream_of_a_failure_is_skipped_naming_the_upstream() -> None:
    wave = next_wave(DIAMOND, _statuses(DIAMOND, a=COMPLETED, b=FAILED, c=COMPLETED), "d")
    assert wave.skip == (("d", "skipped: upstream 'b' failed"),)
    assert wave.ready == ()


def test_a_wave_ignores_steps_that_already_moved_and_duplicates() -> None:
    wave = next_wave(DIAMOND, _statuses(DIAMOND, a=QUEUED), ["a", "a", "b"])
    assert wave == decide.Wave(skip=(), ready=())


def test_without_continue_on_step_failure_every_waiting_step_is_skipped() -> None:
    dag = Dag.of("abcx", [("a", "b"), ("b", "c")])
    skips = skip_rest(dag, _statuses(dag, a=FAILED, x=RUNNING), "a")
    assert skips == [
        ("b", "skipped: upstream 'a' failed"),
        ("c", "skipped: upstream 'b' skipped"),
    ]
    lone = Dag.of("ay", [])
    assert skip_rest(lone, _statuses(lone, a=FAILED), "a") == [
        ("y", "skipped: step 'a' failed and continue_on_step_failure is off")
    ]


def test_a_run_ends_canceled_if_asked_even_when_steps_failed() -> None:
    assert run_outcome(failed=["b"], cancel_requested=True) == (CANCELED, "canceled by request")
    assert run_outcome(failed=["c", "b"], cancel_requested=False) == (
        FAILED,
        "failed steps: b, c",
    )
    assert run_outcome(failed=[], cancel_requested=False) == (COMPLETED, "")


def test_a_run_is_marked_running_only_once_one_of_its_steps_moved() -> None:
    assert not run_starts(QUEUED, [NOT_STARTED, NOT_STARTED], full=True)
    assert run_starts(QUEUED, [NOT_STARTED, QUEUED], full=True)
    assert run_starts(NOT_STARTED, [], full=False)
    assert not run_starts(RUNNING, [QUEUED], full=True)


def test_no_move_leaves_a_finished_step_or_run() -> None:
    for table in (STEP_MOVES, RUN_MOVES):
        assert set(table) == {NOT_STARTED, QUEUED, RUNNING}
        for source in decide.TERMINAL:
            with pytest.raises(IllegalMove):
                decide.move_event(table, [source], RUNNING)


def test_every_status_is_reachable_and_each_move_names_its_event() -> None:
    every = decide.ACTIVE | decide.TERMINAL
    # A run is never Skipped: only steps are.
    for table, event, ends in (
        (STEP_MOVES, STEP_STATUS, every),
        (RUN_MOVES, RUN_STATUS, every - {SKIPPED}),
    ):
        graph = nx.DiGraph([(s, t) for s, targets in table.items() for t in targets])
        assert nx.descendants(graph, NOT_STARTED) | {NOT_STARTED} == ends
        assert {e for targets in table.values() for e in targets.values()} == {event}


def test_an_illegal_move_is_refused_before_any_write() -> None:
    with pytest.raises(IllegalMove, match="Skipped"):
        decide.move_event(STEP_MOVES, [QUEUED], SKIPPED)
    with pytest.raises(IllegalMove):
        decide.move_event(STEP_MOVES, [], QUEUED)
    assert decide.move_event(STEP_MOVES, [NOT_STARTED, QUEUED], CANCELED) == STEP_STATUS


def test_the_pure_statuses_are_the_model_statuses() -> None:
    from designer.engine.models import ACTIVE, TERMINAL, Status

    assert {s.name: s.value for s in Status} == {
        name: getattr(decide, name) for name in Status.names
    }
    assert (ACTIVE, TERMINAL) == (decide.ACTIVE, decide.TERMINAL)


# Random DAGs: a small model of the scheduler (waves on submit and after each completion, a
# full advance after a failure) run with random outcomes, checked against the rules.


def _random_dag(rng: random.Random, keep_going: bool) -> Dag:
    names = [f"n{i}" for i in range(rng.randint(1, 12))]
    rng.shuffle(names)  # Topological order is not the names' order.
    density = rng.random()
    edges = [
        (names[i], names[j])
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if rng.random() < density / 2
    ]
    return Dag.of(names, edges, keep_going=keep_going)


class _Model:
    def __init__(self, dag: Dag, rng: random.Random) -> None:
        self.dag, self.rng = dag, rng
        self.statuses = _statuses(dag)
        self.reasons: dict[str, str] = {}
        self.queue: list[str] = []

    def move(self, node: str, to: str) -> None:
        assert to in STEP_MOVES.get(self.statuses[node], {}), (node, self.statuses[node], to)
        self.statuses[node] = to

    def skip(self, skips: Iterable[tuple[str, str]]) -> list[str]:
        for node, reason in skips:
            self.move(node, SKIPPED)
            self.reasons[node] = reason
        return [node for node, _ in skips]

    def advance(self, completed: str | None) -> None:
        dag = self.dag
        if completed is None and not dag.keep_going:
            failed = decide.first_failed(dag, self.statuses)
            if failed is not None:
                self.skip(skip_rest(dag, self.statuses, failed))
                return
        frontier = (
            [n for n in dag.order if self.statuses[n] == NOT_STARTED]
            if completed is None
            else list(dag.downstreams[completed])
        )
        while frontier:
            wave = next_wave(dag, self.statuses, frontier)
            ended = self.skip(wave.skip)
            stop = None
            for node in wave.ready:
                assert all(self.statuses[u] == COMPLETED for u in dag.upstreams[node])
                roll = self.rng.random()
                if roll < 0.1:  # Could not be prepared.
                    self.move(node, FAILED)
                    stop = stop or node
                    ended.append(node)
                elif roll < 0.4:  # Reused.
                    self.move(node, COMPLETED)
                    ended.append(node)
                else:
                    self.move(node, QUEUED)
                    self.queue.append(node)
            frontier = decide.downstream_of(dag, ended)
            if stop is not None and not dag.keep_going:
                self.skip(skip_rest(dag, self.statuses, stop))
                return

    def run(self) -> None:
        self.advance(None)
        while self.queue:
            node = self.queue.pop(self.rng.randrange(len(self.queue)))
            self.move(node, RUNNING)
            if self.rng.random() < 0.25:
                self.move(node, FAILED)
                self.advance(None)
            else:
                self.move(node, COMPLETED)
                self.advance(node)


SEEDS = range(300)


@pytest.mark.parametrize("keep_going", [False, True])
def test_random_runs_end_with_every_step_finished_and_a_consistent_outcome(
    keep_going: bool,
) -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        dag = _random_dag(rng, keep_going)
        model = _Model(dag, rng)
        model.run()
        statuses = model.statuses
        assert set(statuses.values()) <= decide.TERMINAL, (seed, statuses)
        failed = [n for n in dag.order if statuses[n] == FAILED]
        status, _ = run_outcome(failed=failed, cancel_requested=False)
        assert (status == FAILED) == bool(failed)
        for node in dag.order:
            ups = dag.upstreams[node]
            if statuses[node] == COMPLETED:
                assert all(statuses[u] == COMPLETED for u in ups), (seed, node)
            if statuses[node] == SKIPPED:
                broken = [u for u in ups if statuses[u] in decide.BROKEN]
                named = model.reasons[node]
                assert any(f"upstream '{u}'" in named for u in broken) or (
                    not keep_going and failed and "continue_on_step_failure is off" in named
                ), (seed, node, named)


def test_with_continue_on_step_failure_exactly_the_descendants_of_failures_are_skipped() -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        dag = _random_dag(rng, keep_going=True)
        model = _Model(dag, rng)
        model.run()
        graph = nx.DiGraph([(u, d) for d, ups in dag.upstreams.items() for u in ups])
        graph.add_nodes_from(dag.order)
        failed = {n for n, s in model.statuses.items() if s == FAILED}
        below = set().union(*(nx.descendants(graph, n) for n in failed)) if failed else set()
        skipped = {n for n, s in model.statuses.items() if s == SKIPPED}
        assert skipped == below, seed
        assert below.isdisjoint(failed), seed


def test_without_failures_every_step_completes_in_topological_order() -> None:
    for seed in SEEDS:
        rng = random.Random(seed)
        dag = _random_dag(rng, keep_going=False)
        statuses = _statuses(dag)
        frontier = list(dag.order)
        started: list[str] = []
        while frontier:
            wave = next_wave(dag, statuses, frontier)
            assert wave.skip == ()
            for node in wave.ready:
                statuses[node] = COMPLETED
            started += wave.ready
            frontier = decide.downstream_of(dag, wave.ready)
        assert sorted(started) == sorted(dag.order), seed
        position = {node: i for i, node in enumerate(started)}
        for node, ups in dag.upstreams.items():
            assert all(position[u] < position[node] for u in ups), seed
