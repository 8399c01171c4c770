"""`script2rp push`: upload a build to the Hugging Face Hub as a dataset (see `script2rp.export.hub`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from script2rp.commands import error
from script2rp.errors import EXIT_FAILURES, EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "push", parents=[common], help="upload a build to the Hugging Face Hub as a dataset",
        description="Upload a build folder's parquet configs, its dataset card (regenerated with example rows "
        "and statistics plots) and the plots to a Hub dataset repo, in one commit. Only changed files are "
        "uploaded: pushing an unchanged build does nothing. Token: HF_TOKEN or `hf auth login`.",
    )
    p.add_argument("out", type=Path, metavar="DIR", help="the build folder (script2rp build --out DIR)")
    p.add_argument("--repo-id", required=True, metavar="OWNER/NAME", help="dataset repo, created if needed")
    p.add_argument("--private", action="store_true", help="create the repo private (or make an existing one private)")
    p.add_argument("--revision", metavar="BRANCH", help="branch to commit to (created if needed; default main)")
    p.add_argument("--message", help="commit message")
    p.add_argument("--license", default="other",
                   help="license flag for the card (default 'other': the screenplays belong to their authors)")
    p.add_argument("--dry-run", action="store_true",
                   help="regenerate the card and plots and list what would be uploaded; no network")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from script2rp.export.dataset_card import refresh_card
    from script2rp.export.hub import PushError, build_files, check_build, push

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr)

    if args.dry_run:
        check_build(args.out)
        refresh_card(args.out, license=args.license, repo_id=args.repo_id)
        for path in build_files(args.out):
            print(f"{(args.out / path).stat().st_size:>10}  {path}")
        return EXIT_OK
    try:
        push(args.out, args.repo_id, private=args.private, revision=args.revision, message=args.message,
             license=args.license, log=log)
    except PushError:
        raise
    except Exception as exc:  # the Hub or the network failed: one line (the token is never in it)
        if args.debug:
            raise
        detail = " ".join(str(exc).split())[:300]
        error(f"push to {args.repo_id} failed: {type(exc).__name__}: {detail}")
        return EXIT_FAILURES
    return EXIT_OK
