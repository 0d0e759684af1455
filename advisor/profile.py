"""The company profile: every fact an encoded measure can depend on.

Each answer is optional; ``None`` means *unknown* (never false or zero).
Sections follow the order of a consultation. Money is an exact Decimal of
万元 (at most four decimals, i.e. whole yuan); the engine converts to yuan.
"""

import datetime as _dt
import re
from decimal import Decimal
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from advisor import pydantic_plugins  # noqa: F401  (before any model is built: no pydantic plugins)
from advisor.money import check_wan
from advisor.units import annual_rent_wan

SCHEMA_VERSION: Final = 2


#: An amount in 万元, exact to the yuan (``advisor.money.check_wan``).
Wan = Annotated[Decimal, AfterValidator(check_wan)]


def _check_year(value: int) -> int:
    if not 1949 <= value <= 2100:
        raise ValueError(f"年份 {value} 不合理（应在 1949–2100 之间）")
    return value


Year = Annotated[int, AfterValidator(_check_year)]
Area = Annotated[int, Field(ge=0, le=100_000_000)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
RentPrice = Annotated[Decimal, Field(ge=0, le=100_000, decimal_places=2)]
ShortText = Annotated[str, Field(max_length=2000)]

# GB 32100-2015: 统一社会信用代码 uses these 31 characters (no I, O, S, V, Z).
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


_CODE_VALUE = {ch: value for value, ch in enumerate(_CODE_CHARS)}
#: The weights are 3**i mod 31, so the weighted sum is, modulo 31, the number whose base-34
#: digits (34 ≡ 3 mod 31) are the character values, last character first: ``int`` computes
#: it in one step once each character is spelled as the base-34 digit of its value.
_BASE34_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTU"
_AS_BASE34_DIGIT = bytes.maketrans(_CODE_CHARS.encode(), _BASE34_DIGITS.encode())
_CODE_17 = re.compile("[0-9A-HJ-NPQRTUWXY]{17}")
_CODE_18 = re.compile("[0-9A-HJ-NPQRTUWXY]{18}")
_CODE_LINES = re.compile("(?:[0-9A-HJ-NPQRTUWXY]{18}\n)*[0-9A-HJ-NPQRTUWXY]{18}")


def _check_value(reversed_digits: bytes) -> int:
    """The value of the check character for 17 code characters given last first, each as
    its base-34 digit (``_AS_BASE34_DIGIT``)."""
    return -int(reversed_digits, 34) % 31


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    if not _CODE_17.fullmatch(first17):
        raise ValueError(first17)
    return _CODE_CHARS[_check_value(first17[::-1].encode().translate(_AS_BASE34_DIGIT))]


def validate_credit_code(code: str) -> str:
    """Return the normalised code or raise ValueError with a Chinese message."""
    code = code.strip().upper()
    if _CODE_18.fullmatch(code):
        if code[17] == credit_code_check_char(code[:17]):
            return code
    elif len(code) != 18:
        raise ValueError(f"统一社会信用代码应为 18 位，现为 {len(code)} 位")
    else:
        bad = next(ch for ch in code if ch not in _CODE_VALUE)
        raise ValueError(f"统一社会信用代码含有不允许的字符“{bad}”（不使用 I、O、S、V、Z）")
    expected = credit_code_check_char(code[:17])
    raise ValueError(f"统一社会信用代码校验位错误：第 18 位应为“{expected}”，现为“{code[17]}”")


def credit_codes_unchanged(codes: list[str]) -> bool:
    """Whether ``validate_credit_code`` accepts every one of these codes and returns it as it
    is (18 allowed characters in upper case, no spaces, the right check character), checked
    for all of them at once (a register's batch reads thousands)."""
    if not codes:
        return True
    text = "\n".join(codes)
    if len(text) != 19 * len(codes) - 1 or not _CODE_LINES.fullmatch(text):
        return False
    # Reversed, each code reads check character first, then its first 17 last first.
    digits = text.encode().translate(_AS_BASE34_DIGIT)[::-1]
    expected = bytes(_BASE34_DIGITS.encode()[_check_value(digits[s : s + 17])] for s in range(1, len(digits), 19))
    return expected == digits[::19]


CreditCode = Annotated[str, AfterValidator(validate_credit_code)]

ApplicantKind = Literal["enterprise", "park_operator", "event_organiser", "research_team"]
City = Literal["深圳市", "广州市", "其他"]
Sector = Literal["ai", "software", "internet", "ic_design", "other"]
Level = Literal["national", "provincial", "municipal", "district"]
ParkKind = Literal["gm_professional", "gm_other", "none"]
UnicornList = Literal["sz_list", "sz_pool", "other_list", "none"]
Top100 = Literal["software", "internet", "ai"]
ListingStage = Literal["shareholding_reformed", "application_accepted", "listed"]
SoftwareParkLevel = Literal["national", "provincial", "municipal", "none"]
EventScope = Literal["global", "national", "regional"]
LegalForm = Literal["company", "private_non_enterprise", "social_group", "other"]
IncomeTaxRate = Literal["rate_25", "rate_15", "rate_10", "rate_5", "rate_0"]

SHENZHEN_DISTRICTS = (
    "福田区",
    "罗湖区",
    "南山区",
    "盐田区",
    "宝安区",
    "龙岗区",
    "龙华区",
    "坪山区",
    "光明区",
    "大鹏新区",
    "深汕特别合作区",
)
GUANGZHOU_DISTRICTS = (
    "越秀区",
    "海珠区",
    "荔湾区",
    "天河区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "南沙区",
    "从化区",
    "增城区",
)
DISTRICTS_BY_CITY = {"深圳市": SHENZHEN_DISTRICTS, "广州市": GUANGZHOU_DISTRICTS}


def district_in_city(district: object, city: object) -> bool:
    """Whether a district can go with a city: it is one of the city's districts, or the
    city's districts are not known (another city, or no city yet)."""
    known = DISTRICTS_BY_CITY.get(city) if isinstance(city, str) else None
    return known is None or district in known


class Section(BaseModel):
    """Base of every profile section: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)


class Applicant(Section):
    kind: ApplicantKind | None = None


class Identity(Section):
    name: ShortText | None = None
    credit_code: CreditCode | None = None
    registered_city: City | None = None
    registered_district: ShortText | None = None
    tax_city: City | None = None
    tax_district: ShortText | None = None
    stats_city: City | None = None
    stats_district: ShortText | None = None
    independent_legal_person: bool | None = None
    legal_form: LegalForm | None = None
    newly_settled: bool | None = None
    settled_year: Year | None = None

    @model_validator(mode="after")
    def _districts_match_cities(self) -> "Identity":
        for prefix in ("registered", "tax", "stats"):
            city = getattr(self, f"{prefix}_city")
            district = getattr(self, f"{prefix}_district")
            if district is not None and not district_in_city(district, city):
                raise ValueError(f"{prefix}_district “{district}”不是{city}的区")
        return self


class Industry(Section):
    sectors: list[Sector] | None = None
    llm_or_ai_chip: bool | None = None


class Scale(Section):
    above_designated_size: bool | None = None
    survey_first_year: Year | None = None
    revenue_wan: dict[Year, Wan] | None = None
    revenue_tier_rewarded_wan: Wan | None = None
    # No longer asked: the condition (一定条件) is unpublished, so no company can answer it;
    # kept so profiles saved by earlier versions still load. The engine never reads it.
    exec_team_award_condition_met: bool | None = None


class Qualifications(Section):
    top100: list[Top100] | None = None
    key_software_enterprise: bool | None = None
    key_software_year: Year | None = None
    little_giant: bool | None = None
    little_giant_year: Year | None = None
    unicorn_list: UnicornList | None = None
    high_tech: bool | None = None
    high_tech_year: Year | None = None
    software_enterprise: bool | None = None
    profit_first_year: Year | None = None
    ic_list: bool | None = None


class Listing(Section):
    in_cultivation_db: bool | None = None
    stages_reached: list[ListingStage] | None = None
    stages_rewarded: list[ListingStage] | None = None
    latest_stage_year: Year | None = None


class FundedProject(Section):
    name: ShortText | None = None
    level: Level | None = None
    grant_wan: Wan | None = None
    year: Year | None = None


class Projects(Section):
    funded: list[FundedProject] | None = None
    ai_demo_level: Literal["national", "provincial", "municipal", "none"] | None = None
    vertical_model_cases: Count | None = None
    core_team_major_project: bool | None = None
    core_team_city_grant_wan: Wan | None = None
    backbone_talent: bool | None = None


class Compute(Section):
    platform_built: bool | None = None
    platform_approved: bool | None = None
    platform_investment_wan: Wan | None = None
    platform_key_project: bool | None = None
    purchase_in_district_wan: Wan | None = None


class Data(Section):
    dataset_provider: bool | None = None
    data_service_revenue_wan: Wan | None = None
    dataset_purchase_in_district_wan: Wan | None = None


class Space(Section):
    park_kind: ParkKind | None = None
    newly_moved_in: bool | None = None
    moved_in_year: Year | None = None
    leased_area_m2: Area | None = None
    #: Rent as the lease states it (元/平方米/月); when known, ``annual_rent_wan`` is derived from it.
    rent_yuan_per_m2_month: RentPrice | None = None
    annual_rent_wan: Wan | None = None


class Park(Section):
    feature_park_recognised: bool | None = None
    building_area_m2: Area | None = None
    tenants_revenue_wan: Wan | None = None
    tenants_revenue_rewarded_wan: Wan | None = None
    software_park_level: SoftwareParkLevel | None = None
    harmony_base_approved: bool | None = None
    incubator_resident: bool | None = None


class Finance(Section):
    vc_invested: bool | None = None
    vc_institution_filed: bool | None = None
    vc_investment_wan: Wan | None = None
    loan_interest_wan: Wan | None = None
    guarantee_fee_wan: Wan | None = None
    platform_enterprise_recognised: bool | None = None


class Event(Section):
    name: ShortText | None = None
    scope: EventScope | None = None
    ai_software: bool | None = None  # an 人工智能和软件信息产业 event (展会、大赛、学术会议)
    in_guangming: bool | None = None
    filed_in_advance: bool | None = None
    cost_wan: Wan | None = None


class Events(Section):
    held: list[Event] | None = None


class Tax(Section):
    rd_expense_wan: Wan | None = None
    income_tax_rate: IncomeTaxRate | None = None
    software_product_sales_wan: Wan | None = None
    software_vat_paid_wan: Wan | None = None


class Consultation(Section):
    """Bookkeeping of the consultation itself, not facts about the company."""

    skipped: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list)
    checklist: dict[Annotated[str, Field(max_length=200)], bool] = Field(default_factory=dict)
    notes: Annotated[str, Field(max_length=100_000)] | None = None
    created: _dt.datetime | None = None


class Profile(BaseModel):
    """One company's answers. ``load(dump(p)) == p`` for every valid profile."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)

    schema_version: Literal[2] = SCHEMA_VERSION
    applicant: Applicant = Field(default_factory=Applicant)
    identity: Identity = Field(default_factory=Identity)
    industry: Industry = Field(default_factory=Industry)
    scale: Scale = Field(default_factory=Scale)
    qualifications: Qualifications = Field(default_factory=Qualifications)
    listing: Listing = Field(default_factory=Listing)
    projects: Projects = Field(default_factory=Projects)
    compute: Compute = Field(default_factory=Compute)
    data: Data = Field(default_factory=Data)
    space: Space = Field(default_factory=Space)
    park: Park = Field(default_factory=Park)
    finance: Finance = Field(default_factory=Finance)
    events: Events = Field(default_factory=Events)
    tax: Tax = Field(default_factory=Tax)
    consultation: Consultation = Field(default_factory=Consultation)

    @field_validator("schema_version", mode="before")
    @classmethod
    def _known_version(cls, value: object) -> object:
        if value != SCHEMA_VERSION:
            raise ValueError(f"不支持的 schema_version：{value!r}（本版本支持 {SCHEMA_VERSION}）")
        return value

    def get(self, path: str) -> object:
        """The answer at a dotted path such as ``space.leased_area_m2`` (None if unknown)."""
        section, _, field = path.partition(".")
        return getattr(getattr(self, section), field)

    def set(self, path: str, value: object) -> list[str]:
        """Set (and validate) the answer at a dotted path; None makes it unknown.
        Returns the paths of the answers that changed with it (see ``set_answer``)."""
        return list(self.set_answer(path, value))

    def set_answer(self, path: str, value: object) -> dict[str, str]:
        """Set (and validate) the answer at a dotted path; None makes it unknown.

        The section is validated as a whole on a copy first, so a refused answer
        leaves the profile unchanged. Answers that follow from this one change
        with it; they are returned as path → a Chinese note for the person (empty
        when the change needs no word):

        - a city clears a district that is not in it (“原来的“南山区”不属于广州市，请重新选择”);
        - the rent per m² per month and the leased area give the annual rent
          (price × area × 12); typing the annual rent itself drops the price.
        """
        section_name, _, field = path.partition(".")
        section = getattr(self, section_name)
        if field not in type(section).model_fields:
            raise AttributeError(path)
        data = {name: getattr(section, name) for name in type(section).model_fields}
        data[field] = value
        changed: dict[str, str] = {}
        if section_name == "identity" and field.endswith("_city"):
            district = field.removesuffix("_city") + "_district"
            old_district = data[district]
            if old_district is not None and not district_in_city(old_district, value):
                data[district] = None
                changed[f"identity.{district}"] = f"原来的“{old_district}”不属于{value}，请重新选择"
        if section_name == "space" and field in ("rent_yuan_per_m2_month", "leased_area_m2"):
            if data["rent_yuan_per_m2_month"] is not None:
                area = data["leased_area_m2"]
                price = Decimal(str(data["rent_yuan_per_m2_month"]))
                data["annual_rent_wan"] = annual_rent_wan(price, int(area)) if area is not None else None
                if data["annual_rent_wan"] != section.annual_rent_wan:
                    changed["space.annual_rent_wan"] = ""
        elif section_name == "space" and field == "annual_rent_wan" and data["rent_yuan_per_m2_month"] is not None:
            data["rent_yuan_per_m2_month"] = None
            changed["space.rent_yuan_per_m2_month"] = ""
        setattr(self, section_name, type(section).model_validate(data))
        return changed

    def copy_registered_location(self) -> list[str]:
        """同注册地: tax and statistics place become the registered city and district."""
        identity = self.identity
        data = identity.model_dump()
        for prefix in ("tax", "stats"):
            data[f"{prefix}_city"] = identity.registered_city
            data[f"{prefix}_district"] = identity.registered_district
        self.identity = Identity.model_validate(data)
        return [f"identity.{p}_{part}" for p in ("tax", "stats") for part in ("city", "district")]


FACT_SECTIONS = tuple(name for name in Profile.model_fields if name not in ("schema_version", "consultation"))


def fact_paths() -> dict[str, object]:
    """Every answerable dotted path with its pydantic field info."""
    paths: dict[str, object] = {}
    for section in FACT_SECTIONS:
        model = Profile.model_fields[section].annotation
        for name, info in model.model_fields.items():  # type: ignore[union-attr]
            paths[f"{section}.{name}"] = info
    return paths
