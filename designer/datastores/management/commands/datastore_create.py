"""`manage.py datastore_create NAME ROOT`: register a local-folder datastore, grant it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.datastores.models import Access, Datastore
from designer.datastores.services import DatastoreInvalid, datastore_create, datastore_grant


class Command(BaseCommand):
    help = "Register a datastore over a server folder (or, if it exists, grant it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("root", nargs="?", help="absolute folder (omit to only grant)")
        parser.add_argument("--description", default="")
        parser.add_argument("--user", action="append", default=[], help="grant to a username")
        parser.add_argument("--group", action="append", default=[], help="grant to a group")
        parser.add_argument("--access", choices=Access.values, default=Access.READ)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        try:
            if options["root"]:
                datastore = datastore_create(
                    name=name, root=options["root"], description=options["description"]
                )
                self.stdout.write(f"datastore {name!r} registered")
            else:
                found = Datastore.objects.filter(name=name).first()
                if found is None:
                    raise CommandError(f"no datastore {name!r}; give its ROOT to register it")
                datastore = found
            for username in options["user"]:
                user = get_user_model().objects.filter(username=username).first()
                if user is None:
                    raise CommandError(f"no user {username!r}")
                datastore_grant(datastore=datastore, user=user, access=options["access"])
                self.stdout.write(f"granted {options['access']} to user {username!r}")
            for group_name in options["group"]:
                group, _ = Group.objects.get_or_create(name=group_name)
                datastore_grant(datastore=datastore, group=group, access=options["access"])
                self.stdout.write(f"granted {options['access']} to group {group_name!r}")
        except DatastoreInvalid as exc:
            raise CommandError(f"{exc.field}: {exc}") from None
