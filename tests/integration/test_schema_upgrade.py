"""`bolashak db init` on a store whose read models were made by an older fold: each such
read model is rebuilt from the log (its tables replaced), the others left alone."""

from __future__ import annotations

from contextlib import closing

from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.container import build_projection_engine, build_service, view_database
from infra.database import init_schema
from infra.settings import Settings
from projections.dashboard import DashboardProjection
from tests.conftest import FAR_FUTURE
from tests.support.journey import Journey


def test_db_init_rebuilds_a_read_model_made_by_an_older_fold(store_settings: Settings) -> None:
    with closing(build_service(store_settings, clock=FixedClock(FAR_FUTURE))) as service:
        case = Journey(service).to(Stage.ELIGIBLE)
    build_projection_engine(store_settings).run_until_head()
    with closing(view_database(store_settings)) as db, db.transaction() as cur:
        # the dashboard as an older version left it: without the officers' work columns
        cur.execute("DROP TABLE dashboard_counts")
        cur.execute(
            "CREATE TABLE dashboard_counts (campaign_year BIGINT, intake_window BIGINT,"
            " programme TEXT, category TEXT, submitted BIGINT)"
        )
        cur.execute("DROP TABLE dashboard_places")  # nor the table of places, which came later
        cur.execute("UPDATE projection_tracking SET version = 1 WHERE name = 'dashboard'")
    done = init_schema(store_settings)
    assert "rebuilt dashboard (their read model changed)" in done
    with closing(view_database(store_settings)) as db:
        version = db.query("SELECT version FROM projection_tracking WHERE name = 'dashboard'")
        counts = db.query("SELECT SUM(assessed), SUM(referred) FROM dashboard_counts")
        db.query("SELECT COUNT(*) FROM dashboard_places")  # made by the rebuild
    assert version[0][0] == DashboardProjection.version
    assert counts[0][0] >= 1  # the case assessed above, replayed from the log
    assert counts[0][1] is not None  # the column the older table lacked
    assert case is not None
    again = init_schema(store_settings)  # run again: nothing is stale any more
    assert not any(line.startswith("rebuilt") for line in again)


def test_db_init_rebuilds_the_case_list_with_its_sealed_identities(
    store_settings: Settings,
) -> None:
    """A case list made by an older fold is rebuilt with the store's sealer: the identities'
    sealed copies are written again (without it the rebuilt list would show none)."""
    with closing(build_service(store_settings, clock=FixedClock(FAR_FUTURE))) as service:
        case = Journey(service).to(Stage.SUBMITTED)
    build_projection_engine(store_settings).run_until_head()
    with closing(view_database(store_settings)) as db, db.transaction() as cur:
        cur.execute("UPDATE projection_tracking SET version = 0 WHERE name = 'case_list'")
    assert "rebuilt case_list (their read model changed)" in init_schema(store_settings)
    with closing(view_database(store_settings)) as db:
        sealed = db.query("SELECT sealed FROM case_pii WHERE application_id = %s", (str(case),))
    assert sealed
    assert sealed[0][0]
