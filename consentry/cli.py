"""`consentry`: the project's command line. Every Django management command is reachable
through it (`consentry migrate`, `consentry worker`, `consentry verify_audit`, ...), and
`consentry blur`, which needs no Django at all (consentry.imaging.cli), goes straight there."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["blur"]:
        from consentry.imaging.cli import main as blur

        sys.exit(blur(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consentry.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
