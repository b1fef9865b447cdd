from app.stats.schemas import StatsQuery


class ExportQuery(StatsQuery):
    """The region and period, as GET /stats takes them (region in the caller's scope; from/to China dates)."""


#: The OpenAPI answer of an export: a binary xlsx file.
XLSX_RESPONSE = {
    "description": "xlsx 文件（附件下载）",
    "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        }
    },
}
