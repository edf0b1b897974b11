"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests at the LLM seam.

    with ScriptedLLM() as llm:
        llm.reply_tool("Judgement", {"label": "supports", "confidence": 0.9})
        llm.reply_text("not json")           # a junk answer
        llm.reply_word("Yes", {"Yes": -0.2, "No": -1.8})   # with log-probabilities
        llm.reply_error(400, "context length exceeded")
        ... settings with llm_base_url=llm.url ...
        llm.requests                          # every request body received, parsed
        llm.delay = 5.0                       # answer late (to test timeouts)

Replies are served in order; when the script runs out the last one repeats. With
``llm.pick = lambda body: index``, the reply is chosen from each request instead.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (a timeout test) is expected, not an error to print."""


class ScriptedLLM:
    def __init__(self) -> None:
        self.replies: list[dict] = []
        self.requests: list[dict] = []
        self.delay = 0.0
        self.pick: Callable[[dict], int] | None = None  # which reply, from the request
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                time.sleep(owner.delay)
                index = (owner.pick(body) if owner.pick else
                         min(len(owner.requests), len(owner.replies)) - 1)
                reply = dict(owner.replies[index])
                status = reply.pop("_status", 200)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _completion(self, message: dict, logprobs: dict | None = None) -> None:
        self.replies.append({
            "id": f"chatcmpl-{len(self.replies)}", "object": "chat.completion", "created": 0,
            "model": "scripted", "choices": [{"index": 0, "message": message,
                                              "logprobs": logprobs, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})

    def reply_word(self, word: str, top: dict[str, float] | None = None) -> None:
        """A one-word answer; ``top``: its first token's top log-probabilities, by token."""
        logprobs = None if top is None else {"content": [{
            "token": word, "logprob": top.get(word, -0.1), "bytes": None,
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None}
                             for t, lp in top.items()]}]}
        self._completion({"role": "assistant", "content": word}, logprobs)

    def reply_tool(self, name: str, arguments: dict | str) -> None:
        args = arguments if isinstance(arguments, str) else json.dumps(arguments)
        self._completion({"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_0", "type": "function", "function": {"name": name, "arguments": args}}]})

    def reply_error(self, status: int, message: str) -> None:
        self.replies.append({"_status": status, "error": {"message": message,
                                                          "type": "invalid_request_error"}})

    def reply_text(self, text: str) -> None:
        self._completion({"role": "assistant", "content": text})

    def __enter__(self) -> ScriptedLLM:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
