"""``cosim dashboard``: an interactive browser dashboard for lecturers.

Serves a page (NiceGUI, whose JavaScript ships inside the wheel, so the page
works with no internet access) where a class picks a scenario, moves the policy
levers (sliders and switches generated from the scenario schema), runs, steps,
pauses and resets, and watches the city map and live charts of the policy run
beside a baseline run of the same citizens with the same seed.

The parts: :mod:`cosim.dashboard.session` (the two runs; no UI code),
:mod:`cosim.dashboard.controls` (widgets from the schema),
:mod:`cosim.dashboard.charts` (charts and the map from a frame),
:mod:`cosim.dashboard.app` (the page) and ``notes.toml`` (teaching notes).
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
import sys
from pathlib import Path

from cosim.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 lets others on the network connect)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free port)",
    )
    p.add_argument(
        "--scenario",
        default=None,
        help="scenario file shown first (default: the bundled baseline); the page offers every bundled scenario",
    )
    p.add_argument(
        "--citizens",
        type=int,
        default=None,
        help="citizens in each run (default 5,000, which keeps the page responsive)",
    )
    p.add_argument(
        "--max-citizens",
        type=int,
        default=None,
        help="the most citizens per run a page may ask for (default 20,000); the page refuses more with a message",
    )


def main(args: argparse.Namespace) -> int:
    from cosim.dashboard.session import DEFAULT_CITIZENS, DEFAULT_MAX_CITIZENS, SCENARIO_DIR, prepare

    try:
        import nicegui  # noqa: F401
    except ModuleNotFoundError:
        raise UsageError("the dashboard needs NiceGUI: pip install 'cosim-coproduction[dashboard]'") from None
    scenario = Path(args.scenario) if args.scenario else SCENARIO_DIR / "baseline.toml"
    cap = DEFAULT_MAX_CITIZENS if args.max_citizens is None else args.max_citizens
    if cap < 1:
        raise UsageError(f"--max-citizens: expected a number of citizens >= 1, got {cap}")
    n = min(DEFAULT_CITIZENS, cap) if args.citizens is None else args.citizens
    if n > cap:
        raise UsageError(f"--citizens {n:,} is above --max-citizens {cap:,}: raise --max-citizens or ask for fewer")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: expected 0-65535, got {args.port}")
    # validates the file at the dashboard's size (ScenarioError names file and key); builds no model
    prepare(scenario, n)
    host = args.host
    family, addr = _resolve(host)
    port = _free_port(host, family, addr) if args.port == 0 else args.port
    _check_bind(host, port, family, addr)
    if not _is_loopback(host):
        print(
            f"warning: listening on {host}: anyone who can reach this computer can use the dashboard",
            file=sys.stderr,
        )
    print(f"cosim dashboard: {scenario}, {n:,} citizens per run (at most {cap:,} a page may ask for); Ctrl+C stops")
    for who, url in urls(host, port):
        print(f"  {who}: {url}")
    sys.stdout.flush()
    # the page server must not think it runs inside pytest (NiceGUI then changes ports)
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    from cosim.dashboard.app import serve

    serve(host, port, scenario, n, cap)
    return 0


def urls(host: str, port: int) -> list[tuple[str, str]]:
    """``(who, url)`` to print: this computer's URL, and with a wildcard host the students' URLs.

    With ``--host 0.0.0.0`` (or ``::``) the server answers on every address of this
    computer: the lecturer uses 127.0.0.1, students one of :func:`lan_addresses`.
    """
    if host not in ("0.0.0.0", "::", ""):
        shown = f"[{host}]" if ":" in host else host
        return [("open", f"http://{shown}:{port}/")]
    out = [("this computer", f"http://127.0.0.1:{port}/")]
    lan = lan_addresses()
    for a in lan:
        out.append(("students on the network", f"http://{a}:{port}/"))
    if not lan:
        out.append(("students on the network", f"http://<this computer's address>:{port}/ (no network address found)"))
    return out


def lan_addresses() -> list[str]:
    """This computer's non-loopback IPv4 addresses, found without sending anything.

    A UDP socket "connected" to a private address picks the interface the system would
    route through (connect() on UDP sends no packet); the addresses the host name
    resolves to (``/etc/hosts`` or the resolver) are added.
    """
    found: list[str] = []
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                found.append(s.getsockname()[0])
        except OSError:
            continue
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_STREAM):
            found.append(str(info[4][0]))
    except OSError:
        pass
    out = []
    for a in found:
        try:
            ip = ipaddress.ip_address(a)
        except ValueError:
            continue
        if not (ip.is_loopback or ip.is_unspecified or ip.is_link_local) and a not in out:
            out.append(a)
    return out


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _resolve(host: str) -> tuple[int, tuple]:
    """The socket family and address ``host`` binds to; a clear UsageError if it is not an address here."""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UsageError(f"--host {host}: not a name or address this computer can resolve") from None
    family, _, _, _, addr = infos[0]
    return family, addr


def _free_port(host: str, family: int, addr: tuple) -> int:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((addr[0], 0, *addr[2:]))
        except OSError as exc:
            raise UsageError(f"--host {host}: not an address of this computer ({exc.strerror})") from None
        return int(s.getsockname()[1])


def _check_bind(host: str, port: int, family: int, addr: tuple) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((addr[0], port, *addr[2:]))
        except OSError as exc:
            if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                raise UsageError(f"--host {host}: not an address of this computer ({exc.strerror})") from None
            raise UsageError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                "choose another port, or --port 0 for a free one"
            ) from None
