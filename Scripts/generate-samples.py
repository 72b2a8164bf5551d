#!/usr/bin/env python3
"""Generate the bundled sample dataset of vipps-ledger: recorded Report API responses.

Usage (from the repository root):

    python3 Scripts/generate-samples.py [OUTPUT_DIR]

OUTPUT_DIR defaults to samples/recorded (relative to the repository root). The directory is
rewritten from scratch on every run. The output is deterministic: the same script gives
byte-identical files (fixed seed, no clock, no environment).

What it writes (every file is the unmodified body of one Report API response):

    ledgers.json                                  GET /settlement/v1/ledgers           (page 1)
    ledgers-2.json                                GET /settlement/v1/ledgers?cursor=…  (page 2)
    <ledgerId>/<funds|fees>/<YYYY-MM-DD>/<n>.json GET /report/v2/ledgers/<ledgerId>/<topic>/dates/<date>
                                                  (n = page number; page n+1 is fetched with the
                                                  cursor of page n; includeGDPRSensitiveData=true)

The fictional merchant is "Fjordkaffe AS": ledger 300119 (NOK, net settlement, three sales units)
and ledger 411027 (DKK, gross settlement, one MyShop unit), ledger dates 2025-10-20 … 2025-10-27
(the last one still open). See samples/README.md for where each feature of the dataset lives.

Standard library only. Before anything is written, the whole dataset is checked: balance chains,
paging envelopes, currencies, ledger dates, fee/capture links and the feature list of the README.
"""

import base64
import json
import random
import shutil
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SEED = 20251020
UTC = timezone.utc

DATES = [date(2025, 10, 20) + timedelta(days=i) for i in range(8)]
OPEN_DATE = date(2025, 10, 27)
# The recording was made on the open date at 13:30 local time: nothing later exists yet.
FETCHED_AT_LOCAL = (13, 30)

# Europe/Oslo and Europe/Copenhagen: summer time ends 2025-10-26 03:00 CEST = 01:00 UTC.
DST_END_UTC = datetime(2025, 10, 26, 1, 0, tzinfo=UTC)

NOK_ID = "300119"
DKK_ID = "411027"
BRYGGEN = "NO:123455"
TORGET = "NO:123456"
WEB = "api:654321"
MYSHOP = "DK:90601"

PAYOUT_NO_START = {NOK_ID: 2000811, DKK_ID: 3100461}
START_BALANCE = {  # balanceBefore of the first entry of 2025-10-20
    (NOK_ID, "funds"): 0,
    (NOK_ID, "fees"): 0,
    (DKK_ID, "funds"): 0,
    (DKK_ID, "fees"): -21348,  # DKK fees owed for 2025-10-01 … 2025-10-19, invoiced on 2025-10-24
}
DKK_FEES_INVOICED_DATE = date(2025, 10, 24)
NOK_NEGATIVE_DATE = date(2025, 10, 24)        # big refund: negative balance, no payout
NOK_OLD_PAYOUT_NAME_DATE = date(2025, 10, 25)  # "scheduled-for-payout" instead of "payout-scheduled"

# Paging: which dates are split over several pages (default: one page).
PAGE_PLANS = {
    (NOK_ID, "funds", date(2025, 10, 23)): ("split", 3),  # cursors "Mg==", "Mw=="
    (DKK_ID, "funds", date(2025, 10, 22)): ("split", 2),
    (NOK_ID, "fees", date(2025, 10, 21)): ("empty-tail",),  # hasMore page followed by an empty one
    (NOK_ID, "funds", OPEN_DATE): ("split", 2),  # hasMore and tryLater both true
}

LEDGERS = [
    {
        "ledgerId": NOK_ID,
        "currency": "NOK",
        "payoutBankAccount": {"scheme": "BBAN:NO", "id": "15030012345"},
        "owner": {"scheme": "business:NO:ORG", "id": "999888777"},
        "settlesForRecipientHandles": [BRYGGEN, TORGET, WEB],
        "salesUnits": [
            {"name": "Fjordkaffe Bryggen", "recipientHandle": BRYGGEN,
             "businessIdentifier": {"scheme": "business:NO:ORG", "id": "999888777"}},
            {"name": "Fjordkaffe Torget", "recipientHandle": TORGET,
             "businessIdentifier": {"scheme": "business:NO:ORG", "id": "999888777"}},
            {"name": "Fjordkaffe nettbutikk", "recipientHandle": WEB,
             "businessIdentifier": {"scheme": "business:NO:ORG", "id": "999888777"}},
        ],
    },
    {
        "ledgerId": DKK_ID,
        "currency": "DKK",
        "payoutBankAccount": {"scheme": "BBAN:DK", "id": "123412341234123412"},
        "owner": {"scheme": "business:DK:CVR", "id": "16427888"},
        "settlesForRecipientHandles": [MYSHOP],
        "salesUnits": [
            {"name": "Fjordkaffe København", "recipientHandle": MYSHOP,
             "businessIdentifier": {"scheme": "business:DK:CVR", "id": "16427888"}},
        ],
    },
]
CURRENCY = {NOK_ID: "NOK", DKK_ID: "DKK"}

