import subprocess
import sys

from tests.media import REPO


def test_it_imports_the_engine_without_django():
    code = (
        "import sys, dnaportal.engine, dnaportal.engine.index; "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
