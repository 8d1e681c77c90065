"""Read models equal a plain fold over the events, processed incrementally or rebuilt."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.clock import FixedClock
from infra.container import build_projection_engine, build_service
from infra.database import init_schema
from infra.settings import Settings
from projections.rebuild import rebuild
from tests.conftest import FAR_FUTURE
from tests.support.read_models import database_snapshot, fold_snapshot
from tests.support.sequences import KINDS, Step, play, steps

histories = st.lists(steps, min_size=1, max_size=5)


def check_history(store: Settings, cases: list[list[Step]], page_size: int, run: str) -> None:
    service = build_service(store, clock=FixedClock(FAR_FUTURE))
    engine = build_projection_engine(store, page_size=page_size)
    for number, sequence in enumerate(cases):
        play(service, sequence, name=f"{run}-{number}")
        engine.run_once()  # incremental: a page at a time, while cases are being written
    engine.run_until_head()
    incremental = database_snapshot(engine)
    assert incremental == fold_snapshot(engine)
    for projection in engine.projections:
        rebuild(engine, projection.name, page_size=page_size * 3)
    assert database_snapshot(engine) == incremental
    assert all(s.lag == 0 and s.dead_letters == 0 for s in engine.status())
    service.close()
    engine.db.close()


@settings(max_examples=12)
@given(histories, st.integers(min_value=1, max_value=40))
def test_for_random_histories_each_read_model_equals_the_plain_fold_on_sqlite(
    cases: list[list[Step]], page_size: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/f.db"})
        init_schema(store)
        check_history(store, cases, page_size, "h")


def test_on_postgresql_each_read_model_equals_the_plain_fold(
    fresh_postgres: Settings,
) -> None:
    rng = random.Random(20231)
    cases = [
        [
            (rng.choice(KINDS), rng.randint(0, 60), rng.randint(1, 5))
            for _ in range(rng.randint(3, 20))
        ]
        for _ in range(25)
    ]
    check_history(fresh_postgres, cases, page_size=17, run="pg-fold")


def test_a_database_file_can_be_rebuilt_while_empty(tmp_path: Path) -> None:
    store = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"})
    init_schema(store)
    engine = build_projection_engine(store)
    assert rebuild(engine, "case_list").events == 0
    assert database_snapshot(engine)["case_list"] == []
