#!/usr/bin/env python3
"""Generates the bundled sample region: a fictional King County, WA catalog as HSDS 3.1 JSON.

King County is where LEAD (Law Enforcement Assisted Diversion) began, so the demo places its
sample directory there. Every organization, service, address, phone number and capacity report
in the output is invented: the names are made up, street numbers are arbitrary, phones are in the
555-01xx range reserved for fiction, emails and URLs are on example.org. Only the neighbourhoods,
street names, ZIP codes and rough coordinates are real, so that distances, postcode look-ups and
maps behave like a real county.

The output is deterministic: no clock, no unseeded randomness. Ids are uuid5 of stable names;
coordinates are spread around each neighbourhood by a hash of the site's name. Capacity reports are
dated relative to a fixed reference time (REFERENCE_TIME, 2026-11-22 18:00 Pacific), two hours before
the `at` the scenarios use; a match run at the real "now" would find every report stale, so demos
pass `at` near that time (see data/sample/README.md).

usage: make_sample_region.py [--out PATH] [--check]
  --out PATH  where to write (default data/sample/king-county.json)
  --check     exit 1 if the file at --out differs from what would be generated
Stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pathlib
import re
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "data" / "sample" / "king-county.json"

# Ids of everything in the sample region are uuid5 in this namespace.
SAMPLE_NS = uuid.UUID("0c4f5d8e-7a21-5b3c-9e64-1d2f3a4b5c6d")
# Taxonomies and terms of the diversion profile use the namespace and naming of the shared scenario
# worlds (/work/shared/tools/world.py), so the sample region and the scenarios name the same term by
# the same id and loading both never duplicates the vocabulary.
PROFILE_NS = uuid.UUID("6f1c2a9e-3b7d-4c55-9a51-2f0b8d7c1e42")

PACIFIC_STANDARD = timezone(timedelta(hours=-8))
# Capacity reports are dated this many hours before this instant (see the module docstring).
REFERENCE_TIME = datetime(2026, 11, 22, 18, 0, tzinfo=PACIFIC_STANDARD)
# The program that has bought reserved units in the sample region (a LEAD program in King County).
PROGRAM = "lead-kc"

SAMPLE_NOTE = "Sample data: a fictional listing invented for the divert demo, not a real provider."

NEED_NAMES = {
    "shelter": "Emergency shelter",
    "housing": "Housing",
    "withdrawal_management": "Withdrawal management",
    "moud": "Medications for opioid use disorder",
    "sud_treatment": "Substance use treatment",
    "mental_health": "Mental health care",
    "crisis": "Crisis care",
    "harm_reduction": "Harm reduction",
    "health_care": "Health care",
    "food": "Food",
    "clothing": "Clothing",
    "legal": "Legal help",
    "id_documents": "Identity documents",
    "benefits": "Public benefits",
    "employment": "Employment",
    "education": "Education",
    "transportation": "Transportation",
    "peer_support": "Peer support",
    "case_management": "Case management",
}
ELIGIBILITY_NAMES = {
    "sobriety_required": "Sobriety required",
    "excludes_moud": "Does not admit people on MOUD",
    "excludes_sex_work": "Does not admit people engaged in sex work",
    "id_required": "Photo ID required",
    "excludes_criminal_record": "Does not admit people with a criminal record",
    "genders": "Genders served",
    "no_pets": "No pets",
    "insurance": "Insurance accepted",
    "housing_first": "Housing First",
    "low_barrier": "Low barrier",
    "walk_in": "Walk-ins welcome",
    "peer_staffed": "Peer staffed",
    "religious_participation_required": "Religious participation required",
}
INTERCEPT_NAMES = {
    0: "Community services and crisis",
    1: "Law enforcement",
    2: "Initial detention and first court appearance",
    3: "Jails and courts",
    4: "Reentry",
    5: "Community corrections",
}
PATHWAY_NAMES = {
    "self_referral": "Self-referral",
    "active_outreach": "Active outreach",
    "naloxone_plus": "Naloxone plus",
    "officer_prevention": "Officer prevention",
    "officer_intervention": "Officer intervention",
}
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "so": "Somali",
    "zh": "Chinese",
    "am": "Amharic",
    "ru": "Russian",
    "ko": "Korean",
    "tl": "Tagalog",
}
UNIT_NAMES = {
    "bed": "Bed",
    "slot": "Slot",
    "appointment": "Appointment",
    "apartment": "Apartment",
    "parking_space": "Parking space",
}
ALL_DAYS = "MO,TU,WE,TH,FR,SA,SU"
WEEKDAYS = "MO,TU,WE,TH,FR"


# ---------------------------------------------------------------------------------------------
# Places: real neighbourhoods and cities of King County, with their ZIP, phone area code, a point on
# land near their centre, how far sites may spread from it (km; small where water is near) and real
# street names for the invented street numbers.


@dataclass(frozen=True)
class Place:
    city: str
    postal_code: str
    area_code: str
    lat: float
    lon: float
    spread_km: float
    streets: tuple[str, ...]


PLACES: dict[str, Place] = {
    "pioneer_square": Place(
        "Seattle",
        "98104",
        "206",
        47.6010,
        -122.3305,
        0.25,
        ("2nd Ave S", "S Main St", "S Washington St", "Occidental Ave S", "3rd Ave S", "Yesler Way"),
    ),
    "downtown": Place(
        "Seattle", "98101", "206", 47.6085, -122.3345, 0.25, ("3rd Ave", "Pike St", "Pine St", "4th Ave", "Union St")
    ),
    "belltown": Place(
        "Seattle",
        "98121",
        "206",
        47.6150,
        -122.3435,
        0.25,
        ("2nd Ave", "Blanchard St", "Bell St", "Wall St", "3rd Ave"),
    ),
    "chinatown_id": Place(
        "Seattle",
        "98104",
        "206",
        47.5985,
        -122.3240,
        0.25,
        ("S King St", "S Jackson St", "S Weller St", "Maynard Ave S", "8th Ave S"),
    ),
    "capitol_hill": Place(
        "Seattle",
        "98122",
        "206",
        47.6145,
        -122.3175,
        0.35,
        ("E Pine St", "E Pike St", "Broadway", "12th Ave", "E Madison St"),
    ),
    "central_district": Place(
        "Seattle", "98122", "206", 47.6065, -122.3010, 0.4, ("E Union St", "23rd Ave", "E Cherry St", "E Jefferson St")
    ),
    "sodo": Place(
        "Seattle",
        "98134",
        "206",
        47.5790,
        -122.3330,
        0.3,
        ("1st Ave S", "4th Ave S", "S Lander St", "Airport Way S", "6th Ave S"),
    ),
    "beacon_hill": Place(
        "Seattle", "98108", "206", 47.5640, -122.3115, 0.35, ("Beacon Ave S", "15th Ave S", "S Columbian Way")
    ),
    "columbia_city": Place(
        "Seattle",
        "98118",
        "206",
        47.5595,
        -122.2855,
        0.35,
        ("Rainier Ave S", "S Edmunds St", "37th Ave S", "S Alaska St"),
    ),
    "othello": Place(
        "Seattle",
        "98118",
        "206",
        47.5380,
        -122.2810,
        0.35,
        ("Martin Luther King Jr Way S", "S Othello St", "S Myrtle St"),
    ),
    "rainier_beach": Place(
        "Seattle", "98118", "206", 47.5225, -122.2725, 0.2, ("Rainier Ave S", "S Henderson St", "S Cloverdale St")
    ),
    "ballard": Place(
        "Seattle",
        "98107",
        "206",
        47.6690,
        -122.3830,
        0.2,
        ("NW Market St", "15th Ave NW", "Leary Ave NW", "24th Ave NW", "NW 56th St"),
    ),
    "u_district": Place(
        "Seattle",
        "98105",
        "206",
        47.6612,
        -122.3135,
        0.3,
        ("University Way NE", "NE 45th St", "Roosevelt Way NE", "NE 50th St"),
    ),
    "lake_city": Place(
        "Seattle",
        "98125",
        "206",
        47.7195,
        -122.2960,
        0.35,
        ("Lake City Way NE", "NE 125th St", "30th Ave NE", "NE 130th St"),
    ),
    "northgate": Place(
        "Seattle", "98125", "206", 47.7065, -122.3245, 0.35, ("NE Northgate Way", "5th Ave NE", "NE 103rd St")
    ),
    "aurora": Place(
        "Seattle",
        "98133",
        "206",
        47.7150,
        -122.3445,
        0.35,
        ("Aurora Ave N", "N 130th St", "Linden Ave N", "N 115th St"),
    ),
    "delridge": Place(
        "Seattle", "98106", "206", 47.5480, -122.3620, 0.35, ("Delridge Way SW", "SW Orchard St", "SW Holden St")
    ),
    "white_center": Place(
        "Seattle",
        "98146",
        "206",
        47.5170,
        -122.3550,
        0.35,
        ("16th Ave SW", "SW Roxbury St", "SW 98th St", "15th Ave SW"),
    ),
    "burien": Place(
        "Burien",
        "98166",
        "206",
        47.4695,
        -122.3440,
        0.3,
        ("SW 152nd St", "Ambaum Blvd SW", "SW 150th St", "4th Ave SW"),
    ),
    "tukwila": Place(
        "Tukwila", "98168", "206", 47.4880, -122.2890, 0.35, ("Tukwila International Blvd", "S 144th St", "S 140th St")
    ),
    "seatac": Place(
        "SeaTac", "98188", "206", 47.4450, -122.2960, 0.35, ("International Blvd", "S 176th St", "S 188th St")
    ),
    "des_moines": Place(
        "Des Moines", "98198", "206", 47.4020, -122.3180, 0.2, ("Marine View Dr S", "S 216th St", "Pacific Hwy S")
    ),
    "renton": Place(
        "Renton",
        "98057",
        "425",
        47.4810,
        -122.2070,
        0.35,
        ("S 3rd St", "Logan Ave S", "Wells Ave S", "S 2nd St", "Burnett Ave S"),
    ),
    "kent": Place(
        "Kent",
        "98032",
        "253",
        47.3820,
        -122.2350,
        0.4,
        ("W Meeker St", "Central Ave N", "S 4th Ave", "W Gowe St", "E Smith St"),
    ),
    "auburn": Place(
        "Auburn", "98002", "253", 47.3065, -122.2290, 0.4, ("Auburn Way S", "E Main St", "A St SE", "Auburn Way N")
    ),
    "federal_way": Place(
        "Federal Way",
        "98003",
        "253",
        47.3140,
        -122.3120,
        0.4,
        ("Pacific Hwy S", "S 320th St", "S 316th St", "20th Ave S"),
    ),
    "bellevue": Place(
        "Bellevue",
        "98004",
        "425",
        47.6150,
        -122.1960,
        0.3,
        ("NE 8th St", "Bellevue Way NE", "110th Ave NE", "NE 4th St", "108th Ave NE"),
    ),
    "crossroads": Place(
        "Bellevue", "98008", "425", 47.6180, -122.1330, 0.35, ("156th Ave NE", "NE 8th St", "NE 10th St")
    ),
    "redmond": Place(
        "Redmond",
        "98052",
        "425",
        47.6735,
        -122.1210,
        0.35,
        ("Redmond Way", "Cleveland St", "NE 85th St", "164th Ave NE", "Leary Way NE"),
    ),
    "kirkland": Place(
        "Kirkland", "98033", "425", 47.6790, -122.1990, 0.2, ("Central Way", "Kirkland Ave", "6th St", "State St")
    ),
    "totem_lake": Place(
        "Kirkland",
        "98034",
        "425",
        47.7120,
        -122.1800,
        0.35,
        ("NE 124th St", "120th Ave NE", "NE 128th St", "Totem Lake Blvd"),
    ),
    "shoreline": Place(
        "Shoreline",
        "98133",
        "206",
        47.7560,
        -122.3440,
        0.35,
        ("Aurora Ave N", "N 185th St", "N 175th St", "Midvale Ave N"),
    ),
    "issaquah": Place(
        "Issaquah",
        "98027",
        "425",
        47.5305,
        -122.0340,
        0.35,
        ("Front St N", "NW Gilman Blvd", "E Sunset Way", "NW Dogwood St"),
    ),
    "north_bend": Place(
        "North Bend",
        "98045",
        "425",
        47.4955,
        -121.7860,
        0.35,
        ("North Bend Way", "Ballarat Ave N", "Bendigo Blvd N", "E Park St"),
    ),
    "vashon": Place("Vashon", "98070", "206", 47.4475, -122.4600, 0.3, ("Vashon Hwy SW", "SW Bank Rd", "SW 178th St")),
    "enumclaw": Place(
        "Enumclaw", "98022", "360", 47.2040, -121.9900, 0.4, ("Griffin Ave", "Cole St", "Roosevelt Ave E")
    ),
}

# Service areas of mobile and outreach teams: GeoJSON polygons (lon, lat; exterior ring
# counter-clockwise, closed) drawn roughly around real neighbourhoods.
SERVICE_AREAS: dict[str, tuple[str, list[tuple[float, float]]]] = {
    "downtown_core": (
        "Downtown Seattle, Pioneer Square, Chinatown-International District and north SODO",
        [(-122.350, 47.575), (-122.316, 47.575), (-122.316, 47.622), (-122.350, 47.622)],
    ),
    "central_seattle": (
        "Downtown, Capitol Hill, Central District and First Hill",
        [(-122.350, 47.590), (-122.290, 47.590), (-122.290, 47.635), (-122.350, 47.635)],
    ),
    "ballard_fremont": (
        "Ballard, Fremont and Wallingford",
        [(-122.405, 47.655), (-122.330, 47.655), (-122.330, 47.690), (-122.405, 47.690)],
    ),
    "aurora_corridor": (
        "Aurora Avenue N from N 85th St to the Snohomish County line",
        [(-122.356, 47.690), (-122.332, 47.690), (-122.332, 47.777), (-122.356, 47.777)],
    ),
    "south_king": (
        "South King County: Kent, Auburn, Federal Way, Des Moines and SeaTac",
        [(-122.345, 47.280), (-122.180, 47.280), (-122.180, 47.460), (-122.345, 47.460)],
    ),
}

# ---------------------------------------------------------------------------------------------
# The compact description of a service and its organization.


@dataclass
class Pool:
    name: str
    unit: str
    available: int
    maximum: int
    hours_ago: float
    waitlist: int = 0
    reserved_for: tuple[str, ...] = ()
    site: str | None = None  # for services at several sites: the site key the units are at


@dataclass
class Site:
    key: str
    name: str
    place: str


@dataclass
class Spec:
    name: str
    needs: list[str]
    summary: str
    elig: dict[str, str] = field(default_factory=dict)
    info: list[str] = field(default_factory=list)
    intercepts: list[int] = field(default_factory=lambda: [0])
    languages: list[str] = field(default_factory=lambda: ["en"])
    ages: tuple[int | None, int | None] = (None, None)
    hours: list[dict[str, Any]] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    area: str | None = None
    status: str = "active"
    assured: bool = True
    sites: list[Site] = field(default_factory=list)  # empty: the organization's main site
    own_phone: bool = False  # a direct line (crisis lines) instead of the organization's number
    pathways: list[str] | None = None  # deflection pathways; None: read from the rest (see `pathways_of`)


@dataclass
class Org:
    key: str
    name: str
    place: str
    site_name: str
    summary: str
    services: list[Spec]


def weekly(days: str, opens: str, closes: str, description: str | None = None) -> dict[str, Any]:
    return {"freq": "WEEKLY", "byday": days, "opens_at": opens, "closes_at": closes, "description": description}


def monthly(byday: str, opens: str, closes: str, description: str) -> dict[str, Any]:
    return {"freq": "MONTHLY", "byday": byday, "opens_at": opens, "closes_at": closes, "description": description}


def seasonal(days: str, opens: str, closes: str, valid_from: str, valid_to: str, description: str) -> dict[str, Any]:
    return {
        "freq": "WEEKLY",
        "byday": days,
        "opens_at": opens,
        "closes_at": closes,
        "description": description,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


H24 = [weekly(ALL_DAYS, "00:00", "23:59", "Open 24 hours, 7 days a week.")]
# Overnight openings close the next morning; an opening belongs to the day it starts on.
OVERNIGHT = [weekly(ALL_DAYS, "19:00", "07:00", "Nightly, doors open 19:00, everyone out by 07:00.")]
OFFICE = [weekly(WEEKDAYS, "09:00", "17:00", "Weekdays 9 to 5.")]


def overnight(opens: str, closes: str) -> list[dict[str, Any]]:
    return [weekly(ALL_DAYS, opens, closes, f"Nightly from {opens} to {closes} the next morning.")]


def weekdays(opens: str, closes: str) -> list[dict[str, Any]]:
    return [weekly(WEEKDAYS, opens, closes, f"Monday to Friday {opens}-{closes}.")]


def beds(
    available: int,
    maximum: int,
    hours_ago: float,
    waitlist: int = 0,
    name: str = "Public beds",
    site: str | None = None,
) -> Pool:
    return Pool(name, "bed", available, maximum, hours_ago, waitlist, (), site)


def program_beds(
    available: int, maximum: int, hours_ago: float, name: str = "LEAD King County beds", site: str | None = None
) -> Pool:
    return Pool(name, "bed", available, maximum, hours_ago, 0, (PROGRAM,), site)


def appointments(
    available: int,
    maximum: int,
    hours_ago: float,
    waitlist: int = 0,
    name: str = "Intake appointments",
    reserved: tuple[str, ...] = (),
) -> Pool:
    return Pool(name, "appointment", available, maximum, hours_ago, waitlist, reserved)


def slots(
    available: int,
    maximum: int,
    hours_ago: float,
    waitlist: int = 0,
    name: str = "Openings",
    reserved: tuple[str, ...] = (),
) -> Pool:
    return Pool(name, "slot", available, maximum, hours_ago, waitlist, reserved)


LOW = ["low_barrier", "walk_in"]

# ---------------------------------------------------------------------------------------------
# The catalog. Hours, eligibility and capacity are chosen so that the demo shows every situation a
# case manager meets: open beds, program-reserved beds, beds owed to a wait list, stale reports,
# untracked services, overnight and monthly hours, mobile teams and services that would exclude.

ORGS: list[Org] = [
    # --- Seattle: Pioneer Square, downtown, Belltown, Chinatown-International District -------
    Org(
        "occidental",
        "Occidental Street Shelter Society",
        "pioneer_square",
        "Occidental Street Building",
        "Shelter, day services and medical respite for adults experiencing homelessness in Pioneer Square.",
        [
            Spec(
                "Occidental Night Shelter",
                ["shelter"],
                "Low-barrier overnight shelter for adults; couples and people who use drugs welcome.",
                info=LOW,
                intercepts=[0, 1],
                languages=["en", "es"],
                ages=(18, None),
                hours=OVERNIGHT,
                pools=[beds(5, 80, 1.0), program_beds(2, 4, 0.5)],
            ),
            Spec(
                "Occidental Day Center",
                ["food", "clothing", "case_management", "peer_support"],
                "Drop-in day center with breakfast, showers, clothing and case managers on site.",
                info=LOW + ["peer_staffed"],
                languages=["en", "es", "am"],
                hours=[weekly(WEEKDAYS, "07:00", "15:00"), weekly("SA", "09:00", "13:00")],
            ),
            Spec(
                "Occidental Medical Respite",
                ["shelter", "health_care"],
                "Recuperative care beds for people leaving hospital with nowhere safe to heal.",
                intercepts=[0, 4],
                languages=["en", "es"],
                ages=(18, None),
                hours=H24,
                pools=[beds(1, 20, 2.0, waitlist=3)],
            ),
        ],
    ),
    Org(
        "tideflats",
        "Tideflats Women's Shelter",
        "pioneer_square",
        "Tideflats House",
        "Shelter and advocacy by and for women and nonbinary adults.",
        [
            Spec(
                "Tideflats Women's Night Shelter",
                ["shelter"],
                "Enhanced shelter for women and nonbinary adults; storage, showers and meals.",
                elig={"genders": "female,nonbinary", "no_pets": "true"},
                info=["low_barrier"],
                languages=["en", "es", "vi"],
                ages=(18, None),
                hours=H24,
                pools=[beds(3, 40, 2.0)],
            ),
            Spec(
                "Tideflats Advocacy Desk",
                ["case_management", "legal", "benefits"],
                "Advocates help with protection orders, benefits and housing applications.",
                elig={"genders": "female,nonbinary"},
                languages=["en", "es"],
                hours=weekdays("10:00", "16:00"),
            ),
        ],
    ),
    Org(
        "third_ave",
        "Third Avenue Gospel Mission",
        "pioneer_square",
        "Third Avenue Mission Hall",
        "A faith-based mission offering shelter, meals and a residential recovery program.",
        [
            Spec(
                "Third Avenue Mission Men's Shelter",
                ["shelter", "food"],
                "Overnight shelter for men with dinner and breakfast; chapel service before lights out.",
                elig={"sobriety_required": "true", "genders": "male"},
                info=["religious_participation_required"],
                ages=(18, None),
                hours=overnight("18:00", "07:00"),
                pools=[beds(22, 150, 1.0)],
            ),
            Spec(
                "Third Avenue Mission Recovery Program",
                ["sud_treatment", "housing"],
                "Twelve-month residential, faith-based recovery program with work therapy.",
                elig={
                    "sobriety_required": "true",
                    "excludes_moud": "true",
                    "excludes_sex_work": "true",
                    "genders": "male",
                },
                info=["religious_participation_required"],
                ages=(18, None),
                hours=H24,
                pools=[beds(2, 30, 3.0, waitlist=6)],
            ),
            Spec(
                "Third Avenue Mission Hot Meals",
                ["food"],
                "Breakfast and dinner served to anyone who walks in; no questions asked.",
                info=["walk_in"],
                hours=[weekly(ALL_DAYS, "06:30", "08:00"), weekly(ALL_DAYS, "17:00", "18:30")],
            ),
        ],
    ),
    Org(
        "ps_legal",
        "Pioneer Square Legal Aid Collective",
        "pioneer_square",
        "Washington Street Law Office",
        "Free civil and criminal legal help for people with low incomes.",
        [
            Spec(
                "Warrant and Fines Clinic",
                ["legal"],
                "Walk-in help quashing warrants, reducing court fines and restoring licences.",
                info=["walk_in"],
                intercepts=[2, 3],
                languages=["en", "es"],
                hours=[weekly("TU,TH", "13:00", "16:00")],
            ),
            Spec(
                "Public Defense Navigators",
                ["legal", "case_management"],
                "Navigators work beside public defenders so clients keep court dates and get services.",
                intercepts=[2, 3],
                hours=weekdays("08:30", "17:00"),
            ),
            Spec(
                "Record Relief Night",
                ["legal", "employment"],
                "Monthly evening clinic to vacate old convictions and seal juvenile records.",
                intercepts=[4, 5],
                languages=["en", "es", "so"],
                hours=[monthly("1WE", "17:00", "19:30", "First Wednesday of each month, 17:00-19:30.")],
            ),
        ],
    ),
    Org(
        "king_street",
        "King Street Community Health",
        "chinatown_id",
        "King Street Clinic",
        "A community health center serving the Chinatown-International District since the sample began.",
        [
            Spec(
                "King Street Primary Care",
                ["health_care", "mental_health"],
                "Primary care, behavioural health and pharmacy on a sliding fee scale.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "zh", "vi", "ko", "tl"],
                hours=[weekly(WEEKDAYS, "08:00", "18:00"), weekly("SA", "09:00", "13:00")],
            ),
            Spec(
                "King Street Office-Based Opioid Treatment",
                ["moud", "health_care"],
                "Buprenorphine starts the same week, with a prescriber and a nurse care manager.",
                elig={"insurance": "medicaid,medicare,private"},
                languages=["en", "zh", "vi"],
                hours=weekdays("08:00", "16:30"),
                pools=[appointments(4, 12, 5.0)],
            ),
        ],
    ),
    Org(
        "jackson_otp",
        "Jackson Street Treatment Services",
        "chinatown_id",
        "Jackson Street Clinic",
        "An opioid treatment program dispensing methadone and buprenorphine.",
        [
            Spec(
                "Jackson Street Methadone Clinic",
                ["moud", "sud_treatment"],
                "Opioid treatment program: same-day intake for methadone most mornings.",
                info=["walk_in"],
                languages=["en", "es", "ru", "vi"],
                hours=[weekly("MO,TU,WE,TH,FR,SA", "05:30", "13:00")],
                pools=[
                    appointments(6, 10, 2.0),
                    appointments(2, 2, 2.0, name="LEAD King County intakes", reserved=(PROGRAM,)),
                ],
            ),
            Spec(
                "Jackson Street Counseling",
                ["sud_treatment", "mental_health"],
                "Individual and group counselling for people in the opioid treatment program and others.",
                elig={"insurance": "medicaid,private"},
                languages=["en", "es", "ru"],
                hours=weekdays("09:00", "17:00"),
            ),
        ],
    ),
    Org(
        "alder",
        "Alder Crisis Services",
        "belltown",
        "Alder Crisis Center",
        "Crisis stabilization, mobile crisis response and peer respite.",
        [
            Spec(
                "Alder Crisis Stabilization Unit",
                ["crisis", "mental_health"],
                "Voluntary crisis beds; police and crisis teams may drop people off instead of jail.",
                info=["low_barrier", "walk_in"],
                intercepts=[0, 1],
                languages=["en", "es", "so"],
                ages=(18, None),
                hours=H24,
                pools=[beds(2, 16, 1.0), program_beds(1, 2, 1.0)],
                own_phone=True,
            ),
            Spec(
                "Alder Mobile Crisis Team",
                ["crisis", "mental_health", "transportation"],
                "Two-person mental health team that meets people where they are and can drive them to care.",
                intercepts=[0, 1],
                languages=["en", "es"],
                hours=H24,
                area="central_seattle",
                own_phone=True,
            ),
            Spec(
                "Alder Peer Respite",
                ["mental_health", "peer_support", "crisis"],
                "A short stay in a house run by people with lived experience of mental health crises.",
                info=["peer_staffed"],
                ages=(18, None),
                hours=H24,
                pools=[beds(0, 6, 4.0)],
            ),
        ],
    ),
    Org(
        "second_ave",
        "Second Avenue Syringe Services",
        "belltown",
        "Second Avenue Storefront",
        "Harm reduction supplies, wound care and overdose prevention.",
        [
            Spec(
                "Second Avenue Syringe Services",
                ["harm_reduction", "health_care"],
                "Syringe services, naloxone, fentanyl test strips, wound care and HIV/HCV testing.",
                info=LOW + ["peer_staffed"],
                languages=["en", "es"],
                hours=[weekly("MO,TU,WE,TH,FR,SA", "10:00", "18:00")],
            ),
            Spec(
                "Second Avenue Harm Reduction Van",
                ["harm_reduction", "moud"],
                "Evening van with supplies, naloxone and buprenorphine starts from a nurse prescriber.",
                info=LOW,
                languages=["en", "es"],
                hours=[weekly("TU,TH,SA", "18:00", "23:00")],
                area="downtown_core",
            ),
        ],
    ),
    Org(
        "pine_street",
        "Pine Street Housing Alliance",
        "downtown",
        "Pine Street Apartments",
        "Permanent supportive housing on the Housing First model.",
        [
            Spec(
                "Pine Street Permanent Supportive Housing",
                ["housing", "case_management"],
                "Studio apartments with on-site support; no sobriety or treatment requirement.",
                info=["housing_first", "low_barrier"],
                intercepts=[0, 4],
                ages=(18, None),
                pools=[
                    Pool("Public apartments", "apartment", 1, 90, 6.0, waitlist=9),
                    Pool("LEAD King County apartments", "apartment", 1, 4, 6.0, 0, (PROGRAM,)),
                ],
            ),
            Spec(
                "Pine Street Tenant Services",
                ["case_management", "benefits", "peer_support"],
                "Help keeping a home: rent, benefits, landlord mediation and peer mentors.",
                info=["peer_staffed"],
                hours=OFFICE,
            ),
        ],
    ),
    Org(
        "court_desk",
        "Municipal Court Resource Desk",
        "downtown",
        "Fifth Avenue Justice Annex",
        "A help desk beside the courtrooms connecting defendants with services.",
        [
            Spec(
                "Court Resource Desk",
                ["case_management", "benefits", "id_documents"],
                "Same-day help for people appearing in court: ID vouchers, benefits, treatment referrals.",
                intercepts=[2, 3],
                languages=["en", "es", "vi", "so"],
                hours=weekdays("08:00", "16:30"),
            ),
            Spec(
                "Community Court Service Hub",
                ["case_management", "employment", "education"],
                "Community court participants complete service hours and meet providers on site.",
                intercepts=[2, 3],
                hours=[weekly("TU,WE,TH", "09:00", "15:00")],
            ),
        ],
    ),
    Org(
        "arrest_diversion",
        "Yesler Diversion Partners",
        "pioneer_square",
        "Yesler Diversion Office",
        "Pre-arrest and pre-booking diversion case management in downtown Seattle.",
        [
            Spec(
                "Yesler Diversion Case Management",
                ["case_management", "peer_support", "harm_reduction"],
                "Intensive, harm-reduction case management for people referred by police instead of arrest.",
                info=["low_barrier", "housing_first"],
                intercepts=[1],
                languages=["en", "es"],
                hours=weekdays("08:00", "18:00"),
                pools=[
                    slots(3, 12, 20.0, name="LEAD King County case management", reserved=(PROGRAM,)),
                    slots(0, 20, 20.0, waitlist=4, name="Community referrals"),
                ],
            ),
            Spec(
                "Yesler Street Outreach",
                ["case_management", "harm_reduction", "transportation"],
                "Outreach workers who find participants where they sleep and drive them to appointments.",
                info=["low_barrier"],
                intercepts=[0, 1],
            ),
        ],
    ),
    Org(
        "id_project",
        "Open Door ID Project",
        "downtown",
        "Third Avenue Resource Room",
        "Helps people replace lost birth certificates, state ID cards and Social Security cards.",
        [
            Spec(
                "Open Door ID Clinic",
                ["id_documents"],
                "Vouchers for state ID, birth certificate orders and help with Social Security cards.",
                info=["walk_in"],
                languages=["en", "es", "so", "am"],
                hours=[weekly("MO,WE", "10:00", "15:00")],
            ),
            Spec(
                "Open Door ID Clinic at the Kent library",
                ["id_documents"],
                "The ID clinic's south county session.",
                info=["walk_in"],
                languages=["en", "es", "so"],
                hours=[monthly("3TH", "11:00", "15:00", "Third Thursday of each month, 11:00-15:00.")],
                sites=[Site("kent_library", "Kent Library Meeting Room", "kent")],
            ),
        ],
    ),
    Org(
        "benefits_nav",
        "Puget Benefits Navigators",
        "downtown",
        "Union Street Benefits Office",
        "Enrollment help for Apple Health, food assistance and cash benefits.",
        [
            Spec(
                "Benefits Enrollment Help",
                ["benefits", "id_documents"],
                "Enrollment in health coverage, food assistance and cash benefits at three offices.",
                info=["walk_in"],
                languages=["en", "es", "vi", "zh", "so", "ru"],
                hours=OFFICE,
                sites=[
                    Site("main", "Union Street Benefits Office", "downtown"),
                    Site("kent", "Kent Benefits Office", "kent"),
                    Site("bellevue", "Bellevue Benefits Office", "bellevue"),
                ],
            ),
            Spec(
                "Phone Benefits Line",
                ["benefits"],
                "Benefits questions answered by phone; call-backs in your language.",
                languages=["en", "es", "vi", "zh", "so", "ru", "ko", "tl", "am"],
                hours=OFFICE,
                assured=False,
            ),
        ],
    ),
    Org(
        "jail_reentry",
        "Fifth and James Reentry Services",
        "pioneer_square",
        "James Street Welcome Center",
        "Meets people walking out of the downtown jail and stays with them through reentry.",
        [
            Spec(
                "Jail Release Welcome Center",
                ["transportation", "clothing", "case_management"],
                "Open around the clock for people just released: phone, bus fare, clothing, a warm handoff.",
                info=LOW,
                intercepts=[3, 4],
                languages=["en", "es"],
                hours=H24,
            ),
            Spec(
                "Reentry Navigation",
                ["case_management", "employment", "id_documents", "benefits"],
                "Reentry navigators help with ID, benefits, jobs and conditions of release.",
                intercepts=[4, 5],
                hours=weekdays("08:30", "16:30"),
                pools=[slots(2, 25, 30.0)],
            ),
        ],
    ),
    # --- Capitol Hill and the Central District ---------------------------------------------------
    Org(
        "broadway_youth",
        "Broadway Youth Collective",
        "capitol_hill",
        "Broadway Youth Center",
        "Shelter, housing and drop-in services for young people up to 24.",
        [
            Spec(
                "Broadway Young Adult Shelter",
                ["shelter"],
                "Overnight shelter for young adults 18 to 24; LGBTQ+ affirming.",
                info=["low_barrier"],
                languages=["en", "es"],
                ages=(18, 24),
                hours=overnight("20:00", "08:00"),
                pools=[beds(4, 25, 1.0)],
            ),
            Spec(
                "Broadway Youth Drop-In",
                ["food", "clothing", "education", "employment", "case_management"],
                "Meals, clothes, GED tutoring and job coaching for young people 13 to 24.",
                info=LOW,
                languages=["en", "es"],
                ages=(13, 24),
                hours=weekdays("12:00", "18:00"),
            ),
            Spec(
                "Broadway Youth Housing",
                ["housing", "case_management"],
                "Rapid rehousing for young adults, with rent help for up to two years.",
                info=["housing_first"],
                ages=(18, 24),
                pools=[slots(2, 15, 12.0, waitlist=1)],
            ),
        ],
    ),
    Org(
        "aster_legal",
        "Aster Legal Project",
        "capitol_hill",
        "Aster Legal Office",
        "Legal help for LGBTQ+ people and people living with HIV.",
        [
            Spec(
                "Aster Name and Gender Marker Clinic",
                ["legal", "id_documents"],
                "Legal name changes and gender marker updates on ID, with fee waivers.",
                languages=["en", "es"],
                hours=[monthly("2SA", "10:00", "14:00", "Second Saturday, 10:00-14:00.")],
            ),
            Spec(
                "Aster Civil Legal Help",
                ["legal"],
                "Advice on evictions, discrimination and benefits denials.",
                hours=[weekly("MO,WE,TH", "10:00", "16:00")],
            ),
        ],
    ),
    Org(
        "madison",
        "Madison Street Recovery Center",
        "capitol_hill",
        "Madison Street Recovery Center",
        "Withdrawal management, outpatient treatment and recovery support.",
        [
            Spec(
                "Madison Street Detox",
                ["withdrawal_management", "moud", "health_care"],
                "Medically monitored withdrawal; methadone and buprenorphine continued or started on site.",
                elig={"insurance": "medicaid,medicare,uninsured"},
                info=["walk_in"],
                intercepts=[0, 1, 4],
                languages=["en", "es", "ru"],
                ages=(18, None),
                hours=H24,
                pools=[beds(3, 32, 2.0), program_beds(1, 3, 2.0)],
            ),
            Spec(
                "Madison Street Intensive Outpatient",
                ["sud_treatment", "peer_support"],
                "Nine hours a week of group and individual treatment, mornings or evenings.",
                elig={"insurance": "medicaid,private"},
                languages=["en", "es"],
                hours=[weekly("MO,TU,WE,TH", "09:00", "12:00"), weekly("MO,TU,WE,TH", "18:00", "21:00")],
                pools=[appointments(5, 10, 20.0)],
            ),
            Spec(
                "Madison Street Recovery Coaching",
                ["peer_support"],
                "Certified peer recovery coaches, before, during and after treatment.",
                info=["peer_staffed", "walk_in"],
                hours=weekdays("10:00", "18:00"),
            ),
        ],
    ),
    Org(
        "cherry_street",
        "Cherry Street Food Cooperative",
        "central_district",
        "Cherry Street Hall",
        "A neighbourhood food bank and monthly produce market.",
        [
            Spec(
                "Cherry Street Food Bank",
                ["food"],
                "Groceries twice a week; no ID or address needed.",
                info=["walk_in"],
                languages=["en", "am", "so", "es"],
                hours=[weekly("TU,TH", "10:00", "14:00"), weekly("SA", "10:00", "13:00")],
            ),
            Spec(
                "Cherry Street Produce Market",
                ["food"],
                "Free fresh produce market on the second Tuesday of the month.",
                info=["walk_in"],
                languages=["en", "am", "so"],
                hours=[monthly("2TU", "16:00", "19:00", "Second Tuesday of each month, 16:00-19:00.")],
            ),
        ],
    ),
    Org(
        "central_reentry",
        "Central Area Reentry Partnership",
        "central_district",
        "Jefferson Street House",
        "Transitional housing and navigation for people coming home from prison and jail.",
        [
            Spec(
                "Central Area Transitional Housing",
                ["housing", "case_management"],
                "Up to 12 months of clean-and-sober transitional housing after release.",
                elig={"sobriety_required": "true"},
                intercepts=[4],
                ages=(18, None),
                hours=H24,
                pools=[beds(2, 18, 3.0), program_beds(2, 2, 3.0)],
            ),
            Spec(
                "Central Area Reentry Employment",
                ["employment", "education"],
                "Second-chance employers, forklift and flagger certification, GED help.",
                intercepts=[4, 5],
                hours=weekdays("09:00", "16:00"),
            ),
        ],
    ),
    Org(
        "union_clinic",
        "East Union Health Center",
        "central_district",
        "East Union Health Center",
        "Primary care and behavioural health for the Central District.",
        [
            Spec(
                "East Union Family Medicine",
                ["health_care"],
                "Primary care for all ages on a sliding fee scale.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "am", "so"],
                hours=[weekly(WEEKDAYS, "08:00", "17:00")],
            ),
            Spec(
                "East Union Behavioral Health",
                ["mental_health", "case_management"],
                "Counselling, psychiatry and case management for adults.",
                elig={"insurance": "medicaid"},
                languages=["en", "am"],
                hours=OFFICE,
                pools=[appointments(2, 8, 26.0)],
            ),
        ],
    ),
    # --- SODO, Beacon Hill and the Rainier Valley ----------------------------------------------
    Org(
        "lander",
        "Lander Street Shelter Collective",
        "sodo",
        "Lander Street Campus",
        "Enhanced shelter and a tiny house village in SODO; partners and pets welcome.",
        [
            Spec(
                "Lander Street Enhanced Shelter",
                ["shelter", "case_management"],
                "24/7 enhanced shelter with case management; partners, pets and possessions welcome.",
                info=["low_barrier", "housing_first"],
                intercepts=[0, 1],
                languages=["en", "es"],
                ages=(18, None),
                hours=H24,
                pools=[beds(8, 100, 1.0), program_beds(3, 6, 1.0)],
            ),
            Spec(
                "Lander Street Tiny House Village",
                ["shelter", "housing"],
                "Lockable heated tiny houses with shared kitchen and hygiene facilities.",
                info=["low_barrier"],
                ages=(18, None),
                hours=H24,
                pools=[beds(0, 40, 3.0, waitlist=12)],
            ),
            Spec(
                "Lander Street Showers and Laundry",
                ["clothing"],
                "Showers, laundry and a clothing closet.",
                info=["walk_in"],
                hours=[weekly("MO,WE,FR,SA", "08:00", "14:00")],
            ),
        ],
    ),
    Org(
        "duwamish_food",
        "Duwamish Valley Food Network",
        "sodo",
        "Airport Way Warehouse",
        "A food distribution network for south Seattle.",
        [
            Spec(
                "Airport Way Food Distribution",
                ["food"],
                "Drive-up and walk-up food boxes on the last Friday of the month.",
                info=["walk_in"],
                languages=["en", "es", "vi"],
                hours=[monthly("-1FR", "10:00", "14:00", "Last Friday of each month, 10:00-14:00.")],
            ),
            Spec(
                "Duwamish Valley Home Delivery",
                ["food"],
                "Groceries delivered to people who cannot reach a food bank.",
                languages=["en", "es", "vi"],
                assured=False,
            ),
        ],
    ),
    Org(
        "work_coop",
        "Second Chance Work Cooperative",
        "sodo",
        "Fourth Avenue Shop",
        "Paid transitional jobs and job training for people with records.",
        [
            Spec(
                "Transitional Jobs Crew",
                ["employment"],
                "Day-labour crews paid same day; a path to permanent work.",
                info=["walk_in"],
                intercepts=[4, 5],
                hours=[weekly(WEEKDAYS, "06:00", "14:00")],
            ),
            Spec(
                "Harborfront Security Guard Training",
                ["employment", "education"],
                "Six-week security guard course and licence; state licensing bars some convictions.",
                elig={"excludes_criminal_record": "true", "id_required": "true"},
                ages=(18, None),
                hours=weekdays("09:00", "15:00"),
                pools=[slots(6, 20, 50.0)],
            ),
        ],
    ),
    Org(
        "beacon_clinic",
        "Beacon Hill Clinic Cooperative",
        "beacon_hill",
        "Beacon Avenue Clinic",
        "A cooperative clinic with interpreters in many languages.",
        [
            Spec(
                "Beacon Family Health",
                ["health_care", "mental_health"],
                "Primary care, dental referrals and behavioural health.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "es", "vi", "zh", "tl"],
                hours=[weekly(WEEKDAYS, "08:00", "18:00"), weekly("SA", "09:00", "13:00")],
            ),
            Spec(
                "Beacon Behavioral Health",
                ["mental_health", "case_management"],
                "Therapy and psychiatric medication management.",
                elig={"insurance": "medicaid,private"},
                languages=["en", "es", "vi", "zh"],
                hours=OFFICE,
                pools=[appointments(2, 6, 26.0)],
            ),
            Spec(
                "Beacon Bupe Clinic",
                ["moud"],
                "Walk-in buprenorphine on Monday and Thursday afternoons; telehealth follow-up.",
                info=["walk_in", "low_barrier"],
                languages=["en", "es", "vi"],
                hours=[weekly("MO,TH", "13:00", "17:00")],
            ),
        ],
    ),
    Org(
        "cc_mutual_aid",
        "Columbia City Mutual Aid",
        "columbia_city",
        "Edmunds Street Pantry",
        "Neighbours sharing food and clothing.",
        [
            Spec(
                "Edmunds Street Pantry",
                ["food", "clothing"],
                "Pantry shelves and a free clothing rack; take what you need.",
                info=["walk_in", "peer_staffed"],
                languages=["en", "so", "am", "vi", "es"],
                hours=[weekly("WE", "15:00", "19:00"), weekly("SA", "10:00", "13:00")],
            ),
        ],
    ),
    Org(
        "rv_family",
        "Rainier Valley Family Services",
        "columbia_city",
        "Alaska Street Service Center",
        "Benefits, employment and family support in many languages.",
        [
            Spec(
                "Rainier Valley Benefits Desk",
                ["benefits", "id_documents"],
                "Help applying for food, cash and health benefits and replacing documents.",
                languages=["en", "so", "am", "vi", "tl"],
                hours=OFFICE,
            ),
            Spec(
                "Rainier Valley Employment Hub",
                ["employment", "education"],
                "Job search help, ESL classes and computer skills.",
                languages=["en", "so", "am", "es"],
                hours=weekdays("09:00", "16:00"),
            ),
            Spec(
                "Rainier Valley Family Case Management",
                ["case_management"],
                "Case management for families at risk of losing housing.",
                languages=["en", "so", "am"],
                hours=OFFICE,
                pools=[slots(0, 30, 200.0, waitlist=2)],
            ),
        ],
    ),
    Org(
        "othello_wellness",
        "Othello Community Wellness",
        "othello",
        "Othello Wellness Center",
        "Culturally grounded health and mental health care.",
        [
            Spec(
                "Othello Counseling Center",
                ["mental_health"],
                "Counselling in Somali, Amharic and English.",
                elig={"insurance": "medicaid,uninsured"},
                languages=["en", "so", "am"],
                hours=OFFICE,
            ),
            Spec(
                "Othello Community Health Workers",
                ["health_care", "benefits"],
                "Community health workers help with appointments, coverage and medicines.",
                languages=["en", "so", "am", "vi"],
                hours=weekdays("09:00", "18:00"),
            ),
        ],
    ),
    Org(
        "henderson",
        "Henderson Street Recovery Community",
        "rainier_beach",
        "Henderson Street Cafe",
        "A recovery community cafe and recovery residences.",
        [
            Spec(
                "Henderson Street Recovery Cafe",
                ["peer_support", "food"],
                "A cafe and recovery community: meals, recovery circles and classes.",
                elig={"sobriety_required": "true"},
                info=["peer_staffed"],
                hours=[weekly(WEEKDAYS, "10:00", "19:00")],
            ),
            Spec(
                "Henderson Street Recovery Residence",
                ["housing", "peer_support"],
                "Peer-run sober living; residents share chores and attend house meetings.",
                elig={"sobriety_required": "true", "excludes_moud": "true"},
                info=["peer_staffed"],
                ages=(18, None),
                pools=[beds(1, 12, 8.0)],
            ),
        ],
    ),
    Org(
        "rv_outreach",
        "Rainier Valley Outreach Team",
        "rainier_beach",
        "Cloverdale Outreach Base",
        "Street outreach across the Rainier Valley.",
        [
            Spec(
                "Rainier Valley Street Outreach",
                ["case_management", "harm_reduction", "shelter"],
                "Outreach workers with supplies who can refer to shelter and hotel rooms.",
                info=["low_barrier"],
                languages=["en", "so", "vi"],
                hours=weekdays("09:00", "17:00"),
            ),
        ],
    ),
    # --- North Seattle ----------------------------------------------------------------------------
    Org(
        "salmon_bay",
        "Salmon Bay Shelter Network",
        "ballard",
        "Salmon Bay Hall",
        "Congregations and neighbours hosting winter shelter, meals and safe parking in Ballard.",
        [
            Spec(
                "Salmon Bay Winter Shelter",
                ["shelter"],
                "Seasonal overnight shelter hosted by local congregations, November to March.",
                ages=(18, None),
                hours=[
                    seasonal(
                        ALL_DAYS,
                        "21:00",
                        "07:00",
                        "2026-11-01",
                        "2027-03-31",
                        "Nightly 21:00 to 07:00 from November 1 to March 31.",
                    )
                ],
                pools=[beds(5, 30, 74.0)],
            ),
            Spec(
                "Salmon Bay Community Meals",
                ["food"],
                "Hot dinners three evenings a week.",
                info=["walk_in"],
                hours=[weekly("MO,WE,FR", "17:30", "19:00")],
            ),
            Spec(
                "Salmon Bay Safe Parking",
                ["shelter"],
                "Overnight parking for people living in vehicles, with restrooms and case management.",
                hours=overnight("18:00", "08:00"),
                pools=[Pool("Parking spaces", "parking_space", 4, 15, 10.0)],
            ),
            Spec(
                "Salmon Bay Summer Cooling Center",
                ["shelter"],
                "Cooling center open only during heat advisories (closed for the season).",
                status="inactive",
                assured=False,
            ),
        ],
    ),
    Org(
        "shilshole",
        "Shilshole Street Medicine",
        "ballard",
        "Leary Avenue Clinic Base",
        "Street medicine: nurses and prescribers who go to people outside.",
        [
            Spec(
                "Shilshole Street Medicine Team",
                ["health_care", "harm_reduction", "moud"],
                "Wound care, prescriptions and buprenorphine starts on the street and in encampments.",
                info=["low_barrier"],
                languages=["en", "es"],
                hours=[weekly("TU,FR", "09:00", "15:00")],
                area="ballard_fremont",
            ),
            Spec(
                "Ballard Community Clinic",
                ["health_care", "moud"],
                "A small clinic with same-week appointments and buprenorphine.",
                elig={"insurance": "medicaid,uninsured"},
                hours=weekdays("09:00", "17:00"),
                pools=[appointments(3, 8, 250.0)],
            ),
        ],
    ),
    Org(
        "ravenna",
        "Ravenna Youth Services",
        "u_district",
        "University Way Youth House",
        "Services for young people in north Seattle.",
        [
            Spec(
                "Ravenna Young Adult Shelter",
                ["shelter"],
                "Overnight shelter for 18 to 24 year olds.",
                info=["low_barrier"],
                ages=(18, 24),
                hours=overnight("20:00", "08:00"),
                pools=[beds(0, 20, 2.0)],
            ),
            Spec(
                "Ravenna Youth Employment Program",
                ["employment", "education"],
                "Paid internships and GED classes for young people 16 to 24.",
                ages=(16, 24),
                hours=weekdays("10:00", "17:00"),
            ),
            Spec(
                "Ravenna Youth Counseling",
                ["mental_health"],
                "Free counselling for young people 13 to 24.",
                ages=(13, 24),
                hours=weekdays("11:00", "19:00"),
            ),
            Spec(
                "Ravenna Youth Detox and Stabilization",
                ["withdrawal_management", "mental_health"],
                "Short-stay withdrawal and stabilization for teenagers 13 to 17, with family involvement.",
                elig={"insurance": "medicaid,private,uninsured"},
                ages=(13, 17),
                hours=H24,
                pools=[beds(1, 6, 5.0)],
            ),
        ],
    ),
    Org(
        "forty_fifth_legal",
        "Forty-Fifth Street Legal Clinic",
        "u_district",
        "Forty-Fifth Street Church Hall",
        "Volunteer lawyers and law students giving free advice.",
        [
            Spec(
                "Forty-Fifth Street Evening Legal Clinic",
                ["legal"],
                "Free 30-minute consultations with volunteer attorneys.",
                info=["walk_in"],
                hours=[weekly("TH", "17:00", "20:00")],
            ),
        ],
    ),
    Org(
        "lake_city",
        "Lake City Community Partners",
        "lake_city",
        "Lake City Community Hub",
        "Shelter, food and family support in northeast Seattle.",
        [
            Spec(
                "Lake City Night Shelter",
                ["shelter"],
                "Overnight shelter for adults; lockers available.",
                elig={"id_required": "true", "no_pets": "true"},
                ages=(18, None),
                hours=OVERNIGHT,
                pools=[beds(2, 35, 2.0)],
            ),
            Spec(
                "Lake City Food Bank",
                ["food"],
                "Groceries on Wednesdays and Saturdays; delivery for homebound neighbours.",
                info=["walk_in"],
                languages=["en", "es", "ko"],
                hours=[weekly("WE", "12:00", "18:00"), weekly("SA", "09:00", "12:00")],
            ),
            Spec(
                "Lake City Family Resource Center",
                ["benefits", "case_management", "education"],
                "Family support, parenting classes and benefits help.",
                languages=["en", "es", "ko"],
                hours=OFFICE,
            ),
            Spec(
                "Old Lake City Day Shelter",
                ["shelter"],
                "The former day shelter on 125th Street (closed; services moved to the community hub).",
                status="inactive",
                assured=False,
            ),
        ],
    ),
    Org(
        "northgate_bh",
        "Northgate Behavioral Health",
        "northgate",
        "Northgate Way Clinic",
        "Community mental health and co-occurring treatment.",
        [
            Spec(
                "Northgate Community Mental Health",
                ["mental_health", "case_management"],
                "Outpatient mental health for adults with Apple Health.",
                elig={"insurance": "medicaid"},
                languages=["en", "es", "ko"],
                hours=OFFICE,
                pools=[appointments(0, 10, 216.0)],
            ),
            Spec(
                "Northgate Co-Occurring Outpatient",
                ["sud_treatment", "mental_health", "moud"],
                "Integrated treatment for substance use and mental health, with medications.",
                elig={"insurance": "medicaid,private"},
                hours=weekdays("09:00", "19:00"),
                pools=[appointments(3, 8, 22.0)],
            ),
        ],
    ),
    Org(
        "linden",
        "Linden Avenue Drop-In",
        "aurora",
        "Linden Avenue Storefront",
        "A drop-in center on the Aurora corridor.",
        [
            Spec(
                "Linden Avenue Women's Drop-In",
                ["harm_reduction", "food", "clothing", "peer_support"],
                "Daytime drop-in for women and nonbinary people, including people in the sex trade.",
                elig={"genders": "female,nonbinary"},
                info=LOW + ["peer_staffed"],
                languages=["en", "es"],
                hours=weekdays("09:00", "15:00"),
            ),
            Spec(
                "Aurora Corridor Outreach",
                ["case_management", "harm_reduction", "transportation"],
                "Evening outreach along Aurora Avenue with supplies and rides to shelter.",
                info=["low_barrier"],
                hours=[weekly(WEEKDAYS, "17:00", "23:00")],
                area="aurora_corridor",
            ),
            Spec(
                "Aurora Motel Shelter Program",
                ["shelter"],
                "Motel rooms for people referred by outreach, up to 30 nights.",
                ages=(18, None),
                hours=H24,
                pools=[beds(0, 24, 30.0)],
            ),
        ],
    ),
    # --- West Seattle, White Center, Burien and the airport cities -------------------------------
    Org(
        "delridge",
        "Delridge Neighborhood Services",
        "delridge",
        "Delridge Community House",
        "Food, counselling and youth programs in Delridge.",
        [
            Spec(
                "Delridge Community Pantry",
                ["food"],
                "Monthly pantry day plus a weekly bread shelf.",
                info=["walk_in"],
                languages=["en", "es", "so", "vi"],
                hours=[
                    monthly("3SA", "09:00", "12:00", "Third Saturday, 9 to noon."),
                    weekly("WE", "14:00", "16:00", "Bread shelf on Wednesdays."),
                ],
            ),
            Spec(
                "Delridge Counseling Center",
                ["mental_health", "sud_treatment"],
                "Outpatient counselling for adults and teens.",
                elig={"insurance": "medicaid,private"},
                ages=(13, None),
                hours=weekdays("09:00", "18:00"),
            ),
        ],
    ),
    Org(
        "wc_clinic",
        "White Center Community Clinic",
        "white_center",
        "Roxbury Clinic",
        "Primary care, dental and opioid treatment in White Center.",
        [
            Spec(
                "White Center Primary Care",
                ["health_care"],
                "Primary care and dental; interpreters on site.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "es", "vi", "so"],
                hours=[weekly(WEEKDAYS, "07:30", "17:30")],
            ),
            Spec(
                "White Center Opioid Treatment",
                ["moud", "sud_treatment"],
                "Buprenorphine and counselling; new patients seen within the week.",
                elig={"insurance": "medicaid,uninsured"},
                languages=["en", "es", "vi"],
                hours=weekdays("08:00", "16:00"),
                pools=[appointments(3, 10, 4.0)],
            ),
            Spec(
                "White Center Teen Center",
                ["education", "food"],
                "After-school tutoring, snacks and mentoring for teens 13 to 19.",
                info=["walk_in"],
                languages=["en", "es", "vi", "so"],
                ages=(13, 19),
                hours=[weekly(WEEKDAYS, "14:30", "19:00")],
            ),
        ],
    ),
    Org(
        "roxbury_bank",
        "Roxbury Food and Clothing Bank",
        "white_center",
        "Roxbury Warehouse",
        "Food and clothing for White Center and Boulevard Park.",
        [
            Spec(
                "Roxbury Food Bank",
                ["food"],
                "Groceries three days a week, culturally familiar foods.",
                info=["walk_in"],
                languages=["en", "es", "vi", "so"],
                hours=[weekly("TU,TH", "10:00", "15:00"), weekly("SA", "09:00", "12:00")],
            ),
            Spec(
                "Roxbury Clothing Bank",
                ["clothing"],
                "Free clothing, shoes and winter coats.",
                info=["walk_in"],
                hours=[weekly("TH", "10:00", "15:00")],
            ),
        ],
    ),
    Org(
        "highline",
        "Highline Recovery Services",
        "burien",
        "Ambaum Recovery Center",
        "Detox, residential and outpatient treatment in south King County.",
        [
            Spec(
                "Highline Detox and Stabilization",
                ["withdrawal_management", "moud"],
                "Sub-acute withdrawal management with medications for opioid use disorder.",
                elig={"insurance": "medicaid,uninsured"},
                intercepts=[0, 1],
                ages=(18, None),
                hours=H24,
                pools=[beds(0, 16, 52.0)],
            ),
            Spec(
                "Highline Residential Treatment",
                ["sud_treatment"],
                "28-day residential treatment; people on MOUD welcome.",
                elig={"insurance": "medicaid"},
                ages=(18, None),
                hours=H24,
                pools=[beds(1, 40, 4.0, waitlist=2)],
            ),
            Spec(
                "Highline Outpatient and MOUD",
                ["sud_treatment", "moud"],
                "Outpatient treatment with buprenorphine and naltrexone.",
                elig={"insurance": "medicaid,private"},
                languages=["en", "es"],
                hours=weekdays("08:00", "18:00"),
                pools=[appointments(4, 10, 28.0)],
            ),
        ],
    ),
    Org(
        "burien_shelter",
        "Burien Shelter Partnership",
        "burien",
        "152nd Street Shelter",
        "Overnight shelter and a day center in Burien.",
        [
            Spec(
                "Ambaum Overnight Shelter",
                ["shelter"],
                "Overnight shelter for adults; dinner included.",
                info=["low_barrier"],
                languages=["en", "es"],
                ages=(18, None),
                hours=overnight("19:30", "07:30"),
                pools=[beds(3, 25, 1.5)],
            ),
            Spec(
                "Burien Day Center",
                ["food", "clothing", "case_management"],
                "Breakfast, showers, mail service and case management.",
                info=["walk_in"],
                languages=["en", "es"],
                hours=weekdays("08:00", "14:00"),
            ),
        ],
    ),
    Org(
        "sw_legal",
        "Southwest King Legal Aid",
        "burien",
        "Burien Law Office",
        "Civil legal aid for south King County.",
        [
            Spec(
                "Southwest King Eviction Defense",
                ["legal"],
                "Representation for tenants facing eviction.",
                languages=["en", "es", "vi"],
                hours=OFFICE,
            ),
            Spec(
                "Southwest King Walk-In Legal Clinic",
                ["legal", "benefits"],
                "Advice on benefits, debts and family law.",
                info=["walk_in"],
                languages=["en", "es"],
                hours=[weekly("WE", "10:00", "15:00")],
            ),
        ],
    ),
    Org(
        "tukwila_irc",
        "Tukwila International Resource Center",
        "tukwila",
        "International Boulevard Center",
        "Services for immigrant and refugee families.",
        [
            Spec(
                "Tukwila Benefits and ID Help",
                ["benefits", "id_documents"],
                "Benefits applications and replacement documents, with interpreters.",
                languages=["en", "so", "am", "es", "vi", "ru"],
                hours=OFFICE,
            ),
            Spec(
                "Tukwila Adult Learning",
                ["education", "employment"],
                "English classes, citizenship preparation and job readiness.",
                languages=["en", "so", "am", "es"],
                hours=[weekly("MO,TU,WE,TH", "09:00", "14:00")],
            ),
            Spec(
                "Tukwila Immigrant Legal Clinic",
                ["legal"],
                "Immigration consultations and help with work permits.",
                languages=["en", "es", "so", "am", "vi"],
                hours=[monthly("1SA,3SA", "10:00", "14:00", "First and third Saturdays, 10:00-14:00.")],
            ),
        ],
    ),
    Org(
        "airport_transit",
        "Airport Corridor Ride Help",
        "seatac",
        "International Boulevard Kiosk",
        "Transit passes, reduced fare cards and rides to appointments.",
        [
            Spec(
                "Reduced Fare Transit Cards",
                ["transportation", "benefits"],
                "Sign-up for reduced fare transit cards and free passes for people with no income.",
                info=["walk_in"],
                languages=["en", "es", "so"],
                hours=weekdays("10:00", "16:00"),
            ),
            Spec(
                "South King Recovery Rides",
                ["transportation"],
                "Free rides to treatment, court and medical appointments; book a day ahead.",
                intercepts=[0, 2, 4],
                languages=["en", "es"],
                hours=[weekly(WEEKDAYS, "06:00", "20:00")],
            ),
        ],
    ),
    Org(
        "des_moines_pantry",
        "Marine View Community Pantry",
        "des_moines",
        "Marine View Church Hall",
        "A volunteer food pantry in Des Moines.",
        [
            Spec(
                "Marine View Pantry",
                ["food"],
                "Groceries on Monday evenings and Friday mornings.",
                info=["walk_in"],
                hours=[weekly("MO", "17:00", "19:00"), weekly("FR", "09:00", "11:00")],
            ),
        ],
    ),
    # --- Renton, Kent, Auburn, Federal Way, Enumclaw ---------------------------------------------
    Org(
        "renton_shelter",
        "Renton Area Shelter Coalition",
        "renton",
        "Logan Avenue Shelter",
        "Emergency shelter and hygiene services in Renton.",
        [
            Spec(
                "Renton Emergency Shelter",
                ["shelter", "case_management"],
                "24/7 shelter for adults with case management toward housing.",
                info=["low_barrier", "housing_first"],
                languages=["en", "es", "vi"],
                ages=(18, None),
                hours=H24,
                pools=[beds(6, 50, 1.0)],
            ),
            Spec(
                "Renton Women's Shelter",
                ["shelter"],
                "Overnight shelter for single women.",
                elig={"genders": "female", "no_pets": "true", "id_required": "true"},
                ages=(18, None),
                hours=overnight("19:00", "08:00"),
                pools=[beds(2, 15, 60.0)],
            ),
            Spec(
                "Renton Hygiene Center",
                ["clothing", "harm_reduction"],
                "Showers, laundry, clothing and harm reduction supplies.",
                info=LOW,
                hours=[weekly("MO,WE,FR", "08:00", "13:00")],
            ),
        ],
    ),
    Org(
        "renton_recovery",
        "Renton Recovery Center",
        "renton",
        "Wells Avenue Recovery Center",
        "Withdrawal management and opioid treatment.",
        [
            Spec(
                "Renton Withdrawal Management",
                ["withdrawal_management", "moud"],
                "Medically monitored withdrawal; opioid treatment started before discharge.",
                elig={"insurance": "medicaid,medicare,uninsured"},
                intercepts=[0, 1],
                ages=(18, None),
                hours=H24,
                pools=[beds(2, 20, 3.0), program_beds(0, 2, 3.0)],
            ),
            Spec(
                "Renton Opioid Treatment Program",
                ["moud", "sud_treatment"],
                "Methadone and buprenorphine; intake weekday mornings.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "es", "ru"],
                hours=[weekly("MO,TU,WE,TH,FR,SA", "05:30", "12:30")],
                pools=[appointments(5, 10, 6.0)],
            ),
        ],
    ),
    Org(
        "cedar_valley",
        "Cedar Valley Food Bank",
        "renton",
        "Burnett Avenue Food Bank",
        "Renton's community food bank.",
        [
            Spec(
                "Cedar Valley Food Bank",
                ["food"],
                "Groceries weekly; no proof of address needed.",
                info=["walk_in"],
                languages=["en", "es", "vi", "ru"],
                hours=[weekly("TU,TH", "09:30", "15:00")],
            ),
            Spec(
                "Cedar Valley Mobile Pantry",
                ["food"],
                "Monthly pop-up food distribution in the Renton Highlands.",
                languages=["en", "es"],
                hours=[monthly("4SA", "10:00", "12:00", "Fourth Saturday of each month, 10:00-12:00.")],
                sites=[Site("highlands", "Renton Highlands Pop-Up Pantry", "renton")],
            ),
        ],
    ),
    Org(
        "kent_valley",
        "Kent Valley Health",
        "kent",
        "Central Avenue Health Center",
        "Integrated health and behavioural health in Kent.",
        [
            Spec(
                "Kent Valley Clinic",
                ["health_care", "moud"],
                "Primary care with buprenorphine; interpreters in many languages.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "es", "so", "ru", "vi", "tl"],
                hours=[weekly(WEEKDAYS, "08:00", "18:00")],
                pools=[appointments(2, 6, 3.0, name="Buprenorphine starts")],
            ),
            Spec(
                "Kent Valley Behavioral Health",
                ["mental_health", "case_management"],
                "Mental health treatment and case management.",
                elig={"insurance": "medicaid"},
                languages=["en", "es", "ru"],
                hours=OFFICE,
            ),
        ],
    ),
    Org(
        "meeker_shelter",
        "Meeker Street Shelter",
        "kent",
        "Meeker Street Shelter",
        "Overnight shelter in downtown Kent.",
        [
            Spec(
                "Meeker Street Men's Shelter",
                ["shelter"],
                "Overnight shelter for men; photo ID needed at intake.",
                elig={"genders": "male", "id_required": "true"},
                ages=(18, None),
                hours=overnight("19:00", "07:00"),
                pools=[beds(4, 40, 1.5)],
            ),
            Spec(
                "Meeker Street Family Shelter",
                ["shelter", "case_management"],
                "Shelter for families with children; case management toward housing.",
                languages=["en", "es"],
                hours=H24,
                pools=[beds(0, 12, 5.0, waitlist=4)],
            ),
        ],
    ),
    Org(
        "green_river",
        "Green River Reentry",
        "kent",
        "Gowe Street Reentry Office",
        "Reentry services at the south county jail and afterwards.",
        [
            Spec(
                "South County Jail Release Desk",
                ["transportation", "clothing", "case_management", "id_documents"],
                "At release: bus fare, clothing, a phone charge and help getting ID.",
                info=["walk_in"],
                intercepts=[3, 4],
                languages=["en", "es"],
                hours=H24,
            ),
            Spec(
                "Green River Reentry Housing",
                ["housing", "case_management"],
                "Transitional rooms for people released without a place to go.",
                intercepts=[4],
                ages=(18, None),
                hours=H24,
                pools=[beds(1, 14, 7.0)],
            ),
            Spec(
                "Green River Probation Resource Center",
                ["case_management", "employment", "education"],
                "Resources for people on community supervision: classes, jobs and treatment referrals.",
                intercepts=[5],
                hours=weekdays("08:00", "17:00"),
            ),
        ],
    ),
    Org(
        "south_defender",
        "South King Defender Project",
        "kent",
        "Smith Street Defender Office",
        "Holistic public defense in south King County.",
        [
            Spec(
                "South King Holistic Defense",
                ["legal", "case_management"],
                "Public defenders with social workers who build diversion plans at first appearance.",
                intercepts=[2, 3],
                languages=["en", "es", "vi"],
                hours=OFFICE,
            ),
        ],
    ),
    Org(
        "kent_works",
        "Kent Employment Works",
        "kent",
        "Kent Jobs Center",
        "Job training and placement in the Kent valley.",
        [
            Spec(
                "Kent Warehouse Skills Program",
                ["employment", "education"],
                "Forklift certification and warehouse job placement.",
                elig={"id_required": "true"},
                ages=(18, None),
                hours=weekdays("08:00", "15:00"),
                pools=[slots(5, 16, 40.0)],
            ),
            Spec(
                "Kent Job Search Lab",
                ["employment"],
                "Computers, resume help and hiring events.",
                info=["walk_in"],
                languages=["en", "es", "so", "ru"],
                hours=weekdays("09:00", "16:00"),
            ),
        ],
    ),
    Org(
        "auburn_shelter",
        "Auburn Community Shelter",
        "auburn",
        "A Street Shelter",
        "Overnight shelter and a day resource center in Auburn.",
        [
            Spec(
                "Auburn Night Shelter",
                ["shelter"],
                "Overnight shelter for adults; pets in kennels welcome.",
                info=["low_barrier"],
                ages=(18, None),
                hours=OVERNIGHT,
                pools=[beds(7, 45, 2.5)],
            ),
            Spec(
                "Auburn Day Resource Center",
                ["food", "clothing", "benefits", "case_management"],
                "Lunch, clothing, benefits help and case management.",
                info=["walk_in"],
                languages=["en", "es"],
                hours=weekdays("09:00", "15:00"),
            ),
        ],
    ),
    Org(
        "green_valley",
        "Green Valley Recovery Residences",
        "auburn",
        "Main Street Recovery House",
        "Recovery residences in Auburn and Kent.",
        [
            Spec(
                "Green Valley Recovery House",
                ["housing", "peer_support"],
                "Sober living with house meetings; people on MOUD welcome.",
                elig={"sobriety_required": "true"},
                info=["peer_staffed"],
                ages=(18, None),
                pools=[beds(3, 24, 10.0)],
            ),
            Spec(
                "Green Valley Women's Recovery House",
                ["housing", "peer_support"],
                "Sober living for women, children under 5 welcome.",
                elig={"sobriety_required": "true", "genders": "female"},
                info=["peer_staffed"],
                ages=(18, None),
                pools=[beds(0, 10, 96.0)],
            ),
        ],
    ),
    Org(
        "auburn_health",
        "Auburn Valley Health",
        "auburn",
        "Auburn Way Clinic",
        "Primary care and behavioral health in Auburn.",
        [
            Spec(
                "Auburn Valley Primary Care",
                ["health_care"],
                "Primary care and pharmacy on a sliding fee scale.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "es", "ru"],
                hours=weekdays("08:00", "17:00"),
            ),
            Spec(
                "Auburn Valley Counseling",
                ["mental_health", "sud_treatment"],
                "Counselling for mental health and substance use.",
                elig={"insurance": "medicaid,private"},
                hours=weekdays("09:00", "19:00"),
                pools=[appointments(1, 6, 30.0)],
            ),
            Spec(
                "Auburn Sobering and Withdrawal Center",
                ["withdrawal_management", "crisis"],
                "A sobering center and short withdrawal stays; police drop-off accepted.",
                info=["walk_in", "low_barrier"],
                intercepts=[0, 1],
                ages=(18, None),
                hours=H24,
                pools=[beds(3, 12, 30.0)],
            ),
        ],
    ),
    Org(
        "fw_community",
        "Federal Way Community Services",
        "federal_way",
        "Pacific Highway Center",
        "Day services, shelter and food in Federal Way.",
        [
            Spec(
                "Pacific Highway Day Center",
                ["food", "clothing", "case_management"],
                "Breakfast, lunch, showers and case managers.",
                info=LOW,
                languages=["en", "es", "ko", "ru"],
                hours=weekdays("07:30", "15:30"),
            ),
            Spec(
                "Federal Way Night Shelter",
                ["shelter"],
                "Overnight shelter for adults in a former hotel.",
                info=["low_barrier"],
                ages=(18, None),
                hours=overnight("18:00", "08:00"),
                pools=[beds(5, 60, 1.0), program_beds(2, 4, 1.0)],
            ),
            Spec(
                "Federal Way Food Bank",
                ["food"],
                "Groceries weekly and a monthly evening distribution.",
                info=["walk_in"],
                languages=["en", "es", "ko", "ru", "tl"],
                hours=[
                    weekly("MO,WE", "10:00", "14:00"),
                    monthly("2TH", "17:00", "19:00", "Second Thursday evening distribution."),
                ],
            ),
        ],
    ),
    Org(
        "south_crisis",
        "South County Crisis Center",
        "federal_way",
        "320th Street Crisis Center",
        "Crisis stabilization and a mobile crisis team for south King County.",
        [
            Spec(
                "South County Crisis Stabilization",
                ["crisis", "mental_health", "withdrawal_management"],
                "Crisis beds and sobering; law enforcement drop-off accepted 24/7.",
                info=["walk_in"],
                intercepts=[0, 1],
                languages=["en", "es", "ko"],
                ages=(18, None),
                hours=H24,
                pools=[beds(1, 16, 2.0)],
                own_phone=True,
            ),
            Spec(
                "South County Mobile Crisis",
                ["crisis", "mental_health"],
                "Mobile crisis response across south King County.",
                intercepts=[0, 1],
                languages=["en", "es"],
                hours=H24,
                area="south_king",
                own_phone=True,
            ),
        ],
    ),
    Org(
        "fw_legal",
        "Federal Way Community Law Center",
        "federal_way",
        "316th Street Law Center",
        "Civil legal help and record relief.",
        [
            Spec(
                "Federal Way Record Relief",
                ["legal"],
                "Help vacating records and restoring rights.",
                intercepts=[4, 5],
                hours=[weekly("TU", "13:00", "18:00")],
            ),
        ],
    ),
    Org(
        "boise_creek",
        "Boise Creek Community Pantry",
        "enumclaw",
        "Griffin Avenue Pantry",
        "A rural food and clothing bank on the Enumclaw plateau.",
        [
            Spec(
                "Boise Creek Pantry",
                ["food", "clothing"],
                "Food and clothing for plateau residents; deliveries to outlying areas.",
                info=["walk_in"],
                hours=[weekly("TU", "10:00", "16:00"), weekly("SA", "10:00", "13:00")],
            ),
            Spec(
                "Plateau Community Ride Share",
                ["transportation"],
                "Volunteer drivers for medical and court appointments in Auburn and Kent.",
                hours=weekdays("08:00", "17:00"),
                assured=False,
            ),
        ],
    ),
    # --- Eastside ---------------------------------------------------------------------------------
    Org(
        "pike_sobering",
        "Pike Street Sobering Center",
        "pioneer_square",
        "Second Avenue Sobering Center",
        "A place to sober up safely instead of the emergency room or jail.",
        [
            Spec(
                "Pike Street Sobering Center",
                ["withdrawal_management", "crisis", "health_care"],
                "Overnight sobering beds with nurses; police, medics and outreach may bring people in.",
                info=LOW,
                intercepts=[0, 1],
                languages=["en", "es"],
                ages=(18, None),
                hours=H24,
                pools=[beds(9, 30, 0.5)],
            ),
            Spec(
                "Pike Street Clubhouse",
                ["peer_support", "mental_health", "employment"],
                "A clubhouse for people living with mental illness: meaningful work, meals and friendship.",
                info=["peer_staffed", "walk_in"],
                hours=weekdays("09:00", "16:00"),
            ),
        ],
    ),
    Org(
        "duwamish_learning",
        "Duwamish Adult Learning Center",
        "delridge",
        "Delridge Learning Center",
        "Adult basic education, GED preparation and English classes.",
        [
            Spec(
                "Duwamish GED and High School Completion",
                ["education"],
                "Free GED classes and testing vouchers; evening and daytime classes.",
                languages=["en", "es", "so", "vi"],
                ages=(16, None),
                hours=[weekly("MO,TU,WE,TH", "09:00", "12:00"), weekly("MO,WE", "18:00", "20:30")],
            ),
            Spec(
                "Duwamish Digital Skills Lab",
                ["education", "employment"],
                "Computer basics, email and online job applications.",
                info=["walk_in"],
                hours=[weekly("TU,TH", "13:00", "16:00")],
            ),
        ],
    ),
    Org(
        "bitter_lake",
        "Bitter Lake Housing",
        "aurora",
        "Linden Court Apartments",
        "Supportive and affordable housing in north Seattle.",
        [
            Spec(
                "Linden Court Supportive Housing",
                ["housing", "case_management", "health_care"],
                "Permanent supportive housing with an on-site nurse; Housing First.",
                info=["housing_first", "low_barrier"],
                ages=(18, None),
                pools=[Pool("Public apartments", "apartment", 0, 70, 20.0, waitlist=25)],
            ),
            Spec(
                "Bitter Lake Affordable Apartments",
                ["housing"],
                "Income-restricted apartments; screening includes photo ID and background checks.",
                elig={"id_required": "true", "excludes_criminal_record": "true", "no_pets": "true"},
                ages=(18, None),
                hours=weekdays("10:00", "16:00"),
                pools=[Pool("Vacancies", "apartment", 2, 120, 50.0, waitlist=40)],
            ),
        ],
    ),
    Org(
        "valley_hr",
        "Valley Harm Reduction",
        "kent",
        "Central Avenue Harm Reduction Hub",
        "Harm reduction and low-barrier health care in the Kent valley.",
        [
            Spec(
                "Valley Syringe Services",
                ["harm_reduction", "health_care"],
                "Syringe services, naloxone, testing and wound care.",
                info=LOW + ["peer_staffed"],
                languages=["en", "es"],
                hours=[weekly("MO,WE,FR", "11:00", "17:00")],
            ),
            Spec(
                "Valley Low-Barrier Buprenorphine",
                ["moud", "harm_reduction"],
                "Same-day buprenorphine with no appointment and no counselling requirement.",
                info=LOW,
                languages=["en", "es"],
                hours=[weekly("MO,WE,FR", "11:00", "16:00")],
            ),
        ],
    ),
    Org(
        "kent_housing",
        "Kent Valley Housing Partners",
        "kent",
        "Meeker Commons",
        "Housing First apartments and rapid rehousing in south King County.",
        [
            Spec(
                "Meeker Commons Supportive Housing",
                ["housing", "case_management"],
                "Permanent supportive housing; no sobriety or treatment requirement.",
                info=["housing_first"],
                ages=(18, None),
                pools=[slots(1, 60, 26.0, waitlist=1)],
            ),
            Spec(
                "South King Rapid Rehousing",
                ["housing", "case_management"],
                "Move-in costs and short-term rent help with a case manager.",
                info=["housing_first"],
                hours=OFFICE,
                pools=[slots(3, 40, 100.0)],
            ),
        ],
    ),
    Org(
        "eastside_rehousing",
        "Eastside Rehousing Network",
        "bellevue",
        "110th Avenue Housing Office",
        "Rapid rehousing and diversion funds for the Eastside.",
        [
            Spec(
                "Eastside Rapid Rehousing",
                ["housing", "case_management", "benefits"],
                "Short-term rent help and housing search.",
                info=["housing_first"],
                languages=["en", "es", "zh", "ru"],
                hours=OFFICE,
                pools=[slots(0, 35, 30.0, waitlist=8)],
            ),
            Spec(
                "Eastside Shelter Diversion Fund",
                ["housing", "case_management"],
                "One-time help to stay housed or move in with family instead of entering shelter.",
                hours=OFFICE,
            ),
        ],
    ),
    Org(
        "meydenbauer",
        "Meydenbauer Night Shelter",
        "bellevue",
        "NE 8th Street Shelter",
        "Year-round overnight shelter for adults in Bellevue.",
        [
            Spec(
                "Meydenbauer Adult Shelter",
                ["shelter", "case_management"],
                "Year-round shelter with a day center; case managers work toward housing.",
                info=["low_barrier"],
                languages=["en", "es", "zh", "ru"],
                ages=(18, None),
                hours=H24,
                pools=[beds(3, 100, 1.0)],
            ),
            Spec(
                "Meydenbauer Day Center",
                ["food", "clothing", "employment"],
                "Meals, laundry and job search help during the day.",
                info=["walk_in"],
                hours=[weekly(ALL_DAYS, "08:00", "17:00")],
            ),
        ],
    ),
    Org(
        "kelsey_creek",
        "Kelsey Creek Women's Shelter",
        "crossroads",
        "Kelsey Creek House",
        "Shelter and support for women and families on the Eastside.",
        [
            Spec(
                "Kelsey Creek Women's Shelter",
                ["shelter"],
                "Shelter for women and nonbinary adults, with children welcome.",
                elig={"genders": "female,nonbinary"},
                languages=["en", "es", "zh"],
                hours=H24,
                pools=[beds(1, 30, 3.0)],
            ),
            Spec(
                "Kelsey Creek Domestic Violence Advocacy",
                ["legal", "case_management", "crisis"],
                "Confidential advocacy, protection orders and safety planning.",
                elig={"genders": "female,nonbinary"},
                languages=["en", "es", "zh", "ko"],
                hours=H24,
                own_phone=True,
            ),
        ],
    ),
    Org(
        "lake_hills_bh",
        "Lake Hills Behavioral Health",
        "crossroads",
        "156th Avenue Clinic",
        "Mental health and substance use treatment for the Eastside.",
        [
            Spec(
                "Lake Hills Outpatient Treatment",
                ["sud_treatment", "moud", "mental_health"],
                "Outpatient treatment with buprenorphine and therapy.",
                elig={"insurance": "medicaid,medicare,private"},
                languages=["en", "es", "zh", "ru"],
                hours=weekdays("08:00", "19:00"),
                pools=[appointments(4, 12, 8.0)],
            ),
            Spec(
                "Lake Hills Crisis Line",
                ["crisis", "mental_health"],
                "Phone crisis counselling around the clock.",
                hours=H24,
                own_phone=True,
            ),
            Spec(
                "Eastside Mobile Crisis Team",
                ["crisis", "mental_health", "transportation"],
                "Mental health professionals who respond with or instead of police on the Eastside.",
                intercepts=[0, 1],
                languages=["en", "es", "zh"],
                hours=H24,
                own_phone=True,
            ),
        ],
    ),
    Org(
        "bellevue_law",
        "Bellevue Community Law Clinic",
        "bellevue",
        "Bellevue Way Law Office",
        "Free legal advice on the Eastside.",
        [
            Spec(
                "Bellevue Free Legal Advice",
                ["legal"],
                "Free legal advice evenings by appointment or walk-in.",
                info=["walk_in"],
                languages=["en", "es", "zh"],
                hours=[weekly("TU,TH", "17:30", "20:00")],
            ),
        ],
    ),
    Org(
        "eastside_food",
        "Eastside Neighbors Food Bank",
        "bellevue",
        "NE 4th Street Food Bank",
        "Food assistance for Bellevue, Kirkland and Redmond.",
        [
            Spec(
                "Eastside Neighbors Food Bank",
                ["food"],
                "Weekly groceries with fresh produce.",
                info=["walk_in"],
                languages=["en", "es", "zh", "ru", "ko"],
                hours=[weekly("MO,WE,FR", "10:00", "15:00")],
            ),
            Spec(
                "Eastside Benefits Clinic",
                ["benefits"],
                "Food assistance and Apple Health sign-ups.",
                languages=["en", "es", "zh"],
                hours=[weekly("WE", "10:00", "14:00")],
            ),
        ],
    ),
    Org(
        "sammamish_youth",
        "Sammamish River Youth Services",
        "redmond",
        "Cleveland Street Youth House",
        "Shelter and support for young people on the Eastside.",
        [
            Spec(
                "Sammamish River Youth Haven",
                ["shelter", "case_management"],
                "Shelter for young people 12 to 17, with family reunification support.",
                ages=(12, 17),
                hours=H24,
                pools=[beds(2, 8, 4.0)],
            ),
            Spec(
                "Sammamish River Young Adult Shelter",
                ["shelter"],
                "Overnight shelter for young adults 18 to 24.",
                info=["low_barrier"],
                ages=(18, 24),
                hours=overnight("19:00", "08:00"),
                pools=[beds(3, 15, 1.0)],
            ),
            Spec(
                "Sammamish River Youth Drop-In",
                ["food", "clothing", "education"],
                "Meals, clothes and school support for young people.",
                info=["walk_in"],
                ages=(12, 24),
                hours=weekdays("14:00", "20:00"),
            ),
        ],
    ),
    Org(
        "cleveland_pantry",
        "Cleveland Street Food Pantry",
        "redmond",
        "Cleveland Street Pantry",
        "Redmond's food pantry.",
        [
            Spec(
                "Cleveland Street Food Pantry",
                ["food"],
                "Groceries twice a week; halal and vegetarian options.",
                info=["walk_in"],
                languages=["en", "es", "zh", "ru", "so"],
                hours=[weekly("TU", "16:00", "19:00"), weekly("SA", "09:00", "12:00")],
            ),
        ],
    ),
    Org(
        "redmond_health",
        "Redmond Family Clinic",
        "redmond",
        "Redmond Way Clinic",
        "Community health center in Redmond.",
        [
            Spec(
                "Redmond Family Medicine",
                ["health_care", "mental_health"],
                "Primary care and behavioral health for all ages.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                languages=["en", "es", "zh", "ru"],
                hours=weekdays("08:00", "17:00"),
            ),
        ],
    ),
    Org(
        "moss_bay",
        "Moss Bay Interfaith Shelter",
        "kirkland",
        "Central Way Fellowship Hall",
        "Congregations hosting shelter for women and families in Kirkland.",
        [
            Spec(
                "Moss Bay Women and Family Shelter",
                ["shelter"],
                "Overnight shelter for women and families hosted by local congregations.",
                elig={"genders": "female,nonbinary", "no_pets": "true"},
                hours=overnight("18:30", "07:30"),
                pools=[beds(2, 20, 2.0)],
            ),
            Spec(
                "Moss Bay Safe Parking",
                ["shelter"],
                "Overnight parking lot for people living in cars.",
                hours=overnight("19:00", "07:00"),
                pools=[Pool("Parking spaces", "parking_space", 0, 12, 90.0)],
            ),
        ],
    ),
    Org(
        "totem_recovery",
        "Totem Lake Recovery Center",
        "totem_lake",
        "124th Street Recovery Center",
        "Detox and residential treatment on the Eastside.",
        [
            Spec(
                "Totem Lake Detox",
                ["withdrawal_management", "moud"],
                "Medically managed withdrawal with MOUD.",
                elig={"insurance": "medicaid,medicare,private"},
                intercepts=[0, 1],
                ages=(18, None),
                hours=H24,
                pools=[beds(2, 14, 1.0)],
            ),
            Spec(
                "Totem Lake Residential Treatment",
                ["sud_treatment"],
                "30-day residential program; abstinence-based.",
                elig={"insurance": "private,medicaid", "excludes_moud": "true"},
                ages=(18, None),
                hours=H24,
                pools=[beds(2, 24, 9.0)],
            ),
        ],
    ),
    Org(
        "totem_jobs",
        "Totem Lake Job Center",
        "totem_lake",
        "Totem Lake Job Center",
        "Employment and education help in north Kirkland.",
        [
            Spec(
                "Totem Lake Job Center",
                ["employment", "education", "benefits"],
                "Job search, training vouchers and unemployment help.",
                info=["walk_in"],
                languages=["en", "es", "ru"],
                hours=weekdays("08:30", "16:30"),
            ),
        ],
    ),
    Org(
        "shoreline_care",
        "Shoreline Community Care",
        "shoreline",
        "Midvale Community Center",
        "Shelter, food and health care in Shoreline.",
        [
            Spec(
                "Shoreline Night Shelter",
                ["shelter"],
                "Overnight shelter for adults in a converted nursing home.",
                info=["low_barrier", "housing_first"],
                ages=(18, None),
                hours=H24,
                pools=[beds(4, 60, 2.0)],
            ),
            Spec(
                "Shoreline Food Pantry",
                ["food"],
                "Weekly groceries.",
                info=["walk_in"],
                languages=["en", "es", "ko"],
                hours=[weekly("TH", "11:00", "17:00")],
            ),
            Spec(
                "Midvale Health Clinic",
                ["health_care", "mental_health", "moud"],
                "Primary care, mental health and buprenorphine.",
                elig={"insurance": "medicaid,medicare,uninsured"},
                languages=["en", "es", "ko"],
                hours=weekdays("08:00", "17:00"),
                pools=[appointments(2, 8, 2.0)],
            ),
        ],
    ),
    Org(
        "tiger_mountain",
        "Tiger Mountain Community Services",
        "issaquah",
        "Front Street Resource Center",
        "Food, benefits and rent help in Issaquah.",
        [
            Spec(
                "Tiger Mountain Food Pantry",
                ["food"],
                "Groceries and hygiene supplies.",
                info=["walk_in"],
                hours=[weekly("MO,TH", "10:00", "14:00")],
            ),
            Spec(
                "Tiger Mountain Benefits and Rent Help",
                ["benefits", "case_management"],
                "Emergency rent and utility help, benefits applications.",
                hours=weekdays("09:00", "16:00"),
            ),
        ],
    ),
    Org(
        "mount_si",
        "Mount Si Community Resources",
        "north_bend",
        "North Bend Way Center",
        "Rural services for the upper Snoqualmie Valley.",
        [
            Spec(
                "Mount Si Winter Shelter",
                ["shelter"],
                "Severe-weather and winter overnight shelter.",
                hours=[
                    seasonal(
                        ALL_DAYS,
                        "18:00",
                        "08:00",
                        "2026-11-15",
                        "2027-03-15",
                        "Nightly 18:00-08:00, November 15 to March 15.",
                    )
                ],
                pools=[beds(6, 12, 72.0)],
            ),
            Spec(
                "Mount Si Food Bank",
                ["food", "clothing"],
                "Groceries and a clothing closet.",
                info=["walk_in"],
                hours=[weekly("WE", "12:00", "18:00"), weekly("SA", "10:00", "12:00")],
            ),
            Spec(
                "Snoqualmie Valley Rides",
                ["transportation"],
                "Rides to Issaquah, Bellevue and Seattle for medical care and court.",
                hours=weekdays("07:00", "18:00"),
            ),
            Spec(
                "Mount Si Recovery Meetings",
                ["peer_support"],
                "Peer-led recovery meetings, all pathways welcome.",
                info=["peer_staffed", "walk_in"],
                hours=[weekly("MO,TH", "19:00", "20:30")],
            ),
        ],
    ),
    Org(
        "quartermaster",
        "Quartermaster Harbor Community Services",
        "vashon",
        "Bank Road Community Center",
        "Island services for Vashon and Maury.",
        [
            Spec(
                "Vashon Island Food Bank",
                ["food"],
                "Groceries for island residents.",
                info=["walk_in"],
                hours=[weekly("TU,FR", "11:00", "15:00")],
            ),
            Spec(
                "Vashon Island Health Center",
                ["health_care", "mental_health"],
                "Primary care and counselling.",
                elig={"insurance": "medicaid,medicare,private,uninsured"},
                hours=weekdays("09:00", "17:00"),
            ),
            Spec(
                "Vashon Ferry Fare Help",
                ["transportation"],
                "Ferry tickets for medical, court and treatment trips off island.",
                hours=[weekly("MO,WE,FR", "10:00", "14:00")],
            ),
        ],
    ),
]

# ---------------------------------------------------------------------------------------------
# Building the HSDS 3.1 services.


def uid(*parts: object) -> str:
    return str(uuid.uuid5(SAMPLE_NS, "/".join(str(p) for p in parts)))


def profile_uid(*parts: object) -> str:
    return str(uuid.uuid5(PROFILE_NS, "/".join(str(p) for p in parts)))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def unit_interval(*parts: object) -> float:
    """A number in [0, 1) fixed by the parts: the stand-in for randomness, identical on every run."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def site_point(place: Place, key: str) -> tuple[float, float]:
    """A point within the place's spread, spread evenly over the disc rather than bunched at its centre."""
    angle = 2 * math.pi * unit_interval(key, "angle")
    distance = place.spread_km * math.sqrt(unit_interval(key, "distance"))
    lat = place.lat + distance * math.sin(angle) / 111.32
    lon = place.lon + distance * math.cos(angle) / (111.32 * math.cos(math.radians(place.lat)))
    return round(lat, 6), round(lon, 6)


