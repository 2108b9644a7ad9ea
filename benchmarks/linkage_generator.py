"""An independent synthetic data set for record linkage: originals, each with
0 to N duplicates, every duplicate corrupted by several modifications in any
field. It shares nothing with the demo data (``customers/demo.py``): its own
seeded lists of names and places, its own corruption rules, so that settings
tuned on one can be checked on the other.

The method is the one of the published synthetic record-linkage generators
(Christen's Febrl ``dsgen`` and its successor GeCo): make the originals from
frequency tables, then, for each duplicate, apply a random number of
modifications, each to a randomly chosen field, of a kind that field can
suffer:

* keyboard typos (a neighbouring key instead, a letter dropped, doubled or two
  letters swapped);
* OCR confusions (5/S, 0/O, 1/l, 8/B, rn/m, cl/d);
* phonetic misspellings (ph/f, ck/k, y/ie, c/k, z/s, a doubled or undoubled
  letter, mc/mac...);
* truncation (a name cut short, a first name reduced to an initial);
* a missing value;
* first and last names swapped;
* day and month of the date of birth swapped, or two digits of a date,
  postcode, house number or phone number transposed;
* a changed address (the person moved: new street, number and postcode),
  sometimes with a new phone number or email too.

Some records have neither an email nor a phone at all. Name frequencies follow
a Zipf law, so a few names are very common and most are rare, as in real
populations (and as term-frequency adjustments expect).

    .venv/bin/python benchmarks/linkage_generator.py --records 10000 --seed 1 \\
        --out var/bench/linkage_10k

writes ``records.csv`` (the columns the duplicate sweep reads: id, kind,
first_name, last_name, organisation_name, email, phone, address_line1,
address_line2, postcode, date_of_birth) and ``truth.csv`` (id, entity_id,
modifications). Every true pair is two records with the same entity_id.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The columns the duplicate sweep reads, in its order.
from customers.duplicates.engine import RAW_COLUMNS  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


# Own lists, unrelated to the demo's. Order matters: earlier names are drawn
# more often (Zipf), so the list heads are the common names.
FIRST_NAMES = _words(
    """
oliver amelia george isla harry ava jack mia jacob ivy noah lily charlie isabella muhammad
rosie thomas sophia oscar grace william freya james willow henry florence leo emily alfie
ella joshua poppy freddie evie archie elsie ethan charlotte isaac evelyn alexander sienna
joseph sofia edward daisy samuel phoebe max sophie daniel alice arthur harper lucas matilda
mohammed emilia logan ruby theo eva harrison esme benjamin millie mason maya sebastian
chloe finley penelope adam lola dylan bella zachary luna riley hannah teddy aria theodore
scarlett david elizabeth elijah layla jake holly toby eliza louie violet reuben lucy arlo
imogen hugo zara luca jessica jaxon erin matthew maisie harvey georgia reggie ellie michael
harriet tommy jasmine jenson heidi roman amber ezra lottie carter orla rory ada frankie
summer bobby beatrice albert emma ronnie nancy caleb aurora stanley robyn felix margot
ralph emilia louis annabelle jude darcie gabriel iris aiden mila elliot thea jayden matilda
nathan clara hunter abigail kai leah leon molly otis niamh albie maryam ben eleanor kian
nora jesse anna hamza sara cameron aisha kayden olivia cole eden rowan katie ryan megan
patrick lauren peter rachel stephen rebecca andrew natalie christopher victoria anthony
helen kevin karen simon julie mark susan paul tracy richard dawn gary nicola graham wendy
ian joanne keith deborah colin jacqueline trevor gillian derek sharon malcolm lorraine
"""
)
SURNAMES = _words(
    """
