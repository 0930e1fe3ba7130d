"""The web page `tutor serve` sends each browser tab (a template for textual-serve).

Everything the page loads comes from the server itself: textual-serve's own static files (its
JavaScript, xterm's stylesheet, the Roboto Mono font it ships) and this folder's `app_index.html`,
so a classroom server asks nothing of any other machine.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent


def serve(command: str, *, host: str, port: int, title: str, public_url: str | None) -> None:
    """Run textual-serve on host:port until Ctrl+C, starting ``command`` once per browser tab."""
    from textual_serve.server import Server

    Server(command, host=host, port=port, title=title, public_url=public_url, templates_path=TEMPLATES).serve()
