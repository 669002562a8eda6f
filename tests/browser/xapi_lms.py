"""A real LRS (Ralph) and a small cmi5 / TinCan LMS in front of it, for the browser tests.

Ralph stores statements (file-system backend) and has only the Statements resource, so the LMS
side is ours: it imports the package (reads cmi5.xml / tincan.xml), launches it the way the
standard says (cmi5: endpoint, fetch, actor, registration, activityId; TinCan: endpoint, auth,
actor, registration, activity_id), answers the one-time `fetch`, keeps the State API
(LMS.LaunchData, the AU's own documents) and the Agent Profile API, serves the package, and
passes /statements on to Ralph. The AU sees one xAPI endpoint, as it would in a real LMS.

Served on 127.0.0.1:<free port>:

    /content/<name>/...           an unpacked package
    /fetch/<session>              cmi5 auth-token fetch (POST, once)
    /xapi/statements              -> Ralph's /xAPI/statements
    /xapi/activities/state        State API (ours)
    /xapi/agents/profile          Agent Profile API (ours)
    /return                       the LMS page cmi5's returnURL points at
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

CMI5 = "https://w3id.org/xapi/cmi5/context/"
C5 = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
TC = {"t": "http://projecttincan.com/tincan.xsd"}
LMS_HOME = "https://lms.example.org"
XAPI_VERSION = "1.0.3"


def write_credentials(path: Path, user: str, password: str) -> None:
    """Ralph's HTTP basic auth file (RALPH_AUTH_FILE), as `ralph auth -u USER -p PASSWORD -s all -w`
    writes it (the `ralph` command needs Ralph's `cli` extra, which pins click below ilmpack's)."""
    import bcrypt

    path.write_text(json.dumps([{
        "agent": {"mbox": "mailto:lms@example.org", "objectType": "Agent"},
        "scopes": ["all"],
        "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode(),
        "username": user,
    }], indent=2), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ralph:
    """Ralph's LRS server with the file-system backend, on a free port of 127.0.0.1.

    The server is started by ralph_server.py (what `ralph runserver -b fs` starts, with a fix for
    its file backend, see there).
    """

    user = "ilmpack-lms"

    def __init__(self, root: Path):
        self.root = root
        self.password = secrets.token_hex(12)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.env = {**os.environ, "RALPH_APP_DIR": str(root / "app"), "RALPH_AUTH_FILE": str(root / "auth.json"),
                    "RALPH_RUNSERVER_BACKEND": "fs",
                    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(root / "data")}
        (root / "data").mkdir(parents=True, exist_ok=True)
        write_credentials(root / "auth.json", self.user, self.password)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def authorization(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def start(self, timeout: float = 90) -> None:
        log = open(self.root / "ralph.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("ralph_server.py")),
                                      "127.0.0.1", str(self.port)],
                                     env=self.env, cwd=self.root, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("ralph runserver exited: " + (self.root / "ralph.log").read_text()[-2000:])
            try:
                self.request("GET", "statements", {"limit": "1"})
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("ralph runserver did not answer within %ss" % timeout)

    def stop(self) -> None:
        """Stop the server (its whole process group)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def request(self, method: str, resource: str, query: dict | None = None, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, dict]:
        url = self.url + resource + ("?" + urllib.parse.urlencode(query) if query else "")
        req = urllib.request.Request(url, data=body, method=method, headers={
            "Authorization": self.authorization, "X-Experience-API-Version": XAPI_VERSION, **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def remote_lrs(self):
        """The LRS as tincan's RemoteLRS sees it (how the tests read statements back)."""
        from tincan import RemoteLRS

        return RemoteLRS(endpoint=self.url, version=XAPI_VERSION, username=self.user, password=self.password)


@dataclass
class Launch:
    """One launch the LMS made: the URL the learner's browser opens, and what the LMS knows of it."""

    url: str
    registration: str
    actor: dict
    activity_id: str              # cmi5: the LMS's id for the AU; TinCan: tincan.xml's course id
    session: str = ""             # cmi5 session id
    publisher_id: str = ""        # cmi5: the AU id in cmi5.xml
    launch_data: dict = field(default_factory=dict)


class XapiLms:
    """The LMS side (see the module docstring); one instance serves every package of a test module."""

    def __init__(self, root: Path, ralph: Ralph):
        self.root = root
        self.ralph = ralph
        self.content = root / "content"
        self.content.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tokens: dict[str, str] = {}           # auth token -> session
        self.fetch_used: dict[str, int] = {}       # session -> POSTs to fetch
        self.fetch_token: dict[str, str] = {}      # session -> token to hand out
        self.documents: dict[tuple, bytes] = {}    # (resource, activityId, agent, registration, id) -> body
        self.profiles: dict[tuple, bytes] = {}
        self.au_ids: dict[tuple[str, str], str] = {}  # (publisher id, registration) -> the LMS's activityId
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) of the xAPI calls
        lms = self

        class Handler(_Handler):
            owner = lms

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="xapi-lms", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- importing and launching

    def install(self, name: str, package_dir: Path) -> Path:
        dest = self.content / name
        if not dest.exists():
            shutil.copytree(package_dir, dest)
        return dest

    @staticmethod
    def learner(name: str = "kari") -> dict:
        return {"objectType": "Agent", "name": name.title(), "account": {"homePage": LMS_HOME, "name": name}}

    def launch_cmi5(self, name: str, actor: dict, registration: str | None = None, mode: str = "Normal",
                    mastery: float | None = None) -> Launch:
        """cmi5 §8: LaunchData in the State API, `launched` to the LRS, then the launch URL."""
        structure = etree.parse(str(self.content / name / "cmi5.xml"))
        au = structure.find("c:au", C5)
        publisher_id = au.get("id")
        registration = registration or str(uuid.uuid4())
        activity_id = self.au_ids.setdefault((publisher_id, registration),
                                             f"{LMS_HOME}/cmi5/au/{uuid.uuid4()}")
        session = str(uuid.uuid4())
        self.fetch_token[session] = secrets.token_urlsafe(16)
        mastery = float(au.get("masteryScore")) if mastery is None and au.get("masteryScore") else mastery
        launch_data = {
            "contextTemplate": {
                "contextActivities": {"grouping": [{"objectType": "Activity", "id": publisher_id}]},
                "extensions": {CMI5 + "extensions/sessionid": session},
            },
            "launchMode": mode,
            "launchParameters": "",
            "moveOn": au.get("moveOn"),
            "returnURL": f"{self.base}/return?registration={registration}",
        }
        if mastery is not None:
            launch_data["masteryScore"] = mastery
        self.documents[("state", activity_id, self._agent_key(actor), registration, "LMS.LaunchData")] = \
            json.dumps(launch_data).encode()
        self.profiles[(self._agent_key(actor), "cmi5LearnerPreferences")] = \
            json.dumps({"languagePreference": "nb-NO,nn-NO,en-US", "audioPreference": "on"}).encode()
        url = f"{self.base}/content/{name}/{au.findtext('c:url', namespaces=C5)}"
        self._launched(actor, activity_id, registration, session, launch_data, publisher_id, url)
        query = urllib.parse.urlencode({"endpoint": f"{self.base}/xapi/", "fetch": f"{self.base}/fetch/{session}",
                                        "actor": json.dumps(actor), "registration": registration,
                                        "activityId": activity_id})
        return Launch(f"{url}?{query}", registration, actor, activity_id, session, publisher_id, launch_data)

    def _launched(self, actor, activity_id, registration, session, launch_data, publisher_id, url) -> None:
        extensions = {CMI5 + "extensions/sessionid": session, CMI5 + "extensions/launchmode": launch_data["launchMode"],
                      CMI5 + "extensions/launchurl": url, CMI5 + "extensions/moveon": launch_data["moveOn"],
                      CMI5 + "extensions/launchparameters": launch_data["launchParameters"]}
        if "masteryScore" in launch_data:
            extensions[CMI5 + "extensions/masteryscore"] = launch_data["masteryScore"]
        statement = {
            "id": str(uuid.uuid4()), "timestamp": _now(), "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/launched", "display": {"en-US": "launched"}},
            "object": {"objectType": "Activity", "id": activity_id},
            "context": {"registration": registration, "extensions": extensions,
                        "contextActivities": {"grouping": [{"objectType": "Activity", "id": publisher_id}],
                                              "category": [{"objectType": "Activity", "id": CMI5 + "categories/cmi5"}]}},
        }
        status, body, _ = self.ralph.request("POST", "statements", body=json.dumps(statement).encode(),
                                             headers={"Content-Type": "application/json"})
        assert status == 200, f"Ralph refused the LMS's launched statement: {status} {body[:300]!r}"

    def launch_tincan(self, name: str, actor: dict, registration: str | None = None) -> Launch:
        """Rustici's launch: the course activity of tincan.xml, auth as the Authorization header."""
        structure = etree.parse(str(self.content / name / "tincan.xml"))
        course = structure.xpath("//t:activity[t:launch]", namespaces=TC)[0]
        registration = registration or str(uuid.uuid4())
        token = secrets.token_urlsafe(16)
        self.tokens[token] = registration
        query = urllib.parse.urlencode({"endpoint": f"{self.base}/xapi/", "auth": f"Basic {token}",
                                        "actor": json.dumps(actor), "registration": registration,
                                        "activity_id": course.get("id")})
        url = f"{self.base}/content/{name}/{course.findtext('t:launch', namespaces=TC)}?{query}"
        return Launch(url, registration, actor, course.get("id"))

    # --- what the LRS holds

    def statements(self, registration: str) -> list[dict]:
        """Every statement of a registration, as stored, oldest first (read with tincan's RemoteLRS)."""
        lrs = self.ralph.remote_lrs()
        response = lrs.query_statements({"registration": registration, "limit": 500})
        assert response.success, f"reading statements failed: {response.response.status} {response.data[:300]}"
        raw = json.loads(response.data)["statements"]
        assert not raw or response.content.statements, "tincan could not read the LRS's statements"
        return sorted(raw, key=lambda s: (s["timestamp"], s.get("stored", "")))

    def document(self, resource: str, activity_id: str, actor: dict, registration: str, doc_id: str) -> dict | None:
        body = self.documents.get((resource, activity_id, self._agent_key(actor), registration, doc_id))
        return json.loads(body) if body else None

    @staticmethod
    def _agent_key(agent) -> str:
        if isinstance(agent, str):
            agent = json.loads(agent)
        return json.dumps(agent, sort_keys=True)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (time.time() % 1 * 1000)


