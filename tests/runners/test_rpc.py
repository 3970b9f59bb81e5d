"""Apalache JSON-RPC explorer client: request shapes and replies from the fixtures.

``../shared/fixtures/apalache/jsonrpc/readme-examples.json`` holds the README's
request/response pairs. The HTTP tests run a real loopback HTTP server that replays
those recorded replies (with the request's id): they test the client's plumbing and
parsing, **not** Apalache's server.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aura_model import itf
from aura_model.runners import (
    ExplorerClient,
    RpcError,
    RunnerError,
    ToolStatus,
    explorer_command,
    parse_rpc_response,
    rpc_request,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def _examples(shared: Path) -> list[dict[str, Any]]:
    doc = json.loads(
        (shared / "fixtures" / "apalache" / "jsonrpc" / "readme-examples.json").read_text()
    )
    examples = doc["examples"]
    assert isinstance(examples, list)
    return examples


def test_every_fixture_reply_parses(shared: Path) -> None:
    """All 12 documented replies yield their ``result`` object."""
    examples = _examples(shared)
    assert len(examples) == 12
    for ex in examples:
        result = parse_rpc_response(ex["response"])
        assert result == ex["response"]["result"], ex["method"]


def test_request_shape_matches_readme(shared: Path) -> None:
    """rpc_request builds exactly the README's request bodies."""
    for ex in _examples(shared):
        req = ex["request"]
        assert rpc_request(req["method"], req["params"], req["id"]) == req


def test_readme_id_quirk_is_detected(shared: Path) -> None:
    """The README's nextStep reply carries id 5 for request 3: with id checking it is refused."""
    ex = next(e for e in _examples(shared) if e["method"] == "nextStep")
    with pytest.raises(RunnerError, match="id 5 != request id 3"):
        parse_rpc_response(ex["response"], expected_id=ex["request"]["id"])


def test_itf_values_in_replies(shared: Path) -> None:
    """The query reply's ITF operator value decodes with the codec; assumeState's request
    equalities are what the codec encodes."""
    ex = next(e for e in _examples(shared) if e["method"] == "query")
    value = itf.decode_value(parse_rpc_response(ex["response"])["operatorValue"])
    assert value == (False, True, False)
    assume = next(e for e in _examples(shared) if e["method"] == "assumeState")
    assert assume["request"]["params"]["equalities"] == {"x": itf.encode_value(0)}


@pytest.mark.parametrize(
    ("reply", "error", "fragment"),
    [
        ([], RunnerError, "not a JSON object"),
        ({"jsonrpc": "1.0", "result": {}}, RunnerError, "jsonrpc"),
        ({"jsonrpc": "2.0", "id": 1}, RunnerError, "neither"),
        ({"result": [1]}, RunnerError, "not an object"),
        ({"error": "boom"}, RunnerError, "not an object"),
        ({"error": {"code": "x", "message": "m"}}, RunnerError, "integer code"),
        ({"error": {"code": -32601, "message": "Method not found"}}, RpcError, "-32601"),
    ],
)
def test_bad_replies(reply: object, error: type[Exception], fragment: str) -> None:
    """Malformed replies raise RunnerError; JSON-RPC error objects raise RpcError with the code."""
    with pytest.raises(error, match=fragment):
        parse_rpc_response(reply)


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
        lambda c: st.one_of(
            st.lists(c, max_size=3),
            st.dictionaries(
                st.sampled_from(["jsonrpc", "id", "result", "error", "code", "message"]),
                c,
                max_size=4,
            ),
        ),
        max_leaves=10,
    ),
    st.one_of(st.none(), st.integers(0, 3)),
)
def test_reply_parser_fuzz(reply: object, expected_id: int | None) -> None:
    """Arbitrary JSON replies give a result mapping or a RunnerError (RpcError included)."""
    with contextlib.suppress(RunnerError):
        parse_rpc_response(reply, expected_id=expected_id)


def test_explorer_command() -> None:
    """The server is started as ``apalache-mc server --server-type=explorer``."""
    tool = ToolStatus("apalache", True, "", ("/opt/apalache/bin/apalache-mc",))
    assert explorer_command(tool) == [
        "/opt/apalache/bin/apalache-mc",
        "server",
        "--server-type=explorer",
    ]
    with pytest.raises(RunnerError, match="not available"):
        explorer_command(ToolStatus("apalache", False, "absent"))


@pytest.fixture
def replay_server(shared: Path) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback HTTP server answering each method with its recorded README reply."""
    replies = {e["method"]: e["response"] for e in _examples(shared)}
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            if self.path != "/rpc":
                self.send_error(404)
                return
            if body["method"] == "garbage":
                payload = b"<html>not json</html>"
            else:
                reply = dict(
                    replies.get(body["method"])
                    or {"error": {"code": -32601, "message": "Method not found"}}
                )
                reply["id"] = body["id"]
                payload = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_client_over_loopback(replay_server: tuple[str, list[dict[str, Any]]]) -> None:
    """Plumbing + parsing, not Apalache: the client posts JSON-RPC, numbers requests, checks
    ids, encodes/decodes ITF values and base64-encodes sources."""
    base, seen = replay_server
    client = ExplorerClient(f"{base}/rpc", timeout=5)
    assert client.health() == "OK"
    loaded = client.load_spec(
        ["---- MODULE Inc ----\n====\n"], invariants=["Inv3"], exports=["View"]
    )
    assert loaded["sessionId"] == "2"
    assert client.query_operator("1", "View") == (False, True, False)
    assert client.assume_state("1", {"x": 0})["status"] == "ENABLED"
    assert [r["id"] for r in seen] == [1, 2, 3, 4]
    assert seen[1]["params"]["sources"] == ["LS0tLSBNT0RVTEUgSW5jIC0tLS0KPT09PQo="]
    assert seen[3]["params"]["equalities"] == {"x": {"#bigint": "0"}}
    with pytest.raises(RpcError, match="Method not found") as info:
        client.call("noSuchMethod", {})
    assert info.value.code == -32601
    with pytest.raises(RunnerError, match="not JSON"):
        client.call("garbage", {})
    with pytest.raises(RunnerError, match="HTTP 404"):
        ExplorerClient(f"{base}/other", timeout=5).call("health", {})


def test_client_unreachable_server() -> None:
    """No server listening: a RunnerError naming the URL, not a raw socket exception."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ExplorerClient(f"http://127.0.0.1:{port}/rpc", timeout=5)
    with pytest.raises(RunnerError, match="cannot reach") as info:
        client.health()
    assert f"127.0.0.1:{port}" in str(info.value)
