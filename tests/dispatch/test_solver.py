"""The solver against brute force on small instances: most offers first, then the lowest Σ (cost − bonus)."""

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dispatch.solver import Problem, exact_prune_depth, solve


@st.composite
def problems(draw):
    num_volunteers = draw(st.integers(0, 6))
    num_slots = draw(st.integers(1, 4))
    demand = draw(st.lists(st.integers(0, 2), min_size=num_slots, max_size=num_slots))
    bonus = draw(st.lists(st.integers(0, 8), min_size=num_slots, max_size=num_slots))
    pairs = [(v, s) for v in range(num_volunteers) for s in range(num_slots)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    costs = draw(st.lists(st.integers(0, 20), min_size=len(chosen), max_size=len(chosen)))
    return Problem(
        edge_volunteer=np.array([v for v, _ in chosen], dtype=np.int64),
        edge_slot=np.array([s for _, s in chosen], dtype=np.int64),
        edge_cost=np.array(costs, dtype=np.int64),
        demand=np.array(demand, dtype=np.int64),
        bonus=np.array(bonus, dtype=np.int64),
        num_volunteers=num_volunteers,
    )


def brute_force(problem: Problem) -> tuple[int, int]:
    """(max offers, min Σ (cost − bonus) among those), over every assignment (exhaustive, memoised)."""
    options: list[list[tuple[int, int]]] = [[] for _ in range(problem.num_volunteers)]
    for v, s, c in zip(problem.edge_volunteer, problem.edge_slot, problem.edge_cost, strict=True):
        options[int(v)].append((int(s), int(c) - int(problem.bonus[s])))

    @cache
    def best(i: int, left: tuple[int, ...]) -> tuple[int, int]:  # (−offers, cost), minimised
        if i == len(options):
            return (0, 0)
        result = best(i + 1, left)
        for s, c in options[i]:
            if left[s] > 0:
                rest = best(i + 1, (*left[:s], left[s] - 1, *left[s + 1 :]))
                result = min(result, (rest[0] - 1, rest[1] + c))
        return result

    offers, cost = best(0, tuple(int(d) for d in problem.demand))
    return -offers, cost


def check_feasible(problem: Problem, result) -> None:
    eligible = {
        (int(v), int(s)): int(c)
        for v, s, c in zip(problem.edge_volunteer, problem.edge_slot, problem.edge_cost, strict=True)
    }
    pairs = list(zip(result.volunteer.tolist(), result.slot.tolist(), strict=True))
    assert all(pair in eligible for pair in pairs)
    assert len({v for v, _ in pairs}) == len(pairs)  # at most one offer per volunteer
    per_slot = np.bincount(result.slot, minlength=problem.demand.size) if pairs else np.zeros(problem.demand.size)
    assert (per_slot <= problem.demand).all()
    assert result.filled == len(pairs)
    assert result.cost == sum(eligible[p] - int(problem.bonus[p[1]]) for p in pairs)
    assert result.status == "OPTIMAL"


FAST = settings(derandomize=True, max_examples=300, deadline=None, database=None)


@FAST
@given(problems())
def test_optimal_against_brute_force(problem):
    result = solve(problem)
    check_feasible(problem, result)
    assert (result.filled, result.cost) == brute_force(problem)


@FAST
@given(problems())
def test_pruning_is_exact(problem):
    result = solve(problem, prune=True)
    check_feasible(problem, result)
    assert (result.filled, result.cost) == brute_force(problem)


@FAST
@given(problems(), st.integers(0, 3))
def test_next_candidates_are_the_cheapest_unchosen(problem, k):
    result = solve(problem, next_k=k)
    chosen = set(result.volunteer.tolist())
    for slot in range(problem.demand.size):
        got = result.next_candidates(slot).tolist()
        costs = result.next_cost[result.next_ptr[slot] : result.next_ptr[slot + 1]].tolist()
        pool = sorted(
            (int(c), int(v))
            for v, s, c in zip(problem.edge_volunteer, problem.edge_slot, problem.edge_cost, strict=True)
            if s == slot and int(v) not in chosen
        )[:k]
        assert list(zip(costs, got, strict=True)) == pool


def _problem(edges, demand, bonus=None, num_volunteers=None):
    v, s, c = (np.array(column, dtype=np.int64) for column in zip(*edges, strict=True)) if edges else ([],) * 3
    return Problem(
        edge_volunteer=np.asarray(v, dtype=np.int64),
        edge_slot=np.asarray(s, dtype=np.int64),
        edge_cost=np.asarray(c, dtype=np.int64),
        demand=np.array(demand, dtype=np.int64),
        bonus=np.array(bonus or [0] * len(demand), dtype=np.int64),
        num_volunteers=num_volunteers if num_volunteers is not None else 1 + max((e[0] for e in edges), default=-1),
    )


def test_more_offers_beat_a_lower_cost():
    # Volunteer 0 is cheap for slot 0, but only 0 can serve slot 1: both slots filled is the optimum.
    result = solve(_problem([(0, 0, 0), (0, 1, 100), (1, 0, 90)], [1, 1]))
    assert result.filled == 2 and result.cost == 190


def test_priority_bonus_sends_a_scarce_volunteer_to_the_poor_village():
    result = solve(_problem([(0, 0, 10), (0, 1, 30)], [1, 1], bonus=[0, 50]))
    assert result.slot.tolist() == [1] and result.cost == -20 and result.unfilled == 1


def test_duplicate_edges_keep_the_cheapest_and_empty_instances_solve():
    result = solve(_problem([(0, 0, 9), (0, 0, 3)], [2]))
    assert result.filled == 1 and result.edge_cost == 3
    empty = solve(_problem([], [0, 3], num_volunteers=5))
    assert empty.filled == 0 and empty.unfilled == 3 and empty.next_ptr.tolist() == [0, 0, 0]


def test_costs_beyond_the_int64_range_are_refused():
    with pytest.raises(ValueError, match="int64 range"):
        solve(_problem([(0, 0, 2**40), (1, 0, 0)], [2**22]))


def test_malformed_input_is_refused():
    with pytest.raises(ValueError, match="edge_cost"):
        solve(_problem([(0, 0, -1)], [1]))
    with pytest.raises(ValueError, match="edge_slot"):
        solve(_problem([(0, 3, 1)], [1]))


def test_prune_depth_sums_the_demand_of_competing_slots():
    # Slots 0 and 1 share volunteer 1; slot 2 stands alone.
    problem = _problem([(0, 0, 1), (1, 0, 1), (1, 1, 1), (2, 2, 1)], [2, 1, 3])
    assert exact_prune_depth(problem).tolist() == [3, 3, 3]


def test_pruning_cuts_a_slot_without_competition():
    problem = _problem([(0, 0, 5), (1, 0, 1), (2, 0, 3), (3, 1, 2)], [1, 1])
    pruned = solve(problem, prune=True)
    assert pruned.edges_used == 2 and pruned.volunteer.tolist() == [1, 3]
    assert pruned.next_candidates(0).tolist() == [2, 0]  # re-offers still see the whole eligible graph
