"""Programmes, quota categories and study directions of the Bolashak scholarship.

Glossary (seeds 000, 001, 002): master's = магистратура / магистратура; residency =
резидентура; doctorate = докторантура; internship = стажировка / тағылымдама.
"""

from __future__ import annotations

from enum import Enum


class Programme(Enum):
    MASTERS = "masters"
    RESIDENCY = "residency"
    DOCTORATE = "doctorate"
    INTERNSHIP = "internship"


class Category(Enum):
    """Competition categories (001 quota categories and internship categories; Order 318)."""

    GENERAL = "general"  # общий конкурс
    RURAL = "rural"  # претенденты из сельского населенного пункта
    ENGINEERING_TECHNICAL = "engineering_technical"  # инженерно-технические работники
    MEDICAL = "medical"  # медицинские работники
    SELF_ADMITTED_MASTERS = "self_admitted_masters"  # самостоятельно поступившие в магистратуру
    SELF_ADMITTED_DOCTORATE_RESIDENCY = "self_admitted_doctorate_residency"
    CIVIL_SERVANT = "civil_servant"  # государственные служащие
    SCIENTIFIC_PEDAGOGICAL = "scientific_pedagogical"  # научно-педагогические работники
    CULTURE_CREATIVE = "culture_creative"  # работники культуры / творческой сферы
    MASS_MEDIA = "mass_media"  # сотрудники СМИ
    TEACHER = "teacher"  # педагоги организаций среднего, ТиПО
    CULTURE_TOURISM_SPORT = "culture_tourism_sport"  # работники культуры, туризма и спорта
    AGRO_INDUSTRIAL = "agro_industrial"  # работники сферы АПК


class StudyDirection(Enum):
    """Direction of a specialty (002 appendix 1, footnote *)."""

    TECHNICAL = "technical"  # technical sciences, natural sciences, agricultural sciences
    HUMANITARIAN = "humanitarian"  # social sciences, economics, humanities, arts
    MEDICAL = "medical"  # healthcare and medical sciences


class StudyLanguage(Enum):
    """Language of study abroad (ISO 639-1 codes)."""

    ENGLISH = "en"
    GERMAN = "de"
    FRENCH = "fr"
    ITALIAN = "it"
    CHINESE = "zh"
    DUTCH = "nl"
    NORWEGIAN = "no"
    FINNISH = "fi"
    KOREAN = "ko"
    JAPANESE = "ja"
    RUSSIAN = "ru"
    SPANISH = "es"
    CZECH = "cs"
    POLISH = "pl"
    SWEDISH = "sv"
    HUNGARIAN = "hu"
    TURKISH = "tr"