class _Handler(http.server.SimpleHTTPRequestHandler):
    owner: XapiLms

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(self.owner.root), **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    # --- routing

    def do_GET(self):  # noqa: N802 - http.server's names
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/xapi/"):
            return self._xapi("GET")
        if path == "/return":
            return self._send(200, b"<!doctype html><title>LMS</title><h1 id='lms-returned'>Back in the LMS</h1>",
                              "text/html")
        return super().do_GET()

    def do_PUT(self):  # noqa: N802
        return self._xapi("PUT")

    def do_DELETE(self):  # noqa: N802
        return self._xapi("DELETE")

    def do_POST(self):  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/fetch/"):
            return self._fetch(path[len("/fetch/"):])
        return self._xapi("POST")

    # --- cmi5 fetch: one token, once (§8.2)

    def _fetch(self, session: str):
        lms = self.owner
        lms.fetch_used[session] = lms.fetch_used.get(session, 0) + 1
        if session not in lms.fetch_token:
            return self._json(200, {"error-code": "2", "error-text": "unknown session"})
        if lms.fetch_used[session] > 1:
            return self._json(200, {"error-code": "1", "error-text": "already used"})
        token = base64.b64encode(f"{session}:{lms.fetch_token[session]}".encode()).decode()
        lms.tokens[token] = session
        return self._json(200, {"auth-token": token})

    # --- xAPI

    def _xapi(self, method: str):
        lms = self.owner
        parts = urllib.parse.urlsplit(self.path)
        resource = parts.path[len("/xapi/"):]
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic ") or auth[len("Basic "):] not in lms.tokens:
            return self._record(method, resource, self._send(401, b"unauthorized"))
        if self.headers.get("X-Experience-API-Version") != XAPI_VERSION:
            return self._record(method, resource, self._send(400, b"X-Experience-API-Version 1.0.3 expected"))
        if resource == "statements":
            return self._record(method, resource, self._statements(method, query, body))
        if resource == "activities/state":
            key = ("state", query.get("activityId"), lms._agent_key(query.get("agent", "{}")),
                   query.get("registration"), query.get("stateId"))
            return self._record(method, resource, self._document(method, key, body, lms.documents,
                                                                 protect=query.get("stateId") == "LMS.LaunchData"))
        if resource == "agents/profile":
            key = (lms._agent_key(query.get("agent", "{}")), query.get("profileId"))
            return self._record(method, resource, self._document(method, key, body, lms.profiles, protect=True))
        return self._record(method, resource, self._send(404, b"no such resource"))

    def _statements(self, method: str, query: dict, body: bytes) -> int:
        try:
            status, answer, headers = self.owner.ralph.request(method, "statements", query, body or None,
                                                               {"Content-Type": "application/json"} if body else None)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return self._send(503, b"LRS unavailable")
        return self._send(status, answer, headers.get("Content-Type", "application/json"))

    def _document(self, method: str, key: tuple, body: bytes, store: dict, protect: bool) -> int:
        if method == "GET":
            if key not in store:
                return self._send(404, b"")
            return self._send(200, store[key], "application/json")
        if protect:  # LMS.LaunchData and the learner preferences are the LMS's (cmi5 §10, §11)
            return self._send(403, b"read only")
        if method == "DELETE":
            store.pop(key, None)
        else:
            store[key] = body
        return self._send(204, b"")

    def _record(self, method: str, resource: str, status: int) -> None:
        self.owner.requests.append((method, resource, status))

    def _json(self, status: int, data: dict) -> int:
        return self._send(status, json.dumps(data).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> int:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)
        return status
