"""The product's fixed catalogues: codes are English, names are what people read."""

AREAS: dict[str, str] = {
    "industry": "产业",
    "ecology": "生态",
    "environment": "环保",
    "medical": "医疗",
    "culture": "文化",
    "disability": "助残",
    "welfare": "公益",
    "relief": "济困",
    "education": "教育",
}

AREA_DESCRIPTIONS: dict[str, str] = {
    "industry": "产业发展与增收致富",
    "ecology": "生态建设与保护",
    "environment": "环境保护与人居整治",
    "medical": "医疗卫生与健康服务",
    "culture": "文化服务与文明乡风",
    "disability": "扶残助残",
    "welfare": "社会公益",
    "relief": "扶贫济困",
    "education": "教育帮扶与支教",
}

SESSION_KINDS: dict[str, str] = {
    "night_school": "青年夜校流动教学点",
    "lecture_hall": "青年讲习所",
}

SESSION_TOPICS: dict[str, str] = {
    "ideas": "思想",
    "culture": "文化",
    "ethics": "道德",
    "law": "法律",
    "gratitude": "感恩",
    "skills": "技能培训",
    "policy": "政策宣讲",
}

REGION_LEVELS: dict[str, str] = {
    "province": "省",
    "city": "市",
    "county": "县",
    "township": "乡镇",
    "village": "村",
}

GENDERS: dict[str, str] = {"male": "男", "female": "女"}

# The privacy notice a volunteer must accept; bump the version when its text changes.
PRIVACY_POLICY_VERSION = "2026-11"
