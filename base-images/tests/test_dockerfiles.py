"""Dockerfile checklist (hadolint is not installable here; nothing is built).
The files the runtime Dockerfile COPYs are the ones the other tests run."""
import json
import re
from pathlib import Path

import pytest

import dockerfile_parse as dp
from conftest import BASE_DIR, BOILERPLATES, BOILERPLATES_DIR, ENTRYPOINT, RUNTIME_DIR, UWSGI_INI

PACKAGE_INDEX_DIR = BASE_DIR / "package-index"
DOCKERFILES = ([RUNTIME_DIR / "Dockerfile"] + [BOILERPLATES_DIR / b / "Dockerfile" for b in BOILERPLATES]
               + [PACKAGE_INDEX_DIR / "Dockerfile"])
IDS = ["runtime"] + BOILERPLATES + ["package-index"]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")


def runs(path):
    return [rest for st in dp.stages(path) for kw, rest in st["instructions"] if kw == "RUN"]


@pytest.mark.parametrize("path", DOCKERFILES, ids=IDS)
def test_every_from_is_pinned_by_digest(path):
    seen_aliases = set()
    stages = dp.stages(path)
    assert stages, "no FROM"
    for st in stages:
        if st["image"] in seen_aliases:
            continue
        assert "$" not in st["image"], f"unresolved FROM {st['raw']}"
        assert DIGEST.search(st["image"]), f"FROM {st['image']} is not pinned by @sha256 digest"
        assert ":latest" not in st["image"]
        if st["alias"]:
            seen_aliases.add(st["alias"])
    # a digest-pinned FROM through an ARG must say where the digest comes from
    assert "crane digest" in path.read_text()


@pytest.mark.parametrize("path", DOCKERFILES, ids=IDS)
def test_final_user_is_numeric_and_not_root(path):
    users = [rest for kw, rest in dp.stages(path)[-1]["instructions"] if kw == "USER"]
    assert users, "final stage sets no USER"
    m = re.fullmatch(r"(\d+)(:(\d+))?", users[-1])
    assert m, f"USER {users[-1]} is not numeric"
    assert int(m.group(1)) != 0


@pytest.mark.parametrize("path", DOCKERFILES, ids=IDS)
def test_apt_usage(path):
    for run in runs(path):
        assert not re.search(r"apt(-get)?\s+(-\S+\s+)*(upgrade|dist-upgrade|full-upgrade)", run), run
        for cmd in re.split(r"&&|;|\|\|", run):
            if re.search(r"\bapt(-get)?\s+(-\S+\s+)*install\b", cmd):
                assert "--no-install-recommends" in cmd, cmd
                assert re.search(r"\s-y\b|--yes|--assume-yes", cmd), cmd
                assert "--only-upgrade" not in cmd
        if "apt-get update" in run:
            assert "rm -rf /var/lib/apt/lists/*" in run, "apt lists not cleaned in the same layer"


@pytest.mark.parametrize("path", DOCKERFILES, ids=IDS)
def test_pip_installs_only_pinned_requirement_files(path):
    copied = {}
    for st in dp.stages(path):
        for flags, sources, dest in dp.copies(st):
            if not flags and len(sources) == 1:
                copied[dest] = path.parent / sources[0]
    pip_runs = [r for r in runs(path) if re.search(r"\bpip3?\s+install\b", r)]
    assert pip_runs, "no pip install"
    for run in pip_runs:
        for cmd in re.split(r"&&|;", run):
            if not re.search(r"\bpip3?\s+install\b", cmd):
                continue
            assert "--no-cache-dir" in cmd
            args = cmd.split(cmd.split("install", 1)[0] + "install", 1)[1].split()
            files = [args[i + 1] for i, a in enumerate(args) if a in ("-r", "--requirement")]
            others = [a for i, a in enumerate(args)
                      if not a.startswith("-") and (i == 0 or args[i - 1] not in ("-r", "--requirement"))]
            assert files and not others, f"pip installs packages not from a requirements file: {cmd}"
            for f in files:
                src = copied[f]
                lines = [l.split("#")[0].strip() for l in src.read_text().splitlines()]
                lines = [l for l in lines if l]
                assert lines
                for line in lines:
                    assert PIN.match(line), f"{src}: '{line}' is not an exact == pin"


@pytest.mark.parametrize("path", DOCKERFILES, ids=IDS)
def test_pip_index_url_build_arg_is_honoured(path):
    text = path.read_text()
    assert re.search(r"^ARG PIP_INDEX_URL\b", text, re.M)
    assert 'export PIP_INDEX_URL' in text
    # an index on plain http:// (the in-cluster package index) needs its host trusted by pip
    assert re.search(r"^ARG PIP_TRUSTED_HOST\b", text, re.M)
    assert 'export PIP_TRUSTED_HOST' in text


