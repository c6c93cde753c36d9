"""jobs.inputs: downloads from http(s) URLs without SSRF, and import paths."""

import socket

import pytest

from jobs.inputs import InputError, check_url, download

LOOPBACK = ["127.0.0.0/8"]


def test_it_downloads_from_an_allow_listed_network(server, tmp_path):
    base, routes = server
    routes["/photo.jpg"] = (200, {}, b"x" * 5000)
    name = download(
        f"{base}/photo.jpg", tmp_path / "f", max_bytes=10_000, timeout=5, allowed_networks=LOOPBACK
    )
    assert name == "photo.jpg"
    assert (tmp_path / "f").read_bytes() == b"x" * 5000


def test_it_refuses_loopback_without_the_allow_list(server, tmp_path):
    base, routes = server
    routes["/photo.jpg"] = (200, {}, b"x")
    with pytest.raises(InputError) as raised:
        download(f"{base}/photo.jpg", tmp_path / "f", max_bytes=10, timeout=5, allowed_networks=[])
    assert raised.value.code == "Forbidden.PrivateAddress"
    assert not (tmp_path / "f").exists()


def test_it_checks_every_redirect_target(server, tmp_path, monkeypatch):
    base, routes = server
    routes["/hop"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    with pytest.raises(InputError) as raised:
        download(f"{base}/hop", tmp_path / "f", max_bytes=10, timeout=5, allowed_networks=LOOPBACK)
    assert raised.value.code == "Forbidden.PrivateAddress"


def test_it_follows_a_safe_redirect(server, tmp_path):
    base, routes = server
    routes["/old"] = (301, {"Location": "/new.txt"}, b"")
    routes["/new.txt"] = (200, {}, b"hello")
    name = download(f"{base}/old", tmp_path / "f", max_bytes=10, timeout=5, allowed_networks=LOOPBACK)
    assert name == "new.txt"


def test_it_stops_at_the_size_limit(server, tmp_path):
    base, routes = server
    routes["/big"] = (200, {}, b"x" * 20_000)
    with pytest.raises(InputError) as raised:
        download(f"{base}/big", tmp_path / "f", max_bytes=10_000, timeout=5, allowed_networks=LOOPBACK)
    assert raised.value.code == "InvalidParameter.FileTooLarge"


def test_it_reports_http_errors(server, tmp_path):
    base, _ = server
    with pytest.raises(InputError) as raised:
        download(f"{base}/nothing", tmp_path / "f", max_bytes=10, timeout=5, allowed_networks=LOOPBACK)
    assert raised.value.code == "Download.Failed"
    assert "404" in raised.value.message


def test_a_public_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(InputError) as raised:
        check_url("https://media.example.com/clip.mp4", [])
    assert raised.value.code == "Forbidden.PrivateAddress"


def test_an_unresolvable_host_is_a_clear_error(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(InputError) as raised:
        check_url("https://nowhere.example/clip.mp4", [])
    assert raised.value.code == "InvalidParameter.Url"


def test_the_connection_goes_to_the_checked_address(monkeypatch):
    """DNS rebinding: the address checked is the address connected to, not a second lookup."""
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    target = check_url("http://rebind.example/x", [])
    assert target.address == "93.184.216.34"
    from jobs.inputs import open_connection

    assert open_connection(target, 1)._address == "93.184.216.34"


def test_a_server_trickling_bytes_is_given_up_at_the_deadline(server, tmp_path):
    import time

    base, routes = server

    def one_byte_every_tenth_of_a_second():
        for _ in range(600):
            time.sleep(0.1)
            yield b"x"

    routes["/slow.jpg"] = (200, {"Content-Length": "600"}, one_byte_every_tenth_of_a_second)
    started = time.monotonic()
    with pytest.raises(InputError) as raised:
        # Each read gets a byte well within its 5 s timeout: only the deadline can end this.
        download(
            f"{base}/slow.jpg",
            tmp_path / "f",
            max_bytes=10_000,
            timeout=5,
            allowed_networks=LOOPBACK,
            deadline=1.0,
        )
    assert raised.value.code == "Download.Timeout"
    assert raised.value.permanent
    assert time.monotonic() - started < 3
