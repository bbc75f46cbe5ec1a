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
        # Each bucket's coordinates and loads side by side, so a call reads them without gathering.
        self._columns = {area: (self._x[ix], self._y[ix], self._load[ix]) for area, ix in self._buckets.items()}

    def __len__(self) -> int:
        return len(self.workers)

    def _keys(self, grid: str) -> list[str]:
        # Grid codes start with their community's and street's codes.
        return [k for k in dict.fromkeys((CITY, grid[:9], grid[:12], grid)) if k in self._buckets]

    def in_scope(self, grid: str) -> np.ndarray:
        """Indices of the workers whose scope covers the grid."""
        parts = [self._buckets[k] for k in self._keys(grid)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)

    def suggest(self, lon: float, lat: float, *, grid: str, workload_m: float, limit: int = 3,
                exclude: frozenset[int] = frozenset()) -> list[Suggestion]:
        px, py = lon * self._k, lat * M_PER_DEG_LAT
        found: list[tuple[float, int, float]] = []  # (score, worker index, metres)
        for key in self._keys(grid):
            xs, ys, load = self._columns[key]
            metres = np.hypot(xs - px, ys - py)
            scores = metres + workload_m * load if workload_m else metres
            # A few more than asked, so that equal scores can still be ordered by id below.
            k = min(len(scores), limit + len(exclude) + 2)
            best = np.argpartition(scores, k - 1)[:k] if k < len(scores) else range(len(scores))
            ix = self._buckets[key]
            found += [(float(scores[j]), int(ix[j]), float(metres[j])) for j in best]
        # Ties (same score) go to the lower worker id, so the answer does not depend on load order.
        found.sort(key=lambda row: (row[0], self.workers[row[1]].id))
        out = [Suggestion(self.workers[i], metres, score) for score, i, metres in found
               if self.workers[i].id not in exclude]
        return out[:limit]
