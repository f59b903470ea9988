"""Fixtures of the state tests: a query counter on a storage's engine."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from headwater.storage import Storage


class Queries:
    """Counts the SELECTs a storage runs (a real listener on its engine, nothing replaced).

    The read-only engine is the same engine with options, so listening on the base sees both.
    """

    def __init__(self, storage: Storage) -> None:
        self.count = 0
        self.engines = [storage._engine]
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.count += 1

    def close(self) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self.seen)


@pytest.fixture
def count_queries() -> type[Queries]:
    """The query counter class: ``queries = count_queries(storage)``, then ``queries.count``."""
    return Queries
