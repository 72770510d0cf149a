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


def main(args: argparse.Namespace) -> int:
    from cosim.dashboard.session import DEFAULT_CITIZENS, SCENARIO_DIR, Dashboard

    try:
        import nicegui  # noqa: F401
    except ModuleNotFoundError:
        raise UsageError("the dashboard needs NiceGUI: pip install 'cosim-coproduction[dashboard]'") from None
    scenario = Path(args.scenario) if args.scenario else SCENARIO_DIR / "baseline.toml"
    n = DEFAULT_CITIZENS if args.citizens is None else args.citizens
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: expected 0-65535, got {args.port}")
    # validates the file at the dashboard's size (ScenarioError names file and key)
    Dashboard(scenario, n)
    port = _free_port(args.host) if args.port == 0 else args.port
    _check_bind(args.host, port)
    if not _is_loopback(args.host):
        print(
            f"warning: listening on {args.host}: anyone who can reach this computer can use the dashboard",
            file=sys.stderr,
        )
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    print(f"cosim dashboard: http://{shown}:{port}/  ({scenario}, {n:,} citizens per run; Ctrl+C stops)", flush=True)
    # the page server must not think it runs inside pytest (NiceGUI then changes ports)
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    from cosim.dashboard.app import serve

    serve(args.host, port, scenario, n)
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host if host not in ("", "0.0.0.0") else "127.0.0.1", 0))
        return int(s.getsockname()[1])


def _check_bind(host: str, port: int) -> None:

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UsageError(f"--host {host}: not an address of this computer") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise UsageError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                "choose another port, or --port 0 for a free one"
            ) from None
