"""The engine stands alone: no module of it brings Django in, whatever it imports."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE_MODULES = sorted(
    ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for path in (REPO / "engine").rglob("*.py")
)

CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    django = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
    assert not django, f"importing {name} brought in {django[:3]}"
print(len(sys.argv) - 1)
"""


def test_it_lists_every_engine_module():
    assert {"engine", "engine.base", "engine.decode", "engine.video.index", "engine.audio.codes"} <= set(
        ENGINE_MODULES
    )


def test_no_engine_module_brings_in_django():
    # One fresh interpreter per module: an import one module makes cannot hide another's. They run a
    # few at a time (each is mostly interpreter start and imports).
    running: dict[str, subprocess.Popen] = {}
    pending = list(ENGINE_MODULES)
    while pending or running:
        while pending and len(running) < 4:
            module = pending.pop()
            running[module] = subprocess.Popen(
                [sys.executable, "-c", CHECK, module],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        module, process = next(iter(running.items()))
        stdout, stderr = process.communicate(timeout=60)
        del running[module]
        assert process.returncode == 0, f"{module}: {stderr[-800:]}"
        assert stdout.strip() == "1"
