"""Synthetic data for benchmarks and tests: random valid profiles, CSV files, big catalogues.

Everything is deterministic for a given seed and uses only the standard library and the
project's own models, so the figures can be reproduced on any machine.
"""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from advisor.profile import DISTRICTS_BY_CITY, credit_code_check_char

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_NAMES = ("光明", "南山", "智算", "数联", "星河", "云图", "深蓝", "未来", "天工", "鹏城", "珠江", "羊城")


def credit_code(rng: random.Random) -> str:
    first17 = (
        "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(_CODE_CHARS) for _ in range(9))
    )
    return first17 + credit_code_check_char(first17)


def _wan(rng: random.Random, high: int) -> Decimal:
    value = Decimal(rng.randint(0, high))
    if rng.random() < 0.2:
        value += Decimal(rng.randint(0, 99)) / 100
    return value


def random_profile(rng: random.Random, answered: float = 0.7) -> dict[str, Any]:
    """A valid profile as TOML-shaped data (what ``tomllib`` gives for a profile file).

    Each question is answered with probability ``answered``; values are spread so that
    every status (eligible / possible / ineligible) and most amount branches occur.
    """

    def ask() -> bool:
        return rng.random() < answered

    data: dict[str, Any] = {"schema_version": 2}

    def put(section: str, key: str, value: Any) -> None:
        data.setdefault(section, {})[key] = value

    if ask():
        put("applicant", "kind", rng.choice(["enterprise"] * 6 + ["park_operator", "event_organiser", "research_team"]))
    put("identity", "name", f"深圳{rng.choice(_NAMES)}{rng.choice(_NAMES)}科技有限公司{rng.randint(1, 99999)}")
    if ask():
        put("identity", "credit_code", credit_code(rng))
    city = rng.choice(["深圳市"] * 5 + ["广州市", "其他"])
    districts = DISTRICTS_BY_CITY.get(city, ("某区",))
    preferred = rng.choice(("光明区",) * 3 + districts) if city == "深圳市" else rng.choice(districts)
    for prefix in ("registered", "tax", "stats"):
        if ask():
            put("identity", f"{prefix}_city", city)
            put("identity", f"{prefix}_district", preferred if rng.random() < 0.9 else rng.choice(districts))
    for key in ("independent_legal_person", "newly_settled"):
        if ask():
            put("identity", key, rng.random() < 0.7)
    if ask():
        put("identity", "settled_year", rng.randint(2015, 2026))
    if ask():
        put("industry", "sectors", rng.sample(["ai", "software", "internet", "ic_design", "other"], rng.randint(0, 3)))
    if ask():
        put("industry", "llm_or_ai_chip", rng.random() < 0.3)
    if ask():
        put("scale", "above_designated_size", rng.random() < 0.5)
    if ask():
        put("scale", "survey_first_year", rng.randint(2020, 2025))
    if ask():
        first = rng.randint(2021, 2024)
        put("scale", "revenue_wan", {str(y): _wan(rng, 200_000) for y in range(first, rng.randint(first, 2025) + 1)})
    if ask():
        put("scale", "revenue_tier_rewarded_wan", _wan(rng, 100_000))
    if ask():
        put("scale", "exec_team_award_condition_met", rng.random() < 0.5)
    if ask():
        put("qualifications", "top100", rng.sample(["software", "internet", "ai"], rng.randint(0, 2)))
    for key in ("key_software_enterprise", "little_giant", "high_tech", "software_enterprise"):
        if ask():
            put("qualifications", key, rng.random() < 0.4)
    for key in ("key_software_year", "little_giant_year", "high_tech_year", "profit_first_year"):
        if ask():
            put("qualifications", key, rng.randint(2018, 2026))
    if ask():
        put("qualifications", "unicorn_list", rng.choice(["sz_list", "sz_pool", "other_list", "none"]))
    if ask():
        put("listing", "in_cultivation_db", rng.random() < 0.5)
    stages = ["shareholding_reformed", "application_accepted", "listed"]
    if ask():
        reached = stages[: rng.randint(0, 3)]
        put("listing", "stages_reached", reached)
        if ask():
            put("listing", "stages_rewarded", reached[: rng.randint(0, len(reached))])
    if ask():
        projects = []
        for i in range(rng.randint(0, 2)):
            item: dict[str, Any] = {"name": f"项目{i + 1}"}
            if ask():
                item["level"] = rng.choice(["national", "provincial", "municipal", "district"])
            if ask():
                item["grant_wan"] = _wan(rng, 3000)
            if ask():
                item["year"] = rng.randint(2022, 2026)
            projects.append(item)
        put("projects", "funded", projects)
    if ask():
        put("projects", "ai_demo_level", rng.choice(["national", "provincial", "municipal", "none"]))
    if ask():
        put("projects", "vertical_model_cases", rng.randint(0, 12))
    for section, key in (
        ("projects", "core_team_major_project"),
        ("projects", "backbone_talent"),
        ("compute", "platform_approved"),
        ("compute", "platform_key_project"),
        ("data", "dataset_provider"),
        ("space", "newly_moved_in"),
        ("park", "feature_park_recognised"),
        ("park", "harmony_base_approved"),
        ("park", "incubator_resident"),
        ("finance", "vc_institution_filed"),
        ("finance", "platform_enterprise_recognised"),
    ):
        if ask():
            put(section, key, rng.random() < 0.5)
    for section, key, high in (
        ("projects", "core_team_city_grant_wan", 2000),
        ("compute", "platform_investment_wan", 50_000),
        ("compute", "purchase_in_district_wan", 2000),
        ("data", "data_service_revenue_wan", 5000),
        ("data", "dataset_purchase_in_district_wan", 1000),
        ("space", "annual_rent_wan", 800),
        ("park", "tenants_revenue_wan", 2_000_000),
        ("park", "tenants_revenue_rewarded_wan", 1_000_000),
        ("finance", "vc_investment_wan", 20_000),
        ("finance", "loan_interest_wan", 500),
        ("finance", "guarantee_fee_wan", 200),
        ("tax", "rd_expense_wan", 5000),
        ("tax", "software_product_sales_wan", 20_000),
        ("tax", "software_vat_paid_wan", 2000),
    ):
        if ask():
            put(section, key, _wan(rng, high))
    if ask():
        put("space", "park_kind", rng.choice(["gm_professional", "gm_other", "none"]))
    if ask():
        put("space", "leased_area_m2", rng.randint(0, 20_000))
    if ask():
        put("park", "building_area_m2", rng.randint(0, 200_000))
    if ask():
        put("park", "software_park_level", rng.choice(["national", "provincial", "municipal", "none"]))
    if ask():
        events = []
        for i in range(rng.randint(0, 2)):
            event: dict[str, Any] = {"name": f"活动{i + 1}"}
            if ask():
                event["scope"] = rng.choice(["global", "national", "regional"])
            for key in ("in_guangming", "filed_in_advance"):
                if ask():
                    event[key] = rng.random() < 0.7
            if ask():
                event["cost_wan"] = _wan(rng, 1000)
            events.append(event)
        put("events", "held", events)
    # the remaining answers, drawn last so the draws above stay as they were
    if ask():
        put("identity", "legal_form", rng.choice(["company", "private_non_enterprise", "social_group", "other"]))
    for section, key in (
        ("qualifications", "ic_list"),
        ("compute", "platform_built"),
        ("finance", "vc_invested"),
    ):
        if ask():
            put(section, key, rng.random() < 0.5)
    if ask():
        put("tax", "income_tax_rate", rng.choice(["rate_25", "rate_15", "rate_10", "rate_5", "rate_0"]))
    if ask():
        put("space", "rent_yuan_per_m2_month", Decimal(rng.randint(0, 30_000)) / 100)
    for section, key in (("space", "moved_in_year"), ("listing", "latest_stage_year")):
        if ask():
            put(section, key, rng.randint(2018, 2026))
    return data


