"""Importing orders: one row per order line; rows that share an ``order_id``
are the lines of one order and must be adjacent in the file.

An order is keyed on (source, order_id). Its customer is the one with that
``customer_external_id`` in the same source or, failing that, the only
customer with that external id in any source; an order for an unknown
customer is rejected. Only an order id, a customer key, a date and an amount
are needed: a line without a channel is "unknown", without a category
"unknown", without a currency in the reporting currency (or the one its
amount is written in: £12.50), without a quantity 1. Order values cannot
be kept raw (an amount that is not a number has nowhere to go), so a row
with a bad value is rejected whole, and with it the rest of its order: half
an order is not written."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count
from simple_history.utils import bulk_create_with_history

from customers import validation
from customers.imports.matching import survivors
from customers.imports.rows import CleanRow, parse_datetime
from customers.models import Customer, Order, OrderChannel, OrderLine
from mis.bulk import insert_with_history

REQUIRED = ("order_id", "customer_external_id", "ordered_at", "amount")
# What a line takes when the file has no such column, or leaves it empty
# (the currency's is settings.REPORTING_CURRENCY).
DEFAULT_CHANNEL = OrderChannel.UNKNOWN
DEFAULT_CATEGORY = "unknown"
DEFAULT_QUANTITY = 1
MAX_AMOUNT = Decimal(10) ** 10  # the column holds 12 digits, 2 after the point

# Symbols written beside amounts, and the currency each means.
CURRENCY_SYMBOLS = {"£": "GBP", "€": "EUR", "$": "USD", "¥": "JPY", "₹": "INR"}
_AMOUNT = re.compile(
    r"(?P<before>[A-Z]{3}|[^\d\s.,()+-]+)?\s*(?P<number>[\d.,' \u00a0\u202f]+?)\s*"
    r"(?P<after>[A-Z]{3}|[^\d\s.,()+-]+)?"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def parse_amount(raw: str) -> tuple[Decimal, str]:
    """An amount of money as files write it: with a currency symbol or code
    before or after (£1,234.50, 1.234,50 €, GBP 12, 12.00 EUR), thousands
    separated by commas, dots, spaces or apostrophes. Returns the amount and
    the currency the text names ("" when none). Raises ValueError."""
    match = _AMOUNT.fullmatch(raw.strip().upper())
    if not match or (match["before"] and match["after"]):
        raise ValueError
    mark = match["before"] or match["after"] or ""
    currency = CURRENCY_SYMBOLS.get(mark, mark if len(mark) == 3 and mark.isalpha() else None)
    if mark and currency is None:
        raise ValueError
    number = re.sub(r"[' \u00a0\u202f]", "", match["number"])
    if "," in number and "." in number:
        # The one written last is the decimal point.
        decimal_mark = "," if number.rfind(",") > number.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        number = number.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in number:
        if _THOUSANDS.fullmatch(number):
            number = number.replace(",", "")
        elif re.fullmatch(r"\d+,\d{1,2}", number):
            number = number.replace(",", ".")
        else:
            raise ValueError
    elif number.count(".") > 1:
        if not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
            raise ValueError
        number = number.replace(".", "")
    amount = Decimal(number)
    if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:
        raise ValueError
    return amount.quantize(Decimal("0.01")), currency or ""


class OrderRowCleaner:
    def __init__(
        self,
        *,
        date_format: str | None = None,
        strict: bool = False,
        date_orders: dict[str, str] | None = None,
    ):
        self.date_format = date_format
        self.date_order = (date_orders or {}).get("ordered_at")

    def clean(self, raw: dict[str, str]) -> CleanRow:
        row = CleanRow()
        text = {k: (v or "").strip() for k, v in raw.items()}
        problems = row.rejection
        for name in REQUIRED:
            if not text.get(name):
                problems.append(f"{name}: a value is required.")
        if problems:
            return row
        values = row.values
        values["order_id"] = text["order_id"][:100]
        values["customer_external_id"] = text["customer_external_id"]
        try:
            values["ordered_at"] = parse_datetime(
                text["ordered_at"], self.date_format, order=self.date_order
            )
        except ValueError as exc:
            problems.append(f"ordered_at: {exc}")
        written_in = ""
        try:
            values["amount"], written_in = parse_amount(text["amount"])
        except (ValueError, InvalidOperation):
            problems.append(f"amount: “{text['amount']}” is not an amount of money (0 or more).")
        currency = (text.get("currency") or written_in or settings.REPORTING_CURRENCY).upper()
        try:
            validation.validate_currency(currency)
            values["currency"] = currency
        except ValidationError as exc:
            problems.append(f"currency: {exc.messages[0]}")
        if written_in and currency != written_in:
            problems.append(
                f"amount: “{text['amount']}” is in {written_in}, but the currency says {currency}."
            )
        channel = (text.get("channel") or DEFAULT_CHANNEL).lower()
        matches = [v for v, label in OrderChannel.choices if channel in (v, label.lower())]
        if matches:
            values["channel"] = matches[0]
        else:
            allowed = ", ".join(OrderChannel.values)
            problems.append(f"channel: “{text['channel']}” is not one of {allowed}.")
        values["category"] = (text.get("category") or DEFAULT_CATEGORY)[:100]
        try:
            quantity = int(text.get("quantity") or DEFAULT_QUANTITY)
            if quantity < 1:
                raise ValueError
            values["quantity"] = quantity
        except ValueError:
            problems.append(f"quantity: “{text['quantity']}” is not a whole number of 1 or more.")
        return row


def _line_key(category, quantity, amount) -> tuple:
    return (category, int(quantity), Decimal(amount).quantize(Decimal("0.01")))


class OrderWriter:
    def __init__(self, job):
        self.job = job
        self.source = job.source
        self.actor = job.created_by
        self.reason = f"import {job.public_id}"
        # Orders this job has written: a later line of one of them means the
        # file's lines of that order are not together. A resumed job learns
        # the ones written before it stopped from their history.
        self.written: set[str] = set()
        if job.processed_rows:
            self.written = set(
                Order.history.filter(source=self.source, history_change_reason=self.reason)
                .values_list("external_id", flat=True)
                .distinct()
            )

    def write(self, rows, *, record_errors: bool = True):
        from customers.imports.services import _Counts, _record_errors  # the shared pipeline

        counts = _Counts()
        orders: dict[str, list] = {}
        for row in rows:
            if row.clean is not None and not row.reasons:
                orders.setdefault(row.clean.values["order_id"], []).append(row)
        # Half an order is not written: a bad line rejects its whole order.
        bad_orders = {
            row.clean.values["order_id"]
            for row in rows
            if row.reasons and row.clean is not None and row.clean.values.get("order_id")
        }
        for order_id in bad_orders & set(orders):
            for row in orders.pop(order_id):
                row.reasons.append(f"Another line of order {order_id} was rejected.")
        for order_id in self.written & set(orders):
            for row in orders.pop(order_id):
                row.reasons.append(
                    f"Order {order_id} was already written from earlier rows: the lines of an "
                    "order must be together in the file."
                )
        customers = self._customers(
            {r[0].clean.values["customer_external_id"] for r in orders.values()}
        )
        for order_id, lines in list(orders.items()):
            external = lines[0].clean.values["customer_external_id"]
            if external not in customers:
                for row in orders.pop(order_id):
                    row.reasons.append(f"No customer has the external id “{external}”.")
        counts.rejected = sum(1 for row in rows if row.reasons)
        if record_errors:
            _record_errors(self.job, [row for row in rows if row.reasons])

        existing = {
            o.external_id: o
            for o in Order.objects.filter(source=self.source, external_id__in=list(orders))
            .annotate(line_count=Count("lines"))
            .prefetch_related("lines")
        }
        new_orders, new_lines, replaced = [], [], []
        for order_id, lines in orders.items():
            first = lines[0].clean.values
            wanted = Counter(
                _line_key(
                    r.clean.values["category"], r.clean.values["quantity"], r.clean.values["amount"]
                )
                for r in lines
            )
            header = {
                "customer": customers[first["customer_external_id"]],
                "ordered_at": first["ordered_at"],
                "currency": first["currency"],
                "channel": first["channel"],
            }
            order = existing.get(order_id)
            if order is not None:
                have = Counter(
                    _line_key(line.product_category, line.quantity, line.amount)
                    for line in order.lines.all()
                )
                same_header = all(
                    getattr(order, k) == v if k != "customer" else order.customer_id == v.pk
                    for k, v in header.items()
                )
                if same_header and have == wanted:
                    counts.unchanged += len(lines)
                    continue
                replaced.append(order)
                counts.updated += len(lines)
            else:
                order = Order(source=self.source, external_id=order_id)
                counts.created += len(lines)
            for key, value in header.items():
                setattr(order, key, value)
            order.total_amount = sum((r.clean.values["amount"] for r in lines), Decimal("0.00"))
            if order.pk is None:
                new_orders.append(order)
            else:
                order._history_user = self.actor
                order._change_reason = self.reason
                order.save()
            new_lines.extend(
                OrderLine(
                    order=order,
                    product_category=r.clean.values["category"],
                    quantity=r.clean.values["quantity"],
                    amount=r.clean.values["amount"],
                )
                for r in lines
            )
        if replaced:
            OrderLine.objects.filter(order__in=replaced).delete()
        if new_orders:
            insert_with_history(new_orders, Order, user=self.actor, reason=self.reason)
        for line in new_lines:
            line.order_id = line.order.pk
        if new_lines:
            bulk_create_with_history(
                new_lines, OrderLine, default_user=self.actor, default_change_reason=self.reason
            )
        self.written |= set(orders)
        return counts

    def _customers(self, external_ids: set[str]) -> dict[str, Customer]:
        found = {
            c.external_id: c
            for c in Customer.objects.filter(source=self.source, external_id__in=external_ids)
        }
        missing = external_ids - set(found)
        if missing:
            # Another source's customer, when exactly one live record has that
            # id (a merged record's id is its survivor's business).
            by_id: dict[str, list[Customer]] = {}
            for c in Customer.objects.filter(external_id__in=missing, merged_into__isnull=True):
                by_id.setdefault(c.external_id, []).append(c)
            found.update({k: v[0] for k, v in by_id.items() if len(v) == 1})
        # Orders of a merged record go to its survivor.
        return {key[0]: c for key, c in survivors({(k,): c for k, c in found.items()}).items()}
