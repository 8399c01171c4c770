"""A small Hugging Face Hub on 127.0.0.1 for `script2rp push` tests, without network.

It speaks the endpoints `huggingface_hub` calls for a push (found by reading the installed client:
`hf_api.py`, `_commit_api.py`, `lfs.py`), with the same JSON shapes and error headers
(`X-Error-Code: RepoNotFound`/`RevisionNotFound`), and keeps real git-like state: commits made of
files, branches pointing at commits, LFS objects stored by SHA-256.

- `POST /api/repos/create` (409 with the url when the repo exists)
- `GET /api/{type}s/{id}` and `.../revision/{rev}` (repo info: sha, private, siblings)
- `PUT /api/{type}s/{id}/settings` (visibility)
- `POST /api/{type}s/{id}/branch/{branch}`
- `GET /api/{type}s/{id}/tree/{rev}[/{path}]?recursive=` (path info with git blob oid and `lfs`)
- `POST /api/validate-yaml` (the card's front matter must be a YAML mapping)
- `POST /api/{type}s/{id}/preupload/{rev}` (upload mode and remote oid per file)
- `POST /{type}s/{id}.git/info/lfs/objects/batch`, `PUT /lfs-upload/{oid}`, `POST /lfs-verify`
  (the basic LFS transfer; objects already stored get no upload action)
- `POST /api/{type}s/{id}/commit/{rev}` (the ndjson commit: header, file, lfsFile, deletedFile)

The Xet transfer is not spoken: tests run the client with `HF_HUB_DISABLE_XET=1`, which makes it use
the LFS protocol above. Every request is logged in `requests` for the tests to inspect.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import yaml

LFS_SUFFIXES = (".parquet", ".png", ".arrow", ".bin", ".safetensors", ".jpg", ".zip", ".gz")
GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.png filter=lfs diff=lfs merge=lfs -text\n"


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Commit:
    oid: str
    parent: str | None
    message: str
    files: dict[str, bytes]  # path -> content (LFS files: their content, kept by SHA-256 too)
    lfs: set[str] = field(default_factory=set)  # paths stored as LFS


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)

    def head(self, rev: str) -> Commit | None:
        oid = self.branches.get(rev, rev)
        return self.commits.get(oid)


class HubServer:
    def __init__(self, token: str):
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> bytes
        self.requests: list[tuple[str, str]] = []
        self.lfs_uploads: list[str] = []  # sha256 of each object PUT
        self._lock = threading.Lock()
        self._counter = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def new_oid(self, *parts: object) -> str:
        self._counter += 1
        return hashlib.sha1(repr((self._counter, parts)).encode()).hexdigest()

    def create(self, repo_type: str, repo_id: str, private: bool) -> Repo:
        repo = Repo(repo_type, repo_id, private)
        first = Commit(self.new_oid(repo_id), None, "initial commit", {".gitattributes": GITATTRIBUTES})
        repo.commits[first.oid] = first
        repo.branches["main"] = first.oid
        self.repos[(repo_type, repo_id)] = repo
        return repo

    def commits(self, repo_type: str, repo_id: str, branch: str = "main") -> list[Commit]:
        """The branch's history, newest first."""
        repo = self.repos[(repo_type, repo_id)]
        out, commit = [], repo.head(branch)
        while commit is not None:
            out.append(commit)
            commit = repo.commits.get(commit.parent) if commit.parent else None
        return out


_REPO = r"/api/(?P<type>model|dataset|space)s/(?P<ns>[^/]+)/(?P<name>[^/]+)"


