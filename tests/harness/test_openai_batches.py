"""Self-tests of the scripted server's Files + Batches endpoints, with the real openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest

from tests.harness.openai_server import FakeOpenAIServer


@pytest.fixture
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=0, timeout=5.0)


def submit(client: openai.OpenAI, *custom_ids: str) -> str:
    lines = [
        {
            "custom_id": custom_id,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
        }
        for custom_id in custom_ids
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    uploaded = client.files.create(file=("in.jsonl", data), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"mine": "1"},
    )
    assert batch.status == "validating" and batch.request_counts.total == len(lines)
    return batch.id


def rows(client: openai.OpenAI, file_id: str | None) -> list[dict]:
    if not file_id:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def test_a_batch_completes_after_the_planned_polls_with_the_scripted_answers(fake, client):
    fake.batches.plan(polls=3)
    fake.reply_json({"n": 1}, prompt_tokens=42, completion_tokens=7)
    batch_id = submit(client, "a", "b")

    statuses = [client.batches.retrieve(batch_id).status for _ in range(3)]

    assert statuses == ["in_progress", "in_progress", "completed"]
    batch = client.batches.retrieve(batch_id)
    output = rows(client, batch.output_file_id)
    assert [row["custom_id"] for row in output] == ["a", "b"]
    first = output[0]["response"]
    assert first["status_code"] == 200 and first["body"]["usage"]["prompt_tokens"] == 42
    assert json.loads(first["body"]["choices"][0]["message"]["content"]) == {"n": 1}
    assert batch.request_counts.completed == 2 and batch.error_file_id is None
    assert len(fake.requests) == 2  # recorded like live chat requests


def test_an_expired_batch_answers_the_first_requests_and_lists_the_rest_as_expired(fake, client):
    fake.batches.plan(outcome="expired", answered=1)
    batch = client.batches.retrieve(submit(client, "a", "b", "c"))

    assert batch.status == "expired"
    assert [row["custom_id"] for row in rows(client, batch.output_file_id)] == ["a"]
    errors = rows(client, batch.error_file_id)
    assert [row["error"]["code"] for row in errors] == ["batch_expired", "batch_expired"]


def test_a_partly_failed_batch_puts_the_failures_in_the_error_file(fake, client):
    fake.batches.plan(fail={"b"})
    batch = client.batches.retrieve(submit(client, "a", "b"))

    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
    [error] = rows(client, batch.error_file_id)
    assert error["custom_id"] == "b" and error["response"]["status_code"] == 500


def test_a_failed_batch_has_errors_and_no_files(fake, client):
    fake.batches.plan(outcome="failed")
    batch = client.batches.retrieve(submit(client, "a"))

    assert batch.status == "failed" and batch.errors.data[0].message
    assert batch.output_file_id is None and batch.error_file_id is None


def test_batches_are_listed_with_their_metadata(fake, client):
    batch_id = submit(client, "a")

    listed = client.batches.list(limit=100).data

    assert [(b.id, b.metadata) for b in listed] == [(batch_id, {"mine": "1"})]


def test_an_unknown_input_file_is_a_404(fake, client):
    with pytest.raises(openai.NotFoundError):
        client.batches.create(
            input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"
        )
