// The village secretary's pages.
const h = require('./harness')

const SECRETARY = { id: 6, roles: ['secretary'], registered: false, secretary_village: '140105001001', staff_region: null }
const LOGIN = h.ok({ token: 'tok-s', user: SECRETARY })
const SESSION = {
  id: 9, title: '青年夜校：法律常识', description: '', village: '140105001001', village_name: '大石家河村',
  starts_at: '2027-01-05T19:30:00+08:00', ends_at: '2027-01-05T21:30:00+08:00', capacity: 30, taken: 4, status: 'open',
  series_id: 3, kind: 'night_school', kind_name: '青年夜校', topic: 'law', topic_name: '法律',
}

function routes(extra) {
  return {
    'POST /auth/wechat-login': LOGIN,
    'GET /me': h.ok(SECRETARY),
    'GET /areas': h.ok({ items: [{ code: 'industry', name: '产业', description: '' }, { code: 'education', name: '教育', description: '' }] }),
    ...extra,
  }
}

beforeEach(() => h.freshModules())
afterEach(() => jest.useRealTimers())

test('the workbench lists the village activities and leads to the code and the confirmation', async () => {
  const wx = h.installWx(routes({ 'GET /needs': h.ok({ items: [] }), 'GET /sessions': h.ok({ items: [SESSION] }) }))
  const page = h.loadPage('pages/secretary/index')
  page.instance.onShow()
  await h.settle(10)
  const query = wx.requests.find((r) => r.path === '/sessions').query
  expect(query.region).toBe('140105001001')
  expect(h.text(page)).toContain('青年夜校：法律常识')
  await h.tap(page, '#code-session-9')
  await h.tap(page, '#confirm-session-9')
  await h.tap(page, '#post-need')
  expect(wx.navigations).toEqual([
    '/pages/checkin-code/index?type=session&id=9',
    '/pages/confirm/index?activity=9',
    '/pages/need-form/index?village=140105001001',
  ])
})

test('posting a need sends area, what, when (with the offset), slots, skills and a weekly rule', async () => {
  const wx = h.installWx(routes({ 'POST /needs': h.ok({ id: 50 }, 201) }))
  const page = h.loadPage('pages/need-form/index', { village: '140105001001' })
  await h.settle(10)
  page.instance.setData({ areaIndex: 1, title: '周末课业辅导', description: '为留守儿童辅导作业', date: '2027-03-06', start: '09:00', end: '12:00', slots: '3', skillsText: '支教 数学' })
  await h.tap(page, '#weekly')
  page.instance.setData({ weeks: '8' })
  await h.tap(page, '#submit')
  await h.settle(10)
  expect(wx.requests.find((r) => r.method === 'POST' && r.path === '/needs').body).toEqual({
    area: 'education',
    title: '周末课业辅导',
    description: '为留守儿童辅导作业',
    village: '140105001001',
    starts_at: '2027-03-06T09:00:00+08:00',
    ends_at: '2027-03-06T12:00:00+08:00',
    slots: 3,
    skills: ['支教', '数学'],
    recurrence: 'FREQ=WEEKLY;BYDAY=SA;COUNT=8',
  })
  expect(wx.toasts).toContain('已提交，县团委审核后开放报名')
})

test('a refused need shows the message beside the field', async () => {
  const wx = h.installWx(routes({ 'POST /needs': h.fail(422, 'validation_failed', '提交的内容有误，请检查后重试', { title: '至少 2 个字符' }) }))
  const page = h.loadPage('pages/need-form/index', {})
  await h.settle(10)
  await h.tap(page, '#submit')
  await h.settle(10)
  expect(wx.toasts).toContain('提交的内容有误，请检查后重试')
  expect(h.text(page)).toContain('至少 2 个字符')
})

