#!/usr/bin/env python3
"""Uploads distributions into the package index with the upload API twine uses (pypiserver:
POST / with ':action=file_upload' and the file as 'content'), then checks that the index's PEP 503
page of each project lists the file with its sha256. Standard library only: it runs on this
machine and in the wheel-building Job's pod.

    upload.py --url http://HOST:PORT/ [--user NAME --password-file FILE] FILE...

409 (the index holds that file already) counts as present, if the sha256 it lists is the same.
Prints 'uploaded: a b', 'present: c' and exits non-zero on anything else.
"""
import argparse
import base64
import hashlib
import html.parser
import pathlib
import re
import sys
import urllib.error
import urllib.request
import uuid


def project_of(filename):
    if filename.endswith(".whl"):
        name = filename.split("-")[0]
    else:
        name = re.sub(r"\.(tar\.gz|zip|tar\.bz2)$", "", filename).rsplit("-", 1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = {}

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            path, _, fragment = href.partition("#")
            self.links[path.rsplit("/", 1)[-1]] = fragment


def listed(base, project, auth):
    req = urllib.request.Request(f"{base}simple/{project}/", headers=auth)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            parser = _Links()
            parser.feed(r.read().decode())
            return parser.links
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return {}
        raise


def upload(base, path, auth):
    boundary = uuid.uuid4().hex
    data = path.read_bytes()
    fields = {":action": "file_upload", "protocol_version": "1",
              "sha256_digest": hashlib.sha256(data).hexdigest()}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{path.name}"\r\n'
             f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(base, data=body, method="POST",
                                 headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    base = a.url if a.url.endswith("/") else a.url + "/"
    auth = {}
    if a.user:
        password = pathlib.Path(a.password_file).read_text().strip()
        auth["Authorization"] = "Basic " + base64.b64encode(f"{a.user}:{password}".encode()).decode()
    uploaded, present, failed = [], [], []
    for name in a.files:
        path = pathlib.Path(name)
        status = upload(base, path, auth)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        links = listed(base, project_of(path.name), auth)
        if status in (200, 201) and links.get(path.name) == f"sha256={digest}":
            uploaded.append(path.name)
        elif status == 409 and links.get(path.name) == f"sha256={digest}":
            present.append(path.name)
        else:
            failed.append(f"{path.name} (HTTP {status}, listed as {links.get(path.name)!r})")
    print("uploaded: " + " ".join(uploaded))
    print("present: " + " ".join(present))
    if failed:
        print("failed: " + " ".join(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
