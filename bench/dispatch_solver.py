"""The dispatcher's solver on a synthetic province (run by hand): python bench/dispatch_solver.py [--slots N] …

Shaped like a province: counties of townships of villages, volunteers living in villages with past hours,
offers, no-shows and declines; each slot is in a village and has its candidates in its own township
(same village or same township) and a neighbouring one (same county). Deep-poverty counties and poor
villages carry a priority bonus. Prints one table: seconds, filled, cost (with the unfilled penalty),
priority slots filled, Gini of offers (90-day offers plus this round's), and peak RSS after each step.

Steps: building the arrays; the bare OR-Tools solve on the full graph (the same network solver.py builds,
arcs added and solved, nothing else: the ceiling); solver.solve (validation, dedupe, the network, the solve,
extraction, next candidates), with and without exact pruning; first come (self sign-up: volunteers in a seeded
random order of arrival, each taking their cheapest open slot) and greedy by slot (slots in start order, each
taking its cheapest free candidates: a stronger, cost-aware baseline).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.dispatch.eligibility import edge_costs
from app.dispatch.solver import Problem, solve


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gini(values: np.ndarray) -> float:
    x = np.sort(values.astype(np.float64))
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))


def build(args: argparse.Namespace, rng: np.random.Generator) -> tuple[Problem, dict[str, np.ndarray]]:
    townships = args.counties * args.townships
    per_township = args.volunteers // townships
    num_volunteers = per_township * townships
    villages_per_township = args.villages
    per_village = per_township // villages_per_township
    # Volunteers: contiguous by township, then village; 90-day history.
    vol_village = np.minimum(np.arange(num_volunteers) % per_township // per_village, villages_per_township - 1)
    hours = rng.gamma(0.8, 8.0, num_volunteers)
    offers = rng.poisson(2.0, num_volunteers)
    no_shows = rng.binomial(3, 0.05, num_volunteers)
    declines = rng.poisson(0.7, num_volunteers)
    # Slots: each in a township (round robin) and a village; demand 1–5, starts in random order.
    slot_township = np.arange(args.slots) % townships
    slot_village = rng.integers(0, villages_per_township, args.slots)
    demand = rng.integers(1, args.demand_max + 1, args.slots)
    deep_county = rng.random(args.counties) < 0.3
    poor_village = rng.random(args.slots) < 0.2
    bonus = np.where(deep_county[slot_township // args.townships], 60, 0) + np.where(poor_village, 30, 0)
    # Candidates: `own` distinct ones in the slot's township, the rest distinct in the next township of its county.
    own = int(args.candidates * 0.8)
    near = args.candidates - own
    picks_own = np.argpartition(rng.random((args.slots, per_township), dtype=np.float32), own, axis=1)[:, :own]
    picks_near = np.argpartition(rng.random((args.slots, per_township), dtype=np.float32), near, axis=1)[:, :near]
    county = slot_township // args.townships
    neighbour = county * args.townships + (slot_township % args.townships + 1) % args.townships
    vol = np.concatenate(
        [(slot_township * per_township)[:, None] + picks_own, (neighbour * per_township)[:, None] + picks_near],
        axis=1,
    ).ravel()
    slot = np.repeat(np.arange(args.slots), args.candidates)
    same_village = (vol_village[vol] == slot_village[slot]) & (np.tile(np.arange(args.candidates), args.slots) < own)
    reach = np.where(np.tile(np.arange(args.candidates), args.slots) < own, 1, 2)
    reach = np.where(same_village, 0, reach)
    cost = edge_costs(
        reach=reach,
        skill_share=rng.choice([1.0, 0.5], vol.size, p=[0.8, 0.2]),
        hours_90d=hours[vol],
        offers_90d=offers[vol],
        no_shows=no_shows[vol],
        declines=declines[vol],
        member=np.ones(vol.size, dtype=bool),
    )
    problem = Problem(
        edge_volunteer=vol.astype(np.int64),
        edge_slot=slot.astype(np.int64),
        edge_cost=cost,
        demand=demand.astype(np.int64),
        bonus=bonus.astype(np.int64),
        num_volunteers=num_volunteers,
    )
    return problem, {"offers_90d": offers, "start_order": rng.permutation(args.slots)}


def bare(problem: Problem) -> tuple[float, float, int, str]:
    """The same network as solver.py, built straight from the arrays and solved by the same call (maximum flow,
    then least cost): (seconds adding arcs, seconds solving, the shifted cost, the status)."""
    t0 = time.perf_counter()
    v, s = problem.edge_volunteer, problem.edge_slot
    nv, ns = problem.num_volunteers, problem.demand.size
    total = int(problem.demand.sum())
    shifted = problem.edge_cost + (problem.bonus.max() - problem.bonus[s])
    source, sink, first_slot = 0, 1, 2 + nv
    flow = min_cost_flow.SimpleMinCostFlow()
    i32 = np.int32
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.zeros(nv, i32), (2 + v).astype(i32), np.arange(first_slot, first_slot + ns, dtype=i32)]),
        np.concatenate([np.arange(2, 2 + nv, dtype=i32), (first_slot + s).astype(i32), np.ones(ns, i32)]).astype(i32),
        np.concatenate([np.ones(nv + v.size, np.int64), problem.demand]).astype(np.int64),
        np.concatenate([np.zeros(nv, np.int64), shifted, np.zeros(ns, np.int64)]).astype(np.int64),
    )
    supplies = np.zeros(first_slot + ns, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    flow.set_nodes_supplies(np.arange(first_slot + ns, dtype=i32), supplies)
    t1 = time.perf_counter()
    status = flow.solve_max_flow_with_min_cost()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, int(flow.optimal_cost()), status.name


def greedy(problem: Problem, start_order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy by slot, a cost-aware baseline stronger than self sign-up (`first_come`): slots in the given order
    (posting or start), each takes its cheapest volunteers not yet offered one."""
    order = np.lexsort((problem.edge_volunteer, problem.edge_cost, problem.edge_slot))
    s_sorted = problem.edge_slot[order]
    ptr = np.searchsorted(s_sorted, np.arange(problem.demand.size + 1))
    taken = np.zeros(problem.num_volunteers, dtype=bool)
    chosen: list[np.ndarray] = []
    for slot in start_order:
        edges = order[ptr[slot] : ptr[slot + 1]]
        free = edges[~taken[problem.edge_volunteer[edges]]][: problem.demand[slot]]
        taken[problem.edge_volunteer[free]] = True
        chosen.append(free)
    edges = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    return problem.edge_volunteer[edges], problem.edge_slot[edges], problem.edge_cost[edges]


