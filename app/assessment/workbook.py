"""The assessment sheet as an xlsx workbook (openpyxl, write-only: rows are streamed, none kept)."""

from io import BytesIO

from openpyxl import Workbook

from app.assessment.sheet import AssessmentSheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEVELS = {"province": "省", "city": "市", "county": "县（区）", "township": "乡镇", "village": "村"}


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _met(met: bool | None) -> str:
    return "" if met is None else ("达成" if met else "未达成")


def filename(sheet: AssessmentSheet) -> str:
    return f"assessment-{sheet.region.code}-{sheet.year}.xlsx"


def render(sheet: AssessmentSheet) -> bytes:
    book = Workbook(write_only=True)
    main = book.create_sheet("年度考核表")
    main.append([f"{sheet.region.name}（{sheet.region.code}）{sheet.year} 年度志愿服务考核表"])
    main.append(["统计区间", f"{sheet.period.start.isoformat()} 至 {sheet.period.end.isoformat()}（北京时间）"])
    main.append([])
    main.append(["指标", "完成", "目标", "是否达成"])
    for line in sheet.lines:
        if line.key == "fill_rate":
            main.append(
                [line.label, _rate(line.value), _rate(line.target) if line.target is not None else "", _met(line.met)]
            )
        else:
            main.append([line.label, line.value if line.value is not None else "—", line.target, _met(line.met)])
    main.append([])
    main.append(
        ["扶贫接力", "已开始的周数", sheet.relay.weeks, "在岗周数", sheet.relay.covered, "断档周数", sheet.relay.gaps]
    )
    checks = sheet.spot_checks
    main.append(["抽查", "抽取记录", checks.drawn, "核实无误", checks.confirmed, "发现问题", checks.discrepancies])
    main.append(["", "已更正时长", checks.corrected, "待核查", checks.pending])
    main.append(["服务村民", "人次", sheet.villagers_reached, "其中贫困户", sheet.villagers_poor])
    main.append(["自查", "已完成" if sheet.self_check_done else "未完成"])
    for done in sheet.self_checks:
        main.append(["", f"{done.period_start.isoformat()} 至 {done.period_end.isoformat()}", done.findings])
    children = book.create_sheet("下级区划")
    children.append(
        [
            "区划代码",
            "区划",
            "级别",
            "注册志愿者",
            "活跃志愿者",
            "服务时长（小时）",
            "发布需求",
            "报满需求",
            "报满率",
            "场次",
        ]
    )
    for row in sheet.children:
        f = row.figures
        children.append(
            [row.code, row.name, LEVELS.get(row.level, row.level), f.volunteers, f.active_volunteers, f.hours,
             f.needs_posted, f.needs_filled, _rate(f.fill_rate), f.sessions_held]
        )  # fmt: skip
    programs = book.create_sheet("按项目")
    programs.append(
        ["项目", "发布需求", "报满需求", "报满率", "场次", "参与志愿者", "服务时长（小时）", "服务村民", "其中贫困户"]
    )
    for p in sheet.programs:
        programs.append(
            [p.name, p.needs_posted, p.needs_filled, _rate(p.fill_rate), p.sessions_held, p.volunteers_served,
             p.hours, p.villagers, p.villagers_poor]
        )  # fmt: skip
    out = BytesIO()
    book.save(out)
    return out.getvalue()
