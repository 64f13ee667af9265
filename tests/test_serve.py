"""`quizapp serve` as a user meets it, without a browser: one line on start, SIGTERM and Ctrl-C end it
and every tab's app with exit 0, a port in use is one line and exit 2, a non-loopback host is warned
about. A tab is opened with a plain websocket client, as the page's script does."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from quizapp.cli import build_parser
from quizapp.serve import app_command, is_loopback, refusal, url_of
from quizapp.store import DB_NAME

from .conftest import ROOT
from .serving import start_serve, still_running, stop, wait_for_children

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="quizapp is POSIX-only")


def subprocess_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizapp", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_the_tab_command_is_this_interpreters_quizapp_with_the_given_bank_and_data(tmp_path: Path) -> None:
    bank, data = tmp_path / "my bank", tmp_path / "data 'dir'"
    command = app_command(bank, data)
    assert command.startswith("exec ")
    argv = shlex.split(command)[1:]
    assert argv == [sys.executable, "-m", "quizapp", "--bank", str(bank.resolve()), "--data-dir", str(data)]
    assert shlex.split(app_command(None, None))[1:] == [sys.executable, "-m", "quizapp"]


def test_the_other_commands_never_load_the_web_server() -> None:
    code = (
        "import sys, quizapp.cli, quizapp.serve\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual_serve', 'aiohttp'))\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_serve_defaults_to_this_machine_only() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    args = build_parser().parse_args(["--data-dir", "d", "serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port, args.data_dir) == ("0.0.0.0", 9000, "d")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_urls_bracket_ipv6() -> None:
    assert url_of("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert url_of("::1", 8000) == "http://[::1]:8000"


LOOPBACK = frozenset({"127.0.0.1", "localhost"})


@pytest.mark.parametrize(
    ("host", "origin", "names", "refused"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", LOOPBACK, None),
        ("localhost:8000", "http://localhost:8000", LOOPBACK, None),
        ("[::1]:8000", None, LOOPBACK, None),  # not a browser: no Origin
        ("127.0.0.1:8000", "https://evil.example", LOOPBACK, "a page from https://evil.example"),
        ("127.0.0.1:8000", "null", LOOPBACK, "a page from null"),
        ("evil.example:8000", "http://evil.example:8000", LOOPBACK, "not to evil.example:8000"),
        ("quizbox.lan:8000", "http://quizbox.lan:8000", None, None),  # --host 0.0.0.0: any name
        ("quizbox.lan:8000", "http://evil.example", None, "a page from http://evil.example"),
    ],
)
def test_only_its_own_pages_open_tabs(
    host: str, origin: str | None, names: frozenset[str] | None, refused: str | None
) -> None:
    said = refusal(host, origin, names)
    assert (said is None) if refused is None else (said is not None and refused in said)


def test_a_page_from_another_site_cannot_open_a_tab(tmp_path: Path) -> None:
    proc, url = start_serve(tmp_path / "data")

    async def attempts() -> list[int]:
        import aiohttp

        ws_url = url.replace("http://", "ws://") + "/ws"
        async with aiohttp.ClientSession() as session:
            statuses = []
            try:
                await session.ws_connect(ws_url, headers={"Origin": "https://evil.example"})
            except aiohttp.WSServerHandshakeError as exc:
                statuses.append(exc.status)
            async with session.get(url, headers={"Host": "evil.example"}) as page:
                statuses.append(page.status)
            async with session.get(url) as page:
                statuses.append(page.status)
            return statuses

    try:
        assert asyncio.run(attempts()) == [403, 403, 200]
        assert wait_for_children(proc.pid, 0) == []  # no app was started
    finally:
        proc.send_signal(signal.SIGTERM)
    code, out, err = stop(proc)
    assert code == 0 and out == "" and err == ""


def test_sigterm_stops_it_with_exit_0_and_one_line(tmp_path: Path) -> None:
    proc, url = start_serve(tmp_path / "data")
    assert url.startswith("http://127.0.0.1:")
    proc.send_signal(signal.SIGTERM)
    code, out, err = stop(proc)
    assert code == 0, err
    assert out == "" and err == ""  # no traceback, no banner, no warning on loopback


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess_run("serve", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr and "--port" in done.stderr


def test_a_bad_port_or_data_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess_run("serve", "--port", "70000", "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2 and "not a port number" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "file").write_text("")
    done = subprocess_run("serve", "--port", "0", "--data-dir", str(tmp_path / "file"))
    assert done.returncode == 2 and "is a file, not a folder" in done.stderr and done.stdout == ""


def test_a_host_beyond_this_machine_is_warned_about(tmp_path: Path) -> None:
    proc, url = start_serve(tmp_path / "data", "--host", "0.0.0.0")
    assert url.startswith("http://0.0.0.0:")
    proc.send_signal(signal.SIGTERM)
    code, _, err = stop(proc)
    assert code == 0
    [warning] = err.splitlines()
    assert warning.startswith("quizapp: warning: 0.0.0.0 is not a loopback address")
    assert "anyone who can reach" in warning and "data folder" in warning


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stopping_ends_every_tabs_app(tmp_path: Path, how: str) -> None:
    """Two tabs, two app processes; Ctrl-C (SIGINT to the whole process group, as a terminal sends
    it) or SIGTERM (to the server alone) ends both and the server exits 0."""
    proc, url = start_serve(tmp_path / "data", new_session=True)

    async def two_tabs_then_stop() -> list[int]:
        import aiohttp

        ws_url = url.replace("http://", "ws://") + "/ws?width=100&height=30"
        async with aiohttp.ClientSession() as session:
            tabs = [await session.ws_connect(ws_url) for _ in range(2)]
            for tab in tabs:  # each app has drawn its first screen
                message = await asyncio.wait_for(tab.receive(), 60)
                assert message.type == aiohttp.WSMsgType.BINARY, message
            apps = await asyncio.to_thread(wait_for_children, proc.pid, 2)
            if how == "ctrl-c":
                os.killpg(proc.pid, signal.SIGINT)
            else:
                proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)
            return apps

    apps = asyncio.run(two_tabs_then_stop())
    code, out, err = stop(proc)
    assert len(apps) == 2
    assert code == 0, err
    assert out == "" and err == ""  # no traceback, nothing from the apps either
    assert still_running(apps) == []


def test_a_tab_whose_app_cannot_start_is_closed_not_left_blank(tmp_path: Path) -> None:
    """An app that ends without saying so (here its data file is not a database, so it exits 2 with
    one line) must not leave the page waiting on a blank screen: the socket closes, the page says
    "Session ended.", the reason is in the serving terminal, and the server goes on."""
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"this is not a database, it was never one" * 100)
    proc, url = start_serve(data)

    async def open_tab() -> list[aiohttp.WSMsgType]:
        ws_url = url.replace("http://", "ws://") + "/ws?width=100&height=30"
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as tab:
            kinds = []
            while (message := await asyncio.wait_for(tab.receive(), 60)).type == aiohttp.WSMsgType.BINARY:
                kinds.append(message.type)
            kinds.append(message.type)
            return kinds

    try:
        kinds = asyncio.run(open_tab())
        assert kinds[-1] in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), kinds
        assert proc.poll() is None  # the server is still serving
    finally:
        proc.send_signal(signal.SIGTERM)
    code, out, err = stop(proc)
    assert code == 0, err
    assert "cannot open the data file" in out + err and "Traceback" not in out + err