def test_package_index_image_runs_the_index_from_pinned_pure_python_packages():
    text = (PACKAGE_INDEX_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM \$\{SLIPWAY_RUNTIME_IMAGE\}$", text, re.M), "built on the runtime base image"
    assert 'ENTRYPOINT ["/opt/venv/bin/python", "/opt/package-index/package_index.py"]' in text
    ignore = (PACKAGE_INDEX_DIR / ".dockerignore").read_text().split()
    assert ignore[0] == "*" and set(ignore[1:]) == {"!Dockerfile", "!requirements.txt", "!package_index.py"}
    pins = [l.split("#")[0].strip() for l in (PACKAGE_INDEX_DIR / "requirements.txt").read_text().splitlines()]
    assert {p.split("==")[0].lower() for p in pins if p} >= {"pypiserver", "gunicorn", "passlib"}


def test_runtime_copies_exactly_the_tested_entrypoint_and_ini():
    final = dp.stages(RUNTIME_DIR / "Dockerfile")[-1]
    plain = [(s, d) for f, s, d in dp.copies(final) if not f]
    assert plain == [(["uwsgi.ini"], "/etc/slipway/uwsgi.ini"),
                     (["entrypoint.sh"], "/usr/local/bin/slipway-entrypoint")]
    assert ENTRYPOINT == RUNTIME_DIR / "entrypoint.sh" and ENTRYPOINT.stat().st_mode & 0o111
    assert UWSGI_INI == RUNTIME_DIR / "uwsgi.ini"
    ins = final["instructions"]
    assert ("ENTRYPOINT", '["/usr/local/bin/slipway-entrypoint"]') in ins
    assert ("EXPOSE", "8000") in ins
    assert ("WORKDIR", "/app") in ins
    assert not any(kw == "CMD" for kw, _ in ins)
    assert "ubuntu:24.04@sha256:" in dp.stages(RUNTIME_DIR / "Dockerfile")[0]["image"]
    dockerignore = (RUNTIME_DIR / ".dockerignore").read_text().split()
    assert {"!uwsgi.ini", "!entrypoint.sh", "!requirements.txt"} <= set(dockerignore)


def test_runtime_uses_ubuntu_python3_and_pinned_uwsgi():
    text = (RUNTIME_DIR / "Dockerfile").read_text()
    assert re.search(r"install[^&]*\bpython3\b", text)
    reqs = (RUNTIME_DIR / "requirements.txt").read_text()
    assert re.search(r"^uWSGI==\d+\.\d+\.\d+$", reqs, re.M | re.I)


def test_uwsgi_ini_checklist():
    ini = UWSGI_INI.read_text()
    opts = {}
    for line in ini.splitlines():
        line = line.strip()
        if line and not line.startswith((";", "#", "[")) and "=" in line:
            k, _, v = line.partition("=")
            opts.setdefault(k.strip(), []).append(v.strip())
    assert opts["http-socket"] == [":$(SLIPWAY_PORT)"]
    assert opts["master"] == ["true"] and opts["die-on-term"] == ["true"]
    assert opts["need-app"] == ["true"]
    # SIGTERM drains the workers (requests in flight finish) instead of killing them
    assert opts["hook-master-start"] == ["unix_signal:15 gracefully_kill_them_all"]
    assert opts["processes"] == ["$(UWSGI_PROCESSES)"] and opts["threads"] == ["$(UWSGI_THREADS)"]
    assert opts["module"] == ["$(DJANGO_WSGI_MODULE)"]
    assert opts["static-map"] == ["/static=$(STATIC_ROOT)"]
    assert "harakiri" in opts and "max-requests" in opts
    assert "%(body)" not in ini and "log-body" not in ini
    # every $(VAR) the ini reads gets a default from the entrypoint
    entry = ENTRYPOINT.read_text()
    code = "\n".join(l for l in ini.splitlines() if not l.lstrip().startswith(";"))
    for var in set(re.findall(r"\$\((\w+)\)", code)):
        assert re.search(r'^: "\$\{%s:=' % var, entry, re.M), f"{var} has no default in entrypoint.sh"


@pytest.mark.parametrize("name", BOILERPLATES)
def test_boilerplate_dockerfile_serves_through_the_runtime_entrypoint(name):
    path = BOILERPLATES_DIR / name / "Dockerfile"
    text = path.read_text()
    final = dp.stages(path)[-1]
    assert final["raw"] == "${SLIPWAY_RUNTIME_IMAGE}"
    assert "base-images/runtime" in text
    kws = [kw for kw, _ in final["instructions"]]
    assert "CMD" not in kws and "ENTRYPOINT" not in kws
    assert any("manage.py collectstatic --noinput" in r for r in runs(path))
    for f in ("manage.py", "wsgi.py", "settings.py", "urls.py", "templates/base.html",
              "templates/index.html", "pages/migrations/0001_initial.py", ".dockerignore"):
        assert (path.parent / f).is_file(), f


def test_webpack_sass_node_stage_and_lockfile():
    root = BOILERPLATES_DIR / "webpack-sass"
    stages = dp.stages(root / "Dockerfile")
    assert stages[0]["image"].startswith("node:") and stages[0]["alias"] == "assets"
    assert any(re.match(r"npm ci\b", r) for kw, r in stages[0]["instructions"] if kw == "RUN")
    assert (["--from=assets"], ["/build/static/dist"], "/app/static/dist") in dp.copies(stages[-1])
    pkg = json.loads((root / "package.json").read_text())
    lock = json.loads((root / "package-lock.json").read_text())
    deps = pkg["devDependencies"]
    assert set(deps) >= {"webpack", "webpack-cli", "sass", "sass-loader", "css-loader",
                         "mini-css-extract-plugin"}
    for dep, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{dep} {version} is not pinned"
        assert lock["packages"][f"node_modules/{dep}"]["version"] == version
