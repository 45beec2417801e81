from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orgstate.statestore import StateStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    """An SQLite state store of the test's own."""
    store = open_store(f"sqlite:{tmp_path / 'state.db'}")
    yield store
    store.close()
