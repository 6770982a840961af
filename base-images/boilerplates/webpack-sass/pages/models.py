from django.db import models


class Note(models.Model):
    """A tiny model so that a deploy has a real migration to run."""

    title = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    # Set by the worker process (manage.py process_notes): the queue is the table itself, so the
    # worker needs no broker.
    processed = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.title
