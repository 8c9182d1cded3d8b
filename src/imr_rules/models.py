"""Typed models of a parsed IMR letter (the `Determination`) and the spans that tie them to text.

Every span is a half-open `[start, end)` character range into the original letter text, so that
`text[span.start:span.end] == span.text` always holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache, partial
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Decision = Literal["upheld", "overturned"]
GuidelineSource = Literal["MTUS", "ACOEM", "ODG", "other", "none"]


class Model(BaseModel):
    """Base for every model crossing a module boundary: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(Model):
    """Characters `[start, end)` of the source text, and the text they hold."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str = ""

    @classmethod
    def of(cls, source: str, start: int, end: int) -> Span:
        """The span `[start, end)` of `source`."""
        if cls is Span:
            return make_span(start, end, source[start:end])
        return cls(start=start, end=end, text=source[start:end])


_object_new = object.__new__
# The setters of the four slots every pydantic model has, called directly: cheaper than
# `object.__setattr__`, which looks each name up on the class first.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_M = TypeVar("_M", bound=BaseModel)


def _made(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """A `cls` holding `values` (every field, in the order `cls` declares them), as pydantic
    builds a validated one (these models have no extra fields and no private attributes)."""
    model = _object_new(cls)
    _set_dict(model, values)
    _set_fields_set(model, fields_set)
    _set_extra(model, None)
    _set_private(model, None)
    return model


def make_span(start: int, end: int, text: str) -> Span:
    """`Span(start=start, end=end, text=text)`, built the way pydantic builds a validated one
    but without running the validator when the values are plainly valid (spans are made by
    the thousand in extraction's hot loops); anything else is validated as usual."""
    if type(start) is int and type(end) is int and type(text) is str and start >= 0 \
            and end >= 0:
        return _made(Span, {"start": start, "end": end, "text": text}, {"start", "end", "text"})
    return Span(start=start, end=end, text=text)


def make_text_block(text: str, start: int, end: int) -> TextBlock:
    """`TextBlock(text=text, span=Span(start=start, end=end, text=text))`, built as `make_span`
    builds a span (the parser makes a dozen blocks per letter)."""
    span = make_span(start, end, text)
    if type(text) is str:
        return _made(TextBlock, {"text": text, "span": span}, {"text", "span"})
    return TextBlock(text=text, span=span)


def make_model(cls: type[_M], **values: Any) -> _M:
    """`cls(**values)` without running the validator, for values the caller has made valid:
    each of its field's type exactly (a `str`, not a subclass; a `float`, not an `int`) and
    within the field's constraints. Fields left out take their defaults, as validation gives
    them; the fields stand in the order `cls` declares them. (The parser builds a few dozen
    models per letter, extraction a few dozen facts.)"""
    shared, fresh = _defaults(cls)
    if len(values) == len(shared) and list(values) == list(shared):
        # Every field, in declared order (as the parser gives them): this call's own keyword
        # dict is the model's dict as validation makes it.
        return _made(cls, values, set(values))
    made = shared.copy()  # every field, in declared order; `update` keeps that order
    made.update(values)
    if len(made) != len(shared):  # as `extra="forbid"` would refuse them
        raise TypeError(f"{cls.__name__} has no field {sorted(values.keys() - shared.keys())}")
    for name, default in fresh.items():
        if name not in values:
            made[name] = default()
    return _made(cls, made, set(values))


# Defaults validation hands out as they are (`FieldInfo.get_default` copies only others).
_IMMUTABLE = frozenset({type(None), bool, int, float, str, bytes, date})


@cache  # one entry per model class
def _defaults(cls: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    """`cls`'s fields in declared order, each with its default where every model may share
    it; and for the other fields, what makes each model its own default (a new empty list or
    dict; anything else as `get_default` gives it) or refuses a required field left out."""
    shared: dict[str, Any] = {}
    fresh: dict[str, Callable[[], Any]] = {}
    for name, info in cls.__pydantic_fields__.items():
        default = info.default
        if info.default_factory is None and type(default) in _IMMUTABLE:
            shared[name] = default
            continue
        shared[name] = None  # its place in the declared order, filled for each model
        if info.is_required():
            fresh[name] = partial(_missing, cls.__name__, name)
        elif info.default_factory is None and type(default) in (list, dict) and not default:
            fresh[name] = type(default)
        else:
            fresh[name] = partial(info.get_default, call_default_factory=True)
    return shared, fresh


def _missing(model: str, field: str) -> Any:
    raise TypeError(f"{model} needs field {field!r}")  # as validation would refuse the model


def copy_model(model: _M, update: dict[str, Any]) -> _M:
    """`model.model_copy(update=update)` (the same fields, fields set and field order), for a
    model with no extra fields and no private attributes, built directly: pydantic's copy
    goes through `copy.copy` for each of the model's slots."""
    return _made(type(model), {**model.__dict__, **update},
                 {*model.__pydantic_fields_set__, *update})


class TextBlock(Model):
    """A piece of the letter: its text (whitespace as in the letter) and where it stands."""

    text: str
    span: Span


class Reviewer(Model):
    specialty: str | None = None
    licensure_states: list[str] = []
    title: str | None = None  # "expert reviewer", "physician reviewer"


class Patient(Model):
    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: date | None = None


class KeyDates(Model):
    request_for_authorization: date | None = None
    utilization_review: date | None = None


class Citation(Model):
    """The guideline a decision cites, parsed from its 'MAXIMUS guideline' paragraph."""

    source: GuidelineSource
    mtus_based: bool
    guideline: str | None = None  # "Chronic Pain Medical Treatment Guidelines"
    edition: str | None = None  # "2009", "2nd Edition (2004)"
    chapter: str | None = None
    sections: list[str] = []
    pages: list[str] = []  # as written: "46", "74-94"
    text: str = ""
    span: Span | None = None


class Item(Model):
    """One disputed treatment and its decision."""

    index: int = Field(ge=1, description="1-based position of the item in the letter")
    request: TextBlock
    decision: Decision
    decision_span: Span
    claims_administrator_guideline: TextBlock | None = None
    guideline: Citation
    rationale: TextBlock


class Determination(Model):
    """A parsed IMR final determination letter."""

    source: str
    reviewer: Reviewer
    patient: Patient
    dates: KeyDates
    summary: TextBlock
    items: list[Item]


class DrugEntry(BaseModel):
    """One drug product of lexicons/drugs.yaml: what the letters call it and what it is.

    Kept with the other pydantic models, out of `lexicon`, which mypyc may compile."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    name: str
    aliases: list[str] = []
    generic: str
    drug_class: str = Field(alias="class")
    ingredients: list[str] = []
    formulation: str | None = None
