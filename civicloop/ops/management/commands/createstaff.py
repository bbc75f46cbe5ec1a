from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicloop.org import keys
from civicloop.org.models import User
from civicloop.org.roles import Role, Scope
from civicloop.org.services import save_staff


class Command(BaseCommand):
    help = "创建工作人员账号 / create a staff account"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--scope", default=Scope.CITY, choices=Scope.values)
        parser.add_argument("--division", help="scope division code (street 9 / community 12 digits)")
        parser.add_argument("--grid", help="scope grid code (15 digits)")
        parser.add_argument("--department", help="department code")
        parser.add_argument("--name", default="")
        parser.add_argument("--password", help="omit to be asked")
        parser.add_argument("--token", action="store_true", help="also issue an API token and print it")

    def handle(self, *args, username, role, scope, division, grid, department, name, password, token, **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户已存在 / user {username} exists")
        user = User(username=username, role=role, scope=scope, scope_division_id=division, scope_grid_id=grid,
                    department_id=department, display_name=name, is_staff=role == Role.ADMIN,
                    is_superuser=role == Role.ADMIN)
        if password is None:
            import getpass

            password = getpass.getpass("密码 password: ")
        user.set_password(password)
        try:
            save_staff("command:createstaff", user, via="command")  # validated, saved, in the change log
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(self.style.SUCCESS(f"created {username} ({role}, {scope})"))
        if token:
            _, raw = keys.issue(keys.STAFF, user, label="cli", via="command")
            self.stdout.write(raw)
