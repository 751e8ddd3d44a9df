"""Country codes for grid zones: every country zone is stored as its ISO 3166-1 alpha-2 code.

Datasets name countries by alpha-3 code (Ember, OWID, co2.js), alpha-2 code (Electricity Maps,
Green Algorithms) or English name (IFI). The ``iso3166`` package provides the code table; the
names below are the spellings seen in those datasets that differ from its names.
"""

from __future__ import annotations

import re

import iso3166

_NAME_ALIASES = {
    "UNITED STATES": "US", "USA": "US", "UNITED KINGDOM": "GB", "UK": "GB", "RUSSIA": "RU",
    "SOUTH KOREA": "KR", "KOREA": "KR", "KOREA, REPUBLIC OF": "KR", "REPUBLIC OF KOREA": "KR",
    "NORTH KOREA": "KP", "TAIWAN": "TW", "TAIWAN (CHINA)": "TW", "VIETNAM": "VN", "VIET NAM": "VN", "IRAN": "IR",
    "SYRIA": "SY", "LAOS": "LA", "BOLIVIA": "BO", "VENEZUELA": "VE", "TANZANIA": "TZ", "MOLDOVA": "MD",
    "CZECH REPUBLIC": "CZ", "CZECHIA": "CZ", "TURKEY": "TR", "TURKIYE": "TR", "IVORY COAST": "CI",
    "COTE D'IVOIRE": "CI", "CÔTE D'IVOIRE": "CI", "DEMOCRATIC REPUBLIC OF THE CONGO": "CD", "DR CONGO": "CD",
    "CONGO, DEM. REP.": "CD", "CONGO": "CG", "REPUBLIC OF THE CONGO": "CG", "BRUNEI": "BN",
    "CAPE VERDE": "CV", "SWAZILAND": "SZ", "ESWATINI": "SZ", "MACEDONIA": "MK", "NORTH MACEDONIA": "MK",
    "MICRONESIA": "FM", "PALESTINE": "PS", "HONG KONG": "HK", "MACAO": "MO", "MACAU": "MO", "KOSOVO": "XK",
    "THE GAMBIA": "GM", "GAMBIA": "GM", "THE BAHAMAS": "BS", "BAHAMAS": "BS", "BURMA": "MM", "MYANMAR": "MM",
    "EAST TIMOR": "TL", "TIMOR-LESTE": "TL", "VATICAN": "VA", "ST. LUCIA": "LC", "SAINT LUCIA": "LC",
    "ST. KITTS AND NEVIS": "KN", "SAINT KITTS AND NEVIS": "KN", "ST. VINCENT AND THE GRENADINES": "VC",
    "SAINT VINCENT AND THE GRENADINES": "VC", "FALKLAND ISLANDS": "FK", "VIRGIN ISLANDS (U.S.)": "VI",
    "VIRGIN ISLANDS (BRITISH)": "VG", "BRITISH VIRGIN ISLANDS": "VG", "US VIRGIN ISLANDS": "VI",
    "REUNION": "RE", "RÉUNION": "RE", "CURACAO": "CW", "CURAÇAO": "CW", "SAO TOME AND PRINCIPE": "ST",
    "ANTIGUA & BARBUDA": "AG", "TRINIDAD & TOBAGO": "TT", "BOSNIA & HERZEGOVINA": "BA",
    "KOREA (SOUTH), REPUBLIC OF": "KR", "KOREA (NORTH), DEMOCRATIC PEOPLE'S REPUBLIC OF": "KP",
    "SLOVAK REPUBLIC": "SK", "SAINT VINCENT AND GRENADINES": "VC", "SAO TOMÉ & PRINCIPE": "ST",
    "SAO TOME & PRINCIPE": "ST", "VANATU": "VU", "NAURU": "NR", "PALESTINIAN AUTHORITY": "PS",
    "SAINT HELENA (U.K.)": "SH", "SAINT MARTIN (FRANCE)": "MF", "SINT MARTIN (NETHERLANDS)": "SX",
    "BONAIRE (NETHERLAND)": "BQ", "CURACAO/NETHERLANDS ANTILLES": "CW",
}


def iso2_from_iso3(code: str) -> str | None:
    """Return the alpha-2 code of an alpha-3 code, None when it is not a country code."""
    country = iso3166.countries_by_alpha3.get(code.strip().upper())
    return country.alpha2 if country else None


def iso2_from_code(code: str) -> str | None:
    """Return the alpha-2 code of an alpha-2 or alpha-3 country code, else None."""
    text = code.strip().upper()
    if len(text) == 2 and text in iso3166.countries_by_alpha2:
        return text
    if len(text) == 3:
        return iso2_from_iso3(text)
    return None


def iso2_from_name(name: str) -> str | None:
    """Return the alpha-2 code of an English country name, or None when it is not recognized."""
    text = re.sub(r"\s+", " ", name.strip()).upper()
    if not text:
        return None
    for candidate in (text, re.sub(r"\s*\(.*\)$", "", text), text.split(",")[0].strip()):
        if candidate in _NAME_ALIASES:
            return _NAME_ALIASES[candidate]
        country = iso3166.countries_by_name.get(candidate) or iso3166.countries_by_apolitical_name.get(candidate)
        if country:
            return country.alpha2
    return None