# Payer data (includeGDPRSensitiveData=true) for Vippsnummer / MyShop payments.
NO_NAMES = [
    "Kari Nordmann", "Ola Nordmann", "Ingrid Bjørnstad", "Håkon Lie", "Sigrid Ødegaard", "Lars Ås",
    "Marte Kjærnes", "Jørgen Fløysvik", "Nora Berg", "Eirik Sæther", "Solveig Hæreid", "Magnus Vik",
    "Aud Grønli", "Trond Løvås", "Hanne Skårdal", "Pål Østby", "Ragnhild Brække", "Emil Haugen",
    "Ane Myklebust", "Sindre Årseth", "Live Torsæter", "Knut Fjære", "Tuva Bøe", "Vebjørn Dæhli",
]
NO_MESSAGES = [
    "Kaffe", "Latte", "Takk!", "Cappuccino og bolle", "Kanelbolle", "Lunsj", "Kaffe til kontoret",
    "Skolebolle 🙂", "Kaffe ☕", "Te", "Cortado", "Iskaffe", "Skillingsbolle", "Vaffel m/ brunost",
]
DK_NAMES = [
    "Jens Østergaard", "Mette Nørgaard", "Søren Kjær", "Line Bøgh", "Anders Lærkesen", "Freja Holm",
    "Rasmus Dahl", "Ida Sørensen", "Mikkel Ågesen", "Camilla Brøndum", "Jonas Friis", "Sofie Krogh",
]
DK_MESSAGES = ["Kaffe", "Tak", "Cortado", "Kanelsnegl", "Frokost", "Tak for i dag", "Flat white",
               "Te og kage", "Kaffe ☕"]

# Tricky payer strings (CSV/XML/spreadsheet pitfalls), one payment each, spread over the dates.
# (ledger, unit, ledger date, local time (h, m, s, µs), amount in minor units, name, message)
TRICKY = [
    (NOK_ID, BRYGGEN, date(2025, 10, 20), (8, 12, 33, 104512), 5800, "Åse Ødegård", "=SUM(A1)"),
    (NOK_ID, TORGET, date(2025, 10, 20), (12, 3, 8, 771020), 11900,
     'Per "Kaffe-Per" Ødegaard', 'Takk for "kaffen", og kaka!'),
    (NOK_ID, BRYGGEN, date(2025, 10, 21), (7, 48, 51, 5521), 4500, "Dahl, Ingrid", "+47 for kaffe"),
    (NOK_ID, TORGET, date(2025, 10, 22), (9, 15, 2, 660301), 8900, "ÆRLEND ØSTBØ ÅRDAL", "-rabatt brukt"),
    (NOK_ID, BRYGGEN, date(2025, 10, 23), (15, 36, 19, 240118), 6500, "Kari Nordmann", "@Kari takk!"),
    (NOK_ID, TORGET, date(2025, 10, 24), (10, 20, 44, 98310), 10500,
     "Bjørn & Solveig Hæstad", "Kaffe & boller <3"),
    (NOK_ID, BRYGGEN, date(2025, 10, 25), (11, 2, 27, 513377), 7800, "Siv Æsøy", "God helg!\nHilsen Siv"),
    (NOK_ID, TORGET, date(2025, 10, 26), (13, 44, 9, 322045), 9800,
     "Øyvind Åsheim", "<b>Dobbel</b> espresso; 2 stk"),
    (NOK_ID, BRYGGEN, OPEN_DATE, (9, 10, 41, 870016), 6200, "Tone Ølberg", "Kaffe\tx2 @jobb"),
    (DKK_ID, MYSHOP, date(2025, 10, 21), (11, 18, 6, 417733), 4500,
     "Søren Ærø-Østergaard", 'Tak for kaffe, "hyggeligt"'),
    (DKK_ID, MYSHOP, date(2025, 10, 23), (14, 5, 55, 90412), 7800, "MADS ØSTERGÅRD", "KAFFE & KAGE, TAK!"),
    (DKK_ID, MYSHOP, date(2025, 10, 25), (10, 41, 3, 661209), 3900, "Anne-Sofie Bæk", "-50% studierabat"),
    (DKK_ID, MYSHOP, OPEN_DATE, (9, 5, 18, 220731), 5400, "Ærenlund, Bo", "=2+2"),
]

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# ---------------------------------------------------------------------------------------------
# Time helpers


def utc_offset(instant):
    return timedelta(hours=2) if instant < DST_END_UTC else timedelta(hours=1)


def local_to_utc(d, h, m=0, s=0, us=0):
    """Local wall-clock time in Oslo/Copenhagen → aware UTC datetime (refuses the repeated hour)."""
    naive = datetime(d.year, d.month, d.day, h, m, s, us)
    if naive < datetime(2025, 10, 26, 2, 0):
        hours = 2
    elif naive >= datetime(2025, 10, 26, 3, 0):
        hours = 1
    else:
        raise ValueError(f"ambiguous local time {naive}; give it in UTC")
    return (naive - timedelta(hours=hours)).replace(tzinfo=UTC)


def local_date(instant):
    return (instant + utc_offset(instant)).date()


def fmt_local(instant):
    """'2025-10-20T08:14:03.824993+0200' (offset without colon, six fraction digits)."""
    off = utc_offset(instant)
    suffix = "+0200" if off == timedelta(hours=2) else "+0100"
    return (instant + off).strftime("%Y-%m-%dT%H:%M:%S.%f") + suffix