test('scheduling a weekly night school sends the series rule and tells how many were made', async () => {
  const wx = h.installWx(routes({ 'POST /sessions': h.ok({ ...SESSION, occurrences: 8, series_total: 12 }, 201) }))
  const page = h.loadPage('pages/session-form/index', {})
  await h.settle(10)
  page.instance.setData({ title: '青年夜校：法律常识', date: '2027-01-05', topicIndex: 3 })
  await h.tap(page, '#submit')
  await h.settle(10)
  expect(wx.requests.find((r) => r.method === 'POST' && r.path === '/sessions').body).toEqual({
    kind: 'night_school',
    topic: 'law',
    title: '青年夜校：法律常识',
    description: '',
    village: '140105001001',
    starts_at: '2027-01-05T19:30:00+08:00',
    ends_at: '2027-01-05T21:00:00+08:00',
    capacity: 30,
    recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=12',
  })
  expect(h.text(page)).toContain('共 12 次（已生成 8 次')
})

test('the check-in code is shown full screen and fetched again shortly before it expires', async () => {
  jest.useFakeTimers()
  const first = new Date(Date.now() + 180000).toISOString()
  const second = new Date(Date.now() + 360000).toISOString()
  const wx = h.installWx(routes({
    'GET /sessions/9/checkin-code': [
      h.ok({ code: 'K7Q2M9XA', scene: 'c=K7Q2M9XA', page: 'pages/checkin/index', expires_at: first, qr_png_base64: 'iVBORw0KGgo=' }),
      h.ok({ code: 'P3R8T2WZ', scene: 'c=P3R8T2WZ', page: 'pages/checkin/index', expires_at: second, qr_png_base64: 'iVBORw0KGgo=' }),
    ],
  }))
  const page = h.loadPage('pages/checkin-code/index', { type: 'session', id: '9' })
  await jest.advanceTimersByTimeAsync(10)
  expect(wx.requests.find((r) => r.path === '/sessions/9/checkin-code').query).toEqual({ latitude: '37.8', longitude: '112.5' })
  expect(h.text(page)).toContain('K7Q2M9XA')
  expect(page.querySelector('#qr')).toBeTruthy()
  expect(page.instance.data.qr).toBe('data:image/png;base64,iVBORw0KGgo=')
  expect(global.wx.setKeepScreenOn).toHaveBeenCalledWith({ keepScreenOn: true })
  await jest.advanceTimersByTimeAsync(160000)
  expect(wx.requests.filter((r) => r.path === '/sessions/9/checkin-code')).toHaveLength(1)
  await jest.advanceTimersByTimeAsync(10000)
  expect(wx.requests.filter((r) => r.path === '/sessions/9/checkin-code')).toHaveLength(2)
  expect(h.text(page)).toContain('P3R8T2WZ')
  page.instance.onUnload()
  jest.useRealTimers()
})

test('outside the check-in window the code page shows why', async () => {
  const wx = h.installWx(routes({ 'GET /needs/5/checkin-code': h.fail(409, 'checkin_not_open', '签到时间为活动开始前 60 分钟至结束') }))
  const page = h.loadPage('pages/checkin-code/index', { type: 'need', id: '5' })
  await h.settle(10)
  page.instance.onUnload()
  expect(wx.toasts).toContain('签到时间为活动开始前 60 分钟至结束')
  expect(h.text(page)).toContain('签到时间为活动开始前 60 分钟至结束')
})

