"""Test settings: the real settings, with a throwaway data dir, tasks run inline, fast hashing."""

import os
import tempfile

os.environ.setdefault("DNAPORTAL_DATA_DIR", tempfile.mkdtemp(prefix="dnaportal-test-"))
os.environ["DNAPORTAL_SYNC_TASKS"] = "1"

from dnaportal import datadir  # noqa: E402
from dnaportal.settings import *  # noqa: E402,F403

datadir.ensure()

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests submit as fast as they can; tests/api/test_job_limits.py sets the limits it checks.
JOB_SUBMIT_RATE = ""
