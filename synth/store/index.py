"""The rows behind the ANN index file (:mod:`synth.search.ann`): which passage vectors it
holds, and what has changed in the library since it was written."""

from __future__ import annotations

import numpy as np

from synth.store.base import StoreBase


class IndexRows(StoreBase):
    """The rows behind the ANN index file: its members, and the changes since it was written."""

    def embedded_passages(self, model: str) -> int:
        """How many passages have a vector of ``model`` (what dense search ranks)."""
        return self.db.execute(
            "SELECT COUNT(*) FROM passages p JOIN embeddings e ON e.sha = p.sha AND e.model = ?",
            [model]).fetchone()[0]

    def index_members(self, model: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM dense_index WHERE model = ?",
                               [model]).fetchone()[0]

    def index_stale(self, model: str) -> list[int]:
        """Members whose passage is gone or now holds another text."""
        return [pk for (pk,) in self.db.execute(
            "SELECT d.pk FROM dense_index d LEFT JOIN passages p ON p.pk = d.pk AND p.sha = d.sha "
            "WHERE d.model = ? AND p.pk IS NULL", [model])]

    def index_has_fresh(self, model: str) -> bool:
        """Whether some embedded passage is not yet a member."""
        return self.db.execute(
            "SELECT 1 FROM passages p JOIN embeddings e ON e.sha = p.sha AND e.model = ? "
            "WHERE NOT EXISTS (SELECT 1 FROM dense_index d WHERE d.model = ? AND d.pk = p.pk "
            "AND d.sha = p.sha) LIMIT 1", [model, model]).fetchone() is not None

    def index_fresh(self, model: str) -> tuple[list[tuple[int, str]], np.ndarray]:
        """((pk, sha) per passage, float32 matrix) of the embedded passages not yet members."""
        rows = self.db.execute(
            "SELECT p.pk, p.sha, e.vector, e.dim FROM passages p JOIN embeddings e "
            "ON e.sha = p.sha AND e.model = ? LEFT JOIN dense_index d "
            "ON d.model = ? AND d.pk = p.pk AND d.sha = p.sha WHERE d.pk IS NULL ORDER BY p.pk",
            [model, model]).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32)
        return [(r[0], r[1]) for r in rows], matrix.reshape(len(rows), rows[0][3])

    def record_index(self, model: str, removed: list[int], added: list[tuple[int, str]],
                     rebuilt: bool = False) -> None:
        """The index file now holds ``added`` and no longer ``removed`` (everything else, too,
        when ``rebuilt``): one transaction."""
        with self.write() as db:
            if rebuilt:
                db.execute("DELETE FROM dense_index WHERE model = ?", [model])
            db.conn.executemany("DELETE FROM dense_index WHERE model = ? AND pk = ?",
                           [(model, pk) for pk in removed])
            db.conn.executemany("INSERT OR REPLACE INTO dense_index (model, pk, sha) VALUES (?, ?, ?)",
                           [(model, pk, sha) for pk, sha in added])

    def generation(self) -> int:
        """Moves with every change to passages or embeddings (migration m008)."""
        return self.db.execute("SELECT n FROM library_generation").fetchone()[0]

    def in_step_at(self, model: str) -> tuple[int, str, int] | None:
        """(generation, index kind, ann_min) at which ``model``'s dense search was last
        found in step."""
        row = self.db.execute("SELECT generation, kind, ann_min FROM dense_in_step "
                              "WHERE model = ?", [model]).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def record_in_step(self, model: str, generation: int, kind: str, ann_min: int) -> None:
        with self.write() as db:
            db.execute("INSERT OR REPLACE INTO dense_in_step (model, generation, kind, ann_min) "
                       "VALUES (?, ?, ?, ?)", [model, generation, kind, ann_min])

    def passage_vectors(self, model: str, pks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(pks, float32 matrix) of those of ``pks`` embedded with ``model``, in pk order."""
        found: dict[int, bytes] = {}
        for i in range(0, len(pks), 900):
            chunk = pks[i:i + 900]
            found.update(self.db.execute(
                "SELECT p.pk, e.vector FROM passages p JOIN embeddings e ON e.sha = p.sha AND "
                f"e.model = ? WHERE p.pk IN ({','.join('?' * len(chunk))})", [model, *chunk]))
        order = sorted(found)
        if not order:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(found[pk] for pk in order), dtype=np.float32)
        return np.asarray(order, dtype=np.int64), matrix.reshape(len(order), -1)
