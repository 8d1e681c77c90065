"""A certificate requirement from a regulation table: "IELTS 6.5, every band at least 6.0".

Shared by the language threshold tables (appendix 1) and the course duration tables
(appendix 7). In the TOML data a requirement is an inline table::

    { test = "IELTS", min = "6.5", each_band_min = "6.0", writing_min = "6.5" }
    { test = "TOEFL_ITP", min = "417", max = "456" }   # a score band (appendix 7)
    { test = "GOETHE", min = "B1", max = "B1" }          # a level (level-based tests)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.language_tests import LanguageTest, label_of, score_of
from domain.qualifications import LanguageCertificate


@dataclass(frozen=True)
class CertificateRequirement:
    test: LanguageTest
    min: Decimal
    max: Decimal | None = None
    each_band_min: Decimal | None = None
    writing_min: Decimal | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> CertificateRequirement:
        unknown = set(raw) - {"test", "min", "max", "each_band_min", "writing_min"}
        if unknown:
            raise ValueError(f"unknown keys in certificate requirement: {sorted(unknown)}")
        test = LanguageTest(raw["test"])
        return cls(
            test=test,
            min=score_of(test, raw["min"]),
            max=score_of(test, raw["max"]) if "max" in raw else None,
            each_band_min=_band(raw.get("each_band_min")),
            writing_min=_band(raw.get("writing_min")),
        )

    def met_by(self, certificate: LanguageCertificate) -> bool:
        if certificate.test is not self.test or certificate.score < self.min:
            return False
        if self.max is not None and certificate.score > self.max:
            return False
        return self._bands_met(certificate)

    def _bands_met(self, certificate: LanguageCertificate) -> bool:
        if self.each_band_min is None and self.writing_min is None:
            return True
        bands = certificate.bands
        if bands is None:
            return False
        if self.each_band_min is not None and bands.lowest() < self.each_band_min:
            return False
        return self.writing_min is None or bands.writing >= self.writing_min

    def describe(self) -> str:
        text = f"{self.test.value} {label_of(self.test, self.min)}"
        if self.max is not None and self.max != self.min:
            text += f"-{label_of(self.test, self.max)}"
        if self.each_band_min is not None:
            text += f" (every band >= {self.each_band_min})"
        if self.writing_min is not None:
            text += f" (writing >= {self.writing_min})"
        return text


def parse_requirements(raw: Iterable[dict[str, Any]]) -> tuple[CertificateRequirement, ...]:
    return tuple(CertificateRequirement.parse(r) for r in raw)


def first_met(
    requirements: Sequence[CertificateRequirement],
    certificates: Sequence[LanguageCertificate],
) -> LanguageCertificate | None:
    """The first certificate that meets any one of the alternatives, or None."""
    for certificate in certificates:
        if any(r.met_by(certificate) for r in requirements):
            return certificate
    return None


def describe_any(requirements: Sequence[CertificateRequirement]) -> str:
    return " or ".join(r.describe() for r in requirements)


def _band(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))
