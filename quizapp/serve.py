"""`quizapp serve`: the whole TUI in a browser tab, through Textualize's textual-serve.

textual-serve starts one quizapp process per browser tab (per websocket) and relays the terminal
between the process and xterm.js in the page. This module adds what a learner's command needs
around it: the tab's process is the same TUI with the same bank and data folder as the terminal,
the port is bound before anything is printed (a port in use is one line, exit 2), and SIGTERM or
Ctrl-C ends every tab's process before the server exits 0.

textual_serve (and aiohttp under it) is imported only inside :func:`serve`, so the other commands
never load it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import ipaddress
import shlex
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .commands import OK, UsageError, _bank_dir

# How long a tab's process gets to leave after it is asked to quit, and then after SIGTERM.
QUIT_GRACE_S = 5.0
TERM_GRACE_S = 2.0


def app_command(bank: Path | None, data: Path | None) -> str:
    """The shell command textual-serve runs for each tab: this interpreter's quizapp TUI (so any
    venv works), with --bank and --data-dir only where the server was given them, so that the tab
    follows the terminal's rules for the rest ($QUIZAPP_DATA_DIR, the bundled bank). `exec` makes
    the app itself the process textual-serve starts, so ending it ends the app, not a shell."""
    argv = [sys.executable, "-m", "quizapp"]
    if bank is not None:
        argv += ["--bank", str(bank.resolve())]
    if data is not None:
        argv += ["--data-dir", str(data.resolve())]
    return "exec " + shlex.join(argv)


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback address (127.0.0.0/8, ::1, localhost)."""
    if _loopback_ip(host):
        return True
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(str(info[4][0])).is_loopback for info in found)


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address `host` resolves to (port 0: one free port the OS picks,
    the same on all of them), or a UsageError that says in one line why not."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number (0..65535)")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise UsageError(f"--host {host}: cannot resolve it ({exc.strerror or exc})") from None
    sockets: list[socket.socket] = []
    seen: set[tuple[Any, ...]] = set()
    try:
        for family, kind, proto, _, address in found:
            if (family, *address[:2]) in seen:
                continue
            seen.add((family, *address[:2]))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does: quick restarts
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:
                address = (address[0], sockets[0].getsockname()[1], *address[2:])
            sock.bind(address)
            sock.listen(128)
            sock.setblocking(False)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is in use (another quizapp serve?); choose another with --port"
            ) from None
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f"cannot listen on {host} port {port}: {reason}") from None
    return sockets


