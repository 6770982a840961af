from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .models import Note


def index(request):
    return render(request, "index.html", {"notes": Note.objects.all()[:5]})


@never_cache
def livez(request):
    """Liveness and startup probe (SLIPWAY_LIVENESS_PATH): the process answers. Never asks the
    database: an outage must make pods unready, not restart them."""
    return HttpResponse("alive", content_type="text/plain")


@never_cache
def healthz(request):
    """Readiness probe (SLIPWAY_HEALTH_PATH): 200 "ok" when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure makes the pod unready
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
