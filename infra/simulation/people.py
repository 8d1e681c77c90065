"""Synthetic applicants: invented names, valid-checksum IINs, no real people."""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain.iin import make_iin
from domain.submission import ApplicantIdentity

FIRST_NAMES_F = (
    "Aigerim",
    "Dana",
    "Zhanel",
    "Madina",
    "Saule",
    "Asel",
    "Kamila",
    "Tomiris",
    "Aruzhan",
    "Dilnaz",
    "Gulnara",
    "Inkar",
    "Laura",
    "Moldir",
    "Nazym",
    "Ulbala",
)
FIRST_NAMES_M = (
    "Arman",
    "Dauren",
    "Yerlan",
    "Nurlan",
    "Askar",
    "Timur",
    "Bauyrzhan",
    "Olzhas",
    "Sanzhar",
    "Ruslan",
    "Daniyar",
    "Marat",
    "Alibek",
    "Yernar",
    "Zhandos",
    "Adil",
)
SURNAME_ROOTS = (
    "Temir",
    "Zhaksy",
    "Kara",
    "Ak",
    "Bek",
    "Nur",
    "Sary",
    "Alty",
    "Kok",
    "Zhan",
    "Tas",
    "Esen",
    "Orda",
    "Kum",
    "Bayan",
    "Tau",
)
SURNAME_TAILS = ("bekov", "tayev", "zhanov", "baiev", "galiyev", "muratov", "kulov", "sarin")


def synthetic_applicant(rng: random.Random) -> ApplicantIdentity:
    female = rng.random() < 0.5
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    surname = rng.choice(SURNAME_ROOTS) + rng.choice(SURNAME_TAILS)
    if female:
        surname += "a"
    born = date(1984, 1, 1) + timedelta(days=rng.randrange(0, 365 * 17))
    iin = None
    while iin is None:
        iin = make_iin(born, female=female, serial=rng.randrange(0, 10_000))
    handle = f"{first}.{surname}{rng.randrange(10, 99)}".lower()
    return ApplicantIdentity(
        full_name=f"{surname} {first}",
        iin=iin,
        birth_date=born,
        email=f"{handle}@example.kz",
        phone=f"+7701{rng.randrange(0, 10_000_000):07d}",
    )
