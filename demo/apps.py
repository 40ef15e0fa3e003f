from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and national-scale seed (`manage.py seed_demo`). It sits on top of every other
    app: it may import them all, and none imports it."""

    name = "demo"
    verbose_name = "Demo data"
