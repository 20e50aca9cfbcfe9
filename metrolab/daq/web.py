"""The live view as a local web page: served on 127.0.0.1, redrawn from the HDF5 file.

``GET /`` is a small page that reloads ``/plot.png`` and ``/latest.json`` every few
seconds; ``/plot.png`` is the newest rows drawn by :mod:`metrolab.daq.plot`, read from
the file each time (SWMR: the run's writer is not disturbed); ``/latest.json`` holds the
run's status, rows and each column's newest value. Before the run has created the file
both answer 503 and the page keeps trying. Only 127.0.0.1 is bound; the server stops when
its block ends.
"""

from __future__ import annotations

import html
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from metrolab.daq.errors import DaqFileError, DaqInputError
from metrolab.daq.plot import Tail, png, read_tail

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:1em}} td,th{{padding:0 1em;text-align:right}}
th:first-child,td:first-child{{text-align:left}}</style></head>
<body><h3>{title}</h3><p id="state">waiting for the file</p>
<table id="latest"></table><img id="plot" alt="live plot" src="plot.png">
<script>
const every = {every_ms};
function refresh() {{
  document.getElementById("plot").src = "plot.png?t=" + Date.now();
  fetch("latest.json").then(r => r.ok ? r.json() : null).then(d => {{
    if (!d) return;
    document.getElementById("state").textContent = d.status + ", " + d.rows + " rows";
    let rows = "<tr><th>quantity</th><th>latest</th><th>unit</th></tr>";
    for (const [name, c] of Object.entries(d.columns))
      rows += "<tr><td>" + name + "</td><td>" + c.value + "</td><td>" + c.unit + "</td></tr>";
    document.getElementById("latest").innerHTML = rows;
  }}).catch(() => {{}});
}}
setInterval(refresh, every); refresh();
</script></body></html>
"""


@dataclass(frozen=True, slots=True)
class ViewServer:
    """A running view server: the page's address."""

    url: str
    port: int


def latest(tail: Tail) -> dict[str, Any]:
    """Return what ``/latest.json`` holds: status, rows, each column's newest value and unit."""
    return {"title": tail.title, "status": tail.status, "rows": tail.rows,
            "columns": {name: {"unit": unit,
                               "value": None if values.size == 0 else float(values[-1])}
                        for name, (unit, values) in tail.columns.items()}}


def _handler(path: Path, every_s: float, last: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            """Answer the page, the plot or the latest values; 404 for anything else."""
            route = self.path.split("?", 1)[0]
            if route in ("/", "/index.html"):
                page = _PAGE.format(title=html.escape(path.name), every_ms=int(every_s * 1000))
                self._send(200, "text/html; charset=utf-8", page.encode())
                return
            if route not in ("/plot.png", "/latest.json"):
                self._send(404, "text/plain", b"not found")
                return
            try:
                tail = read_tail(path, last)
            except DaqFileError as exc:
                self._send(503, "text/plain; charset=utf-8", str(exc).encode())
                return
            if route == "/plot.png":
                self._send(200, "image/png", png(tail))
            else:
                self._send(200, "application/json", json.dumps(latest(tail)).encode())

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Say nothing per request (the run's table owns the terminal)."""

    return Handler


@contextmanager
def serve_view(path: str | os.PathLike[str], port: int = 0, *, every_s: float = 2.0,
               last: int = 10_000) -> Iterator[ViewServer]:
    """Serve the live view of ``path`` on 127.0.0.1:``port`` (0: a free port) in a thread;
    yield its address; stop the server when the block ends.

    Raises :class:`DaqInputError` when the port cannot be bound.
    """
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(Path(path), every_s, last))
    except OSError as exc:
        raise DaqInputError(f"--port {port}: cannot serve the view on 127.0.0.1 "
                            f"({exc.strerror or exc}); choose another port or 0") from exc
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="metrolab-daq-view",
                              daemon=True)
    thread.start()
    bound = int(server.server_address[1])
    try:
        yield ViewServer(f"http://127.0.0.1:{bound}/", bound)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