def street_address(place: Place, key: str) -> tuple[str, str | None]:
    street = place.streets[int(unit_interval(key, "street") * len(place.streets))]
    number = 100 + int(unit_interval(key, "number") * 2900)
    suite = None
    if unit_interval(key, "suite") < 0.25:
        suite = f"Suite {100 * (1 + int(unit_interval(key, 'floor') * 4))}"
    return f"{number} {street}", suite


class PhoneBook:
    """Hands out numbers in the 555-0100..0199 range, reserved for fiction, one sequence per area code."""

    def __init__(self) -> None:
        self.next_line: dict[str, int] = {}

    def number(self, area_code: str) -> str:
        line = self.next_line.get(area_code, 100)
        if line > 199:
            raise ValueError(f"more than 100 sample phone numbers in area code {area_code}")
        self.next_line[area_code] = line + 1
        return f"{area_code}-555-{line:04d}"


def term(taxonomy: str, code: str, name: str) -> dict[str, Any]:
    return {
        "id": profile_uid("term", taxonomy, code),
        "code": code,
        "name": name,
        "description": name,
        "taxonomy_id": profile_uid("taxonomy", taxonomy),
        "taxonomy": taxonomy,
    }


def attribute(service_id: str, taxonomy: str, code: str, name: str, value: str | None = None) -> dict[str, Any]:
    t = term(taxonomy, code, name)
    a: dict[str, Any] = {
        "id": uid("attribute", service_id, taxonomy, code),
        "link_id": service_id,
        "link_entity": "service",
        "link_type": taxonomy,
        "taxonomy_term_id": t["id"],
        "taxonomy_term": t,
    }
    if value is not None:
        a["value"] = value
    return a