def _handler(hub: HubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        # -- plumbing ----------------------------------------------------------------------------

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, payload: object = None, headers: dict | None = None) -> None:
            body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, message: str) -> None:
            self._send(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {hub.token}":
                return True
            message = "Invalid credentials in Authorization header"
            self._send(401, {"error": message}, {"X-Error-Message": message})
            return False

        def _repo(self, m: re.Match) -> Repo | None:
            repo = hub.repos.get((m["type"], f"{m['ns']}/{m['name']}"))
            if repo is None:
                self._error(404, "RepoNotFound", "Repository not found")
            return repo

        def _route(self, method: str) -> None:
            parsed = urlparse(self.path)
            path, query = parsed.path, parse_qs(parsed.query)
            with hub._lock:
                hub.requests.append((method, path))
            body = self._body() if method in ("POST", "PUT") else b""
            if path.startswith("/lfs-upload/") and method == "PUT":
                return self.lfs_upload(path.rsplit("/", 1)[1], body)
            if not self._authorized():
                return
            with hub._lock:
                for pattern, verb, fn in ROUTES:
                    if verb == method:
                        m = re.fullmatch(pattern, path)
                        if m:
                            return fn(self, m, body, query)
            self._error(404, "NotFound", f"no route for {method} {path}")

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        # -- endpoints ---------------------------------------------------------------------------

        def create_repo(self, m, body, query) -> None:
            payload = json.loads(body)
            repo_type = payload.get("type") or "model"
            repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
            prefix = "" if repo_type == "model" else f"{repo_type}s/"
            url = f"{hub.url}/{prefix}{repo_id}"
            if (repo_type, repo_id) in hub.repos:
                return self._send(409, {"error": "You already created this repo", "url": url})
            hub.create(repo_type, repo_id, payload.get("visibility") == "private")
            self._send(200, {"url": url, "name": repo_id})

        def repo_info(self, m, body, query) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            rev = unquote(m["rev"]) if m["rev"] else "main"
            commit = repo.head(rev)
            if commit is None:
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            self._send(200, {"id": repo.repo_id, "sha": commit.oid, "private": repo.private, "gated": False,
                             "disabled": False, "siblings": [{"rfilename": p} for p in sorted(commit.files)]})

        def settings(self, m, body, query) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            payload = json.loads(body)
            if "visibility" in payload:
                repo.private = payload["visibility"] == "private"
            self._send(200, {})

        def branch(self, m, body, query) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            name = unquote(m["branch"])
            if name in repo.branches:
                return self._send(409, {"error": "Reference already exists"})
            start = (json.loads(body or b"{}") or {}).get("startingPoint") or "main"
            repo.branches[name] = repo.head(start).oid
            self._send(200, {})

        def tree(self, m, body, query) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            rev = unquote(m["rev"])
            commit = repo.head(rev)
            if commit is None:
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            sub = unquote(m["sub"] or "").strip("/")
            recursive = query.get("recursive", ["False"])[0].lower() in ("true", "1")
            entries, folders = [], set()
            for path, data in sorted(commit.files.items()):
                if sub and not path.startswith(sub + "/"):
                    continue
                rel = path[len(sub) + 1:] if sub else path
                if "/" in rel and not recursive:
                    folders.add((sub + "/" if sub else "") + rel.split("/")[0])
                    continue
                for i in range(rel.count("/")):
                    folders.add((sub + "/" if sub else "") + "/".join(rel.split("/")[: i + 1]))
                entry = {"type": "file", "path": path, "size": len(data)}
                if path in commit.lfs:
                    pointer = (f"version https://git-lfs.github.com/spec/v1\noid sha256:{hashlib.sha256(data).hexdigest()}\n"
                               f"size {len(data)}\n").encode()
                    entry["oid"] = git_sha1(pointer)
                    entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": len(pointer)}
                else:
                    entry["oid"] = git_sha1(data)
                entries.append(entry)
            entries += [{"type": "directory", "path": f, "oid": git_sha1(f.encode()), "size": 0} for f in sorted(folders)]
            self._send(200, entries)

        def validate_yaml(self, m, body, query) -> None:
            content = json.loads(body)["content"]
            errors = []
            if content.startswith("---\n"):
                try:
                    meta = yaml.safe_load(content.split("---\n", 2)[1])
                    if not isinstance(meta, dict):
                        errors.append({"message": "metadata must be a mapping"})
                except yaml.YAMLError as exc:
                    errors.append({"message": f"invalid YAML: {exc}"})
            if errors:
                return self._send(400, {"errors": errors, "warnings": []})
            self._send(200, {"errors": [], "warnings": []})

        def preupload(self, m, body, query) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            commit = repo.head(unquote(m["rev"]))
            files = []
            for f in json.loads(body)["files"]:
                sample = base64.b64decode(f["sample"])
                lfs = f["path"].endswith(LFS_SUFFIXES) or b"\0" in sample or f["size"] > 10_000_000
                oid = None
                if commit is not None and f["path"] in commit.files:
                    data = commit.files[f["path"]]
                    oid = hashlib.sha256(data).hexdigest() if f["path"] in commit.lfs else git_sha1(data)
                files.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                              "oid": oid})
            self._send(200, {"files": files, "commitOid": commit.oid if commit else None})

        def lfs_batch(self, m, body, query) -> None:
            if self._repo(m) is None:
                return
            payload = json.loads(body)
            objects = []
            for obj in payload["objects"]:
                entry = {"oid": obj["oid"], "size": obj["size"]}
                if obj["oid"] not in hub.lfs_objects:
                    entry["actions"] = {
                        "upload": {"href": f"{hub.url}/lfs-upload/{obj['oid']}"},
                        "verify": {"href": f"{hub.url}/lfs-verify"},
                    }
                objects.append(entry)
            self._send(200, {"transfer": "basic", "objects": objects})

        def lfs_upload(self, oid: str, body: bytes) -> None:
            if hashlib.sha256(body).hexdigest() != oid:
                return self._send(400, {"error": "sha256 mismatch"})
            with hub._lock:
                hub.lfs_objects[oid] = body
                hub.lfs_uploads.append(oid)
            self._send(200, None)

        def lfs_verify(self, m, body, query) -> None:
            obj = json.loads(body)
            if obj["oid"] not in hub.lfs_objects:
                return self._send(404, {"message": "object not found"})
            self._send(200, {})

        def commit(self, m, body, query) -> None:
            repo = self._repo(m)
            if repo is None:
                return
            rev = unquote(m["rev"])
            parent = repo.head(rev)
            if parent is None or rev not in repo.branches:
                return self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            header = lines[0]["value"]
            files, lfs = dict(parent.files), set(parent.lfs)
            for item in lines[1:]:
                key, value = item["key"], item["value"]
                if key == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                    lfs.discard(value["path"])
                elif key == "lfsFile":
                    if value["oid"] not in hub.lfs_objects:
                        return self._send(422, {"error": f"LFS object {value['oid']} was not uploaded"})
                    files[value["path"]] = hub.lfs_objects[value["oid"]]
                    lfs.add(value["path"])
                elif key == "deletedFile":
                    if value["path"] not in files:
                        return self._error(404, "EntryNotFound", "A file with this name doesn't exist")
                    del files[value["path"]]
                    lfs.discard(value["path"])
                else:
                    return self._send(400, {"error": f"unsupported operation {key}"})
            commit = Commit(hub.new_oid(repo.repo_id, header), parent.oid, header["summary"], files, lfs)
            repo.commits[commit.oid] = commit
            repo.branches[rev] = commit.oid
            prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
            self._send(200, {"commitUrl": f"{hub.url}/{prefix}{repo.repo_id}/commit/{commit.oid}",
                             "commitOid": commit.oid, "pullRequestUrl": None})

    ROUTES = [
        (r"/api/repos/create", "POST", Handler.create_repo),
        (_REPO + r"(?:/revision/(?P<rev>[^/]+))?", "GET", Handler.repo_info),
        (_REPO + r"/settings", "PUT", Handler.settings),
        (_REPO + r"/branch/(?P<branch>[^/]+)", "POST", Handler.branch),
        (_REPO + r"/tree/(?P<rev>[^/]+)(?P<sub>/.*)?", "GET", Handler.tree),
        (r"/api/validate-yaml", "POST", Handler.validate_yaml),
        (_REPO + r"/preupload/(?P<rev>[^/]+)", "POST", Handler.preupload),
        (_REPO + r"/commit/(?P<rev>[^/]+)", "POST", Handler.commit),
        (r"/(?P<type>dataset|space)s/(?P<ns>[^/]+)/(?P<name>[^/]+)\.git/info/lfs/objects/batch", "POST", Handler.lfs_batch),
        (r"/lfs-verify", "POST", Handler.lfs_verify),
    ]
    return Handler
