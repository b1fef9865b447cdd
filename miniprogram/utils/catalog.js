// Names the pages show for the contract's fixed codes (the nine areas come from GET /areas).
const KINDS = [
  { code: 'night_school', name: '青年夜校' },
  { code: 'lecture_hall', name: '青年讲习所' },
]
const TOPICS = [
  { code: 'ideas', name: '思想' },
  { code: 'culture', name: '文化' },
  { code: 'ethics', name: '道德' },
  { code: 'law', name: '法律' },
  { code: 'gratitude', name: '感恩' },
  { code: 'skills', name: '技能培训' },
  { code: 'policy', name: '政策宣讲' },
]
// 1 = Monday, as the contract's availability and RRULE BYDAY
const WEEKDAYS = [
  { value: 1, name: '周一', byday: 'MO' },
  { value: 2, name: '周二', byday: 'TU' },
  { value: 3, name: '周三', byday: 'WE' },
  { value: 4, name: '周四', byday: 'TH' },
  { value: 5, name: '周五', byday: 'FR' },
  { value: 6, name: '周六', byday: 'SA' },
  { value: 7, name: '周日', byday: 'SU' },
]
const SIGNUP_STATUS = { confirmed: '报名成功', waitlisted: '候补中', cancelled: '已取消', no_show: '未到场' }
const ACTIVITY_STATUS = {
  pending_review: '待审核',
  open: '报名中',
  filled: '已满员',
  rejected: '未通过',
  cancelled: '已取消',
  done: '已结束',
}
const RECORD_STATUS = {
  checked_in: '已签到',
  checked_out: '已签退',
  confirmed: '已确认',
}
const OFFER_STATUS = { offered: '待答复', accepted: '已接受', declined: '已婉拒', expired: '已过期', revoked: '已撤回' }

// "FREQ=WEEKLY;BYDAY=TU;COUNT=12" for a session repeated every week on the weekday of its first date.
function weeklyRule(weekday, count) {
  const day = WEEKDAYS.find((d) => d.value === weekday)
  return `FREQ=WEEKLY;BYDAY=${day.byday};COUNT=${count}`
}

module.exports = { KINDS, TOPICS, WEEKDAYS, SIGNUP_STATUS, ACTIVITY_STATUS, RECORD_STATUS, OFFER_STATUS, weeklyRule }
