"""Loading and checking the rule set in ``rules/``.

The whole set is validated before anything uses it: a broken file, an unknown
key, a quote that is not in its source, a condition on an undeclared question
or a duplicate id refuses the whole set, so nothing ever runs half-loaded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from advisor import rule_model as rm
from advisor.error_text import (
    TOO_DEEP_TEXT,
    file_problem_text,
    fill,
    nearest,
    nearest_text,
    toml_message,
    validation_text,
    visible,
)
from advisor.errors import FileProblem, RuleSetError
from advisor.files import read_text_bounded
from advisor.profile import fact_paths

#: Facts computed by the engine from the profile, with the answers they come from.
DERIVED_FACTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "derived.latest_revenue_wan": ("最近一个年度的营业收入", "万元", ("scale.revenue_wan",)),
    "derived.latest_revenue_growth_pct": ("最近一个年度营业收入增速", "%", ("scale.revenue_wan",)),
    "derived.survey_next_year_growth_pct": (
        "首次纳入一套表次年的营业收入增速",
        "%",
        ("scale.survey_first_year", "scale.revenue_wan"),
    ),
}


#: Rule files are tens of KB; anything far above is not a rule file and is not read.
MAX_RULE_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Catalogue:
    """A fully validated rule set."""

    sources: dict[str, rm.Source]
    common: dict[str, rm.CommonCondition]
    sections: list[rm.SectionInfo]
    questions: dict[str, rm.Question]
    materials: dict[str, rm.Material]
    measures: list[rm.Measure]
    texts: dict[str, str] = field(repr=False)
    root: Path = Path()
    groups: dict[str, rm.SameKindGroup] = field(default_factory=dict)
    interpretations: dict[str, rm.Interpretation] = field(default_factory=dict)
    retired: list[rm.Measure] = field(default_factory=list)  # replaced by a later text (docs/rules.md)
    vocabulary: rm.Vocabulary | None = None  # rules/vocabulary.toml (always set by load_catalogue)

    def interpretations_of(self, measure: rm.Measure) -> list[rm.Interpretation]:
        """The readings a measure rests on: its own and those of the common conditions it takes."""
        refs = list(measure.interpretations)
        common = self.common.get(measure.document)
        if common is not None and measure.id not in common.except_measures:
            refs += [r for r in common.interpretations if r not in refs]
        return [self.interpretations[r] for r in refs if r in self.interpretations]

    def groups_of(self, measure_id: str) -> list[rm.SameKindGroup]:
        """The same-kind groups (rules/groups.toml) a measure belongs to."""
        return [g for g in self.groups.values() if measure_id in g.members]

    def measure(self, measure_id: str) -> rm.Measure:
        for measure in self.measures:
            if measure.id == measure_id:
                return measure
        raise KeyError(measure_id)

    def context(self, document: str, quote: str, limit: int = 240) -> tuple[str, str, str]:
        """The paragraph around a quote: (text before, the quote, text after), each
        side cut to ``limit`` characters; empty sides when the quote is not found."""
        text = self.texts.get(document, "")
        start = text.find(quote)
        if start < 0:
            return "", quote, ""
        end = start + len(quote)
        para_start = text.rfind("\n", 0, start) + 1
        para_end = text.find("\n", end)
        before = text[para_start:start]
        after = text[end:] if para_end < 0 else text[end:para_end]
        if len(before) > limit:
            before = "…" + before[-limit:]
        if len(after) > limit:
            after = after[:limit] + "…"
        return before, quote, after

    def fact_label(self, fact: str) -> str:
        if fact in self.questions:
            return self.questions[fact].label
        if fact in DERIVED_FACTS:
            return DERIVED_FACTS[fact][0]
        return fact


def default_rules_dir() -> Path:
    """The rules shipped in the wheel, or the repository's ``rules/`` in a checkout."""
    package = Path(__file__).resolve().parent
    bundled = package / "_rules"
    if bundled.is_dir():
        return bundled
    return package.parent / "rules"


# --- error messages -----------------------------------------------------------------------


def _all_field_names() -> set[str]:
    names: set[str] = set()
    for obj in vars(rm).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel:
            names.update(obj.model_fields)
    return names


