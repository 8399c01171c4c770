"""`script2rp push`: a build folder -> a dataset repository on the Hugging Face Hub, in one commit.

What goes up: every `<config>.parquet`, the dataset card (`README.md`, regenerated with example
rows and statistics first) and the plots it shows (`images/*.png`). Never the LLM cache
(`.script2rp/`) or `report.json` (local paths, raw failed answers).

The remote tree is compared with the local files first (git blob SHA-1 for regular files, SHA-256
for LFS files, which is what the Hub lists), and only changed files go into the commit; files this
command manages that the build no longer has (a config dropped, an old plot) are deleted in the same
commit. Pushing an unchanged build therefore makes no commit and uploads nothing.

The token comes from `HF_TOKEN` or the saved login (`hf auth login`) and is never printed.
`HF_ENDPOINT` points the client at another Hub (the tests use a local one).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from script2rp import __version__
from script2rp.errors import BadInput

REPO_TYPE = "dataset"
# Remote files this command owns: deleted when the build no longer has them.
MANAGED = ("*.parquet", "README.md", "images/*.png")


class PushError(BadInput):
    """A problem with the inputs or the setup (exit 2), said in one line."""


@dataclass
class PushResult:
    repo_id: str
    revision: str
    files: list[str]  # everything the build has for the repo
    uploaded: list[str] = field(default_factory=list)  # added or changed in the commit
    deleted: list[str] = field(default_factory=list)
    commit_url: str | None = None  # None: nothing changed, no commit made
    created: bool = False


def build_files(out: Path) -> list[str]:
    """Paths (relative to OUT, POSIX) of what a push uploads, sorted."""
    files = sorted(p.name for p in out.glob("*.parquet") if p.is_file())
    if (out / "README.md").is_file():
        files.append("README.md")
    images = out / "images"
    if images.is_dir():
        files += sorted(f"images/{p.name}" for p in images.glob("*.png") if p.is_file())
    return files


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _unchanged(data: bytes, remote) -> bool:
    if remote is None:
        return False
    lfs = getattr(remote, "lfs", None)
    if lfs is not None:
        sha = lfs.get("sha256") if isinstance(lfs, dict) else getattr(lfs, "sha256", None)
        return sha == hashlib.sha256(data).hexdigest()
    return remote.blob_id == git_blob_sha1(data)


def check_build(out: Path) -> None:
    if not out.is_dir():
        raise PushError(f"{out}: no such folder")
    if not (out / "report.json").is_file():
        raise PushError(f"{out}: not a script2rp build (no report.json); run `script2rp build ... --out {out}` first")
    if not any(out.glob("*.parquet")):
        raise PushError(f"{out}: the build has no parquet files")


def push(out: Path, repo_id: str, *, private: bool = False, revision: str | None = None,
         message: str | None = None, license: str = "other", token: str | None = None,
         log=print) -> PushResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    from script2rp.export.dataset_card import refresh_card

    out = Path(out)
    check_build(out)
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise PushError(f"--repo-id wants OWNER/NAME, got {repo_id!r}")
    token = token or get_token()
    if not token:
        raise PushError("no Hugging Face token: set HF_TOKEN or run `hf auth login`")
    refresh_card(out, license=license, repo_id=repo_id)
    files = build_files(out)
    api = HfApi(token=token)
    branch = revision or "main"
    result = PushResult(repo_id=repo_id, revision=branch, files=files)

    try:
        existed = True
        try:
            info = api.repo_info(repo_id, repo_type=REPO_TYPE)
        except RepositoryNotFoundError:
            existed, info = False, None
        if not existed:
            api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
            result.created = True
            log(f"created {'private ' if private else ''}dataset repo {repo_id}")
        elif private and not info.private:
            api.update_repo_settings(repo_id, repo_type=REPO_TYPE, private=True)
            log(f"made {repo_id} private")
        if revision:
            api.create_branch(repo_id, repo_type=REPO_TYPE, branch=revision, exist_ok=True)
        try:
            remote = {f.path: f for f in api.list_repo_tree(repo_id, repo_type=REPO_TYPE, revision=branch, recursive=True)
                      if hasattr(f, "blob_id")}
        except (RevisionNotFoundError, RepositoryNotFoundError):
            remote = {}

        operations = []
        for path in files:
            data = (out / path).read_bytes()
            if not _unchanged(data, remote.get(path)):
                operations.append(CommitOperationAdd(path_in_repo=path, path_or_fileobj=data))
                result.uploaded.append(path)
        for path in sorted(remote):
            if path not in files and any(fnmatch(path, pattern) and pattern.count("/") == path.count("/")
                                         for pattern in MANAGED):
                operations.append(CommitOperationDelete(path_in_repo=path))
                result.deleted.append(path)
        if not operations:
            log(f"{repo_id}@{branch} already has this build: nothing to upload")
            return result
        summary = message or (f"script2rp {__version__}: {len([f for f in files if f.endswith('.parquet')])} configs, "
                              "dataset card and plots")
        commit = api.create_commit(repo_id, repo_type=REPO_TYPE, operations=operations, commit_message=summary,
                                   revision=branch)
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (401, 403):
            raise PushError(f"the Hub refused the token for {repo_id} (HTTP {status}): check HF_TOKEN has write access") from exc
        raise
    result.commit_url = commit.commit_url
    log(f"pushed {len(result.uploaded)} file(s)" + (f", deleted {len(result.deleted)}" if result.deleted else "")
        + f" to {repo_id}@{branch}: {commit.commit_url}")
    return result
