"""The demo province's script: which series, needs, relay post and broadcast it has, and who stars in it.

Data only; app/demo/story.py plays it.
"""

from datetime import time, timedelta

HERO_VILLAGE = "140105001001"
#: dev:volunteer-1 … -5 have a story of their own there (records, a certificate, a seat right now).
HEROES = (1, 2, 3, 4, 5)
#: The demo's history starts this long before the first run.
HISTORY = timedelta(days=35)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# village, kind, topic, title, description, weekday (0 = Monday), start, minutes, capacity
SERIES = [
    (
        HERO_VILLAGE,
        "night_school",
        "law",
        "青年夜校：法律常识进万家",
        "讲解婚姻家庭、土地承包、防范电信网络欺诈等与村民生活相关的法律知识。",
        1,
        time(19, 30),
        120,
        40,
    ),
    (
        "140105002001",
        "night_school",
        "skills",
        "青年夜校：电商直播技能培训",
        "手把手教村民用手机拍短视频、开网店，推介本村小米和红枣。",
        3,
        time(19, 30),
        120,
        30,
    ),
    (
        "140106001001",
        "lecture_hall",
        "ideas",
        "青年讲习所：新时代青年说",
        "返乡创业青年讲述自己的故事，与村里青年座谈交流。",
        5,
        time(14, 30),
        120,
        60,
    ),
    (
        "140928001001",
        "night_school",
        "policy",
        "青年夜校：惠农政策解读",
        "解读种粮补贴、医保报销、易地搬迁后续扶持等政策，现场答疑。",
        2,
        time(19, 0),
        90,
        40,
    ),
    (
        "140929002001",
        "lecture_hall",
        "gratitude",
        "青年讲习所：感恩家乡 建设家乡",
        "返乡大学生和村民一起讲家乡这些年的变化，开展感恩教育。",
        6,
        time(15, 0),
        120,
        50,
    ),
    (
        "141126001002",
        "night_school",
        "ethics",
        "青年夜校：好家风好家训",
        "讲述身边的好家风故事，评选本村文明家庭。",
        0,
        time(19, 30),
        90,
        40,
    ),
    (
        "140723001001",
        "lecture_hall",
        "culture",
        "青年讲习所：晋商文化与乡村振兴",
        "从晋商精神谈乡村产业发展。座位有限，请提前报名，满员后可候补。",
        4,
        time(19, 30),
        90,
        8,
    ),
]

# 扶贫接力: a post covered every week by one volunteer after another.
# village, area, title, description, skills, weekday, start, minutes
RELAY = (
    "140928002001",
    "education",
    "扶贫接力：留守儿童之家周末值守",
    "每周六上午在留守儿童之家看护孩子、辅导作业，一位接一位，全年不断档。",
    ["支教"],
    5,
    time(9, 0),
    180,
)

