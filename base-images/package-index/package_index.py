"""Slipway's platform package index: pypiserver's PEP 503 "simple" pages and its upload API,
served by gunicorn. The image's entrypoint (base-images/package-index/Dockerfile).

Environment:
  PACKAGE_INDEX_ROOT      where the distributions live and uploads land (default /data/packages)
  PACKAGE_INDEX_PORT      port on every interface (default 8080)
  PACKAGE_INDEX_HTPASSWD  htpasswd file (apr1/md5-crypt or sha256/sha512-crypt lines); an upload
                          needs one of its users. Without it the index is read-only: every upload
                          answers 401. (default /etc/slipway/package-index/htpasswd)
  PACKAGE_INDEX_THREADS   request threads (default 8)

pypiserver's fallback is off: a package the index lacks is a 404, never a redirect to PyPI, so a
build that needs something the platform does not hold fails instead of leaving the cluster.
Existing files are never overwritten (an upload of a name the index holds answers 409).
"""
import os
import pathlib
import sys

import pypiserver
from gunicorn.app.base import BaseApplication


def make_app(environ=os.environ):
    root = pathlib.Path(environ.get("PACKAGE_INDEX_ROOT", "/data/packages"))
    htpasswd = pathlib.Path(environ.get("PACKAGE_INDEX_HTPASSWD", "/etc/slipway/package-index/htpasswd"))
    uploads = htpasswd.is_file() and htpasswd.stat().st_size > 0
    app = pypiserver.app(
        roots=[root],
        disable_fallback=True,
        hash_algo="sha256",
        overwrite=False,
        authenticate=["update"],
        password_file=str(htpasswd) if uploads else None,
        health_endpoint="/health",
    )
    mode = f"uploads for the users of {htpasswd}" if uploads else "read-only (no htpasswd file)"
    print(f"package index: {root}, {mode}", file=sys.stderr, flush=True)
    return app


class _Server(BaseApplication):
    def __init__(self, app, options):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def main():
    port = int(os.environ.get("PACKAGE_INDEX_PORT", "8080"))
    threads = int(os.environ.get("PACKAGE_INDEX_THREADS", "8"))
    _Server(make_app(), {
        "bind": [f"0.0.0.0:{port}"],
        "workers": 1,  # one process: every request sees the same directory listing
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(B)s %(M)sms',
    }).run()


if __name__ == "__main__":
    main()
