"""WSGI entry point: uWSGI loads `wsgi:application` (DJANGO_WSGI_MODULE)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

application = get_wsgi_application()