smith jones taylor brown williams wilson johnson davies robinson wright thompson evans
walker white roberts green hall wood jackson clarke patel khan lewis james phillips mason
mitchell rose davis rodriguez cox alexander morris harrison martin moore thomas hughes
edwards turner harris ward cooper hill king baker lee scott allen young morgan parker
price bennett gray cook bailey bell collins carter watson murphy shaw richardson kelly
chapman webb stewart ellis holmes palmer mills lloyd rogers begum owen marshall hunt grant
knight ali gibson kennedy russell mcdonald simpson reynolds burton pearson butler dixon
walsh fox foster barker hussain gordon fraser pugh hamilton lawrence matthews graham ross
fisher henderson hart murray wallace jenkins mann reid spencer stevens cunningham payne
dean ahmed fletcher harvey sutton atkinson ryan porter black holland wells booth francis
barnes howard andrews jordan warren marsh pritchard hudson berry powell doyle nash duncan
lamb hayes west day rahman hopkins ferguson kaur hardy chambers armstrong cole mcleod
whitehead singh pollard chowdhury oconnor kowalski nowak okafor adeyemi mensah silva
santos ferreira costa romano ricci muller schmidt fischer weber wagner becker hoffmann
schulz dubois moreau laurent lefebvre garcia fernandez lopez gonzalez sanchez perez nguyen
tran wang zhang chen liu yang huang zhao wu sun kumar sharma gupta verma joshi mehta
fairweather blackwood ashdown penhaligon trevithick quennell ravenscroft thistlewood
"""
)
# Surname parts: most people have a surname outside any short list, so three
# in five surnames are made of two parts (ashworth, blackmore...), a long
# tail of rare names as in real populations.
SURNAME_HEADS = _words(
    """
ash black brad brook bur chad clay cran dal ever fair farn gold green hal hart hay hol kings
lang lock mar mid nor oak pen ray red ros ship stan sum thorn wad wal west whit win wood
"""
)
SURNAME_TAILS = _words(
    """
worth more ley ton field ford well ham wick by dale hurst croft combe stead shaw wood land
bury well ridge stone mead gate cott holm wright man ock ing er
"""
)
STREET_NAMES = _words(
    """
elm oak ash beech birch cedar holly laurel maple rowan willow hazel chestnut poplar
juniper alder linden hawthorn mulberry sycamore meadow orchard brook river mill church
station market bridge castle abbey priory manor grange forge quarry harbour quay well
spring garden park victoria albert king queen prince regent york lancaster windsor
kensington chelsea hampton clifton westbury eastfield northgate southgate highfield
greenway fairfield woodland moorland heath common green kingsway queensway
"""
)
STREET_KINDS = ["street", "road", "lane", "avenue", "close", "drive", "way", "crescent", "grove"]
STREET_ABBREVIATIONS = {"street": "st", "road": "rd", "lane": "ln", "avenue": "ave", "drive": "dr"}
# Postcode areas (letters), each with its districts drawn 1-30.
POSTCODE_AREAS = _words(
    """
