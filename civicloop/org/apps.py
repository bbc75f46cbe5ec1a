from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "civicloop.org"
    verbose_name = "组织 Organisation"

    def ready(self) -> None:
        from django.contrib import admin

        from civicloop.org import signals  # noqa: F401  district centres: cases.command's cache follows
        from civicloop.org.admin_login import throttled  # it reaches org's models: loaded only now

        # One lockout for both doors: the admin's sign-in counts failures with the console's (org.services).
        admin.site.login = throttled(admin.site.login)
