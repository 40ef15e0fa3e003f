import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")

app = Celery("collab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _keep_freed_memory(**_):
    """Workers run the national recompute's large batches: let them reuse freed array pages
    (measures/spc/memory.py). A process-wide allocator choice, so it is made here, where the
    process starts, and not inside the statistics core: web processes keep glibc's defaults
    and hand freed memory back."""
    from measures.spc.memory import keep_freed_memory

    keep_freed_memory()