def random_profiles(n: int, seed: int = 1, answered: float = 0.7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [random_profile(rng, answered) for _ in range(n)]


def thresholds(catalogue: Any) -> list[tuple[str, Decimal]]:
    """Every (profile key, value) the rules compare a number with: condition thresholds
    (``ge``/``gt``/``le``/``lt``) and amount tiers and steps, for profiles exactly at the edges."""
    found: set[tuple[str, Decimal]] = set()

    def walk(condition: Any) -> None:
        for child in [*condition.any, *condition.all]:
            walk(child)
        if (
            condition.op in ("ge", "gt", "le", "lt")
            and condition.fact
            and not isinstance(condition.value, (bool, list))
            and condition.value is not None
        ):
            found.add((condition.fact, Decimal(condition.value)))
        if condition.op == "within_years" and condition.fact:
            found.add((condition.fact, Decimal(2026 - int(condition.value))))

    for common in catalogue.common.values():
        for condition in common.conditions:
            walk(condition)
    for measure in catalogue.measures:
        for condition in measure.conditions:
            walk(condition)
        amount = measure.amount
        for tier in getattr(amount, "tiers", None) or []:
            found.add((amount.fact, Decimal(tier.threshold_wan)))
        if getattr(amount, "kind", "") == "base_plus_step":
            found.add((amount.fact, Decimal(amount.threshold_wan)))
            found.add((amount.fact, Decimal(amount.threshold_wan) + Decimal(amount.step_wan)))
    return sorted(found)


def _derived_edge(rng: random.Random, data: dict[str, Any], path: str, value: Decimal) -> None:
    """Revenue answers whose derived fact (latest revenue, growth in %) is exactly ``value``,
    or a hair either side of it."""
    scale = data.setdefault("scale", {})
    first = rng.randint(2021, 2024)
    if path == "derived.latest_revenue_wan":
        latest = value + rng.choice((Decimal("-0.0001"), Decimal(0), Decimal("0.0001")))
        scale["revenue_wan"] = {str(first): _wan(rng, 200_000), str(first + 1): max(latest, Decimal(0))}
        return
    previous = Decimal(rng.randint(1, 5000) * 100)
    current = previous * (100 + value) / 100 + rng.choice((Decimal("-0.0001"), Decimal(0), Decimal("0.0001")))
    scale["revenue_wan"] = {str(first): previous, str(first + 1): max(current, Decimal(0))}
    if path == "derived.survey_next_year_growth_pct":
        scale["survey_first_year"] = first


def edge_profiles(n: int, seed: int, edges: list[tuple[str, Decimal]], answered: float = 0.7) -> list[dict[str, Any]]:
    """Random profiles with one to three answers set exactly at a threshold of the rules,
    or one yuan (0.0001 万元) or one unit either side of it."""
    rng = random.Random(seed)
    from advisor.profile import Profile

    kinds: dict[str, Any] = {}
    for section, info in Profile.model_fields.items():
        for name, field in getattr(info.annotation, "model_fields", {}).items():
            kinds[f"{section}.{name}"] = str(field.annotation)
    out = []
    for _ in range(n):
        data = random_profile(rng, answered)
        for _ in range(rng.randint(1, 3)):
            path, value = rng.choice(edges)
            if path.startswith("derived."):
                _derived_edge(rng, data, path, value)
                continue
            section, key = path.split(".", 1)
            is_int = "int" in kinds.get(path, "") and "Decimal" not in kinds.get(path, "")
            step = Decimal(1) if is_int else Decimal("0.0001")
            value = value + rng.choice((-step, Decimal(0), Decimal(0), step))
            if value < 0:
                value = Decimal(0)
            data.setdefault(section, {})[key] = int(value) if is_int else value
        out.append(data)
    return out


# --- CSV ----------------------------------------------------------------------------------


def profile_to_row(data: dict[str, Any]) -> dict[str, str]:
    """Flatten TOML-shaped profile data into the batch CSV columns."""
    row: dict[str, str] = {}
    for section, values in data.items():
        if not isinstance(values, dict):
            row[section] = str(values)
            continue
        for key, value in values.items():
            path = f"{section}.{key}"
            if isinstance(value, dict):
                for sub, v in value.items():
                    row[f"{path}.{sub}"] = str(v)
            elif isinstance(value, list) and (not value or isinstance(value[0], dict)) and path in _ITEM_LISTS:
                for i, item in enumerate(value, start=1):  # an empty item list cannot be written: unknown
                    for sub, v in item.items():
                        row[f"{path}.{i}.{sub}"] = _cell(v)
            else:
                row[path] = _cell(value)
    return row


_ITEM_LISTS = ("projects.funded", "events.held")


def csv_equivalent(data: dict[str, Any]) -> dict[str, Any]:
    """The profile data as a CSV row can express it (an empty item list becomes unknown)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for path in _ITEM_LISTS:
        section, key = path.split(".")
        if section in out and out[section].get(key) == []:
            del out[section][key]
    return out


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value) if value else "无"
    return str(value)


def write_csv(path: Path, profiles: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    rows = [profile_to_row(p) for p in profiles]
    if header is None:
        from advisor.batch import template_columns

        header = template_columns()
        extra = sorted({k for r in rows for k in r} - set(header) - {"schema_version"})
        header = header + extra
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# --- big catalogues -----------------------------------------------------------------------


def _scale_condition(condition: Any, factor: Decimal) -> Any:
    update: dict[str, Any] = {}
    if (
        condition.op in ("ge", "gt", "le", "lt")
        and not isinstance(condition.value, (bool, list))
        and condition.value is not None
    ):
        update["value"] = (
            (Decimal(condition.value) * factor).quantize(Decimal(1))
            if not isinstance(condition.value, int)
            else int(condition.value * factor)
        )
    if condition.any:
        update["any"] = [_scale_condition(c, factor) for c in condition.any]
    if condition.all:
        update["all"] = [_scale_condition(c, factor) for c in condition.all]
    return condition.model_copy(update=update) if update else condition


def synthetic_catalogue(base: Any, n_measures: int, seed: int = 7) -> Any:
    """A catalogue of ``n_measures`` measures made from the real ones, with numeric
    thresholds scaled at random so the copies do not all decide alike."""
    import dataclasses

    rng = random.Random(seed)
    measures = []
    originals = base.measures
    for i in range(n_measures):
        m = originals[i % len(originals)]
        factor = Decimal(rng.choice([50, 75, 100, 125, 150, 200])) / 100
        measures.append(
            m.model_copy(
                update={
                    "id": f"{m.id}-s{i}",
                    "conditions": [_scale_condition(c, factor) for c in m.conditions],
                }
            )
        )
    measures.sort(key=lambda m: m.id)
    return dataclasses.replace(base, measures=measures)
