"""`consentry check --deploy` reports what must not reach production."""

from io import StringIO

from django.core import checks
from django.core.management import call_command


def check_ids(**kwargs) -> set[str]:
    return {message.id for message in checks.run_checks(**kwargs)}


def test_check_deploy_warns_when_demo_mode_is_on(db, settings):
    settings.DEMO_MODE = True
    output = StringIO()
    call_command("check", deploy=True, fail_level="CRITICAL", stdout=output, stderr=output)
    assert "(web.W001) CONSENTRY_DEMO is on" in output.getvalue()
    assert "web.W001" not in check_ids()  # only a deployment check: the demo itself starts

    settings.DEMO_MODE = False
    assert "web.W001" not in check_ids(include_deployment_checks=True)
