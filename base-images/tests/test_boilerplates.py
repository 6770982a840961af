"""Each boilerplate migrated, collected and served through the real runtime
entrypoint.sh + uwsgi.ini, exactly as a pod runs it (the operator sets no command)."""
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import (DOMAIN, ENTRYPOINT, app_env, free_port, http_get, pg_connect,
                      run_entrypoint, serve)

BASE_HTML_MARKER = b"Served by the Slipway runtime image"


@pytest.fixture(scope="module")
def uwsgi_server(app):
    env = dict(app["env"], SLIPWAY_STAGE="test", UWSGI_PROCESSES="2", UWSGI_THREADS="2")
    with serve(env) as server:
        yield server


def stylesheet(app):
    return "dist/site.css" if app["name"] == "webpack-sass" else "css/site.css"


def test_migrate_through_entrypoint(app, postgres):
    assert app["migrate"].returncode == 0, app["migrate"].stderr + app["migrate"].stdout
    assert "Applying pages.0001_initial... OK" in app["migrate"].stdout
    with pg_connect(postgres, app["db_name"]) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"pages_note", "django_migrations"} <= tables
    again = run_entrypoint(app["env"], "python", "manage.py", "migrate", "--noinput")
    assert again.returncode == 0 and "No migrations to apply." in again.stdout


def test_worker_process_marks_notes_processed_and_stops_on_sigterm(app, postgres):
    """The boilerplate's worker (a Slipway process type): a note written to the database is
    processed by `manage.py process_notes`, run through the entrypoint as a process pod runs it."""
    with pg_connect(postgres, app["db_name"]) as conn:
        conn.execute("INSERT INTO pages_note (title, created) VALUES ('queued', now())")
    once = run_entrypoint(app["env"], "python", "manage.py", "process_notes", "--once")
    assert once.returncode == 0, once.stderr + once.stdout
    assert "process_notes: processed 1" in once.stdout
    with pg_connect(postgres, app["db_name"]) as conn:
        assert conn.execute("SELECT processed IS NOT NULL FROM pages_note WHERE title = 'queued'").fetchone()[0]

    worker = subprocess.Popen([ENTRYPOINT, "python", "manage.py", "process_notes", "--interval", "0.2"],
                              env=app["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(2)
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, out
    assert "process_notes: stopped on SIGTERM" in out


def test_scheduled_command_writes_a_note(app, postgres):
    """The boilerplate's scheduled command (a Slipway cron job): one run, one row, as a CronJob's
    pod runs it through the entrypoint."""
    run = run_entrypoint(app["env"], "python", "manage.py", "add_note", "scheduled at {now}")
    assert run.returncode == 0, run.stderr + run.stdout
    assert re.search(r"add_note: wrote note \d+", run.stdout), run.stdout
    with pg_connect(postgres, app["db_name"]) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM pages_note WHERE title LIKE 'scheduled at %'")]
    assert len(titles) == 1, titles
    assert re.fullmatch(r"scheduled at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", titles[0]), titles


def test_collectstatic_through_entrypoint(app):
    assert app["collectstatic"].returncode == 0, app["collectstatic"].stderr
    assert (app["static_root"] / stylesheet(app)).is_file()


def test_uwsgi_serves_index_from_base_template(app, uwsgi_server):
    status, headers, body = uwsgi_server.get("/")
    assert status == 200, body[:2000]
    assert BASE_HTML_MARKER in body          # base.html
    assert b"It works" in body               # index.html extends it
    assert f"/static/{stylesheet(app)}".encode() in body
    # uWSGI, not Django's development server, answered
    assert "WSGIServer" not in headers.get("Server", "")
    out = uwsgi_server.output()
    assert "uwsgi socket 0 bound to TCP address :%d" % uwsgi_server.port in out
    # UWSGI_PROCESSES=2, UWSGI_THREADS=2 (cores = threads per worker)
    assert re.search(r"spawned uWSGI worker 2 \(pid: \d+, cores: 2\)", out), out
    assert "spawned uWSGI worker 3" not in out


def test_uwsgi_serves_collected_static_file(app, uwsgi_server):
    status, headers, body = uwsgi_server.get(f"/static/{stylesheet(app)}")
    assert status == 200
    assert "text/css" in headers.get("Content-Type", "")
    assert body == (app["static_root"] / stylesheet(app)).read_bytes()


def test_healthz_with_domain_and_alias_hosts(app, uwsgi_server):
    assert uwsgi_server.get("/healthz", host=DOMAIN)[::2] == (200, b"ok")
    assert uwsgi_server.get("/healthz", host="www.shop.example.test")[::2] == (200, b"ok")
    assert uwsgi_server.get("/healthz", host="evil.example.test")[0] == 400


def test_healthz_fails_when_database_is_unreachable(app):
    env = dict(app["env"], SLIPWAY_STAGE="test",
               DATABASE_URL=f"postgres://nobody:x@127.0.0.1:{free_port()}/none")
    # serve() waits for a 200 from /healthz, so start uWSGI without that wait
    port = free_port()
    proc = subprocess.Popen([str(ENTRYPOINT)], env=dict(env, SLIPWAY_PORT=str(port)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            try:
                status = http_get(port, "/healthz")[0]
                break
            except OSError:
                time.sleep(0.2)
        assert status == 503
        # liveness does not ask the database: the pod stays alive, only unready
        assert http_get(port, "/livez")[0] == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def test_internal_service_names_are_allowed_hosts(app):
    internal = "shop-test,shop-test.team-a,shop-test.team-a.svc,shop-test.team-a.svc.cluster.local"
    with serve(dict(app["env"], SLIPWAY_INTERNAL_HOSTS=internal)) as server:
        for host in internal.split(","):
            assert server.get("/healthz", host=host)[::2] == (200, b"ok"), host
        assert server.get("/livez", host="shop-test.team-a.svc.cluster.local")[::2] == (200, b"alive")


def test_local_stage_runs_django_runserver(app):
    env = dict(app["env"], SLIPWAY_STAGE="local")
    with serve(env) as server:
        status, headers, body = server.get("/")
        assert status == 200
        assert BASE_HTML_MARKER in body
        assert "WSGIServer" in headers.get("Server", "")   # Django's runserver
        # DEBUG runserver serves static files from the app's own static/ dir
        assert server.get(f"/static/{stylesheet(app)}")[0] == 200


def test_live_stage_refuses_to_start_without_secret_key(app):
    env = dict(app["env"], SLIPWAY_STAGE="live")
    env.pop("SECRET_KEY")
    result = run_entrypoint(env, "python", "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_served_css_is_the_source_or_the_webpack_build(app, uwsgi_server):
    served = uwsgi_server.get(f"/static/{stylesheet(app)}")[2].decode()
    if app["name"] == "minimal":
        assert served == (app["dir"] / "static" / "css" / "site.css").read_text()
        return
    # webpack-sass: exactly what `npm run build` wrote from assets/scss/site.scss
    assert served == (app["dir"] / "static" / "dist" / "site.css").read_text()
    # rules of the SCSS, compiled: variables resolved, nesting flattened
    assert re.search(r"\.site-header\s*\.brand-mark\s*\{[^}]*font-weight:\s*700", served)
    assert re.search(r"\.site-header\s*\{[^}]*background:\s*#0a7d5a", served)
    assert "$brand" not in served and "@include" not in served


def test_entrypoint_execs_arguments_in_app_dir_with_defaults(tmp_path):
    env = app_env(tmp_path)
    for key in ("SLIPWAY_UWSGI_INI",):
        env.pop(key)
    result = run_entrypoint(env, "sh", "-c",
                            'echo "$PWD|$SLIPWAY_PORT|$SLIPWAY_UWSGI_INI|$DJANGO_WSGI_MODULE|$STATIC_ROOT"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{tmp_path}|8000|/etc/slipway/uwsgi.ini|wsgi:application|{tmp_path}/staticfiles")


def test_entrypoint_is_posix_sh_with_set_eu():
    text = ENTRYPOINT.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert re.search(r"^set -eu\b", text, re.M)
    assert 'exec python manage.py runserver "0.0.0.0:${SLIPWAY_PORT}"' in text
    assert 'exec uwsgi --ini "$SLIPWAY_UWSGI_INI"' in text