def first_come(
    problem: Problem, arrival: np.ndarray, posting: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Self sign-up as it works today, the issue's "greedy first-come": volunteers come in order of arrival
    (`arrival`, a permutation of volunteer indices: a seeded random order, or registration order), and each takes
    the cheapest open slot they are eligible for (the nearest: the edge cost, reach first), ties to the need
    posted first (`posting`, slot indices in posting order; slot index order when None). A volunteer takes
    one seat; seats go until none is left. Answers (volunteers, slots, edge costs) of the pairs taken."""
    num_slots = problem.demand.size
    v, s, c = problem.edge_volunteer, problem.edge_slot, problem.edge_cost
    if not v.size:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    when = np.empty(problem.num_volunteers, dtype=np.int64)
    when[np.asarray(arrival, dtype=np.int64)] = np.arange(len(arrival))
    posted = np.arange(num_slots, dtype=np.int64)
    if posting is not None:
        posted[np.asarray(posting, dtype=np.int64)] = np.arange(num_slots)
    order = np.lexsort((posted[s], c, when[v]))  # by arrival, then the volunteer's cheapest, then posted first
    left = problem.demand.astype(np.int64).tolist()
    seats = int(problem.demand.sum())
    vs, ss = v[order].tolist(), s[order].tolist()
    picked: list[int] = []
    done = -1
    for k in range(len(vs)):
        volunteer = vs[k]
        if volunteer == done:
            continue
        slot = ss[k]
        if left[slot] > 0:
            left[slot] -= 1
            picked.append(k)
            done = volunteer
            seats -= 1
            if not seats:
                break
    edges = order[np.array(picked, dtype=np.int64)]
    return v[edges], s[edges], c[edges]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=10_000)
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--townships", type=int, default=10, help="per county")
    parser.add_argument("--villages", type=int, default=20, help="per township")
    parser.add_argument("--demand-max", type=int, default=5, help="seats per slot drawn from 1 … this (scarcity)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    rows: list[tuple[str, float, str, str, str, str, float]] = []
    t = time.perf_counter()
    problem, extra = build(args, rng)
    seconds = time.perf_counter() - t
    print(
        f"instance: {problem.num_volunteers:,} volunteers, {problem.demand.size:,} slots, "
        f"{problem.edge_cost.size:,} edges, demand {int(problem.demand.sum()):,}, "
        f"priority slots {int((problem.bonus > 0).sum()):,}"
    )
    rows.append(("build arrays", seconds, "", "", "", "", peak_mib()))

    priority = problem.bonus > 0

    def figures(vols: np.ndarray, slots: np.ndarray, costs: np.ndarray, penalty: int) -> tuple[str, str, str, str]:
        filled = vols.size
        cost = int(costs.sum() - problem.bonus[slots].sum()) + penalty * (int(problem.demand.sum()) - filled)
        per_slot = np.bincount(slots, minlength=problem.demand.size)
        full_priority = int(((per_slot >= problem.demand) & priority).sum())
        load = extra["offers_90d"].copy()
        load[vols] += 1
        load = load[np.bincount(problem.edge_volunteer, minlength=load.size) > 0]  # volunteers with a candidacy
        return f"{filled:,}", f"{cost:,}", f"{full_priority:,}/{int(priority.sum()):,}", f"{gini(load):.4f}"

    t = time.perf_counter()
    result = solve(problem)
    seconds = time.perf_counter() - t
    ours = figures(result.volunteer, result.slot, problem.edge_cost[result.edge], result.penalty)
    add_s, solve_s, bare_cost, bare_status = bare(problem)
    rows.append(("bare OR-Tools: add arcs", add_s, "", "", "", "", peak_mib()))
    rows.append((f"bare OR-Tools: solve ({bare_status})", solve_s, "", "", "", "", peak_mib()))
    rows.append(("solver.solve (no pruning)", seconds, *ours, peak_mib()))

    t = time.perf_counter()
    pruned = solve(problem, prune=True)
    seconds = time.perf_counter() - t
    rows.append(
        (
            f"solver.solve (exact pruning, {pruned.edges_used:,} edges)",
            seconds,
            *figures(pruned.volunteer, pruned.slot, problem.edge_cost[pruned.edge], result.penalty),
            peak_mib(),
        )
    )

    t = time.perf_counter()
    g_vols, g_slots, g_costs = greedy(problem, extra["start_order"])
    seconds = time.perf_counter() - t
    rows.append(
        ("greedy by slot (start order)", seconds, *figures(g_vols, g_slots, g_costs, result.penalty), peak_mib())
    )

    t = time.perf_counter()
    f_vols, f_slots, f_costs = first_come(problem, rng.permutation(problem.num_volunteers))
    seconds = time.perf_counter() - t
    rows.append(
        (
            "first come (volunteers in arrival order)",
            seconds,
            *figures(f_vols, f_slots, f_costs, result.penalty),
            peak_mib(),
        )
    )

    header = ("step", "seconds", "filled", "cost (with unfilled penalty)", "priority slots filled", "Gini of offers")
    widths = (46, 8, 9, 30, 22, 15)
    print(
        " ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(header, widths, strict=True))),
        end="",
    )
    print(f" {'peak RSS MiB':>13}")
    for name, secs, filled, cost, prio, g, rss in rows:
        print(f"{name:<46} {secs:>8.2f} {filled:>9} {cost:>30} {prio:>22} {g:>15} {rss:>13.0f}")

    shifted_total = result.cost + int(problem.bonus.max()) * result.filled
    g_cost = int(g_costs.sum() - problem.bonus[g_slots].sum()) + result.penalty * (result.demand - g_vols.size)
    o_cost = result.cost + result.penalty * result.unfilled
    f_cost = int(f_costs.sum() - problem.bonus[f_slots].sum()) + result.penalty * (result.demand - f_vols.size)
    print(
        f"\nsolver.solve / bare solve: {rows[3][1] / solve_s:.2f}×; bare optimum = ours: {bare_cost == shifted_total}; "
        f"pruned = unpruned: {(pruned.filled, pruned.cost) == (result.filled, result.cost)}; "
        f"unfilled penalty per seat {result.penalty:,}; "
        f"cost (edge cost − bonus) ours {result.cost:,} vs greedy "
        f"{int(g_costs.sum() - problem.bonus[g_slots].sum()):,}; edge cost alone ours {result.edge_cost:,} vs greedy "
        f"{int(g_costs.sum()):,}; with penalty, greedy is "
        f"{(g_cost - o_cost) / abs(g_cost) * 100 if g_cost else 0:.1f} % above ours, first come "
        f"{(f_cost - o_cost) / abs(f_cost) * 100 if f_cost else 0:.1f} % above ours"
    )


if __name__ == "__main__":
    main()
