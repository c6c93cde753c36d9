"""A reverse proxy as docs/compat.md sets one up for the unchanged cloud SDKs: it listens on a port of
its own (not 80/443), maps its root to one of the portal's paths (`/` -> `/api/ice/`,
`/jobs/...` -> `/api/ci/jobs/...`), and passes the client's Host header on unchanged."""

from __future__ import annotations

import http.client
import http.server
import threading

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


class PathProxy:
    def __init__(self, upstream_port: int, prefix: str):
        # (method, upstream path, headers by lower-case name) of each request passed on
        self.requests: list[tuple[str, str, dict]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = prefix.rstrip("/") + self.path
                headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
                proxy.requests.append((self.command, path, {k.lower(): v for k, v in headers}))
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    upstream.putheader(name, value)
                upstream.endheaders(body or None)
                response = upstream.getresponse()
                answer = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
