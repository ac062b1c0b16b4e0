"""The Files + Batches endpoints of the scripted OpenAI-compatible server.

Economy analysis uploads a JSONL file of chat completion requests, creates a batch, polls it
and downloads its output and error files. Each batch follows a :class:`BatchPlan` (finish
after N polls; complete, expire part-way, or fail), and each of its requests is answered by
the server's chat script (``reply_json`` ...), in file order, so tests script batch answers
the way they script live ones; the answers' ``usage`` is reported in the output file.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from tests.harness.http_server import RecordedRequest, Reply

if TYPE_CHECKING:
    from tests.harness.openai_server import FakeOpenAIServer

_ids = itertools.count(1)


@dataclass
class BatchPlan:
    """What happens to the next batch created.

    ``polls``: the retrieve that finds the batch finished (1: the first). ``outcome``:
    "completed", "expired" (only the first ``answered`` requests were answered; the rest are
    ``batch_expired`` lines in the error file) or "failed" (validation: no files at all).
    ``fail``: custom ids (or a predicate) whose request fails with a 500 in the error file.
    """

    polls: int = 1
    outcome: str = "completed"
    answered: int = 0
    fail: set[str] | Callable[[str], bool] = field(default_factory=set)

    def fails(self, custom_id: str) -> bool:
        return self.fail(custom_id) if callable(self.fail) else custom_id in self.fail


def _json(status: int, payload: object) -> Reply:
    return Reply(
        status=status,
        body=json.dumps(payload),
        headers={"Content-Type": "application/json", "x-request-id": f"req_b{next(_ids)}"},
    )


def _error(status: int, message: str) -> Reply:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
    return _json(status, {"error": error})


class FakeBatchAPI:
    """``server.batches``: plans, and records of what was uploaded and polled."""

    def __init__(self, server: FakeOpenAIServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._plans: deque[BatchPlan] = deque()
        self.default_plan = BatchPlan()
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self._state: dict[str, tuple[BatchPlan, list[dict[str, Any]]]] = {}
        http = server.http
        for prefix in ("/v1", ""):
            http.add_route(f"{prefix}/files", self._files)
            http.add_route(f"{prefix}/batches", self._batches)

    # -- scripting and records --------------------------------------------------------------

    def plan(self, **kwargs: Any) -> BatchPlan:
        plan = BatchPlan(**kwargs)
        with self._lock:
            self._plans.append(plan)
        return plan

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Every request line of every batch created, oldest first."""
        with self._lock:
            return [line for _, lines in self._state.values() for line in lines]

    # -- handlers ---------------------------------------------------------------------------

    def _files(self, request: RecordedRequest) -> Reply:
        if request.method != "POST":
            return _error(405, "Use POST.")
        content_type = request.headers.get("content-type", "")
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
        )
        data, purpose, filename = b"", "", "upload.jsonl"
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            if name == "file":
                data = part.get_payload(decode=True) or b""
                filename = part.get_filename() or filename
            elif name == "purpose":
                purpose = (part.get_payload(decode=True) or b"").decode()
        file_id = f"file-test{next(_ids)}"
        with self._lock:
            self.files[file_id] = data
        self._serve_file(file_id)
        return _json(200, self._file_object(file_id, filename, purpose))

    def _file_object(self, file_id: str, filename: str, purpose: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(self.files[file_id]),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }

    def _serve_file(self, file_id: str) -> None:
        def content(request: RecordedRequest) -> Reply:
            with self._lock:
                data = self.files[file_id]
            return Reply(body=data, headers={"Content-Type": "application/octet-stream"})

        for prefix in ("/v1", ""):
            self.server.http.add_route(f"{prefix}/files/{file_id}/content", content)

    def _batches(self, request: RecordedRequest) -> Reply:
        if request.method == "GET":
            with self._lock:
                data = [dict(batch) for batch in reversed(self.batches.values())]
            return _json(200, {"object": "list", "data": data, "has_more": False})
        body = request.json()
        file_id = body.get("input_file_id", "")
        with self._lock:
            data = self.files.get(file_id)
            plan = self._plans.popleft() if self._plans else self.default_plan
        if data is None:
            return _error(404, f"No such File object: {file_id}")
        try:
            lines = [json.loads(raw) for raw in data.decode().splitlines() if raw.strip()]
        except ValueError:
            return _error(400, "The input file is not JSONL.")
        batch_id = f"batch_test{next(_ids)}"
        batch = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "errors": None,
            "input_file_id": file_id,
            "completion_window": body.get("completion_window"),
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": int(time.time()),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        with self._lock:
            self.batches[batch_id] = batch
            self.polls[batch_id] = 0
            self._state[batch_id] = (plan, lines)
        for prefix in ("/v1", ""):
            self.server.http.add_route(
                f"{prefix}/batches/{batch_id}", lambda r, b=batch_id: self._retrieve(b)
            )
        return _json(200, batch)

    def _retrieve(self, batch_id: str) -> Reply:
        with self._lock:
            self.polls[batch_id] += 1
            plan, lines = self._state[batch_id]
            batch = self.batches[batch_id]
            due = self.polls[batch_id] >= plan.polls and batch["status"] not in (
                "completed",
                "expired",
                "failed",
            )
            if not due and batch["status"] == "validating":
                batch["status"] = "in_progress"
        if due:
            self._finish(batch_id, plan, lines)
        with self._lock:
            return _json(200, dict(self.batches[batch_id]))

    # -- answering --------------------------------------------------------------------------

    def _finish(self, batch_id: str, plan: BatchPlan, lines: list[dict[str, Any]]) -> None:
        batch = self.batches[batch_id]
        if plan.outcome == "failed":
            with self._lock:
                batch["status"] = "failed"
                batch["errors"] = {
                    "object": "list",
                    "data": [{"code": "invalid_request", "message": "The batch was refused."}],
                }
            return
        output, errors = [], []
        for index, line in enumerate(lines):
            custom_id = line.get("custom_id", "")
            if plan.outcome == "expired" and index >= plan.answered:
                errors.append(
                    {
                        "id": f"batch_req_{next(_ids)}",
                        "custom_id": custom_id,
                        "response": None,
                        "error": {
                            "code": "batch_expired",
                            "message": "This request could not be executed before the "
                            "completion window expired.",
                        },
                    }
                )
                continue
            if plan.fails(custom_id):
                reply = _error(500, "The server had an error while processing your request.")
            else:
                reply = self.server.answer_batch_request(line.get("body") or {})
            response = {
                "status_code": reply.status,
                "request_id": f"req_b{next(_ids)}",
                "body": json.loads(reply.body),
            }
            row = {"id": f"batch_req_{next(_ids)}", "custom_id": custom_id, "response": response}
            (output if reply.status == 200 else errors).append({**row, "error": None})
        with self._lock:
            for name, rows in (("output_file_id", output), ("error_file_id", errors)):
                if rows:
                    file_id = f"file-test{next(_ids)}"
                    self.files[file_id] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                    batch[name] = file_id
            batch["status"] = plan.outcome
            batch["request_counts"] = {
                "total": len(lines),
                "completed": len(output),
                "failed": len(errors),
            }
        for name in ("output_file_id", "error_file_id"):
            if batch[name]:
                self._serve_file(batch[name])
