"""The functions a plan's lines belong to, and the one table of their names.

A finance lead writes "HR", "Human resources" or "People & culture" for the
same function. The table below maps each spelling to one canonical function
with its kind; every place that compares function names (the workbook
reader, the policy panel, Functions-sheet rules, ratio rules, the kind a new
function is given) goes through :func:`canonical` and :func:`default_kind`;
the balance check finds acquisition and existing customers through the two
:class:`FunctionGroup` s here.
A function not in the table is known by its own name, and is a customer
function unless the plan says otherwise.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "ACQUISITION",
    "BACK_OFFICE",
    "CANONICAL_FUNCTIONS",
    "EXISTING_CUSTOMERS",
    "KEY_FUNCTIONS",
    "CanonicalFunction",
    "FunctionGroup",
    "Kind",
    "canonical",
    "default_kind",
    "fold_accents",
    "function_key",
    "known_kind",
    "normalise_name",
    "spelling_key",
]


class Kind(StrEnum):
    CUSTOMER = "customer"
    INTERNAL = "internal"


@dataclass(frozen=True, slots=True)
class CanonicalFunction:
    """A function known by several names."""

    name: str  # as the window shows it: "HR"
    kind: Kind
    spellings: tuple[str, ...]  # every name it goes by, as typed (compared by :func:`spelling_key`)


#: The functions behind the customer, in the order the window shows them, each with the names
#: finance teams give it in English, German, French and Spanish. Only a function's own names
#: belong here: a generic word (Service, Support, Operations, Administration, Corporate services,
#: Shared services, Communication) names no function of the table and is a customer function
#: unless the plan says otherwise.
CANONICAL_FUNCTIONS: Final = (
    CanonicalFunction(
        "HR",
        Kind.INTERNAL,
        (
            "HR",
            "Human resources",
            "Human resource",
            "HRM",
            "Human resource management",
            "Human capital",
            "People",
            "People & culture",
            "People culture",
            "People ops",
            "People operations",
            "People team",
            "Personnel",
            "Talent",
            "Talent & culture",
            "Talent management",
            # German
            "Personal",
            "Personalabteilung",
            "Personalwesen",
            "Personalmanagement",
            "Personal & Organisation",
            "HR-Abteilung",
            # French
            "RH",
            "Ressources humaines",
            "DRH",
            "Direction des ressources humaines",
            # Spanish
            "Recursos humanos",
            "RRHH",
            "Personas",
            "Personas y cultura",
            "Gestión de personas",
        ),
    ),
    CanonicalFunction(
        "IT",
        Kind.INTERNAL,
        (
            "IT",
            "Information technology",
            "Information technologies",
            "Information systems",
            "IS",
            "IT/IS",
            "IS/IT",
            "ICT",
            "Tech",
            "Technology",
            "IT services",
            "IT & digital",
            "Digital & IT",
            # German
            "EDV",
            "IT-Abteilung",
            "Informationstechnik",
            "Informationstechnologie",
            "Informatik",
            # French
            "Informatique",
            "DSI",
            "SI",
            "Systèmes d'information",
            "Direction des systèmes d'information",
            # Spanish
            "Tecnología",
            "Tecnologías de la información",
            "Tecnología de la información",
            "TI",
            "Sistemas",
            "Sistemas de información",
            "Informática",
        ),
    ),
    CanonicalFunction(
        "Internal comms",
        Kind.INTERNAL,
        (
            "Internal comms",
            "Internal communications",
            "Internal communication",
            "Employee communications",
            "Employee communication",
            "Employee comms",
            "Comms",
            # German
            "Interne Kommunikation",
            "Mitarbeiterkommunikation",
            # French
            "Communication interne",
            "Communications internes",
            # Spanish
            "Comunicación interna",
            "Comunicaciones internas",
        ),
    ),
)
#: The functions behind the customer whose floors the window shows first (HR, IT, Internal comms).
KEY_FUNCTIONS: Final = tuple(f for f in CANONICAL_FUNCTIONS if f.kind is Kind.INTERNAL)


def fold_accents(text: str) -> str:
    """The text without accents: ``Libellé`` is ``Libelle``, ``Área`` is ``Area``."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_BRACKETS: Final = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]")