AB AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DH DL DN DT DY E EC
EH EN EX FK FY G GL GU HA HD HG HP HR HU HX IG IP KA KT KY L LA LD LE LL LN LS LU M ME MK
ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS
ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO
"""
)
EMAIL_DOMAINS = ["mailbox.test", "postmail.test", "inbox.test", "webpost.test", "letters.test"]
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# Each kind of modification, and the fields it may touch.
KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
    "0": "9", "1": "2", "2": "13", "3": "24", "4": "35", "5": "46", "6": "57", "7": "68",
    "8": "79", "9": "8",
}  # fmt: skip
OCR = [("5", "s"), ("0", "o"), ("1", "l"), ("8", "b"), ("rn", "m"), ("cl", "d"), ("vv", "w")]
PHONETIC = [
    ("ph", "f"), ("ck", "k"), ("ie", "y"), ("ey", "y"), ("c", "k"), ("z", "s"), ("ou", "ow"),
    ("ee", "ea"), ("mc", "mac"), ("th", "t"), ("ai", "ay"), ("gh", ""), ("wr", "r"), ("kn", "n"),
    ("ll", "l"), ("nn", "n"), ("tt", "t"), ("ss", "s"), ("rr", "r"), ("son", "sen"), ("er", "a"),
]  # fmt: skip

FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone", "address", "postcode")
# How likely each field is to be chosen for a modification (names and
# addresses are typed by people and suffer most).
FIELD_WEIGHTS = (0.22, 0.22, 0.14, 0.1, 0.1, 0.14, 0.08)
KINDS = {
    "first_name": ("typo", "ocr", "phonetic", "truncate", "initial", "missing", "swap_names"),
    "last_name": ("typo", "ocr", "phonetic", "truncate", "missing", "swap_names"),
    "date_of_birth": ("day_month", "transpose", "typo", "missing"),
    "email": ("typo", "ocr", "missing", "changed"),
    "phone": ("transpose", "typo", "missing", "changed"),
    "address": ("typo", "ocr", "abbreviate", "transpose", "missing", "moved"),
    "postcode": ("transpose", "ocr", "typo", "missing"),
}


@dataclass
class Record:
    entity: int
    first_name: str
    last_name: str
    date_of_birth: date | None
    email: str
    phone: str
    address: str
    postcode: str
    modifications: list[str] = field(default_factory=list)


def _zipf_weights(count: int, exponent: float = 1.0) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


class Generator:
    def __init__(self, seed: int, *, max_duplicates: int = 4, max_modifications: int = 3) -> None:
        self.rng = random.Random(seed)
        self.max_duplicates = max_duplicates
        self.max_modifications = max_modifications
        # Zipf exponents that give realistic shares: the commonest first name
        # is about 3% of people, the commonest surname about 2%.
        self._first_weights = _zipf_weights(len(FIRST_NAMES), 0.6)
        self._surname_weights = _zipf_weights(len(SURNAMES), 0.7)
        self._emails: set[str] = set()

    def surname(self) -> str:
        rng = self.rng
        if rng.random() < 0.4:
            return rng.choices(SURNAMES, self._surname_weights)[0]
        name = rng.choice(SURNAME_HEADS) + rng.choice(SURNAME_TAILS)
        # A third of the made-up names get a second part of their own
        # (hartley-brook), a spelling variant or a patronymic ending.
        extra = rng.random()
        if extra < 0.15:
            name += "s"
        elif extra < 0.3:
            name = f"{name}-{rng.choice(SURNAME_HEADS)}{rng.choice(SURNAME_TAILS)}"
        return name

    # Originals -----------------------------------------------------------

    def postcode(self) -> str:
        rng = self.rng
        area = rng.choice(POSTCODE_AREAS)
        district = rng.randint(1, 30)
        unit = f"{rng.randint(0, 9)}{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
        return f"{area}{district} {unit}"

    def address(self) -> str:
        rng = self.rng
        street = f"{rng.choice(STREET_NAMES).title()} {rng.choice(STREET_KINDS).title()}"
        number = rng.choices([rng.randint(1, 40), rng.randint(41, 250)], (0.75, 0.25))[0]
        if rng.random() < 0.12:
            return f"Flat {rng.randint(1, 30)}, {number} {street}"
        return f"{number} {street}"

    def phone(self) -> str:
        return f"07{self.rng.randint(100, 999)} {self.rng.randint(100000, 999999)}"

    def email(self, first: str, last: str) -> str:
        rng = self.rng
        first, last = first or "x", last or "y"
        style = rng.random()
        if style < 0.4:
            local = f"{first}.{last}"
        elif style < 0.7:
            local = f"{first[0]}{last}{rng.randint(1, 99)}"
        else:
            local = f"{first}{rng.randint(1, 9999)}"
        domain = rng.choice(EMAIL_DOMAINS)
        # An address belongs to one person: a taken one gets a number.
        address, number = f"{local}@{domain}", 1
        while address in self._emails:
            number += 1
            address = f"{local}{number}@{domain}"
        self._emails.add(address)
        return address

    def original(self, entity: int) -> Record:
        rng = self.rng
        first = rng.choices(FIRST_NAMES, self._first_weights)[0]
        last = self.surname()
        contact = rng.random()
        # 20% of records have neither an email nor a phone.
        has_email = contact >= 0.2 and rng.random() < 0.8
        has_phone = contact >= 0.2 and (not has_email or rng.random() < 0.7)
        dob = None
        if rng.random() < 0.95:
            dob = date(1935, 1, 1) + timedelta(days=rng.randint(0, 365 * 70))
        return Record(
            entity=entity,
            first_name=first.title(),
            last_name=last.title(),
            date_of_birth=dob,
            email=self.email(first, last) if has_email else "",
            phone=self.phone() if has_phone else "",
            address=self.address(),
            postcode=self.postcode(),
        )

    # Modifications ---------------------------------------------------------

    def typo(self, text: str) -> str:
        rng = self.rng
        if len(text) < 2:
            return text
        i = rng.randrange(len(text))
        kind = rng.random()
        char = text[i].lower()
        if kind < 0.35 and char in KEYBOARD:  # a neighbouring key
            new = rng.choice(KEYBOARD[char])
            new = new.upper() if text[i].isupper() else new
            return text[:i] + new + text[i + 1 :]
        if kind < 0.55:  # a letter dropped
            return text[:i] + text[i + 1 :]
        if kind < 0.7:  # a letter doubled
            return text[: i + 1] + text[i:]
        if i < len(text) - 1:  # two letters swapped
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        return text[:-1]

    def ocr(self, text: str) -> str:
        rng = self.rng
        options = []
        lower = text.lower()
        for a, b in OCR:
            for x, y in ((a, b), (b, a)):
                start = lower.find(x)
                if start >= 0:
                    options.append((start, x, y))
        if not options:
            return self.typo(text)
        start, old, new = rng.choice(options)
        if text[start : start + len(old)].isupper():
            new = new.upper()
        return text[:start] + new + text[start + len(old) :]

    def phonetic(self, text: str) -> str:
        rng = self.rng
        lower = text.lower()
        options = []
        for a, b in PHONETIC:
            for x, y in ((a, b), (b, a)):
                if x and lower.find(x, 1) > 0:
                    options.append((lower.find(x, 1), x, y))
        if not options:
            return self.typo(text)
        start, old, new = rng.choice(options)
        return (text[:start] + new + text[start + len(old) :]).title()

    def transpose_digits(self, text: str) -> str:
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        pairs = [(a, b) for a, b in zip(digits, digits[1:], strict=False) if text[a] != text[b]]
        if not pairs:
            return self.typo(text)
        a, b = self.rng.choice(pairs)
        chars = list(text)
        chars[a], chars[b] = chars[b], chars[a]
        return "".join(chars)

    def modify(self, record: Record, chosen: str, kind: str) -> bool:
        """Apply one modification; False when it does not apply to this record."""
        rng = self.rng
        if chosen == "date_of_birth":
            dob = record.date_of_birth
            if dob is None:
                return False
            if kind == "missing":
                record.date_of_birth = None
            elif kind == "day_month":
                if dob.day > 12 or dob.day == dob.month:
                    return False
                record.date_of_birth = dob.replace(month=dob.day, day=dob.month)
            else:  # a digit of the year, month or day transposed or mistyped
                text = dob.isoformat()
                for _ in range(10):
                    new = self.transpose_digits(text) if kind == "transpose" else self.typo(text)
                    try:
                        changed = date.fromisoformat(new)
                    except ValueError:
                        continue
                    if changed != dob and 1900 < changed.year < 2015:
                        record.date_of_birth = changed
                        return True
                return False
            return True
        if kind == "swap_names":
            record.first_name, record.last_name = record.last_name, record.first_name
            return True
        value = getattr(record, chosen)
        if not value:
            return False
        if kind == "missing":
            setattr(record, chosen, "")
        elif kind == "typo":
            setattr(record, chosen, self.typo(value))
        elif kind == "ocr":
            setattr(record, chosen, self.ocr(value))
        elif kind == "phonetic":
            setattr(record, chosen, self.phonetic(value))
        elif kind == "truncate":
            if len(value) < 5:
                return False
            setattr(record, chosen, value[: rng.randint(max(3, len(value) - 3), len(value) - 1)])
        elif kind == "initial":
            record.first_name = value[0]
        elif kind == "transpose":
            setattr(record, chosen, self.transpose_digits(value))
        elif kind == "abbreviate":
            words = value.split()
            last = words[-1].lower()
            if last not in STREET_ABBREVIATIONS:
                return False
            record.address = " ".join([*words[:-1], STREET_ABBREVIATIONS[last].title()])
        elif kind == "changed":
            if chosen == "email":
                record.email = self.email(record.first_name.lower(), record.last_name.lower())
            else:
                record.phone = self.phone()
        elif kind == "moved":
            record.address, record.postcode = self.address(), self.postcode()
        return True

    def duplicate(self, original: Record) -> Record:
        rng = self.rng
        record = replace(original, modifications=[])
        wanted = rng.randint(1, self.max_modifications)
        per_field: dict[str, int] = {}
        tries = 0
        while len(record.modifications) < wanted and tries < 30:
            tries += 1
            chosen = rng.choices(FIELDS, FIELD_WEIGHTS)[0]
            if per_field.get(chosen, 0) >= 2:  # at most two modifications per field
                continue
            kind = rng.choice(KINDS[chosen])
            if self.modify(record, chosen, kind):
                per_field[chosen] = per_field.get(chosen, 0) + 1
                record.modifications.append(f"{chosen}:{kind}")
        return record

    # The data set --------------------------------------------------------------

    def records(self, total: int, *, duplicate_share: float = 0.35) -> list[Record]:
        """``total`` records, about ``duplicate_share`` of them duplicates;
        the number of duplicates per original follows a Zipf law (most
        originals have none, some one, a few up to max_duplicates), and the
        records are shuffled so that a duplicate's id says nothing."""
        rng = self.rng
        originals = round(total * (1 - duplicate_share))
        out = [self.original(entity) for entity in range(originals)]
        weights = _zipf_weights(self.max_duplicates, 1.5)
        while len(out) < total:
            source = out[rng.randrange(originals)]
            count = rng.choices(range(1, self.max_duplicates + 1), weights)[0]
            for _ in range(min(count, total - len(out))):
                out.append(self.duplicate(source))
        rng.shuffle(out)
        return out


