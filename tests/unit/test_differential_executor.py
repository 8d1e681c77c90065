"""The suite's differential check: the fast and the standard executor must answer every
query alike, except where the database itself was down or busy for one of the two runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from graphql import ExecutionResult, GraphQLError

import api.context
from api.context import operation_moment
from api.pipeline import DifferentResultsError, GraphQLPipeline, Limits


def pipeline_answering(*results: ExecutionResult) -> GraphQLPipeline:
    pipeline = GraphQLPipeline(Limits(), production=False, differential=True)
    answers = iter(results)

    async def run(*_args: Any) -> ExecutionResult:
        return next(answers)

    pipeline._run = run  # type: ignore[method-assign,assignment]
    return pipeline


def execute(pipeline: GraphQLPipeline) -> dict[str, Any]:
    prepared = pipeline.prepare("{ __typename }", None, expert=False)
    return asyncio.run(pipeline.execute(prepared, None, {}))  # type: ignore[arg-type]


def outage() -> ExecutionResult:
    down = psycopg.OperationalError("canceling statement due to lock timeout")
    return ExecutionResult(None, [GraphQLError("down", original_error=down, path=["x"])])


def test_two_different_answers_to_one_query_are_a_bug() -> None:
    pipeline = pipeline_answering(
        ExecutionResult({"__typename": "Query"}), ExecutionResult({"__typename": "Other"})
    )
    with pytest.raises(DifferentResultsError):
        execute(pipeline)


def test_equal_answers_pass_through() -> None:
    same = ExecutionResult({"__typename": "Query"})
    assert execute(pipeline_answering(same, same)) == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("fast_run_met_the_outage", [True, False])
def test_an_outage_in_either_run_is_not_compared_and_is_answered_retryable(
    fast_run_met_the_outage: bool,
) -> None:
    busy, fine = outage(), ExecutionResult({"__typename": "Query"})
    runs = (busy, fine) if fast_run_met_the_outage else (fine, busy)
    answer = execute(pipeline_answering(*runs))
    if fast_run_met_the_outage:
        assert answer["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert "lock timeout" not in str(answer)
    else:
        assert answer == {"data": {"__typename": "Query"}}


def test_both_runs_of_one_operation_show_its_one_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A field that shows "now" (an audit export's time) answers alike in both runs: the
    operation's moment is taken once, when it starts. The erasure test's export once met
    the clock's second turning between the two runs, and the check called it a bug."""
    ticks = iter(datetime(2026, 12, 7, 15, 46, 42 + i, tzinfo=UTC) for i in range(10))

    class TickingClock(datetime):
        @classmethod
        def now(cls, _tz: Any = None) -> Any:
            return next(ticks)

    monkeypatch.setattr(api.context, "datetime", TickingClock)  # a clock read moves on
    pipeline = GraphQLPipeline(Limits(), production=False, differential=True)
    seen: list[datetime] = []

    async def run(*_args: Any) -> ExecutionResult:
        seen.append(operation_moment())
        return ExecutionResult({"__typename": "Query"})

    pipeline._run = run  # type: ignore[method-assign,assignment]
    execute(pipeline)
    assert len(seen) == 2
    assert seen[0] == seen[1]
