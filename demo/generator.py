"""The demo generator: realistic UK customers with their orders, a known share
of duplicate records and a known share of quality defects, made in Python
from a seed, without touching the database (``demo.writer`` writes them).

What is generated
-----------------
* Persons (about 92%) and organisations living in real UK towns: each record's
  county, postcode area and landline dialling code agree with its town. Names,
  surnames for street and company names, and occupations come from Faker
  (en_GB). Faker is slow per call, so it fills pools once and the records are
  combinations drawn from the pools with ``random.Random(seed)``: the same
  seed (and the same options) always gives the same records. Faker's own towns
  are invented ("Bakerhaven") and its counties and postcodes do not agree with
  them, which is why towns come from ``demo/data/towns.csv``.
* Phone numbers are in real, valid UK ranges, because ``phonenumbers`` (and so
  ``normalise_phone``) rejects Ofcom's drama ranges. Each prefix is checked
  with ``phonenumbers`` once when the pools are built, not once per record.
  The email addresses use the common free-mail domains. Both may therefore
  belong to real people: never send anything to demo contact points.
* Lifecycle stages, occupations, income bands, household sizes, adult dates of
  birth, lifestyle, values and 0-5 interests out of a vocabulary of 30, with
  the obvious correlations (students are young, the retired are old, family
  households are bigger).
* Orders over the last three years for customers in the ``customer`` stage (at
  least one order in the last 12 months) and the ``lapsed`` stage (none in the
  last 13 months), with a November/December peak and a summer bump. Each
  order has 1-5 lines in 12 product categories, a channel (most customers keep
  to one), currency GBP, and a total equal to the sum of its lines.
* Duplicates: ``duplicate_rate`` of the records are a second (or third) record
  of a person or organisation seeded earlier, with realistic variations. Its
  lifecycle stage, orders, interests and verification date are its own, as
  when the same person signs up again through another channel.
* Defects: ``defect_rate`` of the records carry bad values. They are written
  raw, because bulk inserts bypass model validation; that is on purpose and
  mirrors imports, which keep bad values raw and flag them.

Every record has ``source`` "demo" and ``external_id`` ``DEMO-000001``...;
orders have ``source`` "demo" and ``external_id`` ``DEMO-O-0000001``....
``field_sources`` is left empty: the record's ``source`` already says where
every value came from, and one JSON document per row would cost time and
space for nothing. ``created_at`` is the time of seeding (it is
``auto_now_add``), and ``search_text`` is computed by the database.

Ground truth
------------
One CSV row per seeded record, in external_id order, so that duplicate
detection and quality rules can be measured against it. Columns:

``external_id``
    The record's ``Customer.external_id`` (with ``source`` "demo").
``entity_id``
    The real person or organisation behind the record (``ENT-000001``...);
    every record of the same entity has the same entity_id.
``duplicate_of``
    For a duplicate, the external_id of the entity's first record (the
    original); blank for originals.
``variation``
    For a duplicate, how it differs from the original, ``;``-separated:
    ``exact`` (no difference in identity, contact or address), ``typo`` (in
    the first or last name, or the organisation name), ``nickname`` (Robert
    becomes Bob), ``swapped_names`` (first and last name swapped),
    ``org_suffix`` (Ltd and Limited swapped, a suffix dropped or added), ``moved``
    (another address), ``dob_swapped`` (day and month of birth swapped),
    ``email_typo``, ``email_changed`` (another address), ``email_missing``,
    ``phone_format`` (the same number in national format, "07123 456789",
    where records normally hold E.164) and ``phone_missing``. Blank for
    originals.
``defects``
    The record's quality defects, ``;``-separated ``field:kind``:
    ``email:invalid_syntax``, ``postcode:invalid_format`` (not a GB
    postcode), ``phone:invalid``, ``date_of_birth:implausible`` (born before
    1900), ``date_of_birth:future``, ``contact:missing`` (neither email nor
    phone) and ``last_verified_at:stale`` (last verified 6-15 years ago;
    clean records were verified within the last 3 years, or never). Blank for
    a clean record. Defects are drawn independently of duplicates, so a
    duplicate may carry defects too.

A record without defects passes ``Customer.full_clean()`` (a ``phone_format``
duplicate passes after normalisation, like any national-format input).
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple

import phonenumbers
from django.utils import timezone
from faker import Faker

from customers.models import (
    CustomerKind,
    IncomeBand,
    LifecycleStage,
    Lifestyle,
    OrderChannel,
    ValuesOrientation,
)
from demo.reference import (
    CATEGORIES,
    COMMON_STREETS,
    FREE_MAIL,
    HOUSE_NAMES,
    INDUSTRIES,
    LEGAL_SUFFIXES,
    LIFESTYLE_INTERESTS,
    NICKNAMES,
    SEASONAL_CATEGORIES,
    STREET_SUFFIXES,
    TOWNS,
    Town,
)

_MAX_LINES = 5
# Orders per buyer fall off geometrically: with the default most (40) a buyer
# has about 8.4 orders, so the demo set holds about 5 orders per customer, the
# shape of a retailer with 1M customers and 5M orders.
ORDER_COUNT_RATIO = 0.885
YEARS_OF_ORDERS = 3
_LAPSED_QUIET_DAYS = 395  # a little over a year, so "lapsed" is clear-cut


# Letters Royal Mail uses in the inward code (never C, I, K, M, O or V).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_ORG_MAILBOXES = ("info", "sales", "accounts", "hello", "enquiries", "office")

# Neighbouring keys on a UK keyboard, for realistic slips of the finger.
_KEY_NEIGHBOURS = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}

# (category, lowest and highest unit price in pounds, weight)
# Order volume per month: the Christmas peak, a summer bump, a quiet February.
_MONTH_WEIGHTS = (0.85, 0.7, 0.8, 0.85, 0.9, 1.1, 1.25, 1.15, 0.9, 1.0, 1.6, 1.9)
_HOUR_WEIGHTS_ONLINE = (
    (1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4, 4)
    + (5, 5, 4, 4, 4, 5, 6, 7, 8, 7, 5, 3)  # the evening peak
)
_HOUR_WEIGHTS_SHOP = (0,) * 8 + (1, 4, 6, 7, 8, 8, 7, 7, 6, 5, 3, 1) + (0,) * 4
_ONLINE_CHANNELS = frozenset((OrderChannel.ONLINE, OrderChannel.MARKETPLACE))
_CHANNELS = (
    (OrderChannel.ONLINE, 45),
    (OrderChannel.STORE, 25),
    (OrderChannel.MARKETPLACE, 15),
    (OrderChannel.PHONE, 6),
    (OrderChannel.CATALOGUE, 9),
)


# --------------------------------------------------------------------------
# Small helpers


def _weighted(pairs) -> tuple[list, list[float]]:
    """Split (value, weight) pairs into the population and cumulative weights
    that ``random.choices`` takes (cumulative is faster for repeated draws)."""
    pairs = list(pairs)
    values = [value for value, _ in pairs]
    return values, list(accumulate(float(weight) for _, weight in pairs))


def _pick(rng: random.Random, table: tuple[list, list[float]]):
    values, cumulative = table
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


@lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _typo(rng: random.Random, word: str) -> str:
    """One slip of the finger: swapped, dropped, doubled or neighbouring
    letter. The first letter is kept, as people rarely get that wrong."""
    if len(word) < 3:
        return word + word[-1:]
    for _ in range(5):
        i = rng.randrange(1, len(word) - 1)
        roll = rng.random()
        if roll < 0.3 and word[i] != word[i + 1]:
            result = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif roll < 0.55:
            result = word[:i] + word[i + 1 :]
        elif roll < 0.75:
            result = word[:i] + word[i] + word[i:]
        else:
            neighbours = _KEY_NEIGHBOURS.get(word[i].lower())
            if not neighbours:
                continue
            letter = rng.choice(neighbours)
            result = word[:i] + (letter.upper() if word[i].isupper() else letter) + word[i + 1 :]
        if result != word:
            return result
    return word[:-1] if len(word) > 3 else word + word[-1]


def _local_part_typo(rng: random.Random, local: str) -> str:
    """A typo that leaves the address valid: a dot may not lead, trail or double."""
    for _ in range(5):
        result = _typo(rng, local)
        if ".." not in result and not result.startswith(".") and not result.endswith("."):
            return result
    return local + local[-1]


def _national_format(e164: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(e164, "GB"), phonenumbers.PhoneNumberFormat.NATIONAL
    )


# --------------------------------------------------------------------------
# Pools: Faker and phonenumbers are called here, once per run


@dataclass(frozen=True)
class _Pools:
    male_names: tuple[str, ...]
    female_names: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    companies: tuple[str, ...]
    jobs: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    landline_prefixes: dict[str, tuple[str, ...]]


def _valid_prefixes(
    rng: random.Random,
    candidates: list[str],
    length: int,
    kinds: set[int],
    want: int,
) -> list[str]:
    """National numbers starting with one of ``candidates`` and ``length``
    digits long that phonenumbers accepts as valid of the given type. Two
    numbers per prefix (lowest and highest) are checked: validity of UK ranges
    is decided by the leading digits."""
    found = []
    for prefix in rng.sample(candidates, len(candidates)):
        rest = length - len(prefix)
        ok = True
        for tail in ("0" * rest, "9" * rest):
            number = phonenumbers.parse("+44" + prefix + tail, "GB")
            if not (
                phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in kinds
            ):
                ok = False
                break
        if ok:
            found.append(prefix)
            if len(found) >= want:
                break
    return found


@lru_cache(maxsize=2)
def _build_pools(seed: int) -> _Pools:
    """Shared, read-only pools for a seed (cached: building them is most of
    the start-up time of a small seed)."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(f"pools-{seed}")
    surnames = [fake.last_name() for _ in range(4000)]
    suffixes = _weighted(STREET_SUFFIXES)
    streets = []
    for _ in range(2500):
        roll = rng.random()
        if roll < 0.3:
            streets.append(rng.choice(COMMON_STREETS))
        elif roll < 0.85:
            streets.append(f"{rng.choice(surnames)} {_pick(rng, suffixes)}")
        else:
            streets.append(f"{fake.first_name()} {_pick(rng, suffixes)}")
    companies = []
    for _ in range(1500):
        name = fake.company()
        # Faker's suffixes are partly American (LLC); the legal form is drawn later.
        for us_form in (" LLC", " Inc", " PLC", " Group", " Ltd", " and Sons"):
            name = name.removesuffix(us_form)
        companies.append(name)
    fixed = {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    mobile = {phonenumbers.PhoneNumberType.MOBILE}
    # 070 are personal numbers and 076 pagers: not what people give as a mobile.
    mobile_candidates = [p for p in (f"7{n:04d}" for n in range(10000)) if p[1] not in "06"]
    landlines = {}
    for code in sorted({town.dialling_code for town in TOWNS}):
        candidates = [f"{code}{n}" for n in range(20, 100)]
        landlines[code] = tuple(_valid_prefixes(rng, candidates, 10, fixed, want=12))
    return _Pools(
        male_names=tuple(fake.first_name_male() for _ in range(3000)),
        female_names=tuple(fake.first_name_female() for _ in range(3000)),
        surnames=tuple(surnames),
        streets=tuple(streets),
        companies=tuple(companies),
        jobs=tuple(fake.job() for _ in range(800)),
        mobile_prefixes=tuple(_valid_prefixes(rng, mobile_candidates, 10, mobile, want=600)),
        landline_prefixes=landlines,
    )


# --------------------------------------------------------------------------
# Calendar: when orders happen


class _Calendar:
    """Days of the last three years with a weight each (month, weekday,
    slow growth), and cumulative weights for the windows orders are drawn
    from."""

    def __init__(self, today: date) -> None:
        first = today - timedelta(days=365 * YEARS_OF_ORDERS)
        self.days = [first + timedelta(days=n) for n in range((today - first).days)]
        span = len(self.days)
        weights = []
        for n, day in enumerate(self.days):
            weight = _MONTH_WEIGHTS[day.month - 1]
            weight *= 1.15 if day.weekday() >= 5 else 1.0
            weight *= 0.85 + 0.3 * n / span  # the business grows a little
            weights.append(weight)
        self._cumulative = list(accumulate(weights))
        self.recent_from = span - 365
        self.quiet_from = span - _LAPSED_QUIET_DAYS
        categories = [(name, weight) for name, _, _, weight in CATEGORIES]
        self.categories = {
            month: _weighted(
                (name, weight * SEASONAL_CATEGORIES.get(month, {}).get(name, 1.0))
                for name, weight in categories
            )
            for month in range(1, 13)
        }
        # Lowest price and the ratio highest/lowest, for log-uniform prices.
        self.prices = {name: (low, high / low) for name, low, high, _ in CATEGORIES}
        self.day_text = [day.isoformat() for day in self.days]
        self.index_of = {text: n for n, text in enumerate(self.day_text)}
        self.month_categories = [self.categories[day.month] for day in self.days]

    def _index(self, rng: random.Random, lo: int, hi: int) -> int:
        """A weighted day index in [lo, hi)."""
        cumulative = self._cumulative
        base = cumulative[lo - 1] if lo else 0.0
        target = base + rng.random() * (cumulative[hi - 1] - base)
        return min(bisect(cumulative, target, lo, hi), hi - 1)

    def any_index(self, rng: random.Random) -> int:
        return self._index(rng, 0, len(self.days))

    def recent_index(self, rng: random.Random) -> int:
        return self._index(rng, self.recent_from, len(self.days))

    def lapsed_index(self, rng: random.Random) -> int:
        return self._index(rng, 0, self.quiet_from)

    def day_before(self, rng: random.Random, last: int) -> int:
        """A weighted day index up to ``last``, mostly within the year before it."""
        lo = max(0, last - 365) if rng.random() < 0.8 else 0
        return self._index(rng, lo, last + 1)


# --------------------------------------------------------------------------
# The generator


_KIND = _weighted(((CustomerKind.PERSON, 92), (CustomerKind.ORGANISATION, 8)))
_STAGE = _weighted(
    (
        (LifecycleStage.PROSPECT, 22),
        (LifecycleStage.LEAD, 18),
        (LifecycleStage.CUSTOMER, 42),
        (LifecycleStage.LAPSED, 18),
    )
)
_TOWN = _weighted((town, town.weight) for town in TOWNS)
_LEGAL = _weighted(LEGAL_SUFFIXES)
_MAIL = _weighted(FREE_MAIL)
_CHANNEL = _weighted(_CHANNELS)
_HOUR_ONLINE = _weighted(enumerate(_HOUR_WEIGHTS_ONLINE))
_HOUR_SHOP = _weighted(enumerate(_HOUR_WEIGHTS_SHOP))
_HOUSEHOLD = _weighted(((1, 28), (2, 35), (3, 15), (4, 14), (5, 5), (6, 3)))
_INCOME = _weighted(
    (
        (IncomeBand.UNDER_20K, 18),
        (IncomeBand.FROM_20K, 34),
        (IncomeBand.FROM_40K, 24),
        (IncomeBand.FROM_60K, 16),
        (IncomeBand.OVER_100K, 8),
    )
)
_INCOME_LOW = _weighted(
    ((IncomeBand.UNDER_20K, 60), (IncomeBand.FROM_20K, 30), (IncomeBand.FROM_40K, 10))
)
_WORKING_LIFESTYLE = _weighted(
    (
        (Lifestyle.URBAN_PROFESSIONAL, 30),
        (Lifestyle.FAMILY_FOCUSED, 30),
        (Lifestyle.OUTDOOR_ACTIVE, 20),
        (Lifestyle.HOMEBODY, 20),
    )
)
_VALUES = _weighted(
    (
        (ValuesOrientation.VALUE_FOR_MONEY, 28),
        (ValuesOrientation.QUALITY, 20),
        (ValuesOrientation.CONVENIENCE, 18),
        (ValuesOrientation.SUSTAINABILITY, 14),
        (ValuesOrientation.TRADITION, 8),
        (ValuesOrientation.COMMUNITY, 7),
        (ValuesOrientation.INNOVATION, 5),
    )
)
_INTEREST_COUNT = _weighted(((0, 12), (1, 18), (2, 24), (3, 22), (4, 14), (5, 10)))
_LINES = _weighted(((1, 50), (2, 27), (3, 13), (4, 6), (5, 4)))
_QUANTITY = _weighted(((1, 75), (2, 17), (3, 5), (4, 2), (6, 1)))
_EMAIL_SHAPES = _weighted(
    (
        ("{f}.{l}", 30),
        ("{f}{l}", 12),
        ("{i}{l}", 12),
        ("{f}.{l}{n}", 10),
        ("{f}{n}", 8),
        ("{i}.{l}", 8),
        ("{f}_{l}", 5),
        ("{f}{i2}{n}", 5),
        ("{l}.{f}", 4),
    )
)

# Variation groups of a duplicate: at most one variation per group.
_PERSON_VARIATIONS = (
    ("name", 38, (("typo", 4), ("nickname", 4), ("swapped_names", 1))),
    ("email", 26, (("email_typo", 2), ("email_changed", 2), ("email_missing", 2))),
    ("address", 20, (("moved", 1),)),
    ("phone", 12, (("phone_format", 2), ("phone_missing", 1))),
    ("dob", 8, (("dob_swapped", 1),)),
)
_ORGANISATION_VARIATIONS = (
    ("name", 40, (("typo", 1), ("org_suffix", 1))),
    ("email", 25, (("email_typo", 1), ("email_changed", 1), ("email_missing", 1))),
    ("address", 20, (("moved", 1),)),
    ("phone", 15, (("phone_format", 2), ("phone_missing", 1))),
)
_VARIATION_COUNT = _weighted(((0, 5), (1, 50), (2, 32), (3, 13)))

_DEFECTS_PERSON = _weighted(
    (
        ("email:invalid_syntax", 22),
        ("postcode:invalid_format", 18),
        ("phone:invalid", 14),
        ("date_of_birth:implausible", 12),
        ("date_of_birth:future", 4),
        ("contact:missing", 14),
        ("last_verified_at:stale", 16),
    )
)
_DEFECTS_ORGANISATION = _weighted(
    (
        ("email:invalid_syntax", 25),
        ("postcode:invalid_format", 20),
        ("phone:invalid", 15),
        ("contact:missing", 15),
        ("last_verified_at:stale", 20),
    )
)
# Defects that cannot go together on one record.
_DEFECT_CLASHES = {
    "contact:missing": {"email:invalid_syntax", "phone:invalid"},
    "email:invalid_syntax": {"contact:missing"},
    "phone:invalid": {"contact:missing"},
    "date_of_birth:implausible": {"date_of_birth:future"},
    "date_of_birth:future": {"date_of_birth:implausible"},
}


@dataclass
class Plan:
    """Who each seeded position is: an original (entity index) or a duplicate
    of one."""

    entity: list[int]  # entity index per position
    is_duplicate: list[bool]
    defective: set[int]
    first_position: dict[int, int]  # entity index -> position of its original
    duplicated: set[int]  # entities that get at least one duplicate


def plan_records(rng: random.Random, total: int, duplicate_rate: float, defect_rate: float) -> Plan:
    duplicates = round(total * duplicate_rate)
    originals = total - duplicates
    if originals == 0:
        duplicates, originals = 0, total
    keyed = [(float(i), 0, i) for i in range(originals)]
    # A duplicate comes after its original, anywhere later in the sequence, so
    # that external ids do not give duplicates away.
    for _ in range(duplicates):
        entity = rng.randrange(originals)
        keyed.append((rng.uniform(entity, originals), 1, entity))
    keyed.sort()
    entity = [item[2] for item in keyed]
    is_duplicate = [item[1] == 1 for item in keyed]
    first_position: dict[int, int] = {}
    for position, (ent, dup) in enumerate(zip(entity, is_duplicate, strict=True)):
        if not dup:
            first_position[ent] = position
    defective = set(rng.sample(range(total), round(total * defect_rate)))
    duplicated = {ent for ent, dup in zip(entity, is_duplicate, strict=True) if dup}
    return Plan(entity, is_duplicate, defective, first_position, duplicated)


def external_id_for(position: int) -> str:
    return f"DEMO-{position + 1:06d}"


def entity_id_for(entity: int) -> str:
    return f"ENT-{entity + 1:06d}"


class OrderSpec(NamedTuple):
    """An order before it has a customer id. ``ordered_at`` is local
    (Europe/London) wall-clock text, amounts are whole pence; lines are
    (category, quantity, pence)."""

    external_id: str
    ordered_at: str
    channel: str
    total_pence: int
    lines: list[tuple[str, int, int]]


class ConsentSpec(NamedTuple):
    """A consent event before it has a customer id; times as in OrderSpec."""

    purpose: str  # the purpose's code
    channel: str
    status: str
    occurred_at: str
    capture_method: str
    source: str
    wording_version: str
    wording_text: str
    evidence: str


# (purpose code, channel, share of people asked who said yes, wording)
_CONSENT_ASKS = (
    ("email_marketing", "email", 0.62, "Yes, send me news and offers by email."),
    ("sms_marketing", "sms", 0.3, "Yes, send me offers by text message."),
    ("profiling", "online", 0.4, "Yes, use what I buy to show me things I may like."),
)
_CAPTURE = _weighted(
    (("web_form", 45), ("double_opt_in", 30), ("paper_form", 10), ("in_person", 5), ("import", 10))
)


@dataclass
class Record:
    """One customer row being generated, with what the truth file says of it."""

    values: dict[str, Any]
    interests: list[int]
    age: int | None
    variations: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        now: datetime,
        interest_ids: dict[str, int],
        max_orders: int,
    ) -> None:
        self.rng = random.Random(seed)
        self.pools = _build_pools(seed)
        self.now = now
        self.today = timezone.localdate(now)
        self.calendar = _Calendar(self.today)
        self.interest_ids = interest_ids
        self.interest_names = sorted(interest_ids)
        self.max_orders = max_orders
        self.order_count = _weighted(
            (n, ORDER_COUNT_RATIO ** (n - 1)) for n in range(1, max_orders + 1)
        )
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_org_names: set[str] = set()
        self.order_seq = 0

    # -- identity and contact -------------------------------------------

    def _unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        while email in self.used_emails:
            email = f"{local}{self.rng.randrange(1, 1000)}@{domain}"
        self.used_emails.add(email)
        return email

    def person_email(self, first: str, last: str, birth_year: int | None) -> str:
        rng = self.rng
        f, surname = _slug(first) or "x", _slug(last) or "x"
        shape = _pick(rng, _EMAIL_SHAPES)
        number = str(birth_year % 100).zfill(2) if birth_year and rng.random() < 0.5 else ""
        local = shape.format(
            f=f,
            l=surname,
            i=f[0],
            i2=surname[0],
            n=number or str(rng.randrange(1, 100)),
        )
        return self._unique_email(local, _pick(rng, _MAIL))

    def organisation_email(self, name: str) -> str:
        rng = self.rng
        words = [_slug(word) for word in name.split() if _slug(word)]
        words = [w for w in words if w not in {"ltd", "limited", "llp", "plc", "and"}] or ["firm"]
        domain = ("-" if rng.random() < 0.3 else "").join(words[:3])
        domain += rng.choice((".co.uk", ".co.uk", ".com", ".uk"))
        return self._unique_email(rng.choice(_ORG_MAILBOXES), domain)

    def _unique_phone(self, prefix: str) -> str:
        rng = self.rng
        digits = 10 - len(prefix)
        while True:
            phone = f"+44{prefix}{rng.randrange(10**digits):0{digits}d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def mobile(self) -> str:
        return self._unique_phone(self.rng.choice(self.pools.mobile_prefixes))

    def landline(self, town: Town) -> str:
        prefixes = self.pools.landline_prefixes.get(town.dialling_code)
        if not prefixes:
            return self.mobile()
        return self._unique_phone(self.rng.choice(prefixes))

    def address(self, town: Town | None = None) -> dict[str, str]:
        rng = self.rng
        town = town or _pick(rng, _TOWN)
        area, low, high = rng.choice(town.areas)
        postcode = (
            f"{area}{rng.randint(low, high)} {rng.randrange(10)}"
            f"{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        )
        street = rng.choice(self.pools.streets)
        number = min(int(rng.expovariate(1 / 40)) + 1, 400)
        roll = rng.random()
        if roll < 0.12:
            line1, line2 = f"Flat {rng.randint(1, 40)}", f"{number} {street}"
        elif roll < 0.18:
            line1, line2 = rng.choice(HOUSE_NAMES), street
        else:
            line1, line2 = f"{number} {street}", ""
        return {
            "address_line1": line1,
            "address_line2": line2,
            "city": town.name,
            "region": town.county,
            "postcode": postcode,
            "country": "GB",
            "_town": town,
        }

    def organisation_name(self, town: Town) -> str:
        rng = self.rng
        pools = self.pools
        for _ in range(20):
            roll = rng.random()
            if roll < 0.35:
                base = rng.choice(pools.companies)
            elif roll < 0.6:
                base = f"{rng.choice(pools.surnames)} {rng.choice(INDUSTRIES)}"
            elif roll < 0.8:
                base = f"{rng.choice(pools.surnames)} & {rng.choice(pools.surnames)}"
            else:
                base = f"{town.name} {rng.choice(INDUSTRIES)}"
            suffix = _pick(rng, _LEGAL)
            name = f"{base} {suffix}" if suffix else base
            if name not in self.used_org_names:
                break
        self.used_org_names.add(name)
        return name

    # -- records ------------------------------------------------------------

    def _verified_at(self) -> datetime | None:
        if self.rng.random() < 0.2:
            return None
        return self.now - timedelta(seconds=self.rng.randrange(365 * YEARS_OF_ORDERS * 86400))

    def _interests(self, lifestyle: str, count: int) -> list[int]:
        if count == 0:
            return []
        rng = self.rng
        favoured = LIFESTYLE_INTERESTS.get(lifestyle, ())
        chosen: list[str] = []
        while len(chosen) < count:
            name = (
                rng.choice(favoured)
                if favoured and rng.random() < 0.5
                else rng.choice(self.interest_names)
            )
            if name not in chosen:
                chosen.append(name)
        return [self.interest_ids[name] for name in chosen]

    def person(self) -> Record:
        rng = self.rng
        pools = self.pools
        female = rng.random() < 0.51
        first = rng.choice(pools.female_names if female else pools.male_names)
        last = rng.choice(pools.surnames)
        age = min(int(rng.triangular(18, 95, 38)), 94)
        dob = None
        if rng.random() < 0.88:
            dob = self.today - timedelta(days=int(age * 365.25) + rng.randrange(365))
        if age >= 67 and rng.random() < 0.85:
            occupation, lifestyle = "Retired", Lifestyle.RETIRED
        elif age < 23 and rng.random() < 0.6:
            occupation, lifestyle = "Student", Lifestyle.STUDENT
        else:
            occupation = rng.choice(pools.jobs)
            lifestyle = _pick(rng, _WORKING_LIFESTYLE)
        if rng.random() < 0.08:
            occupation = ""
        household = _pick(rng, _HOUSEHOLD)
        if lifestyle == Lifestyle.FAMILY_FOCUSED:
            household = max(household, rng.randint(3, 5))
        elif lifestyle == Lifestyle.RETIRED:
            household = min(household, 2)
        if lifestyle in (Lifestyle.STUDENT, Lifestyle.RETIRED):
            income = _pick(rng, _INCOME_LOW)
        else:
            income = _pick(rng, _INCOME)
        address = self.address()
        town = address.pop("_town")
        has_email = rng.random() < 0.95
        phone_roll = rng.random()
        if phone_roll < 0.78 or not has_email and phone_roll < 0.9:
            phone = self.mobile()
        elif phone_roll < 0.9 or not has_email:
            phone = self.landline(town)
        else:
            phone = ""
        values = {
            "kind": CustomerKind.PERSON,
            "first_name": first,
            "last_name": last,
            "organisation_name": "",
            "email": self.person_email(first, last, dob.year if dob else None) if has_email else "",
            "phone": phone,
            **address,
            "date_of_birth": dob,
            "occupation": occupation,
            "income_band": income if rng.random() < 0.9 else "",
            "household_size": household if rng.random() < 0.9 else None,
            "lifestyle": lifestyle if rng.random() < 0.85 else "",
            "values": _pick(rng, _VALUES) if rng.random() < 0.8 else "",
            "last_verified_at": self._verified_at(),
        }
        interests = self._interests(lifestyle, _pick(rng, _INTEREST_COUNT))
        return Record(values=values, interests=interests, age=age)

    def organisation(self) -> Record:
        rng = self.rng
        address = self.address()
        town = address.pop("_town")
        name = self.organisation_name(town)
        values = {
            "kind": CustomerKind.ORGANISATION,
            "first_name": "",
            "last_name": "",
            "organisation_name": name,
            "email": self.organisation_email(name),
            "phone": self.landline(town) if rng.random() < 0.85 else self.mobile(),
            **address,
            "date_of_birth": None,
            "occupation": "",
            "income_band": "",
            "household_size": None,
            "lifestyle": "",
            "values": _pick(rng, _VALUES) if rng.random() < 0.6 else "",
            "last_verified_at": self._verified_at(),
        }
        return Record(values=values, interests=[], age=None)

    def original(self) -> Record:
        if _pick(self.rng, _KIND) == CustomerKind.ORGANISATION:
            return self.organisation()
        return self.person()

    def duplicate(self, original: Record) -> Record:
        """Another record of the same person: same facts, different spelling."""
        rng = self.rng
        values = dict(original.values)
        values["last_verified_at"] = self._verified_at()
        interests = list(original.interests)
        if interests and rng.random() < 0.5:
            interests.pop(rng.randrange(len(interests)))
        record = Record(values=values, interests=interests, age=original.age)
        is_person = values["kind"] == CustomerKind.PERSON
        groups = list(_PERSON_VARIATIONS if is_person else _ORGANISATION_VARIATIONS)
        wanted = _pick(rng, _VARIATION_COUNT)
        while groups and len(record.variations) < wanted:
            group = _pick(rng, _weighted((g, g[1]) for g in groups))
            groups.remove(group)
            options = list(group[2])
            while options:
                option = _pick(rng, _weighted(options))
                options = [o for o in options if o[0] != option]
                if self._vary(record, option):
                    record.variations.append(option)
                    break
        if wanted and not record.variations:
            self._vary(record, "typo")
            record.variations.append("typo")
        if not record.variations:
            record.variations.append("exact")
        return record

    def _vary(self, record: Record, variation: str) -> bool:
        """Apply one variation; False when it does not apply to this record."""
        rng = self.rng
        values = record.values
        if variation == "typo":
            if values["kind"] == CustomerKind.ORGANISATION:
                words = values["organisation_name"].split(" ")
                i = max(range(len(words)), key=lambda n: len(words[n]))
                words[i] = _typo(rng, words[i])
                values["organisation_name"] = " ".join(words)
            else:
                name = "first_name" if rng.random() < 0.4 else "last_name"
                values[name] = _typo(rng, values[name])
            return True
        if variation == "nickname":
            nicknames = NICKNAMES.get(values["first_name"])
            if not nicknames:
                return False
            values["first_name"] = rng.choice(nicknames)
            return True
        if variation == "swapped_names":
            values["first_name"], values["last_name"] = values["last_name"], values["first_name"]
            return True
        if variation == "org_suffix":
            name = values["organisation_name"]
            for old, new in (
                (" Limited", " Ltd"),
                (" Ltd", " Limited"),
                (" LLP", ""),
                (" plc", ""),
            ):
                if name.endswith(old):
                    values["organisation_name"] = name.removesuffix(old) + new
                    return True
            values["organisation_name"] = name + " Ltd"
            return True
        if variation == "moved":
            town = None
            if rng.random() < 0.35:  # moved within the same town
                town = next(t for t in TOWNS if t.name == values["city"])
            address = self.address(town)
            address.pop("_town")
            if address["postcode"] == values["postcode"]:
                return False
            values.update(address)
            return True
        if variation == "dob_swapped":
            dob = values["date_of_birth"]
            if dob is None or dob.day > 12 or dob.day == dob.month:
                return False
            values["date_of_birth"] = dob.replace(day=dob.month, month=dob.day)
            return True
        if variation.startswith("email_"):
            email = values["email"]
            if not email:
                return False
            if variation == "email_missing":
                if not values["phone"]:
                    return False  # keep a way to reach them
                values["email"] = ""
            elif variation == "email_typo":
                local, domain = email.split("@")
                values["email"] = f"{_local_part_typo(rng, local)}@{domain}"
            elif values["kind"] == CustomerKind.PERSON:
                dob = values["date_of_birth"]
                values["email"] = self.person_email(
                    values["first_name"], values["last_name"], dob.year if dob else None
                )
            else:
                values["email"] = self.organisation_email(values["organisation_name"])
            return values["email"] != email
        if variation.startswith("phone_"):
            if not values["phone"]:
                return False
            if variation == "phone_missing":
                if not values["email"]:
                    return False
                values["phone"] = ""
            else:
                values["phone"] = _national_format(values["phone"])
            return True
        raise ValueError(f"Unknown variation {variation!r}")

    def add_defects(self, record: Record) -> None:
        rng = self.rng
        is_person = record.values["kind"] == CustomerKind.PERSON
        table = _DEFECTS_PERSON if is_person else _DEFECTS_ORGANISATION
        count = 2 if rng.random() < 0.15 else 1
        while len(record.defects) < count:
            defect = _pick(rng, table)
            if defect in record.defects or _DEFECT_CLASHES.get(defect, set()) & set(record.defects):
                continue
            self._spoil(record, defect)
            record.defects.append(defect)
        record.defects.sort()

    def _spoil(self, record: Record, defect: str) -> None:
        rng = self.rng
        values = record.values
        if defect == "email:invalid_syntax":
            email = values["email"]
            if not email:
                name = (
                    values["organisation_name"] or f"{values['first_name']} {values['last_name']}"
                )
                email = f"{_slug(name)[:20] or 'contact'}@{_pick(rng, _MAIL)}"
            local, domain = email.split("@")
            values["email"] = rng.choice(
                (
                    f"{local}.{domain}",  # the @ got lost
                    f"{local}@{domain.split('.')[0]}",  # no top-level domain
                    f"{local}@@{domain}",
                    f"{local} {domain}",
                    f"{local}@{domain.replace('.', ',', 1)}",
                    f"{local.replace('.', ' ', 1) if '.' in local else local + ' '}@{domain}",
                )
            )
        elif defect == "postcode:invalid_format":
            outward, inward = values["postcode"].split(" ")
            values["postcode"] = rng.choice(
                (
                    outward,  # inward code missing
                    f"{outward} O{inward[1:]}",  # letter O for zero
                    f"{outward} {inward[:2]}{rng.choice('CIKMOV')}",
                    f"{rng.randrange(10000, 100000)}",  # a foreign zip code
                )
            )
        elif defect == "phone:invalid":
            values["phone"] = rng.choice(
                (
                    f"+447700900{rng.randrange(1000):03d}",  # Ofcom drama range
                    f"+44161{rng.randrange(1000, 10000)}",  # digits missing
                    f"0{rng.randrange(10**6, 10**7)}",
                )
            )
        elif defect == "date_of_birth:implausible":
            values["date_of_birth"] = date(
                rng.randint(1880, 1899), rng.randint(1, 12), rng.randint(1, 28)
            )
        elif defect == "date_of_birth:future":
            values["date_of_birth"] = self.today + timedelta(days=rng.randint(30, 900))
        elif defect == "contact:missing":
            values["email"] = ""
            values["phone"] = ""
        elif defect == "last_verified_at:stale":
            values["last_verified_at"] = self.now - timedelta(days=rng.randint(6 * 365, 15 * 365))
        else:
            raise ValueError(f"Unknown defect {defect!r}")

    def stage(self) -> str:
        return _pick(self.rng, _STAGE)

    def channel_preference(self, record: Record) -> str:
        rng = self.rng
        if record.age and record.age >= 65 and rng.random() < 0.5:
            return rng.choice((OrderChannel.CATALOGUE, OrderChannel.PHONE, OrderChannel.STORE))
        return _pick(rng, _CHANNEL)

    def orders(self, stage: str, preferred: str, is_organisation: bool) -> list[OrderSpec]:
        """A buyer's orders, oldest first. Times are local (Europe/London)
        wall-clock text and amounts whole pence: the writer streams them as
        they are, which keeps five million orders cheap to make."""
        rng = self.rng
        random_ = rng.random
        calendar = self.calendar
        count = _pick(rng, self.order_count)
        if is_organisation:
            count = min(count + rng.randint(0, 3), self.max_orders)
        if stage == LifecycleStage.LAPSED:
            days = [calendar.lapsed_index(rng) for _ in range(count)]
        else:
            days = [calendar.recent_index(rng)]
            days += [calendar.any_index(rng) for _ in range(count - 1)]
        days.sort()
        specs = []
        for day in days:
            channel = preferred if random_() < 0.7 else _pick(rng, _CHANNEL)
            hours = _HOUR_ONLINE if channel in _ONLINE_CHANNELS else _HOUR_SHOP
            second = int(random_() * 3600)
            hour = _pick(rng, hours)
            ordered_at = f"{calendar.day_text[day]} {hour:02d}:{second // 60:02d}:{second % 60:02d}"
            self.order_seq += 1
            categories = calendar.month_categories[day]
            lines = []
            total = 0
            for _ in range(_pick(rng, _LINES)):
                category = _pick(rng, categories)
                low, ratio = calendar.prices[category]
                # Log-uniform: most things are cheap, a few are dear; prices end in .99.
                pounds = int(low * ratio ** random_())
                unit = max(pounds, 1) * 100 - 1
                quantity = _pick(rng, _QUANTITY)
                if is_organisation:
                    quantity *= rng.choice((1, 1, 2, 5, 10))
                pence = unit * quantity
                total += pence
                lines.append((category, quantity, pence))
            specs.append(
                OrderSpec(
                    external_id=f"DEMO-O-{self.order_seq:07d}",
                    ordered_at=ordered_at,
                    channel=channel,
                    total_pence=total,
                    lines=lines,
                )
            )
        return specs

    def consents(self, record: Record, created_at: str, rng: random.Random) -> list[ConsentSpec]:
        """What the person was asked when they signed up, with the proof a
        regulator would ask for: the wording, how it was captured and the
        evidence (a form reference or an address from the documentation
        ranges, never a real one). Some later withdrew, by the unsubscribe
        link. ``rng`` is a stream of its own, so that consents do not change
        the people and orders of a seed."""
        values = record.values
        specs = []
        for purpose, channel, share, wording in _CONSENT_ASKS:
            if channel == "email" and not values["email"]:
                continue
            if channel == "sms" and not values["phone"].startswith("+447"):
                continue
            roll = rng.random()
            if roll >= share + 0.12:
                continue  # never asked on this channel
            method = _pick(rng, _CAPTURE)
            if method in ("web_form", "double_opt_in"):
                evidence = f"IP 198.51.100.{rng.randrange(1, 255)}, form signup-{purpose}"
            else:
                evidence = f"{method.replace('_', ' ')} ref DEMO-F-{rng.randrange(10**6):06d}"
            granted = roll < share
            specs.append(
                ConsentSpec(
                    purpose=purpose,
                    channel=channel,
                    status="granted" if granted else "refused",
                    occurred_at=created_at,
                    capture_method=method,
                    source="Demo sign-up",
                    wording_version=f"{purpose}-v2",
                    wording_text=wording,
                    evidence=evidence,
                )
            )
            if granted and rng.random() < 0.1:
                specs.append(
                    ConsentSpec(
                        purpose=purpose,
                        channel=channel,
                        status="withdrawn",
                        occurred_at=self.later_than(created_at, rng),
                        capture_method="unsubscribe_link",
                        source="Demo unsubscribe",
                        wording_version="",
                        wording_text="",
                        evidence=f"unsubscribe link, message DEMO-M-{rng.randrange(10**6):06d}",
                    )
                )
        return specs

    def later_than(self, moment: str, rng: random.Random) -> str:
        """A local wall-clock time after ``moment`` and before today."""
        calendar = self.calendar
        first = calendar.index_of[moment[:10]] + 1
        last = len(calendar.days)
        if first >= last:
            return moment
        day = calendar.day_text[rng.randrange(first, last)]
        return f"{day} {rng.randrange(7, 23):02d}:{rng.randrange(60):02d}:00"

    def created_at(self, first_order: str | None) -> str:
        """When the record came in, as local wall-clock text: on a day of the
        last three years (more of them lately, as the business grows), and for
        a buyer no later than the first order."""
        calendar = self.calendar
        rng = self.rng
        if first_order is None:
            day = calendar.any_index(rng)
        else:
            first = calendar.index_of[first_order[:10]]
            day = calendar.day_before(rng, first)
        minute = int(rng.random() * 600)  # 08:00-18:00
        moment = f"{calendar.day_text[day]} {8 + minute // 60:02d}:{minute % 60:02d}:00"
        # Same-format text compares as time does.
        return min(moment, first_order) if first_order else moment