_FIELD_NAMES = _all_field_names()


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """Render a pydantic location as a TOML-ish key path, with the measure id if known."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            ident = (
                node[step].get("id")
                if isinstance(node, list) and step < len(node) and isinstance(node[step], dict)
                else None
            )
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step}]" + (f"(id={ident})" if ident else "")]
        elif isinstance(step, str) and ((isinstance(node, dict) and step in node) or True):
            parts.append(step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(p for p in parts if p)


def describe_validation_error(file: str, data: Any, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = tuple(
            step for step in item["loc"] if not ((isinstance(step, str) and step[:1].isupper()) or step in _AMOUNT_TAGS)
        )
        where = _where(data, loc) or "文件顶层"
        if item["type"] == "extra_forbidden":
            key = str(loc[-1]) if loc else "?"
            hint = nearest(key, _FIELD_NAMES)
            kind = "unknown_key_hint" if hint else "unknown_key"
            text = fill(kind, {"key": visible(key, 200), "hint": hint}, "rules")[1]
            problems.append(f"{file}: {where}: {text}")
        else:
            problems.append(f"{file}: {where}: {validation_text(item, 'rules', noun='规则')[1]}")
    return problems


_AMOUNT_TAGS = frozenset(rm.AMOUNT_KINDS)

_GROUPS_FILE, _INTERPRETATIONS_FILE = "groups.toml", "interpretations.toml"
_VOCABULARY_FILE = "vocabulary.toml"


def _optional_file(root: Path, name: str, model: type[BaseModel], problems: list[str]) -> Any:
    """A rule file that may be absent (then None); read and validated when present."""
    if not (root / name).exists():
        return None
    data = _read_toml(root / name, root, problems)
    return _validate(model, data, name, problems) if data is not None else None


# --- loading ------------------------------------------------------------------------------


def _read_toml(path: Path, root: Path, problems: list[str]) -> dict[str, Any] | None:
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        text = read_text_bounded(path, MAX_RULE_FILE_BYTES)
    except FileProblem as problem:
        problems.append(f"{name}: {file_problem_text(problem, '规则')}")
        return None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{name}: {toml_message(exc, text).rstrip('。')}")
    except RecursionError:
        problems.append(f"{name}: {TOO_DEEP_TEXT}")
    return None


def _validate(model: type[BaseModel], data: dict[str, Any], name: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(describe_validation_error(name, data, exc))
        return None
    except RecursionError:
        problems.append(f"{name}: 条件嵌套过深")
        return None


def _load_folder(root: Path, folder: str, model: type[BaseModel], problems: list[str]) -> list[tuple[str, Any]]:
    """Every ``*.toml`` of a rule folder, read and validated, in name order; failures go to ``problems``."""
    loaded = []
    for path in sorted((root / folder).glob("*.toml")):
        data = _read_toml(path, root, problems)
        name = f"{folder}/{path.name}"
        parsed = _validate(model, data, name, problems) if data is not None else None
        if parsed is not None:
            loaded.append((name, parsed))
    return loaded


def load_catalogue(root: Path | None = None) -> Catalogue:
    """Load and check every rule file under ``root``; raise RuleSetError on any problem."""
    root = Path(root) if root is not None else default_rules_dir()
    problems: list[str] = []
    if not root.is_dir():
        raise RuleSetError([f"{root}: 规则目录不存在"])

    sources_data = _read_toml(root / "sources.toml", root, problems)
    questions_data = _read_toml(root / "questions.toml", root, problems)
    sources_file = (
        _validate(rm.SourcesFile, sources_data, "sources.toml", problems) if sources_data is not None else None
    )
    questions_file = (
        _validate(rm.QuestionsFile, questions_data, "questions.toml", problems) if questions_data is not None else None
    )

    materials: dict[str, rm.Material] = {}
    for name, parsed in _load_folder(root, "materials", rm.MaterialsFile, problems):
        for material in parsed.material:
            if material.id in materials:
                problems.append(f"{name}: material.id: 材料 id“{material.id}”重复")
            materials[material.id] = material

    measures: list[rm.Measure] = []
    measure_files: dict[str, str] = {}
    if not any((root / "measures").glob("*.toml")):
        problems.append("measures/: 没有任何措施文件")
    before_measures = len(problems)
    for name, parsed in _load_folder(root, "measures", rm.MeasureFile, problems):
        for measure in parsed.measure:
            if measure.id in measure_files:
                problems.append(f"{name}: measure(id={measure.id}).id: 措施 id 与 {measure_files[measure.id]} 中的重复")
                continue
            measure_files[measure.id] = name
            measures.append(measure)
    # A measure file that failed to load leaves its ids unknown: references to them are not
    # reported again (the file's own problem is), so one typo gives one message.
    measures_complete = len(problems) == before_measures

    if sources_file is None or questions_file is None:
        raise RuleSetError(problems or ["sources.toml / questions.toml 无法载入"])

    sources = {s.id: s for s in sources_file.source}
    texts: dict[str, str] = {}
    for source in sources.values():
        try:
            texts[source.id] = read_text_bounded(root / "sources" / source.file, MAX_RULE_FILE_BYTES)
        except FileProblem as problem:
            reason = file_problem_text(problem, "原文")
            problems.append(f"sources.toml: source(id={source.id}).file: 无法读取原文 {visible(source.file)}：{reason}")

    profile_paths = fact_paths()
    questions: dict[str, rm.Question] = {}
    section_ids = {s.id for s in questions_file.section}
    for question in questions_file.question:
        where = f"questions.toml: question(id={question.id})"
        if question.id in questions:
            problems.append(f"{where}.id: 问题 id 重复")
        if question.id not in profile_paths:
            problems.append(f"{where}.id: 画像中没有字段“{question.id}”" + nearest_text(question.id, profile_paths))
        if question.section not in section_ids:
            problems.append(f"{where}.section: 未声明的分组“{question.section}”")
        if question.item_fields:
            declared = _item_attributes(profile_paths.get(question.id))
            for item_field in question.item_fields:
                if item_field.id not in declared:
                    problems.append(
                        f"{where}.item_fields: 条目中没有字段“{item_field.id}”" + nearest_text(item_field.id, declared)
                    )
        questions[question.id] = question

    for question in questions.values():
        if question.ask_if is not None and question.ask_if.question not in questions:
            problems.append(
                f"questions.toml: question(id={question.id}).ask_if.question: 未知的问题“{question.ask_if.question}”"
            )
        if question.ask_with is not None and question.ask_with not in questions:
            problems.append(f"questions.toml: question(id={question.id}).ask_with: 未知的问题“{question.ask_with}”")
    known_facts = set(questions) | set(DERIVED_FACTS)
    common = {c.document: c for c in sources_file.common}
    for c in common.values():
        if c.document not in sources:
            problems.append(f"sources.toml: common.document: 未知的文件“{c.document}”")
        for condition in c.conditions:
            _check_condition(
                condition, f"sources.toml: common(document={c.document})", known_facts, questions, problems
            )

    for measure in measures:
        where = f"{measure_files[measure.id]}: measure(id={measure.id})"
        if measure.document not in sources:
            problems.append(
                f"{where}.document: 未知的文件“{measure.document}”" + nearest_text(measure.document, sources)
            )
        elif _quote_problem(measure.quote):
            problems.append(f"{where}.quote: {_quote_problem(measure.quote)}")
        elif measure.document in texts and measure.quote not in texts[measure.document]:
            problems.append(f"{where}.quote: 引文未在原文 {sources[measure.document].file} 中逐字找到")
        elif measure.document in texts and texts[measure.document].count(measure.quote) > 1:
            problems.append(
                f"{where}.quote: 引文在原文 {sources[measure.document].file} 中出现 "
                f"{texts[measure.document].count(measure.quote)} 次，不能确定条款位置；请引用更长、只出现一次的原文"
            )
        for cited in measure.also_cited:
            if _quote_problem(cited.quote):
                problems.append(f"{where}.also_cited: {_quote_problem(cited.quote)}")
            elif cited.document not in texts or cited.quote not in texts[cited.document]:
                problems.append(f"{where}.also_cited: 引文未在文件“{cited.document}”原文中逐字找到")
        for condition in measure.conditions:
            _check_condition(condition, where, known_facts, questions, problems)
        for fact in amount_facts(measure.amount):
            if fact not in known_facts:
                problems.append(f"{where}.amount: 引用了未声明的问题“{fact}”" + nearest_text(fact, known_facts))
        for material in measure.materials:
            if material not in materials:
                problems.append(f"{where}.materials: 未知的材料“{material}”" + nearest_text(material, materials))
        problems.extend(f"{where}.amount: {p}" for p in _amount_problems(measure.amount))
        problems.extend(f"{where}.amount: {p}" for p in _item_amount_problems(measure.amount, questions))

    ids = set(measure_files)
    # A reference to a measure the set does not hold is a typo when a near id exists; otherwise the
    # set simply leaves that measure out (a trimmed rule set) and the reference is dropped.
    for c in common.values():
        for mid in c.except_measures:
            if mid not in ids and measures_complete and nearest(mid, ids):
                problems.append(
                    f"sources.toml: common(document={c.document}).except_measures: 未知的措施“{mid}”"
                    + nearest_text(mid, ids)
                )
    for source in sources.values():
        later = source.superseded_by.document if source.superseded_by else None
        if later is not None and later not in sources:
            problems.append(
                f"sources.toml: source(id={source.id}).superseded_by.document: 未知的文件“{later}”"
                + nearest_text(later, sources)
            )

    groups_file = _optional_file(root, _GROUPS_FILE, rm.GroupsFile, problems)
    groups: dict[str, rm.SameKindGroup] = {}
    seen_groups: set[str] = set()
    for group in groups_file.group if groups_file else []:
        where = f"{_GROUPS_FILE}: group(id={group.id})"
        if group.id in seen_groups:
            problems.append(f"{where}.id: 同类组 id 重复")
        seen_groups.add(group.id)
        present = [mid for mid in group.members if mid in ids]
        if present:
            groups[group.id] = group
        for mid in group.members:
            if mid not in ids and measures_complete and (present or nearest(mid, ids)):
                problems.append(f"{where}.members: 未知的措施“{mid}”" + nearest_text(mid, ids))
        if len(set(group.members)) != len(group.members):
            problems.append(f"{where}.members: 成员重复")
        if group.document not in texts:
            problems.append(f"{where}.document: 未知的文件“{group.document}”")
        elif group.clause not in texts[group.document]:
            problems.append(f"{where}.clause: 引文未在原文 {sources[group.document].file} 中逐字找到")

    interpretations_file = _optional_file(root, _INTERPRETATIONS_FILE, rm.InterpretationsFile, problems)
    interpretations: dict[str, rm.Interpretation] = {}
    for entry in interpretations_file.interpretation if interpretations_file else []:
        where = f"{_INTERPRETATIONS_FILE}: interpretation(id={entry.id})"
        if entry.id in interpretations:
            problems.append(f"{where}.id: 解读 id 重复")
        interpretations[entry.id] = entry
        if entry.document not in texts:
            problems.append(f"{where}.document: 未知的文件“{entry.document}”")
        elif entry.clause not in texts[entry.document]:
            problems.append(f"{where}.clause: 引文未在原文 {sources[entry.document].file} 中逐字找到")
    for c in common.values():
        for ref in c.interpretations:
            if ref not in interpretations:
                problems.append(
                    f"sources.toml: common(document={c.document}).interpretations: 未知的解读“{ref}”"
                    + nearest_text(ref, interpretations)
                )
    for measure in measures:
        where = f"{measure_files[measure.id]}: measure(id={measure.id})"
        for ref in measure.interpretations:
            if ref not in interpretations:
                problems.append(
                    f"{where}.interpretations: 未知的解读“{ref}”（rules/{_INTERPRETATIONS_FILE}）"
                    + nearest_text(ref, interpretations)
                )
        if measure.retired_by is not None and measure.retired_by not in sources:
            problems.append(
                f"{where}.retired_by: 未知的文件“{measure.retired_by}”" + nearest_text(measure.retired_by, sources)
            )

    vocabulary_data = _read_toml(root / _VOCABULARY_FILE, root, problems)
    vocabulary = (
        _validate(rm.Vocabulary, vocabulary_data, _VOCABULARY_FILE, problems) if vocabulary_data is not None else None
    )
    if vocabulary is not None:
        problems.extend(f"{_VOCABULARY_FILE}: {p}" for p in vocabulary.unlabelled(measures))

    if problems:
        raise RuleSetError(problems)

    def retired(measure: rm.Measure) -> bool:
        source = sources[measure.document]
        return measure.retired_by is not None or bool(source.superseded_by and source.superseded_by.document)

    active = sorted((m for m in measures if not retired(m)), key=lambda m: m.id)
    return Catalogue(
        sources=sources,
        common=common,
        sections=list(questions_file.section),
        questions=questions,
        materials=materials,
        measures=active,
        texts=texts,
        root=root,
        groups=groups,
        interpretations=interpretations,
        retired=sorted((m for m in measures if retired(m)), key=lambda m: m.id),
        vocabulary=vocabulary,
    )


def _check_condition(
    condition: rm.Condition, where: str, known: set[str], questions: dict[str, rm.Question], problems: list[str]
) -> None:
    for child in (*condition.any, *condition.all):
        _check_condition(child, where, known, questions, problems)
    if condition.fact is None:
        return
    if condition.op == "within_years" and condition.fact in questions and questions[condition.fact].type != "year":
        problems.append(f"{where}.conditions: within_years 须引用年份问题，“{condition.fact}”不是")
    if condition.fact not in known:
        problems.append(
            f"{where}.conditions: 条件引用了未声明的问题“{condition.fact}”" + nearest_text(condition.fact, known)
        )
        return
    question = questions.get(condition.fact)
    if question is not None and question.options and condition.op in ("eq", "ne", "in", "not_in", "contains_any"):
        allowed = {o.value for o in question.options}
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        for value in values:
            if str(value) not in allowed:
                problems.append(
                    f"{where}.conditions: “{condition.fact}”没有选项“{value}”" + nearest_text(str(value), allowed)
                )
    if condition.op == "any_item" and (question is None or not question.item_fields):
        problems.append(f"{where}.conditions: any_item 只能用于条目列表问题，“{condition.fact}”不是")
        return
    if condition.op == "any_item" and question is not None:
        fields = {f.id for f in question.item_fields}
        for item in condition.where:
            if item.field not in fields:
                problems.append(
                    f"{where}.conditions.where: “{condition.fact}”的条目没有字段“{item.field}”"
                    + nearest_text(item.field, fields)
                )


#: A quote shorter than this (not counting spaces and punctuation) cannot identify its clause.
MIN_QUOTE_CHARS = 6
_NOT_WORDS = re.compile(r"[\s\W_]+")


def _quote_problem(quote: str) -> str | None:
    """Why a quote is not a real clause (empty, a character or two, only punctuation), or None."""
    words = _NOT_WORDS.sub("", quote)
    if not words:
        return "引文是空的（或只有空白、标点），必须逐字摘录原文条款"
    if len(words) < MIN_QUOTE_CHARS:
        return f"引文只有 {len(words)} 个字，太短，无法确定出自原文哪一处（至少 {MIN_QUOTE_CHARS} 个字）"
    return None


def _item_attributes(info: Any) -> set[str]:
    """The declared field names of the item model of a list answer (empty when not a list of items)."""
    import typing

    found: set[str] = set()
    stack = [getattr(info, "annotation", None)]
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.update(tp.model_fields)
        else:
            stack.extend(typing.get_args(tp))
    return found


def _item_amount_problems(amount: Any, questions: dict[str, rm.Question]) -> list[str]:
    """A list amount may only read item fields its question declares (no ``__class__``-like name)."""
    if not isinstance(amount, rm.RatioItems):
        return []
    question = questions.get(amount.items)
    fields = {f.id for f in question.item_fields} if question is not None else set()
    if not fields:
        return [f"items“{amount.items}”不是条目列表问题"]
    named = [("item_base", amount.item_base), ("item_label", amount.item_label)]
    named += [("where.field", c.field) for c in amount.where]
    return [f"{key}: 条目没有字段“{name}”" + nearest_text(name, fields) for key, name in named if name not in fields]


def amount_facts(amount: Any) -> list[str]:
    """The facts an amount reads, in the order a person would supply them."""
    names = ("base", "items", "quantity", "actual_cost", "fact", "rewarded", "reached", "paid", "tax_rate_fact")
    fields = vars(amount)  # a missing name is not looked up through pydantic's slow __getattr__
    return [fields[n] for n in names if isinstance(fields.get(n), str)]


def _amount_problems(amount: Any) -> list[str]:
    problems = []
    if isinstance(amount, rm.Ceiling) and amount.min_wan is not None and amount.min_wan > amount.max_wan:
        problems.append(f"下限 {amount.min_wan} 万元大于上限 {amount.max_wan} 万元")
    if isinstance(amount, rm.Tiers):
        awards = [t.award_wan for t in amount.tiers]
        if awards != sorted(awards):
            problems.append("档位奖励应随门槛递增")
    if (
        isinstance(amount, rm.RatioItems)
        and amount.item_cap_wan
        and amount.total_cap_wan
        and amount.item_cap_wan > amount.total_cap_wan
    ):
        problems.append("单项上限大于总上限")
    return problems
