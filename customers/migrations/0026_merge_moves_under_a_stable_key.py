"""What governance moved in a merge was kept under the dotted name of the
signal receiver that moved it; it is now kept under the stable key "policy"
(customers.policy.MERGE_POLICY_KEY), so that renaming a function can no
longer break the undo of an older merge."""

from django.db import migrations

OLD_KEY = "governance.merge.move_consents_to_survivor"
NEW_KEY = "policy"


def _rename(old: str, new: str):
    def run(apps, schema_editor):
        Merge = apps.get_model("customers", "Merge")
        for merge in Merge.objects.filter(moved__has_key=old).iterator(chunk_size=500):
            merge.moved[new] = merge.moved.pop(old)
            merge.save(update_fields=["moved"])

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0025_customer_facts")]

    operations = [migrations.RunPython(_rename(OLD_KEY, NEW_KEY), _rename(NEW_KEY, OLD_KEY))]
