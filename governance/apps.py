from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        # two_factor and sessions: their log-in signals.
        from governance import audit, safeguards, sessions, two_factor  # noqa: F401

        audit.connect()
        safeguards.connect()
