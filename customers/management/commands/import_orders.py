from customers.management.commands.import_customers import Command as ImportCommand
from customers.models import ImportKind


class Command(ImportCommand):
    help = (
        "Import orders from a CSV or XLSX file, one row per order line (columns order_id, "
        "customer_external_id, ordered_at, amount, currency, channel, category, quantity). "
        "Orders are upserted on (source, order_id); an order for an unknown customer goes to "
        "the error report. Exits non-zero only when the file itself cannot be read."
    )
    kind = ImportKind.ORDERS