def fmt_utc(instant):
    """'2025-10-20T06:14:03.528092Z'."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def closing_instant(d):
    """Day-closing entries carry local midnight of the next calendar day."""
    nxt = d + timedelta(days=1)
    return local_to_utc(nxt, 0)


# ---------------------------------------------------------------------------------------------
# Generator


class Capture:
    def __init__(self, ledger, unit, instant, amount, gdpr=None, tag=None):
        self.ledger, self.unit, self.instant, self.amount = ledger, unit, instant, amount
        self.gdpr, self.tag = gdpr, tag
        self.date = local_date(instant)
        self.fee_delay = 0        # ledger dates between the capture and its fees
        self.fee_override = None  # list of fee amounts (positive), else the tariff
        self.reference = None
        self.psp = None
        self.refunded = 0

    @property
    def time(self):
        return fmt_utc(self.instant) if self.unit.startswith("api:") else fmt_local(self.instant)


class Refund:
    def __init__(self, capture, instant, amount):
        self.capture, self.instant, self.amount = capture, instant, amount
        self.ledger, self.unit = capture.ledger, capture.unit
        self.date = local_date(instant)
        self.psp = None
        capture.refunded += amount

    @property
    def time(self):
        return fmt_utc(self.instant) if self.unit.startswith("api:") else fmt_local(self.instant)


def tariff(ledger, amount):
    """Plausible (not official) fees, in minor units, rounded half up."""
    if ledger == NOK_ID:
        return (amount * 175 + 5000) // 10000 + 75     # 1.75 % + 0.75 NOK
    return (amount * 75 + 5000) // 10000 + 25          # 0.75 % + 0.25 DKK


def luhn_digit(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return str((10 - total % 10) % 10)


class Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.captures = []
        self.refunds = []
        self.specials = {}          # tag → Capture
        self.extra = {(l, t): {d: [] for d in DATES} for l in (NOK_ID, DKK_ID) for t in ("funds", "fees")}
        self.features = []          # (feature, ledger, topic, date, entryType, detail) for the README

    # -- small random helpers ----------------------------------------------------------------
    def us(self):
        return self.rng.randint(0, 999999)

    def ulid(self, instant):
        ms = (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
        value = (ms << 80) | self.rng.getrandbits(80)
        chars = []
        for _ in range(26):
            chars.append(CROCKFORD[value & 31])
            value >>= 5
        return "".join(reversed(chars))

    def phone(self):
        return f"xxxx {self.rng.randint(0, 9999):04d}"

    def payer(self, unit):
        names, messages = (NO_NAMES, NO_MESSAGES) if unit.startswith("NO:") else (DK_NAMES, DK_MESSAGES)
        name = self.rng.choice(names)
        message = self.rng.choice(messages) if self.rng.random() < 0.45 else ""
        return (name, message, self.phone())

    def random_instant(self, d, start_h, end_h):
        secs = self.rng.randint(start_h * 3600, end_h * 3600 - 1)
        return local_to_utc(d, secs // 3600, secs // 60 % 60, secs % 60, self.us())

    def web_instant(self, d):
        weights = [1, 1, 0, 0, 0, 0, 2, 3, 4, 5, 5, 6, 7, 6, 5, 5, 5, 6, 7, 8, 8, 7, 5, 3]
        h = self.rng.choices(range(24), weights=weights)[0]
        return local_to_utc(d, h, self.rng.randint(0, 59), self.rng.randint(0, 59), self.us())

    # -- payments ------------------------------------------------------------------------------
    def add_capture(self, ledger, unit, instant, amount, gdpr=None, tag=None):
        if gdpr is None and not unit.startswith("api:"):
            gdpr = self.payer(unit)
        c = Capture(ledger, unit, instant, amount, gdpr, tag)
        self.captures.append(c)
        if tag:
            self.specials[tag] = c
        return c

    def kiosk_amount(self):
        menu = [45, 49, 52, 55, 58, 62, 65, 69, 72, 78, 84, 89, 95, 98, 105, 112, 119, 120]
        return self.rng.choice(menu) * 100

    def web_amount(self):
        return min(self.rng.randint(200, 1500) * 100 + self.rng.choice([0, 0, 0, 0, 50, 90]), 150000)

    def dkk_amount(self):
        return self.rng.randint(30, 90) * 100 + self.rng.choice([0, 0, 0, 50])

    def generate_captures(self):
        for d in DATES:
            weekend = d.weekday() >= 5
            # Fjordkaffe Bryggen (kiosk, Vippsnummer)
            n, hours = (self.rng.randint(8, 13), (9, 17)) if weekend else (self.rng.randint(9, 15), (7, 18))
            for _ in range(n):
                self.add_capture(NOK_ID, BRYGGEN, self.random_instant(d, *hours), self.kiosk_amount())
            # Fjordkaffe Torget (Vippsnummer)
            n, hours = (self.rng.randint(5, 9), (10, 16)) if weekend else (self.rng.randint(5, 10), (8, 17))
            for _ in range(n):
                self.add_capture(NOK_ID, TORGET, self.random_instant(d, *hours), self.kiosk_amount())
            # Fjordkaffe nettbutikk (ePayment)
            for _ in range(self.rng.randint(2, 6) if weekend else self.rng.randint(3, 7)):
                self.add_capture(NOK_ID, WEB, self.web_instant(d), self.web_amount())
            # Fjordkaffe København (MyShop), closed on Sundays
            if d.weekday() == 6:
                continue
            n, hours = (self.rng.randint(5, 9), (9, 15)) if weekend else (self.rng.randint(6, 12), (8, 18))
            for _ in range(n):
                self.add_capture(DKK_ID, MYSHOP, self.random_instant(d, *hours), self.dkk_amount())

        for ledger, unit, d, hms, amount, name, message in TRICKY:
            self.add_capture(ledger, unit, local_to_utc(d, *hms), amount, (name, message, self.phone()),
                             tag=f"tricky:{d}:{unit}")

        # Specials on the NOK ledger.
        self.add_capture(NOK_ID, WEB, local_to_utc(date(2025, 10, 20), 14, 22, 31, 604117), 114900,
                         tag="disputed")
        c = self.add_capture(NOK_ID, WEB, local_to_utc(date(2025, 10, 20), 19, 5, 12, 338410), 89000,
                             tag="two-fees")
        c.fee_override = [tariff(NOK_ID, c.amount), (c.amount * 100 + 5000) // 10000]  # + 1 % foreign card
        self.add_capture(NOK_ID, WEB, local_to_utc(date(2025, 10, 21), 0, 14, 52, 90233), 34900,
                         tag="utc-date-before-ledger-date")
        self.add_capture(NOK_ID, WEB, local_to_utc(date(2025, 10, 21), 10, 12, 40, 551904), 924000,
                         tag="catering")
        c = self.add_capture(NOK_ID, WEB, local_to_utc(date(2025, 10, 21), 23, 41, 9, 712655), 64900,
                             tag="late-fee-1")
        c.fee_delay = 1
        c = self.add_capture(NOK_ID, TORGET, local_to_utc(date(2025, 10, 22), 11, 47, 3, 201877), 11500,
                             tag="wrong-fee")
        c.fee_override = [(c.amount * 350 + 5000) // 10000]  # charged 3.5 % by mistake
        c = self.add_capture(NOK_ID, WEB, local_to_utc(date(2025, 10, 24), 23, 58, 44, 12954), 45900,
                             tag="late-fee-2")
        c.fee_delay = 1
        # Web orders inside the repeated hour 02:00–03:00 of 2025-10-26 (first CEST, then CET).
        self.add_capture(NOK_ID, WEB, datetime(2025, 10, 26, 0, 47, 12, 118306, tzinfo=UTC), 52900,
                         tag="dst-cest")
        self.add_capture(NOK_ID, WEB, datetime(2025, 10, 26, 1, 21, 40, 447120, tzinfo=UTC), 27900,
                         tag="dst-cet")

        # The open date: only what happened before the recording.
        cutoff = local_to_utc(OPEN_DATE, *FETCHED_AT_LOCAL)
        self.captures = [c for c in self.captures if c.instant < cutoff]
        self.captures.sort(key=lambda c: c.instant)

    def generate_refunds(self):
        cutoff = local_to_utc(OPEN_DATE, *FETCHED_AT_LOCAL)
        # Deliberate ones first.
        t1 = self.specials[f"tricky:{date(2025, 10, 20)}:{BRYGGEN}"]
        self.refunds.append(Refund(t1, local_to_utc(date(2025, 10, 21), 10, 3, 27, 880412), t1.amount))
        cat = self.specials["catering"]
        self.refunds.append(Refund(cat, datetime(2025, 10, 24, 7, 31, 5, 300127, tzinfo=UTC), cat.amount))
        # Random ones: 0–2 per ledger date on NOK, a few on DKK.
        plan = {NOK_ID: {d: self.rng.choice([0, 1, 1, 2]) for d in DATES},
                DKK_ID: {date(2025, 10, 21): 1, date(2025, 10, 23): 1, date(2025, 10, 25): 1}}
        for ledger in (NOK_ID, DKK_ID):
            for d, k in plan[ledger].items():
                for _ in range(k):
                    pool = [c for c in self.captures if c.ledger == ledger and c.tag is None
                            and c.refunded == 0 and d - timedelta(days=1) <= c.date <= d]
                    if not pool:
                        continue
                    c = self.rng.choice(pool)
                    if c.date == d:
                        inst = c.instant + timedelta(seconds=self.rng.randint(300, 3 * 3600),
                                                     microseconds=self.us())
                    else:
                        inst = self.random_instant(d, 9, 16)
                    if local_date(inst) != d or inst >= cutoff:
                        continue
                    amount = c.amount
                    if c.unit.startswith("api:") and self.rng.random() < 0.5:
                        amount = (c.amount // 2) // 100 * 100  # partial refund, whole kroner
                    self.refunds.append(Refund(c, inst, amount))
        self.refunds.sort(key=lambda r: r.instant)

    def assign_ids(self):
        # Numeric pspReferences, increasing with time across the whole platform.
        psp = 31872305518
        for p in sorted(self.captures + self.refunds, key=lambda p: p.instant):
            psp += self.rng.randint(30000, 400000)
            p.psp = str(psp)
        counters = {"NO:": 48213, "api:": 10023, "DK:": 70511}
        prefixes = {"NO:": "kiosk", "api:": "web", "DK:": "mp"}
        for c in self.captures:
            kind = c.unit.split(":")[0] + ":"
            c.reference = f"{prefixes[kind]}-{counters[kind]}"
            counters[kind] += 1

    # -- entries -------------------------------------------------------------------------------
    def generate(self):
        self.generate_captures()
        self.generate_refunds()
        self.assign_ids()
        items = {(l, t): {d: [] for d in DATES} for l in (NOK_ID, DKK_ID) for t in ("funds", "fees")}
        # (group, instant, seq, entry): group 0 = booked at the start of the date, 1 = normal
        seq = iter(range(10**9))

        def put(ledger, topic, d, instant, e, group=1):
            items[(ledger, topic)][d].append((group, instant, next(seq), e))

        for c in self.captures:
            put(c.ledger, "funds", c.date,
                c.instant, entry(c.psp, c.time, c.date, "capture", c.reference, c.ledger, c.amount, c.unit, c.gdpr))
            fee_date = c.date + timedelta(days=c.fee_delay)
            for fee in (c.fee_override or [tariff(c.ledger, c.amount)]):
                put(c.ledger, "fees", fee_date, c.instant,
                    entry(c.psp, c.time, fee_date, "capture-fee", c.reference, c.ledger, -fee, c.unit),
                    group=0 if c.fee_delay else 1)
        for r in self.refunds:
            c = r.capture
            gdpr = (c.gdpr[0], "", c.gdpr[2]) if c.gdpr else None
            put(r.ledger, "funds", r.date, r.instant,
                entry(r.psp, r.time, r.date, "refund", c.reference, r.ledger, -r.amount, r.unit, gdpr))

        def system(ledger, topic, d, instant, etype, reference, amount, handle, psp=None, time=None):
            e = entry(psp or self.ulid(instant), time or fmt_local(instant), d, etype, reference, ledger,
                      amount, handle)
            put(ledger, topic, d, instant, e)
            return e

        d20, d21, d22, d23, d24, d25, d26 = DATES[:7]
        # NOK funds
        system(NOK_ID, "funds", d20, local_to_utc(d20, 4, 0, 0, 0), "rolling-reserve-release",
               "rolling-reserve-2025-04", 250000, None)
        ref = self.specials[f"tricky:{d20}:{TORGET}"]
        system(NOK_ID, "funds", d21, local_to_utc(d21, 13, 20, 44, 518230), "correction",
               ref.reference, -2500, TORGET)
        aborted = system(NOK_ID, "funds", d22, local_to_utc(d22, 6, 2, 17, 403118), "payout-aborted",
                         "", None, None, psp="?")  # amount, psp and reference filled from the 2025-10-21 payout
        aborted["_fill"] = "payout-aborted"
        disp = self.specials["disputed"]
        inst = datetime(2025, 10, 22, 7, 12, 45, 118274, tzinfo=UTC)
        system(NOK_ID, "funds", d22, inst, "retained-disputed-capture", disp.reference, -disp.amount, WEB,
               psp=disp.psp, time=fmt_utc(inst))
        inst = datetime(2025, 10, 25, 9, 3, 12, 550912, tzinfo=UTC)
        system(NOK_ID, "funds", d25, inst, "returned-disputed-capture", disp.reference, disp.amount, WEB,
               psp=disp.psp, time=fmt_utc(inst))
        system(NOK_ID, "funds", d26, local_to_utc(d26, 9, 30, 5, 118822), "top-up",
               "Innbetaling faktura 7710042", 150000, None)
        # NOK fees
        system(NOK_ID, "fees", d21, local_to_utc(d21, 3, 0, 12, 482113), "service-fee",
               "subscription-2025-10", -29900, BRYGGEN)
        wrong = self.specials["wrong-fee"]
        system(NOK_ID, "fees", d23, local_to_utc(d23, 10, 5, 33, 901274), "correction", wrong.reference,
               wrong.fee_override[0] - tariff(NOK_ID, wrong.amount), TORGET, psp=wrong.psp)
        system(NOK_ID, "fees", d24, local_to_utc(d24, 8, 0, 3, 771245), "credit-note",
               "CN-2025-10-0087", 5000, BRYGGEN)

        self.items = {}
        for key, per_date in items.items():
            self.items[key] = {d: [x[3] for x in sorted(per_date[d], key=lambda x: x[:3])] for d in DATES}
        self.close_and_chain()

    def close_and_chain(self):
        """Append the day-closing entries and set every balance, date by date."""
        for ledger in (NOK_ID, DKK_ID):
            funds_b = START_BALANCE[(ledger, "funds")]
            fees_b = START_BALANCE[(ledger, "fees")]
            payout_no = PAYOUT_NO_START[ledger]
            last_payout = None
            for d in DATES:
                closed = d != OPEN_DATE
                fees = self.items[(ledger, "fees")][d]
                funds = self.items[(ledger, "funds")][d]
                for e in fees:
                    fees_b = chain(e, fees_b)
                closing = closing_instant(d)
                retained = None
                if closed and ledger == NOK_ID:
                    retained = entry(self.ulid(closing), fmt_local(closing), d, "fees-retained", "", ledger,
                                     -fees_b, None)
                    fees.append(retained)
                    fees_b = chain(retained, fees_b)
                if closed and ledger == DKK_ID and d == DKK_FEES_INVOICED_DATE:
                    inv = entry(self.ulid(closing), fmt_local(closing), d, "fees-invoiced", "", ledger,
                                -fees_b, None)
                    fees.append(inv)
                    fees_b = chain(inv, fees_b)
                for e in funds:
                    if e.pop("_fill", None) == "payout-aborted":
                        e["pspReference"], e["reference"], e["amount"] = last_payout
                    funds_b = chain(e, funds_b)
                if retained is not None:
                    mirror = entry(retained["pspReference"], retained["time"], d, "fees-retained", "", ledger,
                                   -retained["amount"], None)
                    funds.append(mirror)
                    funds_b = chain(mirror, funds_b)
                if closed and funds_b > 0:
                    if ledger == NOK_ID:
                        etype = "scheduled-for-payout" if d == NOK_OLD_PAYOUT_NAME_DATE else "payout-scheduled"
                        reference = f"Utb. {payout_no} Vippsnr 123455"
                    else:
                        etype = "payout-scheduled"
                        text = "02" + f"{int(MYSHOP.split(':')[1]):08d}" + "001" + d.strftime("%d%m%y")
                        reference = text + luhn_digit(text)
                    payout = entry(f"{ledger}-{payout_no}", fmt_local(closing), d, etype, reference, ledger,
                                   -funds_b, None)
                    funds.append(payout)
                    funds_b = chain(payout, funds_b)
                    last_payout = (payout["pspReference"], reference, -payout["amount"])
                    payout_no += 1


def entry(psp, time, d, etype, reference, ledger, amount, handle, gdpr=None):
    e = {
        "pspReference": psp,
        "time": time,
        "ledgerDate": d.isoformat(),
        "entryType": etype,
        "reference": reference,
        "currency": CURRENCY[ledger],
        "amount": amount,
        "balanceBefore": None,
        "balanceAfter": None,
        "recipientHandle": handle,
    }
    if gdpr is not None:
        e["name"], e["message"], e["maskedPhoneNo"] = gdpr
    return e


def chain(e, balance):
    e["balanceBefore"] = balance
    e["balanceAfter"] = balance + e["amount"]
    return e["balanceAfter"]


# ---------------------------------------------------------------------------------------------
# Response bodies


def cursor_for_page(n):
    return base64.b64encode(str(n).encode()).decode()


def pages(items, plan, try_later):
    if plan is None:
        chunks = [items]
    elif plan[0] == "split":
        size = -(-len(items) // plan[1])
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        assert len(chunks) == plan[1], (len(items), plan)
    elif plan[0] == "empty-tail":
        chunks = [items, []]
    else:
        raise ValueError(plan)
    bodies = []
    for i, chunk in enumerate(chunks):
        if i < len(chunks) - 1:
            bodies.append({"cursor": cursor_for_page(i + 2), "hasMore": True, "tryLater": try_later,
                           "items": chunk})
        else:
            bodies.append({"hasMore": False, "tryLater": try_later, "items": chunk})
    return bodies


def build_files(gen):
    files = {}
    ledger_cursor = base64.b64encode(
        json.dumps({"afterLedgerId": NOK_ID, "settlesForRecipientHandles": None}).encode()).decode()
    files["ledgers.json"] = {"cursor": ledger_cursor, "items": [LEDGERS[0]]}
    files["ledgers-2.json"] = {"cursor": "", "items": [LEDGERS[1]]}
    for (ledger, topic), per_date in gen.items.items():
        for d in DATES:
            bodies = pages(per_date[d], PAGE_PLANS.get((ledger, topic, d)), d == OPEN_DATE)
            for n, body in enumerate(bodies, start=1):
                files[f"{ledger}/{topic}/{d.isoformat()}/{n}.json"] = body
    return files


# ---------------------------------------------------------------------------------------------
# Checks (on the response bodies, as a client would read them)


def parse_time(text):
    """Both formats of the dataset: '…123456+0200' / '…123456+0100' and '…123456Z'."""
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class CheckError(Exception):
    pass


def require(cond, message):
    if not cond:
        raise CheckError(message)


ENTRY_KEYS = ["pspReference", "time", "ledgerDate", "entryType", "reference", "currency", "amount",
              "balanceBefore", "balanceAfter", "recipientHandle"]
GDPR_KEYS = ["name", "message", "maskedPhoneNo"]


def read_date(files, ledger, topic, d):
    """Follow the pages of one date; returns (entries, tryLater, number of pages)."""
    items, n = [], 1
    while True:
        path = f"{ledger}/{topic}/{d.isoformat()}/{n}.json"
        require(path in files, f"missing {path}")
        body = files[path]
        require(isinstance(body["hasMore"], bool) and isinstance(body["tryLater"], bool), f"{path}: flags")
        require(body["tryLater"] == (d == OPEN_DATE), f"{path}: tryLater")
        if body["hasMore"]:
            require(list(body) == ["cursor", "hasMore", "tryLater", "items"], f"{path}: keys {list(body)}")
            require(body["cursor"] == cursor_for_page(n + 1), f"{path}: cursor")
        else:
            require(list(body) == ["hasMore", "tryLater", "items"], f"{path}: keys {list(body)}")
        items.extend(body["items"])
        if not body["hasMore"]:
            require(f"{ledger}/{topic}/{d.isoformat()}/{n + 1}.json" not in files, f"{path}: extra page")
            return items, body["tryLater"], n
        n += 1


def check(files):
    ledgers = files["ledgers.json"]["items"] + files["ledgers-2.json"]["items"]
    require(files["ledgers.json"]["cursor"] != "" and files["ledgers-2.json"]["cursor"] == "", "ledger cursors")
    require([l["ledgerId"] for l in ledgers] == [NOK_ID, DKK_ID], "ledger ids")
    all_entries = {}
    for led in ledgers:
        ledger, cur = led["ledgerId"], led["currency"]
        handles = set(led["settlesForRecipientHandles"])
        require(handles == {u["recipientHandle"] for u in led["salesUnits"]}, "sales units")
        for topic in ("funds", "fees"):
            balance = START_BALANCE[(ledger, topic)]
            for d in DATES:
                entries, try_later, _ = read_date(files, ledger, topic, d)
                all_entries[(ledger, topic, d)] = entries
                for e in entries:
                    where = f"{ledger}/{topic}/{d} {e['entryType']} {e['pspReference']}"
                    keys = list(e)
                    require(keys[:10] == ENTRY_KEYS, f"{where}: keys {keys}")
                    gdpr_expected = (e["entryType"] in ("capture", "refund")
                                     and e["recipientHandle"][:3] in ("NO:", "DK:"))
                    require(keys[10:] == (GDPR_KEYS if gdpr_expected else []), f"{where}: GDPR keys")
                    require(e["currency"] == cur and e["ledgerDate"] == d.isoformat(), f"{where}: currency/date")
                    require(all(type(e[k]) is int for k in ("amount", "balanceBefore", "balanceAfter")),
                            f"{where}: integer amounts")
                    require(e["balanceBefore"] == balance, f"{where}: balanceBefore {e['balanceBefore']} != {balance}")
                    require(e["balanceAfter"] == e["balanceBefore"] + e["amount"], f"{where}: balanceAfter")
                    balance = e["balanceAfter"]
                    if e["entryType"] in ("fees-retained", "fees-invoiced", "payout-scheduled",
                                          "scheduled-for-payout", "payout-aborted", "top-up",
                                          "rolling-reserve-release"):
                        require(e["recipientHandle"] is None, f"{where}: recipientHandle must be null")
                    else:
                        require(e["recipientHandle"] in handles, f"{where}: recipientHandle")
                    sign = {"capture": 1, "refund": -1, "capture-fee": -1, "service-fee": -1,
                            "retained-disputed-capture": -1, "returned-disputed-capture": 1, "top-up": 1,
                            "payout-aborted": 1, "payout-scheduled": -1, "scheduled-for-payout": -1,
                            "fees-invoiced": 1, "credit-note": 1}.get(e["entryType"])
                    if sign is not None:
                        require(e["amount"] * sign > 0, f"{where}: sign")
                # Day closing.
                types = [e["entryType"] for e in entries]
                if d == OPEN_DATE:
                    require(try_later and entries, f"{ledger}/{topic}/{d}: open date with entries")
                    require(not {"fees-retained", "payout-scheduled", "fees-invoiced"} & set(types), "open closed?")
                elif topic == "funds" and ledger == NOK_ID:
                    require("fees-retained" in types, f"{ledger}/{d}: fees-retained")
                    if d == NOK_NEGATIVE_DATE:
                        require(types[-1] == "fees-retained" and balance < 0, f"{d}: negative day")
                    else:
                        name = "scheduled-for-payout" if d == NOK_OLD_PAYOUT_NAME_DATE else "payout-scheduled"
                        require(types[-1] == name and balance == 0, f"{ledger}/{d}: payout last")
                elif topic == "fees" and ledger == NOK_ID:
                    require(types[-1] == "fees-retained" and balance == 0, f"{ledger}/fees/{d}: closes at 0")
                elif topic == "funds" and ledger == DKK_ID:
                    require("fees-retained" not in types, "gross settlement has no fees-retained")
                    if entries:
                        require(types[-1] == "payout-scheduled" and balance == 0, f"{ledger}/{d}: payout last")
                elif topic == "fees" and ledger == DKK_ID:
                    require("fees-retained" not in types, "gross settlement has no fees-retained")
                    if d == DKK_FEES_INVOICED_DATE:
                        require(types[-1] == "fees-invoiced" and balance == 0, "fees-invoiced closes at 0")
                    else:
                        require(balance < 0, f"{ledger}/fees/{d}: fees accumulate")
                for e in entries:
                    if e["entryType"] in ("payout-scheduled", "scheduled-for-payout"):
                        require(e is entries[-1], f"{ledger}/{topic}/{d}: payout not last")

    # Fees-retained mirror and fees of the day.
    for d in DATES[:-1]:
        f = [e for e in all_entries[(NOK_ID, "funds", d)] if e["entryType"] == "fees-retained"]
        g = [e for e in all_entries[(NOK_ID, "fees", d)] if e["entryType"] == "fees-retained"]
        require(len(f) == len(g) == 1 and f[0]["amount"] == -g[0]["amount"]
                and f[0]["pspReference"] == g[0]["pspReference"] and f[0]["time"] == g[0]["time"], f"{d}: mirror")
        day_fees = sum(e["amount"] for e in all_entries[(NOK_ID, "fees", d)] if e["entryType"] != "fees-retained")
        require(g[0]["amount"] == -day_fees, f"{d}: fees-retained = fees of the day")
        require(f[0]["time"].endswith("T00:00:00.000000" + ("+0200" if d < date(2025, 10, 26) else "+0100")),
                f"{d}: closing time")

    # Captures, fees, refunds.
    captures = {}
    for (ledger, topic, d), entries in all_entries.items():
        for e in entries:
            if e["entryType"] == "capture":
                require(e["pspReference"] not in captures, f"duplicate capture psp {e['pspReference']}")
                require(e["pspReference"].isdigit() and 10 <= len(e["pspReference"]) <= 11, "psp format")
                captures[e["pspReference"]] = (ledger, d, e)
    fees_by_psp = {}
    for (ledger, topic, d), entries in all_entries.items():
        if topic != "fees":
            continue
        for e in entries:
            if e["entryType"] == "capture-fee":
                require(e["pspReference"] in captures, f"fee without capture {e['pspReference']}")
                fees_by_psp.setdefault(e["pspReference"], []).append((d, e))
    late = 0
    for psp, (ledger, d, c) in captures.items():
        fees = fees_by_psp.get(psp, [])
        require(fees, f"capture {psp} without fee")
        for fd, fe in fees:
            require(fe["reference"] == c["reference"] and fe["time"] == c["time"]
                    and fe["recipientHandle"] == c["recipientHandle"], f"fee {psp} fields")
            require(fd in (d, d + timedelta(days=1)), f"fee {psp} date")
            late += fd != d
    require(sum(len(v) >= 2 for v in fees_by_psp.values()) >= 1, "several fees for one capture")
    require(late >= 2, "late fees")
    for (ledger, topic, d), entries in all_entries.items():
        for e in entries:
            if e["entryType"] == "refund":
                require(e["pspReference"] not in captures and e["pspReference"].isdigit(), "refund psp")
                matches = [c for _, _, c in captures.values() if c["reference"] == e["reference"]]
                require(len(matches) == 1 and parse_time(matches[0]["time"]) < parse_time(e["time"])
                        and matches[0]["recipientHandle"] == e["recipientHandle"], f"refund {e['pspReference']}")

    # Volumes.
    for d in DATES[:-1]:
        n_nok = sum(e["entryType"] == "capture" for e in all_entries[(NOK_ID, "funds", d)])
        n_dkk = sum(e["entryType"] == "capture" for e in all_entries[(DKK_ID, "funds", d)])
        require(15 <= n_nok <= 40, f"NOK captures on {d}: {n_nok}")
        require(5 <= n_dkk <= 15 or (d.weekday() == 6 and n_dkk == 0), f"DKK captures on {d}: {n_dkk}")

    # Feature presence.
    def types_on(ledger, topic, d):
        return [e["entryType"] for e in all_entries[(ledger, topic, d)]]
    d = {x.isoformat(): x for x in DATES}
    require("payout-aborted" in types_on(NOK_ID, "funds", d["2025-10-22"]), "payout-aborted")
    for t, k in [("rolling-reserve-release", "2025-10-20"), ("correction", "2025-10-21"),
                 ("retained-disputed-capture", "2025-10-22"), ("returned-disputed-capture", "2025-10-25"),
                 ("top-up", "2025-10-26")]:
        require(t in types_on(NOK_ID, "funds", d[k]), t)
    for t, k in [("service-fee", "2025-10-21"), ("correction", "2025-10-23"), ("credit-note", "2025-10-24")]:
        require(t in types_on(NOK_ID, "fees", d[k]), t)
    def is_tricky(e):
        text = e["name"] + e["message"]
        return (e["message"][:1] in ("=", "+", "-", "@")
                or any(ch in text for ch in '"\n<&,\t')
                or any(ch in text for ch in "ÆØÅ"))
    tricky = [e for es in all_entries.values() for e in es if e["entryType"] == "capture" and "name" in e
              and is_tricky(e)]
    require(len(tricky) >= 8, "tricky strings")
    return all_entries


# ---------------------------------------------------------------------------------------------
# Output


def write(files, out):
    out = Path(out)
    if out.exists():
        if any(out.iterdir()) and not (out / "ledgers.json").exists():
            sys.exit(f"refusing to delete {out}: it does not look like a generated sample directory")
        shutil.rmtree(out)
    for rel, body in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def summary(files, all_entries):
    lines = ["| ledger | topic | date | pages | entries | tryLater |", "|---|---|---|--:|--:|---|"]
    totals = {}
    for ledger in (NOK_ID, DKK_ID):
        for topic in ("funds", "fees"):
            for d in DATES:
                npages = sum(1 for k in files if k.startswith(f"{ledger}/{topic}/{d.isoformat()}/"))
                n = len(all_entries[(ledger, topic, d)])
                totals[(ledger, topic)] = totals.get((ledger, topic), 0) + n
                lines.append(f"| {ledger} | {topic} | {d} | {npages} | {n} | {str(d == OPEN_DATE).lower()} |")
    lines += ["", "| ledger | topic | entries | first balanceBefore | last closed balanceAfter (2025-10-26) |"
              " balanceAfter on 2025-10-27 so far |", "|---|---|--:|--:|--:|--:|"]
    for (ledger, topic), n in totals.items():
        closed = [e for d in DATES[:-1] for e in all_entries[(ledger, topic, d)]]
        first = closed[0]["balanceBefore"]
        last_open = all_entries[(ledger, topic, OPEN_DATE)]
        lines.append(f"| {ledger} | {topic} | {n} | {first} | {closed[-1]['balanceAfter']} | "
                     f"{last_open[-1]['balanceAfter'] if last_open else '–'} |")
    lines.append("")
    lines.append(f"{len(files)} files, {sum(totals.values())} entries")
    return "\n".join(lines)


def main(argv):
    repo = Path(__file__).resolve().parent.parent
    if len(argv) > 2 or (len(argv) == 2 and argv[1] in ("-h", "--help")):
        print(__doc__)
        return 0 if len(argv) == 2 else 2
    out = Path(argv[1]) if len(argv) == 2 else repo / "samples" / "recorded"
    gen = Generator()
    gen.generate()
    files = build_files(gen)
    try:
        all_entries = check(files)
    except CheckError as err:
        print(f"generate-samples: check failed: {err}", file=sys.stderr)
        return 1
    write(files, out)
    print(summary(files, all_entries))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
