"""Create the three role groups. Accounts that existed before roles could do everything through the API,
so they become admins: nobody loses access on upgrade. New accounts start with no role."""

from django.db import migrations

ROLES = ("viewer", "moderator", "admin")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    for user in User.objects.filter(is_superuser=False, groups__isnull=True):
        user.groups.add(groups["admin"])


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0003_review_events"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
