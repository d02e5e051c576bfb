"""Staffing: queueing models (Erlang B, Erlang C (M/M/N), Erlang A (M/M/N+M)), required agents, patience,
and the from-data computation that measures them against a log (``measured``).

The models are pure functions and frozen dataclasses; no I/O, no DuckDB (only ``measured`` reads a
session). Units are seconds throughout (arrival rates per second, AHT, thresholds and patience in
seconds); traffic is in erlangs, A = arrival rate x AHT.

Modules: ``erlang_b``, ``erlang_c``, ``erlang_a``, ``measures`` (QueueMetrics, workload), ``requirement``,
``patience``, ``model_table`` (the model-only JSON), ``checks`` (argument checks), ``measured`` (from data), with
``columns`` (what its rows hold) and ``queries`` (its SQL, ``sql/staffing``).

Definitions settled here (and relied on by the CLI's JSON):

* **Service level** is P(answered within T) over *all* arrivals: contacts that abandon count as
  misses (Erlang A), contacts answered at once count as met, and T = 0 means "answered without
  waiting".
* **ASA** (``asa_seconds``) is the mean wait of *all* arrivals, abandoned ones included (for an
  abandoner, the time until it abandoned). This is the quantity for which Little's law gives
  E[W] = E[queue length] / lambda and for which P(abandon) = theta x E[W] holds exactly; it is
  the "mean wait" of Herzog's Erlang A example (9.91 s at N = 13, 56.62 s at N = 9) and the
  "ASA" of the pyworkforce Erlang A example (0.124817 min at N = 13). For Erlang C every arrival
  is answered, so it is also the mean wait of the answered contacts. The mean wait of the
  answered contacts under Erlang A is given separately (``mean_wait_served_seconds``).
* **Occupancy** is carried load / N: A / N for Erlang C (capped at 1 in overload) and
  A x (1 - P(abandon)) / N for Erlang A.
* **FTE** of the whole requirement is agents / (1 - shrinkage) rounded up to whole positions
  (pyworkforce ``required_positions``; 15 agents at 30 % shrinkage give 22), computed with a tolerance so
  that 14 / 0.7 = 20.000000000000004 gives 20, not 21. The FTE of the unrounded requirement
  (``fte_fractional``) is not rounded (13.037 / 0.7 = 18.62): sum those across queues and intervals.

Sources:

* Erlang B recursion and Erlang C from Erlang B: e.g. Cooper, *Introduction to Queueing Theory*
  (1981), section 3.4; C = N B / (N - A (1 - B)).
* Continuous (fractional-N) Erlang B, B(N, A) = A^N e^-A / Gamma(N + 1, A): Jagerman (1974),
  "Some properties of the Erlang loss function"; requested for fractional staffing in
  pyworkforce issue #41.
* Erlang A as a birth-death chain and its performance measures: Gans, Koole & Mandelbaum (2003),
  "Telephone call centers: tutorial, review, and research prospects", section 4.2.2; closed forms
  in incomplete gamma functions (used for fractional N): Riordan (1962), Palm (1957), and
  Mandelbaum & Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A queue".
* Patience estimator theta = abandons / total queue time: Brown et al. (2005), "Statistical
  analysis of a telephone call center", and Mandelbaum & Zeltyn's P(Ab) = theta E[W] relation.
"""

from __future__ import annotations

from csmetrics.staffing.erlang_a import erlang_a_continuous, erlang_a_metrics
from csmetrics.staffing.erlang_b import erlang_b, erlang_b_continuous, erlang_b_lines, erlang_b_lines_fractional
from csmetrics.staffing.erlang_c import erlang_c, erlang_c_metrics
from csmetrics.staffing.measures import QueueMetrics, workload
from csmetrics.staffing.model_table import lines_table, parse_agents, parse_interval, staffing_table
from csmetrics.staffing.patience import estimate_abandon_rate, estimate_patience
from csmetrics.staffing.requirement import Limits, Requirement, fte, required_agents, whole_fte

__all__ = [
    "Limits",
    "QueueMetrics",
    "Requirement",
    "erlang_a_continuous",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_b_continuous",
    "erlang_b_lines",
    "erlang_b_lines_fractional",
    "erlang_c",
    "erlang_c_metrics",
    "estimate_abandon_rate",
    "estimate_patience",
    "fte",
    "lines_table",
    "parse_agents",
    "parse_interval",
    "required_agents",
    "staffing_table",
    "whole_fte",
    "workload",
]
