"""Django settings driven by the environment the Slipway operator sets.

SLIPWAY_STAGE  local | test | live (unset counts as live: the safe side)
DOMAIN         the site's host name; DOMAIN_ALIASES: more, comma separated
SLIPWAY_INTERNAL_HOSTS  the Service's names inside the cluster, comma separated
DATABASE_URL   postgres://user:password@host:port/name
SECRET_KEY     required outside local (the platform generates one per environment)
STATIC_ROOT    where collectstatic writes (default BASE_DIR/staticfiles = /app/staticfiles)
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent

STAGE = os.environ.get("SLIPWAY_STAGE", "live").strip().lower() or "live"
LOCAL = STAGE == "local"
DEBUG = LOCAL

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not LOCAL:
        raise ImproperlyConfigured("SECRET_KEY must be set when SLIPWAY_STAGE is not 'local'")
    SECRET_KEY = "local-development-only-not-a-secret"


def _hosts():
    hosts = []
    names = [os.environ.get("DOMAIN", "")] + os.environ.get("DOMAIN_ALIASES", "").split(",")
    names += os.environ.get("SLIPWAY_INTERNAL_HOSTS", "").split(",")
    for value in names:
        value = value.strip()
        if value and value not in hosts:
            hosts.append(value)
    return hosts + ["localhost", "127.0.0.1"]


ALLOWED_HOSTS = _hosts()

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
elif LOCAL:
    # local development (and collectstatic at build time) need no database server
    DATABASES = {"default": dj_database_url.parse(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
else:
    raise ImproperlyConfigured("DATABASE_URL must be set when SLIPWAY_STAGE is not 'local'")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = os.environ.get("STATIC_ROOT") or str(BASE_DIR / "staticfiles")

# TLS ends at the ingress; trust its forwarded scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if STAGE == "live":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
