"""The roles of MIS as Django groups. The data migrations create them; this
module names them for code and tests."""

MARKETING_STAFF = "Marketing staff"
MARKETING_MANAGER = "Marketing manager"
DATA_STEWARD = "Data steward"
DATA_PROTECTION_LEAD = "Data protection lead"
INTEGRATION = "Integration"

ALL_ROLES = (MARKETING_STAFF, MARKETING_MANAGER, DATA_STEWARD, DATA_PROTECTION_LEAD, INTEGRATION)


def grant_operations(grants: dict[str, list[str]]):
    """(forwards, backwards) for a data migration that grants ``grants``
    (role name -> ["app_label.codename", ...]) to the role groups.

    Permissions are normally created after all migrations ran (post_migrate),
    so the forwards function creates them first, as mis/0001 does."""

    def _permissions(apps, codes):
        Permission = apps.get_model("auth", "Permission")
        for code in codes:
            app_label, codename = code.split(".")
            yield Permission.objects.get(content_type__app_label=app_label, codename=codename)

    def grant(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        for role, codes in grants.items():
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.add(*_permissions(apps, codes))

    def revoke(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        for role, codes in grants.items():
            for group in Group.objects.filter(name=role):
                group.permissions.remove(*_permissions(apps, codes))

    return grant, revoke
