"""`script2rp push` against a local Hub on 127.0.0.1 (tests/export/hub_server.py), through the real
CLI and the real huggingface_hub client: the commit's files and bytes, the card's YAML, the private
flag, and that pushing the same build again changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from script2rp.tasks import CONFIGS

from .conftest import REPO
from .hub_server import HubServer

TOKEN = "hf_test_0123456789abcdefSECRET"
REPO_ID = "someone/harbour-rp"


@pytest.fixture
def hub() -> Iterator[HubServer]:
    server = HubServer(token=TOKEN)
    yield server
    server.close()


def push(hub: HubServer, out: Path, *args: object, token: str | None = TOKEN, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "HUGGING_FACE_HUB_TOKEN"}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(home), HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
               HF_HUB_DISABLE_PROGRESS_BARS="1")
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "script2rp", "push", str(out), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


def test_push_creates_one_commit_with_configs_card_and_plots(hub, fresh_build, tmp_path):
    proc = push(hub, fresh_build, "--repo-id", REPO_ID, "--private", "--message", "first build", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr

    repo = hub.repos[("dataset", REPO_ID)]
    assert repo.private is True
    history = hub.commits("dataset", REPO_ID)
    assert len(history) == 2  # the repo's initial commit and ours: one commit for the whole build
    commit = history[0]
    assert commit.message == "first build"
    pushed = set(commit.files) - {".gitattributes"}
    built = [c for c in CONFIGS if (fresh_build / f"{c}.parquet").exists()]  # director has no rows here
    assert "director" not in built and len(built) == len(CONFIGS) - 1
    expected = {f"{c}.parquet" for c in built} | {"README.md"} | {
        "images/dialogue_blocks_per_character.png", "images/scenes_per_script.png",
        "images/scene_length_words.png", "images/characters_per_scene.png"}
    assert pushed == expected
    for path in pushed:  # byte for byte what the build folder holds
        assert commit.files[path] == (fresh_build / path).read_bytes(), path
    assert not any(p.startswith(".script2rp") or p == "report.json" for p in commit.files)
    # Binary files went through LFS, stored by their SHA-256; the card as a regular file.
    assert {p for p in commit.lfs} == {p for p in pushed if p.endswith((".parquet", ".png"))}
    assert set(hub.lfs_uploads) == {hashlib.sha256(commit.files[p]).hexdigest() for p in commit.lfs}

    card = commit.files["README.md"].decode()
    meta = yaml.safe_load(card.split("---\n", 2)[1])
    assert [c["config_name"] for c in meta["configs"]] == built
    assert all(c["data_files"] == f"{c['config_name']}.parquet" for c in meta["configs"])
    assert meta["license"] == "other" and meta["license_name"]
    assert meta["language"] == ["en"] and meta["task_categories"] == ["text-generation"]
    assert "roleplay" in meta["tags"] and meta["size_categories"] == ["n<1K"] and meta["pretty_name"]
    assert "We do not own the screenplays" in card
    assert f'load_dataset("{REPO_ID}", "plain_scenes"' in card
    assert "![Dialogue blocks per character (top 20)](images/dialogue_blocks_per_character.png)" in card
    assert "Example row:" in card and "script2rp build " in card
    # The shape asked for and the build's own fidelity check, from its report.
    report = json.loads((fresh_build / "report.json").read_text(encoding="utf-8"))
    shape, check = report["shape"], report["check"]
    assert f"- shape `{shape['name']}`: cards with {shape['traits'][0]}-{shape['traits'][1]} traits" in card
    violations = sum(c["violations"] for c in check["configs"].values())
    rows = sum(c["rows"] for c in check["configs"].values())
    assert f"- fidelity (`script2rp check`): {violations} violations in {rows} rows" in card
    assert all(f"{config} {c['violations']}/{c['rows']}" in card for config, c in check["configs"].items())
    # Every authenticated call carried the token; the LFS upload went to the storage URL.
    assert ("POST", "/api/validate-yaml") in hub.requests
    assert any(path.endswith(".git/info/lfs/objects/batch") for _, path in hub.requests)


def test_second_push_of_the_same_build_changes_nothing(hub, fresh_build, tmp_path):
    assert push(hub, fresh_build, "--repo-id", REPO_ID, home=tmp_path).returncode == 0
    head = hub.commits("dataset", REPO_ID)[0].oid
    uploads, seen = list(hub.lfs_uploads), len(hub.requests)
    card = (fresh_build / "README.md").read_bytes()

    proc = push(hub, fresh_build, "--repo-id", REPO_ID, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "nothing to upload" in proc.stderr
    assert hub.commits("dataset", REPO_ID)[0].oid == head  # no new commit
    assert hub.lfs_uploads == uploads  # no bytes uploaded
    later = hub.requests[seen:]
    assert not any("/commit/" in p or "/preupload/" in p or "lfs" in p for _, p in later), later
    assert (fresh_build / "README.md").read_bytes() == card  # card and plots regenerate identically
    assert hub.repos[("dataset", REPO_ID)].private is False


def test_changed_build_uploads_only_what_changed_and_removes_dropped_configs(hub, fresh_build, tmp_path):
    assert push(hub, fresh_build, "--repo-id", REPO_ID, home=tmp_path).returncode == 0
    uploads = len(hub.lfs_uploads)
    (fresh_build / "memories.parquet").unlink()  # e.g. a rebuild without that config
    report = json.loads((fresh_build / "report.json").read_text())
    del report["rows"]["memories"]
    (fresh_build / "report.json").write_text(json.dumps(report))
    proc = push(hub, fresh_build, "--repo-id", REPO_ID, "--private", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    history = hub.commits("dataset", REPO_ID)
    assert len(history) == 3
    files = history[0].files
    assert "memories.parquet" not in files and "scene_by_scene.parquet" in files
    assert files["README.md"] == (fresh_build / "README.md").read_bytes()
    assert "memories" not in files["README.md"].decode().split("---\n", 2)[1]
    # Unchanged parquet files were not sent again (at most the plots changed).
    assert all(p.endswith(".png") for p in history[0].files if history[0].files[p] != history[1].files.get(p)
               and p != "README.md")
    assert len(hub.lfs_uploads) - uploads <= 4
    assert hub.repos[("dataset", REPO_ID)].private is True  # --private on an existing repo


def test_push_to_a_branch(hub, fresh_build, tmp_path):
    proc = push(hub, fresh_build, "--repo-id", REPO_ID, "--revision", "v1", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert set(hub.commits("dataset", REPO_ID, "main")[0].files) == {".gitattributes"}
    assert "README.md" in hub.commits("dataset", REPO_ID, "v1")[0].files


def test_push_errors(hub, fresh_build, tmp_path):
    proc = push(hub, fresh_build, "--repo-id", REPO_ID, token=None, home=tmp_path)
    assert proc.returncode == 2 and "HF_TOKEN" in proc.stderr
    proc = push(hub, fresh_build, "--repo-id", REPO_ID, token="hf_wrong", home=tmp_path)
    assert proc.returncode == 2 and "refused the token" in proc.stderr and "hf_wrong" not in proc.stderr
    proc = push(hub, tmp_path / "nowhere", "--repo-id", REPO_ID, home=tmp_path)
    assert proc.returncode == 2 and "no such folder" in proc.stderr
    proc = push(hub, fresh_build, "--repo-id", "no-owner", home=tmp_path)
    assert proc.returncode == 2 and "OWNER/NAME" in proc.stderr
    proc = push(hub, fresh_build, home=tmp_path)  # argparse: missing --repo-id
    assert proc.returncode == 2
    assert hub.repos == {}


def test_dry_run_lists_files_without_network(fresh_build, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "script2rp", "push", str(fresh_build), "--repo-id", REPO_ID,
                           "--dry-run"], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[-1] for line in proc.stdout.splitlines()]
    assert "README.md" in listed and "scene_by_scene.parquet" in listed and "images/scenes_per_script.png" in listed
    assert "report.json" not in listed
