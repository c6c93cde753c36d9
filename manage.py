#!/usr/bin/env python
"""Django's command-line utility for DNA Portal."""

import os
import sys

from dnaportal import datadir


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dnaportal.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if problem := datadir.prepare(command):
        sys.stderr.write(f"{problem}\n")
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
