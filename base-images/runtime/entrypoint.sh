#!/bin/sh
# Slipway runtime entrypoint: the single source of truth for how a pod serves.
# The operator never sets a command; it runs this with no arguments.
#
#   (arguments given)     exec them in APP_DIR (e.g. the migration Job:
#                         `python manage.py migrate --noinput`)
#   SLIPWAY_STAGE=local   exec the Django runserver on 0.0.0.0:$SLIPWAY_PORT
#   any other stage       exec uWSGI with $SLIPWAY_UWSGI_INI
#
# Defaults match the image; tests override them to run a boilerplate in place.
set -eu

: "${APP_DIR:=/app}"
: "${SLIPWAY_PORT:=8000}"
: "${SLIPWAY_UWSGI_INI:=/etc/slipway/uwsgi.ini}"
: "${DJANGO_WSGI_MODULE:=wsgi:application}"
: "${STATIC_ROOT:=${APP_DIR}/staticfiles}"
: "${UWSGI_PROCESSES:=2}"
: "${UWSGI_THREADS:=4}"
: "${UWSGI_HARAKIRI:=60}"
: "${UWSGI_MAX_REQUESTS:=1000}"
export APP_DIR SLIPWAY_PORT SLIPWAY_UWSGI_INI DJANGO_WSGI_MODULE STATIC_ROOT \
    UWSGI_PROCESSES UWSGI_THREADS UWSGI_HARAKIRI UWSGI_MAX_REQUESTS

cd "$APP_DIR"

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ "${SLIPWAY_STAGE:-}" = "local" ]; then
    exec python manage.py runserver "0.0.0.0:${SLIPWAY_PORT}"
fi

exec uwsgi --ini "$SLIPWAY_UWSGI_INI"
