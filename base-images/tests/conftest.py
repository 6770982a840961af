"""Fixtures: a throwaway PostgreSQL, and the boilerplates served by the REAL
runtime entrypoint.sh + uwsgi.ini (the very files runtime/Dockerfile COPYs)."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dockerfile_parse  # noqa: E402

TESTS_DIR = Path(__file__).resolve().parent
BASE_DIR = TESTS_DIR.parent
RUNTIME_DIR = BASE_DIR / "runtime"
BOILERPLATES_DIR = BASE_DIR / "boilerplates"
BOILERPLATES = ["minimal", "webpack-sass"]
VENV = Path(os.environ.get("SLIPWAY_TEST_VENV", sys.prefix))
PG_BIN = Path(os.environ.get("SLIPWAY_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PASSWORD = "slipway-test-password"
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
DOMAIN = "shop-test.apps.example.test"
DOMAIN_ALIASES = "www.shop.example.test, shop.example.test"


def runtime_files():
    """{destination in the image: source in base-images/runtime} from the
    runtime Dockerfile's final stage, so the tests run exactly those files."""
    final = dockerfile_parse.stages(RUNTIME_DIR / "Dockerfile")[-1]
    out = {}
    for flags, sources, dest in dockerfile_parse.copies(final):
        if not any(f.startswith("--from") for f in flags) and len(sources) == 1:
            out[dest] = RUNTIME_DIR / sources[0]
    return out


RUNTIME_FILES = runtime_files()
ENTRYPOINT = RUNTIME_FILES["/usr/local/bin/slipway-entrypoint"]
UWSGI_INI = RUNTIME_FILES["/etc/slipway/uwsgi.ini"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL 15 server on 127.0.0.1:<free port> with password auth."""
    tmp = Path(tempfile.mkdtemp(prefix="slipway-pg-"))
    data, sock = tmp / "data", tmp / "sock"
    sock.mkdir()
    pwfile = tmp / "pw"
    pwfile.write_text(PG_PASSWORD + "\n")
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for p in (tmp, sock, pwfile):
            os.chown(p, pg.pw_uid, pg.pw_gid)
    port = free_port()
    _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"])
    _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(tmp / "server.log"), "-w",
                  "-o", f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sock}"
                        " -c fsync=off", "start"])
    try:
        yield {"host": "127.0.0.1", "port": port, "user": "postgres", "password": PG_PASSWORD}
    finally:
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                       + [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def pg_connect(pg, dbname="postgres"):
    import psycopg

    return psycopg.connect(host=pg["host"], port=pg["port"], user=pg["user"],
                           password=pg["password"], dbname=dbname, autocommit=True)


def create_database(pg, name):
    with pg_connect(pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{pg['user']}:{pg['password']}@{pg['host']}:{pg['port']}/{name}"


def app_env(app_dir, **extra):
    """The environment the operator would give the pod, plus the overrides that
    let the real entrypoint run a boilerplate in place instead of /app."""
    env = {
        "PATH": f"{VENV / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(VENV),
        "PYTHONDONTWRITEBYTECODE": "1",
        "APP_DIR": str(app_dir),
        "SLIPWAY_UWSGI_INI": str(UWSGI_INI),
        "SECRET_KEY": SECRET_KEY,
        "DOMAIN": DOMAIN,
        "DOMAIN_ALIASES": DOMAIN_ALIASES,
    }
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    return env


def run_entrypoint(env, *args, timeout=120):
    return subprocess.run([str(ENTRYPOINT), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def http_get(port, path, host=DOMAIN, timeout=5):
    """(status, headers, body bytes) of GET http://127.0.0.1:<port><path> with Host."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


class Server:
    def __init__(self, proc, port, log):
        self.proc, self.port, self.log = proc, port, log

    def get(self, path, host=DOMAIN):
        return http_get(self.port, path, host)

    def output(self):
        return self.log.read_text(errors="replace")


@contextmanager
def serve(env, timeout=60):
    """Start the real entrypoint with no arguments (as the operator does) and
    wait until GET /healthz answers; stop the whole process group afterwards."""
    port = free_port()
    env = dict(env, SLIPWAY_PORT=str(port))
    log = Path(tempfile.mkstemp(prefix="slipway-app-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(ENTRYPOINT)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(proc, port, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{server.output()}")
            try:
                if server.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not become healthy:\n{server.output()}")
            time.sleep(0.2)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.unlink(missing_ok=True)


@pytest.fixture(scope="module", params=BOILERPLATES)
def app(request, postgres, tmp_path_factory):
    """A boilerplate with its own database, migrated and collectstatic'ed
    through the real entrypoint (arguments given -> exec'd in APP_DIR)."""
    name = request.param
    app_dir = BOILERPLATES_DIR / name
    db_url = create_database(postgres, "app_" + name.replace("-", "_"))
    static_root = tmp_path_factory.mktemp(f"static-{name}")
    env = app_env(app_dir, DATABASE_URL=db_url, STATIC_ROOT=static_root, SLIPWAY_STAGE="test")
    migrate = run_entrypoint(env, "python", "manage.py", "migrate", "--noinput")
    collect = run_entrypoint(env, "python", "manage.py", "collectstatic", "--noinput")
    shutil.rmtree(app_dir / "__pycache__", ignore_errors=True)
    return {"name": name, "dir": app_dir, "env": env, "db_url": db_url,
            "db_name": "app_" + name.replace("-", "_"), "static_root": static_root,
            "migrate": migrate, "collectstatic": collect}
