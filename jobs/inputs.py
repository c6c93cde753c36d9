"""Where job inputs come from, safely: paths under the import root, and http(s) URLs that never reach
private or loopback addresses (no SSRF), also through redirects and DNS tricks.

The address is resolved once, checked, and then connected to directly (the connection is pinned to the
checked address), so a second DNS answer cannot redirect the request to an internal host.
"""

from __future__ import annotations

import errno
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit


class InputError(Exception):
    """An input that cannot be used. `permanent` is False for what may work later (timeouts, 5xx)."""

    def __init__(self, code: str, message: str, permanent: bool = True):
        super().__init__(message)
        self.code = code
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str
    request_path: str


def resolve_import_path(raw: str, root: Path) -> Path:
    """A relative path inside `root`; refuses absolute paths, `..` and symlinks leading outside."""
    if not raw or "\x00" in raw or len(raw) > 1024:
        raise InputError("Forbidden.Path", "The path is empty or not a valid path.")
    posix = PurePosixPath(raw.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise InputError(
            "Forbidden.Path",
            f"Paths must be relative to the import root and may not contain '..': {raw!r}.",
        )
    root = root.resolve()
    candidate = (root / posix).resolve()
    if not candidate.is_relative_to(root):
        raise InputError("Forbidden.Path", f"The path {raw!r} leads outside the import root.")
    if not candidate.is_file():
        raise InputError("InvalidInput.NotFound", f"No file at {raw!r} under the import root.")
    return candidate


def resolve_import_folder(raw: str, root: Path) -> Path:
    """A folder inside `root` (relative, no `..`, no symbolic link leading out of it)."""
    if not raw or "\x00" in raw or len(raw) > 1024:
        raise InputError("Forbidden.Path", "The folder is empty or not a valid path.")
    posix = PurePosixPath(raw.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise InputError("Forbidden.Path", f"Folders are relative to the import root, without '..': {raw!r}.")
    root = root.resolve()
    candidate = (root / posix).resolve()
    if not candidate.is_relative_to(root):
        raise InputError("Forbidden.Path", f"The folder {raw!r} leads outside the import root.")
    if not candidate.is_dir():
        raise InputError("InvalidInput.NotFound", f"No folder at {raw!r} under the import root.")
    return candidate


def _allowed(address: ipaddress._BaseAddress, networks: list[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for network in networks:
        if address in ipaddress.ip_network(network, strict=False):
            return True
    return address.is_global and not address.is_multicast


def check_url(url: str, allowed_networks: list[str]) -> Target:
    """Parse and resolve `url`; raise InputError unless it is http(s) to a public address."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError("InvalidParameter.Url", f"Not a valid URL: {url!r}.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("InvalidParameter.Url", "Only http:// and https:// URLs are accepted.")
    if parts.username or parts.password:
        raise InputError("InvalidParameter.Url", "URLs with credentials are not accepted.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError("InvalidParameter.Url", f"Host {parts.hostname!r} does not resolve.") from exc
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not _allowed(ipaddress.ip_address(address.split("%")[0]), allowed_networks):
            raise InputError(
                "Forbidden.PrivateAddress",
                f"{parts.hostname} resolves to {address}, a private, loopback or reserved address; "
                "such URLs are refused.",
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, addresses[0], path)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def open_connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target, timeout)
    return _PinnedHTTPConnection(target, timeout)


def download(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    timeout: float,
    allowed_networks: list[str],
    max_redirects: int = 3,
    deadline: float | None = None,
) -> str:
    """Fetch `url` into `dest`; returns the file name the server suggested (or the URL's). `timeout`
    bounds each network operation; `deadline` (seconds) the whole download, redirects included, so a
    server trickling a byte a second cannot hold a worker for hours."""
    finish_by = time.monotonic() + (deadline if deadline is not None else float("inf"))
    for _ in range(max_redirects + 1):
        target = check_url(url, allowed_networks)
        connection = open_connection(target, min(timeout, _left(finish_by, url)))
        response = None
        try:
            connection.request("GET", target.request_path, headers={"User-Agent": "DNA-Portal/1"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise InputError("Download.Failed", f"{url} redirected without a Location.")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise InputError(
                    "Download.Failed",
                    f"{url} answered HTTP {response.status}.",
                    permanent=response.status < 500 and response.status != 429,
                )
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise InputError(
                    "InvalidParameter.FileTooLarge",
                    f"{url} is {length} bytes; the limit is {max_bytes} bytes.",
                )
            received = 0
            with open(dest, "wb") as handle:
                # read1: what one receive gives (read(n) would wait for all n bytes, deadline or not).
                while chunk := response.read1(1 << 20):
                    _left(finish_by, url)  # each read waits at most `timeout`: the deadline holds
                    received += len(chunk)
                    if received > max_bytes:
                        raise InputError(
                            "InvalidParameter.FileTooLarge",
                            f"{url} sent more than the limit of {max_bytes} bytes.",
                        )
                    handle.write(chunk)
            return PurePosixPath(urlsplit(url).path).name or "download"
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise  # our disk is full, not the network at fault: the worker says so
            _left(finish_by, url)  # a read that timed out at the deadline: that, not a network fault
            raise InputError("Download.Failed", f"Could not download {url}: {exc}.", permanent=False) from exc
        finally:
            if response is not None:
                response.close()
            connection.close()
    raise InputError("Download.Failed", f"Too many redirects (more than {max_redirects}).")


def _left(finish_by: float, url: str) -> float:
    """Seconds left before the download's deadline; past it, the download fails for good."""
    left = finish_by - time.monotonic()
    if left <= 0:
        raise InputError("Download.Timeout", f"{url} did not arrive in time; the deadline was passed.")
    return left
