"""A worker with no broker: marks each new Note processed, polling the table.

Run as a Slipway process type (spec.processes: [{name: worker, command: [python, manage.py,
process_notes]}]): the same image, variables and database as the web pods. SIGTERM lets the
batch in hand finish, then the loop ends. --once processes what is there and exits.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pages.models import Note


class Command(BaseCommand):
    help = "Mark new notes processed, every --interval seconds, until SIGTERM"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval, once, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write("process_notes: started", ending="\n")
        self.stdout.flush()
        while not stopping:
            with transaction.atomic():
                # SKIP LOCKED: two worker pods never take the same note.
                batch = list(Note.objects.select_for_update(skip_locked=True).filter(processed__isnull=True)[:100])
                for note in batch:
                    note.processed = timezone.now()
                    note.save(update_fields=["processed"])
            if batch:
                self.stdout.write(f"process_notes: processed {len(batch)}", ending="\n")
                self.stdout.flush()
            if once:
                return
            time.sleep(interval)
        self.stdout.write("process_notes: stopped on SIGTERM", ending="\n")