def write(records: list[Record], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (
        (folder / "records.csv").open("w", newline="", encoding="utf-8") as out,
        (folder / "truth.csv").open("w", newline="", encoding="utf-8") as truth,
    ):
        rows, labels = csv.writer(out), csv.writer(truth)
        rows.writerow(RAW_COLUMNS)
        labels.writerow(("id", "entity_id", "modifications"))
        for number, record in enumerate(records, start=1):
            address = record.address
            line2 = ""
            if address.startswith("Flat ") and ", " in address:
                line2, address = address.split(", ", 1)
            rows.writerow(
                (
                    number,
                    "person",
                    record.first_name,
                    record.last_name,
                    "",
                    record.email,
                    record.phone,
                    address,
                    line2,
                    record.postcode,
                    record.date_of_birth.isoformat() if record.date_of_birth else "",
                )
            )
            labels.writerow((number, record.entity, ";".join(record.modifications)))


def generate(folder: Path, *, records: int, seed: int) -> Path:
    """Write the data set to ``folder`` unless it is there already; returns it."""
    if not (folder / "truth.csv").exists():
        write(Generator(seed).records(records), folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(Generator(args.seed).records(args.records), args.out)
    print(f"Wrote {args.records} records to {args.out}.")


if __name__ == "__main__":
    main()