def eligibility_description(spec: Spec) -> str | None:
    """The rules in words, as an intake worker would say them."""
    parts: list[str] = []
    low, high = spec.ages
    if low is not None and high is not None:
        parts.append(f"Ages {low} to {high}.")
    elif low is not None:
        parts.append(f"Ages {low} and over.")
    words = {
        "sobriety_required": "Must be clean and sober.",
        "excludes_moud": "Cannot admit people taking methadone or buprenorphine.",
        "excludes_sex_work": "Cannot admit people engaged in sex work.",
        "id_required": "Photo ID required.",
        "excludes_criminal_record": "Background check; some convictions disqualify.",
        "no_pets": "No pets.",
    }
    for code, value in spec.elig.items():
        if code == "genders":
            parts.append("Serves: " + value.replace(",", ", ") + ".")
        elif code == "insurance":
            parts.append("Accepts: " + value.replace(",", ", ") + ".")
        else:
            parts.append(words[code])
    if "religious_participation_required" in spec.info:
        parts.append("Guests take part in chapel services.")
    return " ".join(parts) or None


def location(org: Org, site: Site, phones: str) -> dict[str, Any]:
    place = PLACES[site.place]
    key = f"{org.key}/{site.key}"
    lid = uid("location", key)
    lat, lon = site_point(place, key)
    address_1, address_2 = street_address(place, key)
    address: dict[str, Any] = {
        "id": uid("address", key),
        "location_id": lid,
        "address_1": address_1,
        "city": place.city,
        "state_province": "WA",
        "postal_code": place.postal_code,
        "country": "US",
        "address_type": "physical",
    }
    if address_2:
        address["address_2"] = address_2
    return {
        "id": lid,
        "location_type": "physical",
        "name": site.name,
        "organization_id": uid("organization", org.key),
        "description": f"{site.name}, {place.city}. {SAMPLE_NOTE}",
        "latitude": lat,
        "longitude": lon,
        "addresses": [address],
        "phones": [{"id": uid("phone", "location", key), "number": phones, "type": "voice"}],
    }


