"""`lipvote bundle`: write closed motions' bundles from the database, byte for byte the files the
audit pages offer, for auditors who work from the server itself or archive every vote."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.audit_portal.export import CLOSED_STATES, closed_motions, motion_bundle_bytes, motion_bundle_filename
from app.extensions import db
from app.motions.models import Motion


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a reader never sees half a bundle."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"Cannot write {path}: {e.strerror or e}.") from e


@click.command("bundle")
@click.argument("motion_id", type=int, required=False)
@click.option("-o", "--output", metavar="FILE", help="Where to write the bundle ('-' for standard output).")
@click.option("--all", "all_dir", metavar="DIR", help="Write one bundle per closed motion into DIR (created if needed).")
@with_appcontext
def bundle_command(motion_id: int | None, output: str | None, all_dir: str | None) -> None:
    """Write a closed motion's bundle: lipvote bundle MOTION_ID -o FILE, or lipvote bundle --all DIR."""
    if all_dir is not None:
        if motion_id is not None or output is not None:
            raise click.UsageError("Give either MOTION_ID -o FILE or --all DIR, not both.")
        _write_all(Path(all_dir))
        return
    if motion_id is None or output is None:
        raise click.UsageError("Give MOTION_ID -o FILE, or --all DIR.")
    motion = db.session.get(Motion, motion_id)
    if motion is None:
        raise click.ClickException(f"There is no motion {motion_id}.")
    if motion.state not in CLOSED_STATES:
        raise click.ClickException(f"Motion {motion_id} is {motion.state.value}; its bundle exists once it is closed.")
    data = motion_bundle_bytes(motion)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    _write(Path(output), data)
    click.echo(f"Wrote the bundle of motion {motion_id} to {output} ({len(data)} bytes).", err=True)


def _write_all(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise click.ClickException(f"Cannot create {folder}: {e.strerror or e}.") from e
    motions = closed_motions()
    for motion in motions:
        _write(folder / motion_bundle_filename(motion.id), motion_bundle_bytes(motion))
    click.echo(f"Wrote {len(motions)} bundle(s) of closed motions to {folder}.", err=True)
