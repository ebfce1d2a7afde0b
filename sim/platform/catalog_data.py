"""Bilingual source tables the simulated catalog is generated from.

Each category has nine subjects and seven actions, so subject x action gives exactly
63 services per category and 12 x 63 = 756 services in all. Subject abbreviations
(pinyin-ish, two letters) must be unique within their category: they form the middle
part of the service code (e.g. "CR-HZ-0001").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """A bilingual term; `abbr` is only meaningful for subjects."""

    zh: str
    en: str
    abbr: str = ""


@dataclass(frozen=True)
class CategoryData:
    code: str
    name: Term
    departments: tuple[Term, ...]
    subjects: tuple[Term, ...]
    actions: tuple[Term, ...]
    # Material codes (from MATERIALS) that suit this category, besides the common ones.
    materials: tuple[str, ...]


def _t(zh: str, en: str, abbr: str = "") -> Term:
    return Term(zh, en, abbr)


CATEGORIES: tuple[CategoryData, ...] = (
    CategoryData(
        "HJ",
        _t("户籍", "Household registration"),
        (
            _t("市公安局户政管理处", "Household Administration Division, Public Security Bureau"),
            _t("辖区派出所", "Local police station"),
        ),
        (
            _t("居民身份证", "Resident ID card", "SF"),
            _t("居住证", "Residence permit", "JZ"),
            _t("户口簿", "Household register booklet", "HK"),
            _t("户籍证明", "Household registration certificate", "HZ"),
            _t("临时居民身份证", "Temporary resident ID card", "LS"),
            _t("出生登记", "Birth registration", "CS"),
            _t("户口迁移证", "Household transfer certificate", "QY"),
            _t("集体户口", "Collective household", "JT"),
            _t("姓名", "Name record", "XM"),
        ),
        (
            _t("首次申领", "first application"),
            _t("换领", "renewal"),
            _t("补领", "replacement"),
            _t("变更", "change of particulars"),
            _t("注销", "cancellation"),
            _t("证明开具", "certificate issuance"),
            _t("信息查询", "record inquiry"),
        ),
        ("household_register", "birth_certificate", "marriage_certificate"),
    ),
    CategoryData(
        "CR",
        _t("出入境", "Exit and entry"),
        (_t("市公安局出入境管理局", "Exit and Entry Administration, Public Security Bureau"),),
        (
            _t("护照", "Passport", "HZ"),
            _t("往来港澳通行证", "Exit-entry permit for Hong Kong and Macao", "GA"),
            _t("往来台湾通行证", "Exit-entry permit for Taiwan", "TW"),
            _t("港澳签注", "Hong Kong and Macao endorsement", "QZ"),
            _t("赴台签注", "Taiwan endorsement", "TQ"),
            _t("外国人居留许可", "Foreigner residence permit", "WJ"),
            _t("外国人签证", "Foreigner visa", "WQ"),
            _t("出入境记录", "Exit-entry record", "JL"),
            _t("外国人永久居留身份证", "Foreigner permanent residence ID card", "YJ"),
        ),
        (
            _t("首次申领", "first application"),
            _t("换发", "renewal"),
            _t("补发", "replacement"),
            _t("加注", "annotation"),
            _t("延期", "extension"),
            _t("注销", "cancellation"),
            _t("信息变更", "change of particulars"),
        ),
        ("passport_copy", "household_register", "invitation_letter"),
    ),
    CategoryData(
        "SB",
        _t("社保", "Social insurance"),
        (_t("人力资源和社会保障局", "Human Resources and Social Security Bureau"),),
        (
            _t("养老保险", "Pension insurance", "YL"),
            _t("失业保险", "Unemployment insurance", "SY"),
            _t("工伤保险", "Work injury insurance", "GS"),
            _t("生育保险", "Maternity insurance", "SE"),
            _t("社会保障卡", "Social security card", "SK"),
            _t("灵活就业参保", "Flexible-employment enrolment", "LH"),
            _t("退休待遇", "Retirement benefits", "TX"),
            _t("社保关系", "Social insurance relationship", "GX"),
            _t("参保证明", "Proof of enrolment", "CB"),
        ),
        (
            _t("申请", "application"),
            _t("变更", "change"),
            _t("转移", "transfer"),
            _t("暂停", "suspension"),
            _t("恢复", "resumption"),
            _t("查询打印", "inquiry and printout"),
            _t("补办", "reissue"),
        ),
        ("labour_contract", "bank_card_copy", "employment_certificate"),
    ),
    CategoryData(
        "GJJ",
        _t("公积金", "Housing provident fund"),
        (_t("住房公积金管理中心", "Housing Provident Fund Management Centre"),),
        (
            _t("个人账户", "Personal account", "GR"),
            _t("购房提取", "Withdrawal for home purchase", "GF"),
            _t("租房提取", "Withdrawal for rent", "ZF"),
            _t("退休提取", "Withdrawal on retirement", "TX"),
            _t("公积金贷款", "Provident fund loan", "DK"),
            _t("贷款还款", "Loan repayment", "HK"),
            _t("缴存基数", "Contribution base", "JS"),
            _t("异地转移", "Cross-city transfer", "YD"),
            _t("缴存证明", "Contribution certificate", "ZM"),
        ),
        (
            _t("申请", "application"),
            _t("变更", "change"),
            _t("查询", "inquiry"),
            _t("撤销", "withdrawal"),
            _t("续办", "continuation"),
            _t("证明开具", "certificate issuance"),
            _t("预约", "appointment"),
        ),
        ("bank_card_copy", "purchase_contract", "lease_contract"),
    ),
    CategoryData(
        "SW",
        _t("税务", "Taxation"),
        (_t("税务局", "Tax Bureau"), _t("税务局第一税务所", "First Tax Office, Tax Bureau")),
        (
            _t("个人所得税", "Individual income tax", "GS"),
            _t("增值税发票", "VAT invoice", "FP"),
            _t("纳税证明", "Tax payment certificate", "NS"),
            _t("税务登记", "Tax registration", "DJ"),
            _t("房产税", "Property tax", "FC"),
            _t("契税", "Deed tax", "QS"),
            _t("车船税", "Vehicle and vessel tax", "CC"),
            _t("印花税", "Stamp duty", "YH"),
            _t("专项附加扣除", "Special additional deduction", "ZX"),
        ),
        (
            _t("申报", "filing"),
            _t("缴纳", "payment"),
            _t("退税", "refund"),
            _t("变更", "change"),
            _t("查询", "inquiry"),
            _t("证明开具", "certificate issuance"),
            _t("更正", "correction"),
        ),
        ("business_licence", "purchase_contract", "bank_card_copy"),
    ),
    CategoryData(
        "SC",
        _t("市场监管", "Business registration"),
        (_t("市场监督管理局", "Administration for Market Regulation"),),
        (
            _t("个体工商户", "Individually-owned business", "GT"),
            _t("有限责任公司", "Limited liability company", "YX"),
            _t("农民专业合作社", "Farmers' cooperative", "HZ"),
            _t("营业执照", "Business licence", "ZZ"),
            _t("食品经营许可", "Food business licence", "SP"),
            _t("商标", "Trademark", "SB"),
            _t("企业年报", "Annual report", "NB"),
            _t("药品经营许可", "Drug retail licence", "YP"),
            _t("计量器具", "Measuring instrument", "JL"),
        ),
        (
            _t("设立登记", "registration"),
            _t("变更登记", "change registration"),
            _t("注销登记", "deregistration"),
            _t("补领", "replacement"),
            _t("延续", "renewal"),
            _t("备案", "filing"),
            _t("查询", "inquiry"),
        ),
        ("business_licence", "articles_of_association", "premises_certificate"),
    ),
    CategoryData(
        "JT",
        _t("交通", "Transport"),
        (
            _t("公安局交通管理局", "Traffic Management Bureau, Public Security Bureau"),
            _t("交通运输局", "Transport Bureau"),
        ),
        (
            _t("机动车驾驶证", "Driving licence", "JZ"),
            _t("机动车行驶证", "Vehicle licence", "XZ"),
            _t("机动车号牌", "Licence plate", "HP"),
            _t("机动车检验标志", "Inspection label", "JY"),
            _t("交通违法处理", "Traffic violation handling", "WF"),
            _t("道路运输证", "Road transport permit", "YS"),
            _t("出租车从业资格", "Taxi driver qualification", "CZ"),
            _t("电动自行车登记", "E-bike registration", "DD"),
            _t("临时号牌", "Temporary plate", "LP"),
        ),
        (
            _t("申领", "application"),
            _t("换领", "renewal"),
            _t("补领", "replacement"),
            _t("变更", "change"),
            _t("注销", "cancellation"),
            _t("延期", "extension"),
            _t("查询", "inquiry"),
        ),
        ("driving_licence_copy", "vehicle_invoice", "medical_certificate"),
    ),
    CategoryData(
        "JY",
        _t("教育", "Education"),
        (_t("教育局", "Education Bureau"),),
        (
            _t("义务教育入学", "Compulsory-education enrolment", "RX"),
            _t("学籍", "Student record", "XJ"),
            _t("毕业证书", "Graduation certificate", "BY"),
            _t("学历证明", "Academic certificate", "XL"),
            _t("教师资格", "Teacher qualification", "JS"),
            _t("民办学校", "Private school", "MB"),
            _t("校外培训机构", "Off-campus tutoring institution", "PX"),
            _t("学生资助", "Student financial aid", "ZZ"),
            _t("随迁子女入学", "Migrant children enrolment", "SQ"),
        ),
        (
            _t("申请", "application"),
            _t("变更", "change"),
            _t("补办", "reissue"),
            _t("认定", "certification"),
            _t("转移", "transfer"),
            _t("注销", "cancellation"),
            _t("查询", "inquiry"),
        ),
        ("household_register", "diploma_copy", "birth_certificate"),
    ),
    CategoryData(
        "YL",
        _t("医保", "Medical insurance"),
        (_t("医疗保障局", "Healthcare Security Administration"),),
        (
            _t("城乡居民医保", "Resident medical insurance", "JM"),
            _t("职工医保", "Employee medical insurance", "ZG"),
            _t("异地就医", "Medical treatment elsewhere", "YD"),
            _t("门诊慢特病", "Chronic disease outpatient coverage", "MT"),
            _t("医保电子凭证", "Medical insurance e-voucher", "DZ"),
            _t("生育医疗费", "Maternity medical expenses", "SY"),
            _t("医疗费用", "Medical expenses", "FY"),
            _t("长期护理保险", "Long-term care insurance", "CH"),
            _t("医保关系", "Medical insurance relationship", "GX"),
        ),
        (
            _t("申请", "application"),
            _t("变更", "change"),
            _t("转移", "transfer"),
            _t("备案", "filing"),
            _t("暂停", "suspension"),
            _t("恢复", "resumption"),
            _t("查询", "inquiry"),
        ),
        ("medical_invoice", "diagnosis_certificate", "bank_card_copy"),
    ),
    CategoryData(
        "MZ",
        _t("民政", "Civil affairs"),
        (
            _t("民政局", "Civil Affairs Bureau"),
            _t("街道便民服务中心", "Sub-district service centre"),
        ),
        (
            _t("婚姻登记", "Marriage registration", "HY"),
            _t("最低生活保障", "Minimum living allowance", "DB"),
            _t("特困人员供养", "Support for people in extreme poverty", "TK"),
            _t("残疾人补贴", "Disability allowance", "CJ"),
            _t("高龄津贴", "Old-age allowance", "GL"),
            _t("临时救助", "Temporary assistance", "LS"),
            _t("殡葬补贴", "Funeral subsidy", "BZ"),
            _t("社会组织", "Social organisation", "SZ"),
            _t("收养登记", "Adoption registration", "SY"),
        ),
        (
            _t("申请", "application"),
            _t("变更", "change"),
            _t("复核", "review"),
            _t("证明开具", "certificate issuance"),
            _t("补办", "reissue"),
            _t("注销", "cancellation"),
            _t("查询", "inquiry"),
        ),
        ("household_register", "income_statement", "marriage_certificate"),
    ),
    CategoryData(
        "ZJ",
        _t("住建", "Housing and construction"),
        (_t("住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),),
        (
            _t("公共租赁住房", "Public rental housing", "GZ"),
            _t("商品房预售", "Pre-sale of commercial housing", "YS"),
            _t("房屋租赁", "Housing lease", "ZL"),
            _t("不动产登记", "Real estate registration", "BD"),
            _t("建筑工程施工许可", "Construction permit", "SG"),
            _t("物业维修资金", "Property maintenance fund", "WX"),
            _t("住房保障", "Housing support", "BZ"),
            _t("燃气经营许可", "Gas operation licence", "RQ"),
            _t("建筑业企业资质", "Construction enterprise qualification", "ZZ"),
        ),
        (
            _t("申请", "application"),
            _t("备案", "filing"),
            _t("变更", "change"),
            _t("注销", "cancellation"),
            _t("延续", "renewal"),
            _t("证明开具", "certificate issuance"),
            _t("查询", "inquiry"),
        ),
        ("lease_contract", "purchase_contract", "premises_certificate"),
    ),
    CategoryData(
        "BA",
        _t("公安", "Public security"),
        (
            _t("公安局治安管理支队", "Public Order Division, Public Security Bureau"),
            _t("辖区派出所", "Local police station"),
        ),
        (
            _t("无犯罪记录证明", "Certificate of no criminal record", "WF"),
            _t("委托代办", "Proxy authorisation", "WT"),
            _t("保安员证", "Security guard licence", "BA"),
            _t("旅馆业特种行业许可", "Hotel special-trade licence", "LG"),
            _t("印章刻制", "Seal engraving", "YZ"),
            _t("大型活动安全许可", "Large-event security permit", "DX"),
            _t("犬只登记", "Dog registration", "QZ"),
            _t("开锁业备案", "Locksmith business", "KS"),
            _t("民用爆炸物品", "Civil explosives", "MB"),
        ),
        (
            _t("申请", "application"),
            _t("变更", "change"),
            _t("延续", "renewal"),
            _t("补办", "reissue"),
            _t("注销", "cancellation"),
            _t("备案", "filing"),
            _t("查询", "inquiry"),
        ),
        ("power_of_attorney", "business_licence", "premises_certificate"),
    ),
)

# The standard seven-step model every service follows.
STEPS: tuple[Term, ...] = (
    _t("申请", "Apply"),
    _t("受理", "Accept"),
    _t("审查", "Review"),
    _t("决定", "Decide"),
    _t("制证", "Produce"),
    _t("送达", "Deliver"),
    _t("办结", "Complete"),
)

# code -> (name, kind). Kind is "document" or "photo".
MATERIALS: dict[str, tuple[Term, str]] = {
    "id_card_copy": (_t("居民身份证复印件", "Copy of resident ID card"), "document"),
    "photo": (_t("近期免冠证件照", "Recent ID photo"), "photo"),
    "application_form": (_t("申请表", "Application form"), "document"),
    "household_register": (_t("户口簿", "Household register booklet"), "document"),
    "birth_certificate": (_t("出生医学证明", "Birth certificate"), "document"),
    "marriage_certificate": (_t("结婚证", "Marriage certificate"), "document"),
    "passport_copy": (_t("护照复印件", "Copy of passport"), "document"),
    "invitation_letter": (_t("邀请函", "Invitation letter"), "document"),
    "labour_contract": (_t("劳动合同", "Labour contract"), "document"),
    "bank_card_copy": (_t("银行卡复印件", "Copy of bank card"), "document"),
    "employment_certificate": (_t("在职证明", "Employment certificate"), "document"),
    "purchase_contract": (_t("购房合同", "Home purchase contract"), "document"),
    "lease_contract": (_t("租赁合同", "Lease contract"), "document"),
    "business_licence": (_t("营业执照", "Business licence"), "document"),
    "articles_of_association": (_t("公司章程", "Articles of association"), "document"),
    "premises_certificate": (_t("经营场所证明", "Proof of premises"), "document"),
    "driving_licence_copy": (_t("驾驶证复印件", "Copy of driving licence"), "document"),
    "vehicle_invoice": (_t("机动车销售发票", "Vehicle sales invoice"), "document"),
    "medical_certificate": (_t("体检证明", "Medical examination certificate"), "document"),
    "diploma_copy": (_t("毕业证书复印件", "Copy of diploma"), "document"),
    "medical_invoice": (_t("医疗费用票据", "Medical expense receipts"), "document"),
    "diagnosis_certificate": (_t("诊断证明", "Diagnosis certificate"), "document"),
    "income_statement": (_t("家庭收入证明", "Household income statement"), "document"),
    "power_of_attorney": (_t("授权委托书", "Power of attorney"), "document"),
    "scene_photo": (_t("现场照片", "On-site photo"), "photo"),
}

# Materials any service may ask for, besides its category's own.
COMMON_MATERIALS: tuple[str, ...] = ("id_card_copy", "photo", "application_form", "scene_photo")


@dataclass(frozen=True)
class FieldData:
    field: str
    label: Term
    type: str
    max_length: int | None = None
    options: tuple[tuple[str, Term], ...] = ()


FORM_FIELDS: tuple[FieldData, ...] = (
    FieldData("full_name", _t("姓名", "Full name"), "text", max_length=50),
    FieldData("id_number", _t("公民身份号码", "Citizen ID number"), "id_number"),
    FieldData("mobile", _t("手机号码", "Mobile phone"), "phone"),
    FieldData("birth_date", _t("出生日期", "Date of birth"), "date"),
    FieldData("home_address", _t("居住地址", "Residential address"), "address", max_length=120),
    FieldData("household_size", _t("家庭人口数", "Household size"), "number"),
    FieldData("annual_income", _t("家庭年收入（元）", "Annual household income (CNY)"), "number"),
    FieldData(
        "marital_status",
        _t("婚姻状况", "Marital status"),
        "select",
        options=(
            ("single", _t("未婚", "Single")),
            ("married", _t("已婚", "Married")),
            ("divorced", _t("离异", "Divorced")),
            ("widowed", _t("丧偶", "Widowed")),
        ),
    ),
    FieldData(
        "education",
        _t("文化程度", "Education level"),
        "select",
        options=(
            ("primary", _t("小学", "Primary school")),
            ("secondary", _t("中学", "Secondary school")),
            ("bachelor", _t("本科", "Bachelor's degree")),
            ("postgraduate", _t("研究生", "Postgraduate")),
        ),
    ),
    FieldData("reason", _t("申请事由", "Reason for application"), "text", max_length=200),
    FieldData("start_date", _t("起始日期", "Start date"), "date"),
    FieldData("work_phone", _t("单位电话", "Work phone"), "phone"),
    FieldData("employer", _t("工作单位", "Employer"), "text", max_length=100),
    FieldData("mailing_address", _t("邮寄地址", "Mailing address"), "address", max_length=120),
    FieldData("postal_code", _t("邮政编码", "Postal code"), "text", max_length=6),
)

# Destinations for the well-known passport service's select field.
TRAVEL_PURPOSES: tuple[tuple[str, Term], ...] = (
    ("tourism", _t("旅游", "Tourism")),
    ("study", _t("留学", "Study")),
    ("business", _t("商务", "Business")),
    ("family", _t("探亲", "Family visit")),
)
