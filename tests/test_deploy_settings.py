"""Production settings come from the environment: with DNAPORTAL_HTTPS=true, `manage.py check --deploy`
finds nothing to warn about (HSTS, the redirect to HTTPS, secure cookies)."""

import os
import subprocess
import sys

from tests.media import REPO


def _check_deploy(tmp_path, **env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DNAPORTAL_", "DJANGO_"))}
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "dnaportal.settings", "DNAPORTAL_DATA_DIR": str(tmp_path / "data"), **env}
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
    )
    return result.stdout + result.stderr


def test_check_deploy_is_clean_when_served_over_https(tmp_path):
    output = _check_deploy(tmp_path, DNAPORTAL_HTTPS="true")
    assert "System check identified no issues" in output, output


def test_each_https_setting_is_its_own_choice(tmp_path):
    output = _check_deploy(tmp_path, DNAPORTAL_HTTPS="true", DNAPORTAL_HSTS_SECONDS="0")
    assert "security.W004" in output and "security.W012" not in output, output


def test_a_submission_rate_drf_cannot_read_stops_the_portal_at_start_with_a_clear_message(tmp_path):
    output = _check_deploy(tmp_path, DNAPORTAL_SUBMIT_RATE="twenty a second")
    assert "ImproperlyConfigured" in output and "DNAPORTAL_SUBMIT_RATE" in output, output


def test_a_limit_of_zero_or_less_stops_the_portal_at_start_naming_the_variable(tmp_path):
    output = _check_deploy(tmp_path, DNAPORTAL_INDEX_BUILD_MEMORY_MB="0")
    assert "ImproperlyConfigured" in output, output
    assert "DNAPORTAL_INDEX_BUILD_MEMORY_MB must be at least 1, not '0'" in output, output
    output = _check_deploy(tmp_path, DNAPORTAL_MAX_UPLOAD_MB="-5")
    assert "DNAPORTAL_MAX_UPLOAD_MB must be at least 1, not '-5'" in output, output
    # Where zero means "none" (no HSTS, no retry wait, no quota), it is taken.
    output = _check_deploy(tmp_path, DNAPORTAL_JOB_RETRY_BACKOFF="0", DNAPORTAL_MAX_WAITING_JOBS="0")
    assert "ImproperlyConfigured" not in output, output
