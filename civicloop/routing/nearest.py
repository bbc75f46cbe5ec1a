"""The nearest available field worker, weighed against workload: an in-memory index, no ORM.

score = metres to the case + workload_m × the worker's open tasks; lowest wins. Workers are kept
in buckets by the area their scope covers (city, a street, a community, a grid), so a case looks
only at the buckets that contain it, and scores them in one numpy pass: among 10,000 workers
that is well under a millisecond (benchmarks/bench_dispatch.py).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

M_PER_DEG_LAT = 111_320.0
CITY = ""  # the bucket of workers whose scope is the whole city


@dataclass(frozen=True)
class Worker:
    id: int
    name: str
    lon: float
    lat: float
    area: str  # the code their scope covers: "" city, 9 street, 12 community, 15 grid
    workload: int = 0


@dataclass(frozen=True)
class Suggestion:
    worker: Worker
    metres: float
    score: float


class WorkerIndex:
    def __init__(self, workers: Iterable[Worker], *, lat0: float | None = None):
        self.workers = list(workers)
        lats = np.array([w.lat for w in self.workers], dtype=float)
        self.lat0 = lat0 if lat0 is not None else (float(lats.mean()) if len(lats) else 0.0)
        self._k = M_PER_DEG_LAT * math.cos(math.radians(self.lat0))
        self._x = np.array([w.lon for w in self.workers], dtype=float) * self._k
        self._y = lats * M_PER_DEG_LAT
        self._load = np.array([w.workload for w in self.workers], dtype=float)
        buckets: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(self.workers):
            buckets[w.area].append(i)
        self._buckets = {area: np.array(ix, dtype=np.intp) for area, ix in buckets.items()}

    def __len__(self) -> int:
        return len(self.workers)

    def in_scope(self, grid: str) -> np.ndarray:
        """Indices of the workers whose scope covers the grid (grid codes start with their
        community's and street's codes)."""
        keys = (CITY, grid[:9], grid[:12], grid)
        parts = [self._buckets[k] for k in dict.fromkeys(keys) if k in self._buckets]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)

    def suggest(self, lon: float, lat: float, *, grid: str, workload_m: float, limit: int = 3,
                exclude: frozenset[int] = frozenset()) -> list[Suggestion]:
        ix = self.in_scope(grid)
        if exclude and len(ix):
            ix = ix[~np.isin([self.workers[i].id for i in ix], list(exclude))]
        if len(ix) == 0:
            return []
        metres = np.hypot(self._x[ix] - lon * self._k, self._y[ix] - lat * M_PER_DEG_LAT)
        scores = metres + workload_m * self._load[ix]
        k = min(limit, len(ix))
        best = np.argpartition(scores, k - 1)[:k] if k < len(ix) else np.arange(len(ix))
        # Ties (same score) go to the lower worker id, so the answer does not depend on load order.
        best = sorted(best, key=lambda j: (scores[j], self.workers[ix[j]].id))
        return [Suggestion(self.workers[ix[j]], float(metres[j]), float(scores[j])) for j in best]