# village, area, title, description, skills, day, start, minutes, slots
# (day: days after the history began for past needs, days after now for the others)
PAST_NEEDS = [
    (
        "140105001002",
        "medical",
        "老年人健康义诊",
        "协助乡镇卫生院医生为六十岁以上老人测血压、血糖，讲解慢病用药常识。",
        ["医疗救护"],
        9,
        time(9, 0),
        240,
        3,
    ),
    (
        "140105003001",
        "ecology",
        "后山补植油松护绿",
        "协助村委会在后山补植油松、侧柏，清理树坑杂草。",
        [],
        12,
        time(9, 0),
        240,
        8,
    ),
    (
        "140106002001",
        "environment",
        "村庄垃圾分类宣传",
        "入户讲解垃圾分类，清理村道两侧的白色垃圾。",
        [],
        16,
        time(14, 0),
        180,
        6,
    ),
    (
        "140928001002",
        "relief",
        "困难家庭冬季物资发放",
        "协助发放棉被、米面油等过冬物资，逐户登记。",
        ["驾驶"],
        20,
        time(9, 30),
        210,
        4,
    ),
    (
        "140221001001",
        "welfare",
        "敬老院陪伴服务",
        "到乡镇敬老院陪老人聊天、理发、表演小节目。",
        ["文艺演出"],
        24,
        time(14, 30),
        150,
        5,
    ),
    (
        HERO_VILLAGE,
        "culture",
        "村史馆讲解志愿服务",
        "在村史馆为来参观的游客和学生讲解本村的历史和脱贫故事。",
        [],
        34,  # yesterday: the secretary has not confirmed the hours yet
        time(9, 0),
        180,
        3,
    ),
    (
        "141126002001",
        "culture",
        "农家书屋整理与读书会",
        "整理农家书屋图书，组织村民读书分享会。",
        [],
        27,
        time(9, 0),
        180,
        3,
    ),
]
UPCOMING_NEEDS = [
    (
        HERO_VILLAGE,
        "education",
        "留守儿童周末课业辅导",
        "为村里留守儿童辅导语文、数学作业，陪伴课外阅读。",
        ["支教"],
        3,
        time(9, 0),
        180,
        4,
    ),
    (
        "140105002002",
        "disability",
        "残疾人家庭入户帮扶",
        "为村里残疾人家庭打扫卫生、代购生活用品、陪伴聊天。",
        ["手语"],
        5,
        time(14, 0),
        180,
        2,
    ),
    (
        "140106001002",
        "industry",
        "农产品直播助农",
        "帮助合作社社员直播销售小米、红枣和核桃。",
        ["电商直播"],
        6,
        time(10, 0),
        180,
        2,
    ),
    (
        "140723001002",
        "medical",
        "乡村儿童视力筛查",
        "配合乡镇卫生院为村小学生做视力筛查并登记。",
        ["医疗救护"],
        8,
        time(9, 0),
        180,
        3,
    ),
    (
        "140928003001",
        "industry",
        "果树冬季修剪技术指导",
        "协助农技员指导果农修剪苹果树、核桃树。",
        ["农业技术"],
        9,
        time(9, 30),
        240,
        3,
    ),
    (
        "140929001001",
        "relief",
        "法律援助咨询进村",
        "为村民解答土地流转、劳务欠薪等法律问题。",
        ["法律咨询"],
        11,
        time(9, 0),
        180,
        2,
    ),
    (
        "140222001001",
        "environment",
        "河道沿岸清洁行动",
        "清理村边河道沿岸垃圾，劝导村民不往河里倒垃圾。",
        [],
        13,
        time(9, 0),
        180,
        10,
    ),
    (
        "141126003001",
        "welfare",
        "留守老人冬季探访",
        "入户探访独居留守老人，检查取暖和用电安全。",
        [],
        16,
        time(14, 0),
        150,
        4,
    ),
]
PENDING_NEEDS = [
    (
        "140105003002",
        "culture",
        "村晚节目排练辅导",
        "帮助村民排练新春村晚节目，需会舞蹈或器乐。",
        ["文艺演出"],
        10,
        time(19, 0),
        120,
        3,
    ),
    (
        "140105002003",
        "education",
        "寒假儿童安全课堂",
        "给放寒假的孩子讲防溺水、防火、防拐骗知识。",
        ["支教"],
        14,
        time(9, 30),
        120,
        2,
    ),
    (
        "140928002002",
        "medical",
        "心理健康讲座与咨询",
        "为留守妇女和老人开展心理健康讲座，现场一对一咨询。",
        ["心理辅导"],
        12,
        time(14, 0),
        180,
        2,
    ),
    (
        "140928001003",
        "ecology",
        "退耕还林地块巡护",
        "协助护林员巡查退耕还林地块，记录苗木成活情况。",
        [],
        9,
        time(9, 0),
        240,
        4,
    ),
]
REJECTED_NEED: tuple = (
    "140106002002",
    "welfare",
    "村委会办公室打扫",
    "打扫村委会办公室和会议室。",
    [],
    7,
    time(9, 0),
    120,
    2,
)
#: Held yesterday; its records wait for the secretary (dev:secretary-140105001001) to confirm them.
AWAITING_CONFIRMATION = "村史馆讲解志愿服务"
REJECTION_REASON = "属于村委会日常事务，不宜作为志愿服务需求，请调整后重新发布"

# Happening right now in the hero village, so check-in can be tried at once.
NOW_SESSION = ("lecture_hall", "policy", "青年讲习所：乡村振兴政策宣讲", "宣讲今年的乡村振兴和就业帮扶政策，现场答疑。")
NOW_NEED = ("education", "村小学课后托管志愿服务", "看护村小学放学后的孩子，辅导作业，等家长来接。", ["支教"])
NOW_TITLES = [NOW_SESSION[2], NOW_NEED[1]]

BROADCAST = (
    "冬季志愿服务安全提示",
    "各位志愿者：入冬以来全省多地降温降雪，进村服务请提前查看天气、结伴出行，注意交通和用火用电安全；"
    "活动现场记得扫码签到、签退，服务时长由村团支部书记确认后计入个人记录。感谢大家一年来的坚持！",
)
#: Who reviews a county's needs: its own league committee if the demo has one, else the city's, else the province's.
REVIEWERS = [("xiaodian", "140105"), ("lanxian", "140928"), ("taiyuan", "140100"), ("shanxi", "140000")]

HISTORY_TITLES = [s[3] for s in SERIES] + [RELAY[2]] + [n[2] for n in PAST_NEEDS + UPCOMING_NEEDS + PENDING_NEEDS]

#: The league programs (项目) the demo's activities belong to, by session kind and by need area.
SESSION_PROGRAMS = {"night_school": "乡伴计划", "lecture_hall": "乡村流动少年宫"}
NEED_PROGRAMS = {"education": "希望工程", "culture": "七彩假期"}