def pathways_of(spec: Spec) -> list[str]:
    """How a service receives people (deflection-pathway), unless the spec says: community services at
    intercept 0 take self-referrals; mobile teams go out to people; harm reduction hands out naloxone
    with a follow-up; services at intercept 1 take people officers refer (prevention, before a charge)
    and bring (intervention, instead of one)."""
    if spec.pathways is not None:
        return spec.pathways
    found = []
    if 0 in spec.intercepts:
        found.append("self_referral")
    if spec.area is not None:
        found.append("active_outreach")
    if "harm_reduction" in spec.needs:
        found.append("naloxone_plus")
    if 1 in spec.intercepts:
        found += ["officer_prevention", "officer_intervention"]
    return found


def service(org: Org, spec: Spec, org_phone: str, book: PhoneBook) -> dict[str, Any]:
    sid = uid("service", org.key, spec.name)
    oid = uid("organization", org.key)
    org_slug = slug(org.name)
    sites = spec.sites or [Site("main", org.site_name, org.place)]
    locations = {s.key: location(org, s, org_phone) for s in sites}
    phone = book.number(PLACES[sites[0].place].area_code) if spec.own_phone else org_phone

    attributes = [attribute(sid, "divert-needs", n, NEED_NAMES[n]) for n in spec.needs]
    attributes += [
        attribute(sid, "divert-eligibility", code, ELIGIBILITY_NAMES[code], value) for code, value in spec.elig.items()
    ]
    attributes += [attribute(sid, "divert-eligibility", code, ELIGIBILITY_NAMES[code], "true") for code in spec.info]
    attributes += [attribute(sid, "sim-intercept", str(i), INTERCEPT_NAMES[i]) for i in spec.intercepts]
    attributes += [attribute(sid, "deflection-pathway", code, PATHWAY_NAMES[code]) for code in pathways_of(spec)]

    svc: dict[str, Any] = {
        "id": sid,
        "name": spec.name,
        "status": spec.status,
        "description": f"{spec.summary} {SAMPLE_NOTE}",
        "url": f"https://example.org/{org_slug}/{slug(spec.name)}",
        "email": f"{org_slug}@example.org",
        "organization_id": oid,
        "organization": {
            "id": oid,
            "name": org.name,
            "description": f"{org.summary} {SAMPLE_NOTE}",
            "email": f"{org_slug}@example.org",
            "website": f"https://example.org/{org_slug}",
        },
        "attributes": attributes,
        "languages": [{"id": uid("language", sid, c), "code": c, "name": LANGUAGE_NAMES[c]} for c in spec.languages],
        "phones": [
            {
                "id": uid("phone", "service", sid),
                "number": phone,
                "type": "voice",
                "description": "24-hour line" if spec.own_phone else "Main line",
            }
        ],
        "service_at_locations": [
            {"id": uid("service_at_location", sid, key), "service_id": sid, "location_id": loc["id"], "location": loc}
            for key, loc in locations.items()
        ],
        "capacities": [],
        "schedules": [],
    }
    if spec.assured:
        # Assured on a fixed date in the three months before the reference time.
        assured = date(2026, 8, 20) + timedelta(days=int(unit_interval(sid, "assured") * 90))
        svc["assured_date"] = assured.isoformat()
        svc["assurer_email"] = "curator@example.org"
    if (description := eligibility_description(spec)) is not None:
        svc["eligibility_description"] = description
    if "walk_in" in spec.info:
        svc["application_process"] = "Walk in during open hours."
    low, high = spec.ages
    if low is not None:
        svc["minimum_age"] = low
    if high is not None:
        svc["maximum_age"] = high
    if not spec.hours:
        svc["wait_time"] = "Call for hours and availability."

    for n, rule in enumerate(spec.hours):
        row = {"id": uid("schedule", sid, n), "service_id": sid, **{k: v for k, v in rule.items() if v is not None}}
        svc["schedules"].append(row)

    for pool in spec.pools:
        site_key = pool.site or sites[0].key
        svc["capacities"].append(
            {
                "id": uid("capacity", sid, pool.name),
                "service_id": sid,
                "description": pool.name,
                "unit": {"id": pool.unit, "name": UNIT_NAMES[pool.unit]},
                "available": pool.available,
                "maximum": pool.maximum,
                "waitlist": pool.waitlist,
                "reserved_for": list(pool.reserved_for),
                "location_id": locations[site_key]["id"],
                "updated": (REFERENCE_TIME - timedelta(hours=pool.hours_ago)).isoformat(),
            }
        )

    if spec.area is not None:
        area_name, ring = SERVICE_AREAS[spec.area]
        extent = {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in ring + ring[:1]]]}
        svc["service_areas"] = [
            {
                "id": uid("service_area", sid),
                "service_id": sid,
                "name": area_name,
                "description": f"{spec.name} works across {area_name}.",
                "extent": json.dumps(extent),
                "extent_type": "geojson",
            }
        ]
    return svc


def build_catalog() -> list[dict[str, Any]]:
    book = PhoneBook()
    services: list[dict[str, Any]] = []
    for org in ORGS:
        org_phone = book.number(PLACES[org.place].area_code)
        services.extend(service(org, spec, org_phone, book) for spec in org.services)
    return services


def render(services: list[dict[str, Any]]) -> str:
    return json.dumps(services, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs from what would be generated")
    args = parser.parse_args(argv)
    text = render(build_catalog())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if current != text:
            print(f"{args.out} is out of date: run scripts/make_sample_region.py", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8", newline="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
