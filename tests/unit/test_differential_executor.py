"""The suite's differential check: the fast and the standard executor must answer every
query alike, except where the database itself was down or busy for one of the two runs."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from graphql import ExecutionResult, GraphQLError

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
