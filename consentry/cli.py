"""`consentry`: the project's command line. Every Django management command is reachable
through it (`consentry migrate`, `consentry worker`, `consentry verify_audit`, ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consentry.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