def url_of(host: str, port: int) -> str:
    """The address to open in a browser: http://HOST:PORT, with an IPv6 address in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(args: argparse.Namespace) -> int:
    """`quizapp serve [--host H] [--port P]`: serve the TUI to browsers until SIGTERM or Ctrl-C."""
    from .locations import data_dir

    given_bank = _bank_dir(args) if getattr(args, "bank", None) else None
    given_data = getattr(args, "data_dir", None)
    data_dir(given_data)  # a data folder the app could not use is refused here, once, not in each tab
    command = app_command(given_bank, Path(given_data).expanduser() if given_data else None)
    sockets = listen(args.host, args.port)
    url = url_of(args.host, sockets[0].getsockname()[1])
    names = frozenset({args.host.lower(), "localhost"}) if is_loopback(args.host) else None
    if names is None:
        print(
            f"quizapp: warning: {args.host} is not a loopback address: anyone who can reach {url} can use"
            " the app and its data folder (there is no login)",
            file=sys.stderr,
            flush=True,
        )
    # Until the server's own handlers are in place (importing aiohttp takes a while), SIGTERM stops it
    # as Ctrl-C does: quietly, exit 0, nothing started yet.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server = _make_server(command, url, names)
        server.run(sockets, ready=lambda: print(f"quizapp: serving on {url} (Ctrl-C stops)", flush=True))
    except KeyboardInterrupt:
        pass
    finally:
        for sock in sockets:
            sock.close()
    return OK


def refusal(host: str, origin: str | None, names: frozenset[str] | None) -> str | None:
    """Why a request with this Host (and Origin) header must be refused, or None.

    Any web page the learner visits may open a websocket to this port (browsers allow it across
    sites), or point a name of its own at 127.0.0.1 (DNS rebinding). So a browser's websocket must
    come from a page this server served (Origin matches Host; clients that are not browsers send
    none), and a server on loopback answers only to `names` (the --host it was given and localhost)
    or a loopback address, never to a name it would have to look up; `names` is None off loopback."""
    name = urlsplit(f"//{host}").hostname or ""
    if names is not None and name not in names and not _loopback_ip(name):
        return f"this server answers to {', '.join(sorted(names))} or a loopback address, not to {host}"
    if origin is not None and urlsplit(origin).netloc.lower() != host.lower():
        return f"a page from {origin} may not open a tab here"
    return None


def _loopback_ip(name: str) -> bool:
    """True for a loopback address written as one (no name lookup)."""
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _make_server(command: str, url: str, names: frozenset[str] | None) -> Any:
    """A textual-serve Server that runs on sockets bound beforehand and ends its tabs' processes."""
    import logging

    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int

    class QuizappServer(Server):
        """textual-serve's Server, with the checks and the shutdown a learner's command needs."""

        def __init__(self) -> None:
            super().__init__(command, title="quizapp", public_url=url)
            self.tabs: set[AppService] = set()

        async def on_startup(self, app: web.Application) -> None:
            """Say nothing: run()'s `ready` prints the one line that matters, once the port is bound."""

        async def on_shutdown(self, app: web.Application) -> None:
            """Before aiohttp waits for the open websockets, end every tab's app: each one's exit
            closes its websocket, so the handlers finish at once instead of at a timeout."""
            await asyncio.gather(*(end_tab(tab) for tab in list(self.tabs)))

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            """The page, with its websocket address taken from the address the browser used: with
            --host 0.0.0.0 the page must not tell a browser elsewhere to connect to 0.0.0.0."""
            if why := refusal(request.host, None, names):
                raise web.HTTPForbidden(text=why)
            self.public_url = f"{request.scheme}://{request.host}"
            response: web.StreamResponse = await super().handle_index(request)
            return response

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            """textual-serve's handler, keeping each tab's app so that shutdown can end it."""
            if why := refusal(request.host, request.headers.get("Origin"), names):
                raise web.HTTPForbidden(text=why)
            websocket = web.WebSocketResponse(heartbeat=15, timeout=TERM_GRACE_S)
            await websocket.prepare(request)

            async def close() -> None:  # AppService wants a coroutine that returns None
                await websocket.close()

            tab = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.tabs.add(tab)
            try:
                width = to_int(request.query.get("width", "80"), 80)
                height = to_int(request.query.get("height", "24"), 24)
                await tab.start(width, height)
                await until_either(self._process_messages(websocket, tab), app_ended(tab))
            except asyncio.CancelledError:
                pass
            except Exception as error:  # a tab that fails is logged; the server and other tabs go on
                logging.getLogger("textual-serve").exception(error)
            finally:
                self.tabs.discard(tab)
                await end_tab(tab)
                await websocket.close()
            return websocket

        def run(self, sockets: list[socket.socket], ready: Callable[[], None]) -> None:
            """Serve on the bound sockets until SIGINT or SIGTERM, then end every tab's app; `ready`
            is called once the signals are handled, just before the first request can be served."""
            logging.basicConfig(level=logging.WARNING, format="quizapp serve: %(message)s")
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.request_exit)
            ready()
            web.run_app(
                self._make_app(),
                sock=sockets,
                handle_signals=False,
                loop=loop,
                print=None,
                access_log=None,
                shutdown_timeout=QUIT_GRACE_S + 2 * TERM_GRACE_S,
            )

    async def app_ended(tab: AppService) -> None:
        """Return once the tab's app has ended and its last output is relayed. An app that quits
        says so (textual-serve then closes the socket); one that could not start (its data file
        unreadable, say) or died says nothing, and the page would wait on a blank screen for ever:
        the caller closes the socket, and the page shows "Session ended."."""
        relay = getattr(tab, "_task", None)  # textual-serve's task that relays the app's output
        if relay is not None:
            await asyncio.shield(relay)  # AppService.stop() awaits it too
        process = getattr(tab, "_process", None)
        if process is not None:
            await process.wait()

    async def until_either(*steps: Coroutine[Any, Any, None]) -> None:
        """Run the steps until the first one returns (or fails), then cancel the others."""
        tasks = [asyncio.ensure_future(step) for step in steps]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def end_tab(tab: AppService) -> None:
        """Ask the tab's app to quit and wait for it; then SIGTERM it, then SIGKILL it."""
        process = getattr(tab, "_process", None)  # textual-serve keeps the asyncio Process here

        async def quit_and_wait() -> None:
            await tab.stop()  # sends quit, returns when the app's output ends
            if process is not None:
                await process.wait()  # reaped by asyncio: signalling it first could reap it twice

        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(quit_and_wait(), QUIT_GRACE_S)
        if process is None:
            return
        for send in (process.terminate, process.kill):
            if process.returncode is not None:
                return
            try:
                send()
                await asyncio.wait_for(process.wait(), TERM_GRACE_S)
            except ProcessLookupError:
                return
            except TimeoutError:
                continue

    return QuizappServer()
