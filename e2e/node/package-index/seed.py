#!/usr/bin/env python3
"""Seeds the platform package index: this machine's pip downloads, once, everything the runtime
image, the boilerplates and the index itself install, for the runtime image's platform (not this
machine's): wheels where PyPI has them for that Python and glibc, the sdist where it has none
(uWSGI), and what building those sdists needs (setuptools, wheel; pinned by
base-images/package-index/build-requirements.txt). Pods reach no outside index; this directory is
all the index holds until the wheel-building Job adds the wheels it compiled.

    seed.py --dest DIR --python 3.11 --glibc 2.36 [--arch x86_64] \
            --constraints build-requirements.txt REQUIREMENTS.txt...

A requirement with no wheel for the target is fetched as an sdist; the dependencies it declares
(Requires-Dist in its PKG-INFO) are resolved as wheels, like every other dependency. A dependency
that has no wheel either is an error that names it. Writes DIR/SHA256SUMS (sorted).
"""
import argparse
import email.parser
import hashlib
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile


def requirement_lines(files):
    out = []
    for f in files:
        for line in pathlib.Path(f).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and line not in out:
                out.append(line)
    return out


def target_flags(python, glibc, arch):
    major, minor = python.split(".")[:2]
    gmajor, gminor = (int(x) for x in glibc.split(".")[:2])
    flags = ["--only-binary=:all:", "--python-version", f"{major}.{minor}", "--implementation", "cp",
             "--abi", f"cp{major}{minor}"]
    # pip does not widen one manylinux tag to the older ones a newer glibc also runs: name them all
    for m in range(gminor, 4, -1):
        flags += ["--platform", f"manylinux_{gmajor}_{m}_{arch}"]
    for legacy, needs in (("manylinux2014", 17), ("manylinux2010", 12), ("manylinux1", 5)):
        if gminor >= needs:
            flags += ["--platform", f"{legacy}_{arch}"]
    return flags


def pip_download(args, dest, log):
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-input",
           "--progress-bar", "off", "-d", str(dest)] + args
    result = subprocess.run(cmd, capture_output=True, text=True)
    log.write(f"$ {' '.join(cmd)}\n{result.stdout}{result.stderr}\n")
    return result


def sdist_metadata(path):
    """(Requires-Dist without extras, build-system requires) of an sdist."""
    pkg_info, pyproject = None, None
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                if n.count("/") == 1 and n.endswith("/PKG-INFO"):
                    pkg_info = z.read(n).decode()
                if n.count("/") == 1 and n.endswith("/pyproject.toml"):
                    pyproject = z.read(n).decode()
    else:
        with tarfile.open(path) as t:
            for m in t.getmembers():
                if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"):
                    pkg_info = t.extractfile(m).read().decode()
                if m.name.count("/") == 1 and m.name.endswith("/pyproject.toml"):
                    pyproject = t.extractfile(m).read().decode()
    requires = []
    if pkg_info:
        msg = email.parser.Parser().parsestr(pkg_info)
        requires = [r for r in (msg.get_all("Requires-Dist") or []) if "extra ==" not in r]
    build = ["setuptools>=40.8.0", "wheel"]  # pip's default for a project without pyproject.toml
    if pyproject:
        build = tomllib.loads(pyproject).get("build-system", {}).get("requires", build)
    return requires, build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dest", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--glibc", required=True)
    ap.add_argument("--arch", default="x86_64")
    ap.add_argument("--constraints", required=True)
    ap.add_argument("requirements", nargs="+")
    a = ap.parse_args()
    dest = pathlib.Path(a.dest)
    dest.mkdir(parents=True, exist_ok=True)
    flags = target_flags(a.python, a.glibc, a.arch)
    log = open(dest.parent / (dest.name + ".pip.log"), "w")

    wheel_lines, sdist_requires, build_requires, sdists = [], [], [], []
    with tempfile.TemporaryDirectory() as probe:
        for line in requirement_lines(a.requirements):
            if pip_download(["--no-deps"] + flags + [line], probe, log).returncode == 0:
                wheel_lines.append(line)
                continue
            before = set(dest.iterdir())
            r = pip_download(["--no-deps", "--no-binary=:all:", line], dest, log)
            if r.returncode != 0:
                sys.exit(f"seed: neither a wheel for Python {a.python}/glibc {a.glibc} nor an sdist of {line}:\n{r.stderr}")
            for new in set(dest.iterdir()) - before:
                requires, build = sdist_metadata(new)
                sdists.append(new.name)
                sdist_requires += requires
                build_requires += build
                print(f"seed: {line}: no wheel for the platform, sdist {new.name} (the wheel-building Job compiles it)",
                      file=sys.stderr)

    reqs = pathlib.Path(tempfile.mkstemp(suffix=".txt")[1])
    reqs.write_text("\n".join(wheel_lines + sdist_requires) + "\n")
    r = pip_download(flags + ["-r", str(reqs)], dest, log)
    if r.returncode != 0:
        missing = re.findall(r"No matching distribution found for (\S+)", r.stderr)
        sys.exit(f"seed: no wheel for Python {a.python}/glibc {a.glibc} of {missing or r.stderr}")
    if build_requires:
        reqs.write_text("\n".join(dict.fromkeys(build_requires)) + "\n")
        r = pip_download(flags + ["-c", a.constraints, "-r", str(reqs)], dest, log)
        if r.returncode != 0:
            sys.exit(f"seed: cannot download what building {sdists} needs: {r.stderr}")
    reqs.unlink()

    sums = []
    for f in sorted(dest.iterdir()):
        if f.is_file() and f.name != "SHA256SUMS":
            sums.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}")
    (dest / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(f"seed: {len(sums)} files for Python {a.python}, glibc {a.glibc}, {a.arch}"
          f" ({len(sdists)} sdist{'s' if len(sdists) != 1 else ''} to build: {', '.join(sdists) or 'none'})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