def spelling_key(text: str) -> str:
    """How spellings are compared.

    No case, accents, spaces or punctuation; ``&`` is ``and``; a bracketed
    abbreviation is ignored (``Information Technology (IT)`` is ``Information
    technology``) unless the brackets hold the whole name.
    """
    if "(" in text or "[" in text or "{" in text:
        text = _BRACKETS.sub("", text) if _BRACKETS.sub("", text).strip() else text
    folded = fold_accents(text.replace("&", "and").casefold())
    return "".join(ch for ch in folded if ch.isalnum())


_BY_SPELLING: Final = {
    spelling_key(spelling): function for function in CANONICAL_FUNCTIONS for spelling in function.spellings
}


@functools.lru_cache(maxsize=8192)
def canonical(name: str) -> CanonicalFunction | None:
    """The canonical function ``name`` is a spelling of, or None for a function not in the table."""
    return _BY_SPELLING.get(spelling_key(name))


@dataclass(frozen=True, slots=True)
class FunctionGroup:
    """Customer functions the balance check weighs together, known by any of their names.

    A group is not one function: a plan's "Acquisition" and "Growth" stay two
    functions, both in the acquisition group.
    """

    name: str
    spellings: tuple[str, ...]

    def __contains__(self, function: object) -> bool:
        return isinstance(function, str) and spelling_key(function) in _group_keys(self)


@functools.lru_cache(maxsize=16)
def _group_keys(group: FunctionGroup) -> frozenset[str]:
    return frozenset(map(spelling_key, group.spellings))


#: Money spent winning new customers.
ACQUISITION: Final = FunctionGroup(
    "acquisition", ("Acquisition", "Customer acquisition", "New customers", "Growth", "Demand generation")
)
#: Money spent on the customers the company has (service and loyalty).
EXISTING_CUSTOMERS: Final = FunctionGroup(
    "existing customers",
    ("Customer service", "Service", "Support", "Loyalty", "Retention", "Customer success"),
)
#: Divisions that group the functions behind the customer: internal when nothing says otherwise.
BACK_OFFICE: Final = FunctionGroup(
    "back office",
    (
        "Corporate services",
        "Corporate functions",
        "Shared services",
        "Shared service centre",
        "Back office",
        "Support functions",
        "Central services",
        "Zentrale Dienste",
        "Zentralbereich",
        "Services généraux",
        "Fonctions support",
        "Servicios corporativos",
        "Servicios centrales",
    ),
)


@functools.lru_cache(maxsize=8192)
def normalise_name(text: str) -> str:
    """How line names are compared: case and runs of spaces ignored."""
    return " ".join(text.split()).casefold()


@functools.lru_cache(maxsize=8192)
def function_key(name: str) -> str:
    """How function names are compared: every spelling of a canonical function is that function.

    Lines, Functions-sheet rules, ratio rules and the policy panel all match
    functions by this key; a function not in the table by its name, with case
    and runs of spaces ignored.
    """
    known = canonical(name)
    return normalise_name(known.name if known is not None else name)


def known_kind(function: str) -> Kind | None:
    """The kind the function's name says (a function of the table, a back-office division, a customer
    group such as Acquisition or Customer service), or None for a name that says nothing."""
    known = canonical(function)
    if known is not None:
        return known.kind
    if function in BACK_OFFICE:
        return Kind.INTERNAL
    if function in ACQUISITION or function in EXISTING_CUSTOMERS:
        return Kind.CUSTOMER
    return None


def default_kind(function: str) -> Kind:
    """The kind of a function no line or rule gives one: the table's, internal for a back-office
    division (Corporate services, Shared services), else customer."""
    known = canonical(function)
    if known is not None:
        return known.kind
    return Kind.INTERNAL if function in BACK_OFFICE else Kind.CUSTOMER