describe('confirming who came', () => {
  const RECORD = {
    id: 31, status: 'checked_out', auto_closed: false, hours: 2, confirmed_hours: null, review_note: null, confirmed_at: null,
    correction_reason: null, checked_in_at: '2027-01-05T19:25:00+08:00', checked_out_at: '2027-01-05T21:30:00+08:00',
    volunteer: { name: '李小红', volunteer_no: 'SX2026000001' },
    activity: { id: 9, type: 'session', title: '青年夜校：法律常识', village_name: '大石家河村', area: null, kind: 'night_school', starts_at: SESSION.starts_at, ends_at: SESSION.ends_at },
  }

  test('confirms the computed hours with an empty body, or other hours with a reason', async () => {
    const wx = h.installWx(routes({
      'GET /attendance': h.ok({ items: [RECORD, { ...RECORD, id: 32, volunteer: { name: '王强', volunteer_no: null } }] }),
      'POST /attendance/31/confirm': h.ok({ ...RECORD, status: 'confirmed', confirmed_hours: 2 }),
      'POST /attendance/32/confirm': h.ok({ ...RECORD, id: 32, status: 'confirmed', confirmed_hours: 1.5 }),
    }))
    const page = h.loadPage('pages/confirm/index', { activity: '9' })
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance').query).toEqual({ activity: '9' })
    expect(h.text(page)).toContain('李小红')
    await h.tap(page, '#confirm-31')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance/31/confirm').body).toEqual({})
    page.instance.onInput({ currentTarget: { dataset: { index: 1, field: 'hours' } }, detail: { value: '1.5' } })
    page.instance.onInput({ currentTarget: { dataset: { index: 1, field: 'reason' } }, detail: { value: '提前离开' } })
    await h.tap(page, '#confirm-32')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance/32/confirm').body).toEqual({ hours: 1.5, reason: '提前离开' })
    expect(h.text(page)).toContain('已确认 1.5 小时')
  })

  test('a refusal is shown beside the record', async () => {
    const wx = h.installWx(routes({
      'GET /attendance': h.ok({ items: [{ ...RECORD, status: 'checked_in', checked_out_at: null, hours: null }] }),
      'POST /attendance/31/confirm': h.fail(409, 'not_checked_out', '志愿者尚未签退'),
    }))
    const page = h.loadPage('pages/confirm/index', { activity: '9' })
    await h.settle(10)
    await h.tap(page, '#confirm-31')
    await h.settle(10)
    expect(wx.toasts).toContain('志愿者尚未签退')
    expect(h.text(page)).toContain('志愿者尚未签退')
  })

  test('the villagers reached go with the confirmation, shown as last entered, and a bad count is shown beside them', async () => {
    const reached = { ...RECORD, activity: { ...RECORD.activity, villagers: 20, poor_households: 6 } }
    const wx = h.installWx(routes({
      'GET /attendance': h.ok({ items: [reached, { ...reached, id: 32 }] }),
      'POST /attendance/31/confirm': h.ok({ ...reached, status: 'confirmed', confirmed_hours: 2 }),
      'POST /attendance/32/confirm': h.fail(422, 'validation_failed', '提交的内容有误，请检查后重试', { poor_households: '贫困户村民人数不能超过参与村民人数' }),
    }))
    const page = h.loadPage('pages/confirm/index', { activity: '9' })
    await h.settle(10)
    expect(page.instance.data.villagers).toBe('20')
    expect(page.instance.data.poorHouseholds).toBe('6')
    page.instance.onReach({ currentTarget: { dataset: { field: 'villagers' } }, detail: { value: '25' } })
    await h.tap(page, '#confirm-31')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance/31/confirm').body).toEqual({ villagers: 25, poor_households: 6 })
    page.instance.onReach({ currentTarget: { dataset: { field: 'poorHouseholds' } }, detail: { value: '30' } })
    await h.tap(page, '#confirm-32')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance/32/confirm').body).toEqual({ villagers: 25, poor_households: 30 })
    expect(h.text(page)).toContain('贫困户村民人数不能超过参与村民人数')
  })

  test('with no count entered nothing about villagers is sent', async () => {
    const wx = h.installWx(routes({
      'GET /attendance': h.ok({ items: [RECORD] }),
      'POST /attendance/31/confirm': h.ok({ ...RECORD, status: 'confirmed', confirmed_hours: 2 }),
    }))
    const page = h.loadPage('pages/confirm/index', { activity: '9' })
    await h.settle(10)
    expect(h.text(page)).toContain('参与村民')
    await h.tap(page, '#confirm-31')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance/31/confirm').body).toEqual({})
  })
})
