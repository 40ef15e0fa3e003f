"""A fully configured deployment (single sign-on, mail over TLS, two-factor required)
passes Django's deployment checks at WARNING, as the bare one does (tests/test_settings.py)."""

from tests.test_settings import DEPLOYED_ENV, manage

FULL_DEPLOYMENT = {
    **DEPLOYED_ENV,
    "SITE_URL": "https://collab.example.nhs.uk",
    "EMAIL_HOST": "smtp.example.nhs.uk",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "true",
    "DEFAULT_FROM_EMAIL": "collab@example.nhs.uk",
    "COLLAB_OIDC_CLIENT_ID": "3f1c0d6e-collab",
    "COLLAB_OIDC_CLIENT_SECRET": "not-a-real-client-secret",
    "COLLAB_OIDC_TENANT": "00000000-0000-0000-0000-000000000000",
    "COLLAB_TWO_FACTOR_REQUIRED": "true",
}


def test_a_fully_configured_production_deployment_passes_the_deployment_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", COLLAB_ENV="production", **FULL_DEPLOYMENT
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_cannot_be_left_on_unnoticed_in_production():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        COLLAB_ENV="production",
        DEBUG="true",
        **FULL_DEPLOYMENT,
    )

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr
