"""``lipvote witness``: the witness a member LIP runs on its own machine.

    lipvote witness keygen --name NAME --out FILE
    lipvote witness serve --key FILE --state DIR --listen HOST:PORT --log-key VKEY [--log-key VKEY ...]

``keygen`` writes a new witness key (mode 0600, never over an existing file) and prints its
public key (vkey), which the member gives to the federation. ``serve`` answers C2SP
tlog-witness ``POST /add-checkpoint`` (:mod:`ballots.witness`) with the standard library's HTTP
server, one thread per connection, requests of at most
:data:`ballots.witness.MAX_REQUEST_BYTES`. Bad arguments get one sentence and exit status 2.
Also runs as ``python -m ballots.witness_cli``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TextIO

from .cosignature import Cosigner
from .errors import BallotsError
from .note import parse_vkey
from .witness import MAX_REQUEST_BYTES, Answer, Witness

__all__ = ["main", "make_server"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAX_KEY_FILE_BYTES = 4096
READ_TIMEOUT_SECONDS = 10


class _Usage(Exception):
    """A bad argument: one sentence for the person who typed it."""


def build_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Witness a lipvote server's logs: cosign "
                                "its checkpoints after checking that each extends the last.")
    sub = p.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="make a new witness key")
    keygen.add_argument("--name", required=True, help="the witness's name, e.g. "
                        "lip-halifax.example/witness (no spaces or '+')")
    keygen.add_argument("--out", required=True, metavar="FILE", help="where to write the key")
    serve = sub.add_parser("serve", help="answer add-checkpoint requests")
    serve.add_argument("--key", required=True, metavar="FILE", help="the witness key file")
    serve.add_argument("--state", required=True, metavar="DIR",
                       help="folder for the last checkpoint of each log and any fork evidence")
    serve.add_argument("--listen", required=True, metavar="HOST:PORT",
                       help="address to listen on, e.g. 127.0.0.1:7380 (port 0: any free port)")
    serve.add_argument("--log-key", required=True, action="append", metavar="VKEY",
                       help="the server's checkpoint key (repeatable)")
    return p


def _keygen(name: str, out: str, stdout: TextIO) -> int:
    try:
        cosigner = Cosigner.generate(name)
    except BallotsError as e:
        raise _Usage(f"--name {name!r}: {e}") from e
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise _Usage(f"--out {out}: the file already exists; a witness key is never overwritten") from e
    except OSError as e:
        raise _Usage(f"--out {out}: cannot create it ({e.strerror or e})") from e
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(cosigner.to_skey() + "\n")
        f.flush()
        os.fsync(f.fileno())
    stdout.write(f"wrote the witness key to {out}; its public key (give it to the federation):\n"
                 f"{cosigner.vkey}\n")
    return EXIT_OK


def _load_cosigner(path: str) -> Cosigner:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_KEY_FILE_BYTES + 1)
        if len(data) > MAX_KEY_FILE_BYTES:
            raise _Usage(f"--key {path}: larger than a key file")
        return Cosigner.from_skey(data.decode("ascii"))
    except OSError as e:
        raise _Usage(f"--key {path}: cannot read it ({e.strerror or e})") from e
    except (UnicodeDecodeError, BallotsError) as e:
        raise _Usage(f"--key {path}: not a witness key made by 'lipvote witness keygen' ({e})") from e


def _listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise _Usage(f"--listen {text!r}: want HOST:PORT, e.g. 127.0.0.1:7380")
    return host.strip("[]"), int(port)


class _Handler(BaseHTTPRequestHandler):
    server: _WitnessServer
    timeout = READ_TIMEOUT_SECONDS
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        if self.path != "/add-checkpoint":
            return self._send(Answer.text(404, "not found: the witness answers POST /add-checkpoint"))
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            return self._send(Answer.text(411, "a Content-Length is required"))
        if int(length) > MAX_REQUEST_BYTES:
            self.close_connection = True
            return self._send(Answer.text(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes"))
        try:
            body = self.rfile.read(int(length))
        except OSError:  # the client stopped sending (READ_TIMEOUT_SECONDS) or went away
            self.close_connection = True
            return None
        self._send(self.server.witness.add_checkpoint(body))

    def do_GET(self) -> None:  # noqa: N802
        self._send(Answer.text(405, "the witness answers POST /add-checkpoint only"))

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


class _WitnessServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness) -> None:
        self.witness = witness
        super().__init__(address, _Handler)


def make_server(witness: Witness, host: str, port: int) -> _WitnessServer:
    """An HTTP server answering ``add-checkpoint`` for ``witness`` (call ``serve_forever``)."""
    return _WitnessServer((host, port), witness)


def _serve(args: argparse.Namespace, stdout: TextIO) -> int:
    cosigner = _load_cosigner(args.key)
    try:
        log_keys = [parse_vkey(k) for k in args.log_key]
    except BallotsError as e:
        raise _Usage(f"--log-key: {e}") from e
    host, port = _listen_address(args.listen)
    try:
        witness = Witness(cosigner, log_keys, Path(args.state))
    except OSError as e:
        raise _Usage(f"--state {args.state}: cannot use it ({e.strerror or e})") from e
    try:
        server = make_server(witness, host, port)
    except OSError as e:
        raise _Usage(f"--listen {args.listen}: cannot listen there ({e.strerror or e})") from e
    bound_host, bound_port = server.server_address[:2]
    if isinstance(bound_host, bytes):
        bound_host = bound_host.decode("ascii", "replace")
    stdout.write(f"witness {cosigner.vkey} listening on http://{bound_host}:{bound_port}/"
                 f"add-checkpoint for {len(log_keys)} log key(s)\n")
    stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, prog: str = "lipvote witness",
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        args = build_parser(prog).parse_args(list(argv) if argv is not None else None)
    except SystemExit as e:  # argparse has printed its sentence
        return int(e.code or 0)
    try:
        if args.command == "keygen":
            return _keygen(args.name, args.out, out)
        return _serve(args, out)
    except _Usage as e:
        err.write(f"error: {e}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(prog="python -m ballots.witness_cli"))
