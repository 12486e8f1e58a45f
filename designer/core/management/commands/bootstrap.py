from typing import Any

from django.core.management.base import BaseCommand

from designer.core.bootstrap import admin_ensure, admin_password_file


class Command(BaseCommand):
    help = "Create the admin account on first start and print its generated password once."

    def handle(self, *args: Any, **options: Any) -> None:
        password = admin_ensure()
        if password is None:
            return
        bar = "=" * 64
        self.stdout.write(
            f"{bar}\nConveyor admin account created.\n  username: admin\n  password: {password}\n"
            f"Saved (mode 0600) in {admin_password_file()}; it is not shown again.\n{bar}"
        )
