from django.db import models


class Note(models.Model):
    """A tiny model so that a deploy has a real migration to run."""

    title = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.title
