"""A client for Apalache's JSON-RPC explorer server (``apalache-mc server --server-type=explorer``).

Requests and responses follow ``json-rpc/README.md`` of Apalache (fixtures in
``../shared/fixtures/apalache/jsonrpc``): ``POST http://localhost:8822/rpc`` with a
JSON-RPC 2.0 object; state values travel as ITF JSON, decoded with
:mod:`aura_model.itf`. Every reply is untrusted: malformed replies raise
:class:`RunnerError`, JSON-RPC error objects raise :class:`RpcError`.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from aura_model import itf
from aura_model.runners._detect import ToolStatus
from aura_model.runners._result import RunnerError

__all__ = [
    "EXPLORER_PORT",
    "ExplorerClient",
    "RpcError",
    "explorer_command",
    "parse_rpc_response",
    "rpc_request",
]

EXPLORER_PORT = 8822
# A reply larger than this is not an explorer answer; refuse it rather than buffer it.
_MAX_REPLY = 64 * 1024 * 1024


class RpcError(RunnerError):
    """The server answered with a JSON-RPC ``error`` object (``code``, ``message``, ``data``)."""

    def __init__(self, code: int, message: str, data: object = None, *, source: str = "") -> None:
        self.code = code
        self.data = data
        super().__init__(f"JSON-RPC error {code}: {message}", source=source)


def explorer_command(tool: ToolStatus) -> list[str]:
    """The argv that starts the explorer server (it listens on port 8822)."""
    if not tool.available:
        raise RunnerError(f"Apalache is not available: {tool.reason}")
    return [*tool.argv, "server", "--server-type=explorer"]


def rpc_request(method: str, params: Mapping[str, Any], request_id: int) -> dict[str, Any]:
    """A JSON-RPC 2.0 request object, as the README's ``curl -d`` bodies."""
    return {"jsonrpc": "2.0", "method": method, "params": dict(params), "id": request_id}


def parse_rpc_response(
    obj: object, *, expected_id: int | None = None, source: str = "apalache rpc"
) -> Mapping[str, Any]:
    """The ``result`` object of a JSON-RPC reply, or :class:`RpcError` / :class:`RunnerError`.

    ``jsonrpc`` may be absent (the README's templates omit it) but if present must be
    ``"2.0"``; with ``expected_id`` the reply's ``id`` must match it.
    """
    if not isinstance(obj, Mapping):
        raise RunnerError("reply is not a JSON object", source=source)
    if "jsonrpc" in obj and obj["jsonrpc"] != "2.0":
        raise RunnerError(f"reply has jsonrpc={obj['jsonrpc']!r}, expected '2.0'", source=source)
    if expected_id is not None and obj.get("id") != expected_id:
        raise RunnerError(f"reply id {obj.get('id')!r} != request id {expected_id}", source=source)
    error = obj.get("error")
    if error is not None:
        if not isinstance(error, Mapping):
            raise RunnerError("reply 'error' is not an object", source=source)
        code = error.get("code")
        message = error.get("message")
        if isinstance(code, bool) or not isinstance(code, int) or not isinstance(message, str):
            raise RunnerError("reply 'error' lacks an integer code and a message", source=source)
        raise RpcError(code, message, error.get("data"), source=source)
    if "result" not in obj:
        raise RunnerError("reply has neither 'result' nor 'error'", source=source)
    result = obj["result"]
    if not isinstance(result, Mapping):
        raise RunnerError("reply 'result' is not an object", source=source)
    return result


@attrs.define
class ExplorerClient:
    """Talks to one explorer server over HTTP; numbers its requests itself."""

    url: str = f"http://localhost:{EXPLORER_PORT}/rpc"
    timeout: float = 30.0
    _next_id: int = attrs.field(default=1, init=False)

    def call(self, method: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """Send one request and return its ``result`` (typed errors only)."""
        request_id = self._next_id
        self._next_id += 1
        body = json.dumps(rpc_request(method, params, request_id)).encode()
        req = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        source = f"{self.url} {method}"
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read(_MAX_REPLY + 1)
        except urllib.error.HTTPError as exc:
            raise RunnerError(f"HTTP {exc.code} {exc.reason}", source=source) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RunnerError(f"cannot reach the server: {reason}", source=source) from None
        if len(raw) > _MAX_REPLY:
            raise RunnerError(f"reply larger than {_MAX_REPLY} bytes", source=source)
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise RunnerError(f"reply is not JSON: {exc}", source=source) from None
        return parse_rpc_response(obj, expected_id=request_id, source=source)

    def health(self) -> str:
        """The server's status string (``"OK"``)."""
        status = self.call("health", {}).get("status")
        if not isinstance(status, str):
            raise RunnerError("health reply lacks a status string", source=self.url)
        return status

    def load_spec(
        self,
        sources: Sequence[str],
        *,
        invariants: Sequence[str] = (),
        exports: Sequence[str] = (),
    ) -> Mapping[str, Any]:
        """Load TLA+ module texts (sent base64-encoded, root module first)."""
        encoded = [base64.b64encode(s.encode()).decode() for s in sources]
        params: dict[str, Any] = {"sources": encoded}
        if invariants:
            params["invariants"] = list(invariants)
        if exports:
            params["exports"] = list(exports)
        return self.call("loadSpec", params)

    def assume_state(
        self, session_id: str, equalities: Mapping[str, Any], *, check_enabled: bool = True
    ) -> Mapping[str, Any]:
        """Constrain the current state: each variable equals a Python value (sent as ITF)."""
        encoded = {name: itf.encode_value(v) for name, v in equalities.items()}
        return self.call(
            "assumeState",
            {"sessionId": session_id, "checkEnabled": check_enabled, "equalities": encoded},
        )

    def query_operator(self, session_id: str, operator: str) -> Any:
        """Evaluate an exported operator in the current state; returns the decoded ITF value."""
        result = self.call(
            "query", {"sessionId": session_id, "kinds": ["OPERATOR"], "operator": operator}
        )
        value = result.get("operatorValue")
        if value is None:
            return None
        try:
            return itf.decode_value(value, where="$.result.operatorValue")
        except itf.ItfError as exc:
            raise RunnerError(str(exc), source=self.url) from None
