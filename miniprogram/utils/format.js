// Times as people in the service's zone read them (Asia/Shanghai, UTC+8, no summer time).
const OFFSET_MS = 8 * 3600 * 1000
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

function shanghai(iso) {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso)
  return Number.isNaN(ms) ? null : new Date(ms + OFFSET_MS)
}

// "12月5日 周六 19:30"
function dateTime(iso) {
  const d = shanghai(iso)
  if (!d) return ''
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${WEEKDAYS[d.getUTCDay()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

function clock(iso) {
  const d = shanghai(iso)
  return d ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : ''
}

// "12月5日 周六 19:30–21:30"
function span(startsAt, endsAt) {
  return `${dateTime(startsAt)}–${clock(endsAt)}`
}

// "2027-01-05" for pickers
function day(iso) {
  const d = shanghai(iso === undefined ? Date.now() : iso)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

// A picker's date and time as ISO 8601 with the service's offset.
function isoAt(date, time) {
  return `${date}T${time}:00+08:00`
}

// 1 (Monday) … 7 (Sunday) of a picker's date, in the service's zone.
function weekday(date) {
  const d = new Date(`${date}T12:00:00+08:00`)
  const js = new Date(d.getTime() + OFFSET_MS).getUTCDay()
  return js === 0 ? 7 : js
}

// "还剩 1 小时 05 分" / "还剩 42 秒" / "已过期"
function countdown(iso, now) {
  const left = Math.floor((Date.parse(iso) - (now === undefined ? Date.now() : now)) / 1000)
  if (!(left > 0)) return '已过期'
  const h = Math.floor(left / 3600)
  const m = Math.floor((left % 3600) / 60)
  const s = left % 60
  if (h > 0) return `还剩 ${h} 小时 ${pad(m)} 分`
  if (m > 0) return `还剩 ${m} 分 ${pad(s)} 秒`
  return `还剩 ${s} 秒`
}

function stars(level) {
  const n = Math.max(0, Math.min(5, level || 0))
  return '★'.repeat(n) + '☆'.repeat(5 - n)
}

module.exports = { dateTime, clock, span, day, isoAt, weekday, countdown, stars, WEEKDAYS }
