"""`tutor serve`: the step-through UI as a web page (textual-serve), for a classroom or a browser."""

from __future__ import annotations

import argparse
import shlex
import socket
import sys
from pathlib import Path

from backprop_tutor.cli._args import check_sample
from backprop_tutor.errors import UsageError
from backprop_tutor.numbers.format import parse_digits

EXAMPLES = """\
examples:
  tutor serve                                 the hand-worked example at http://127.0.0.1:8000
  tutor serve mazur-sigmoid --port 8080       another built-in example, another port
  tutor serve hand.h5 --digits 6              a saved trace (tutor example ... --save-trace, tutor train)
  tutor serve my_net.toml --exact             your own spec file, in exact arithmetic
  tutor serve runs/tanh-0.01/trace.h5 --host 0.0.0.0 --public-url http://192.168.1.20:8000
                                              a classroom: every machine that can reach this one

Each browser tab starts its own copy of the app on this machine. By default only this machine can
open the page (127.0.0.1). --host 0.0.0.0 (or this machine's address) exposes it to everyone who can
reach the address: there is no password, each visitor starts a process here that reads the trace
and can write the e key's Markdown export into this folder. Use it on a network you trust.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="the step-through UI as a web page (for a browser or a classroom)",
        description="Serve the step-through UI through textual-serve: the same screens and keys as "
                    "`tutor view`, drawn in a browser tab.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", default="hand-backprop", metavar="NAME|SPEC|TRACE",
                   help="a built-in example, a spec file (.toml) or a saved trace (.h5) (default: hand-backprop)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 exposes the "
                        "app, without a password, to everyone who can reach this machine)")
    p.add_argument("--port", type=port, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers use to reach the server, when it is not http://HOST:PORT "
                        "(e.g. behind --host 0.0.0.0: http://192.168.1.20:8000)")
    p.add_argument("--group", "--trace", dest="group", metavar="NAME",
                   help="which trace, when the .h5 file holds several (`tutor export FILE --list`)")
    p.add_argument("--exact", action="store_true", help="run a NAME or SPEC in exact arithmetic")
    p.add_argument("--digits", type=parse_digits, default=3, metavar="N",
                   help="significant digits shown, or full (default 3; the d key cycles)")
    p.add_argument("--sample", type=int, default=0, metavar="K", help="the sample shown first (numbered from 0)")
    p.set_defaults(func=run)


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value}: a port is a number from 1 to 65535")
    return value


def check_public_url(url: str | None) -> None:
    """--public-url is the address browsers will use: http(s)://host[:port][/path]."""
    if url is None:
        return
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks that the port is a number in range)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise UsageError(f"--public-url {url!r}: not a web address; give the one browsers will use, e.g. "
                         "http://192.168.1.20:8000")


def check_free(host: str, number: int) -> None:
    """Fail before the banner if the address cannot be listened on."""
    try:
        with socket.create_server((host, number)):
            pass
    except OSError as err:
        raise UsageError(f"cannot listen on {host}:{number} ({err.strerror or err}); "
                         "give another --port, or a --host of this machine") from None


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.trace.store import TraceFile
    from backprop_tutor.tui.launch import is_trace_file, open_target, session_args

    check_public_url(args.public_url)
    target = str(Path(args.target).resolve()) if Path(args.target).is_file() else args.target
    if is_trace_file(target) and args.exact:
        raise UsageError("--exact runs a NAME or SPEC; a saved trace keeps the precision it was recorded in")
    trace = open_target(target, args.group, args.exact)  # fail here, once, rather than in every tab
    title = trace.header.title or "backprop_tutor"
    check_sample(args.sample, trace.header.batch_size, target)
    if isinstance(trace, TraceFile):
        trace.close()
    check_free(args.host, args.port)
    command = shlex.join([sys.executable, "-m", "backprop_tutor.tui.launch",
                          *session_args(target, args.group, args.exact, args.digits, args.sample)])
    from backprop_tutor.tui.web import serve

    serve(command, host=args.host, port=args.port, title=title, public_url=args.public_url)
    return 0
