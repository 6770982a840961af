"""A scheduled command: writes one Note, so a run of it shows on the page.

Run as a Slipway scheduled job (spec.cron: [{name: note, schedule: "*/15 * * * *", command:
[python, manage.py, add_note, "from cron"]}]): a CronJob on the image, variables and database of
the release the environment runs. The title may name the time with {now} (UTC, ISO 8601).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from pages.models import Note


class Command(BaseCommand):
    help = "Write one note with the given title ({now} is replaced by the current time)"

    def add_arguments(self, parser):
        parser.add_argument("title")

    def handle(self, *args, title, **options):
        note = Note.objects.create(title=title.replace("{now}", timezone.now().isoformat(timespec="seconds"))[:200])
        self.stdout.write(f"add_note: wrote note {note.pk}", ending="\n")
