// The volunteer's pages: each main action calls the right endpoint with the right body, and an
// error answer shows its message.
const h = require('./harness')

const NEED = {
  id: 5, title: '周末课业辅导', description: '为留守儿童辅导作业', village: '140105001001', village_name: '大石家河村',
  starts_at: '2027-03-06T09:00:00+08:00', ends_at: '2027-03-06T12:00:00+08:00', capacity: 2, taken: 1, status: 'open',
  series_id: null, area: 'education', area_name: '教育', skills: ['支教'], slots: 2, review_reason: null, relay: false,
}
const SESSION = {
  id: 9, title: '青年夜校：法律常识', description: '', village: '140105001001', village_name: '大石家河村',
  starts_at: '2027-01-05T19:30:00+08:00', ends_at: '2027-01-05T21:30:00+08:00', capacity: 30, taken: 30, status: 'filled',
  series_id: 3, kind: 'night_school', kind_name: '青年夜校', topic: 'law', topic_name: '法律',
}
const TEMPLATES = {
  items: [
    { purpose: 'signup_result', template_id: 'tmpl-s', kind: 'one_time', remaining: 0, active: false, renew: true },
    { purpose: 'reminder', template_id: 'tmpl-r', kind: 'one_time', remaining: 1, active: true, renew: false },
    { purpose: 'assignment', template_id: 'tmpl-a', kind: 'one_time', remaining: 0, active: false, renew: true },
    { purpose: 'broadcast', template_id: 'tmpl-b', kind: 'long_term', remaining: null, active: true, renew: false },
  ],
  renew: [],
}
const PROFILE = {
  id: 1, volunteer_no: 'SX2026000001', name: '李小红', phone: '138****5678', home_region: '140105001001', areas: ['education'],
  skills: [], availability: [], offers_paused: false, monthly_hours_cap: null, consent: { version: '2026-11', sensitive: false },
}
const RECORD = {
  id: 31, status: 'checked_in', auto_closed: false, hours: null, confirmed_hours: null, review_note: null, confirmed_at: null,
  correction_reason: null, checked_in_at: '2027-01-05T19:25:00+08:00', checked_out_at: null,
  activity: { id: 9, type: 'session', title: '青年夜校：法律常识', village_name: '大石家河村', area: null, kind: 'night_school', starts_at: SESSION.starts_at, ends_at: SESSION.ends_at },
}

function routes(extra) {
  return {
    'POST /auth/wechat-login': h.LOGIN,
    'GET /me': h.ok(h.USER),
    'GET /areas': h.ok({ items: [{ code: 'education', name: '教育', description: '' }] }),
    'GET /volunteers/me': h.ok(PROFILE),
    'GET /subscriptions': h.ok(TEMPLATES),
    'POST /subscriptions': h.ok({ items: [], renew: [] }),
    ...extra,
  }
}

beforeEach(() => h.freshModules())

describe('needs and night schools near me', () => {
  test('lists needs in the home county first, and filters by area; sessions by kind and topic', async () => {
    const wx = h.installWx(routes({ 'GET /needs': h.ok({ items: [NEED] }), 'GET /sessions': h.ok({ items: [SESSION] }) }))
    const page = h.loadPage('pages/index/index')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/needs').query).toEqual({ region: '140105', limit: '50' })
    expect(h.text(page)).toContain('周末课业辅导')
    expect(h.text(page)).toContain('家乡所在县')
    await page.instance.pick({ currentTarget: { dataset: { field: 'areaIndex' } }, detail: { value: 1 } })
    expect(wx.requests.filter((r) => r.path === '/needs').pop().query).toEqual({ area: 'education', region: '140105', limit: '50' })
    await h.tap(page, '#tab-sessions')
    await h.settle()
    await page.instance.pick({ currentTarget: { dataset: { field: 'topicIndex' } }, detail: { value: 4 } })
    expect(wx.requests.filter((r) => r.path === '/sessions').pop().query).toEqual({ topic: 'law', region: '140105', limit: '50' })
    expect(h.text(page)).toContain('青年夜校 · 法律')
    page.instance.open({ currentTarget: { dataset: { type: 'session', id: 9 } } })
    expect(wx.navigations).toContain('/pages/detail/index?type=session&id=9')
  })

  test('an error answer shows the message', async () => {
    const wx = h.installWx(routes({ 'GET /needs': h.fail(503, 'database_unavailable', '服务暂时不可用，请稍后重试') }))
    h.loadPage('pages/index/index')
    await h.settle(10)
    expect(wx.toasts).toContain('服务暂时不可用，请稍后重试')
  })

  test('someone not yet registered is invited to register', async () => {
    const wx = h.installWx(routes({
      'POST /auth/wechat-login': h.ok({ token: 't', user: { ...h.USER, registered: false } }),
      'GET /needs': h.ok({ items: [] }),
    }))
    const page = h.loadPage('pages/index/index')
    await h.settle(10)
    await h.tap(page, '#register')
    expect(wx.navigations).toContain('/pages/register/index')
    expect(wx.requests.find((r) => r.path === '/needs').query).toEqual({ limit: '50' })
  })
})

describe('detail, sign-up and withdraw', () => {
  test('signing up asks to subscribe from the tap, then says confirmed', async () => {
    const wx = h.installWx(routes({ 'GET /needs/5': h.ok(NEED), 'POST /needs/5/signups': h.ok({ id: 77, status: 'confirmed', position: null }, 201) }))
    const page = h.loadPage('pages/detail/index', { type: 'need', id: '5' })
    await h.settle(10)
    expect(h.text(page)).toContain('为留守儿童辅导作业')
    await h.tap(page, '#signup')
    await h.settle(10)
    expect(global.wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['tmpl-s', 'tmpl-r'] }))
    expect(wx.requests.find((r) => r.method === 'POST' && r.path === '/needs/5/signups').body).toBeUndefined()
    expect(wx.requests.find((r) => r.method === 'POST' && r.path === '/subscriptions').body).toEqual({ results: { 'tmpl-s': 'accept', 'tmpl-r': 'accept' } })
    expect(h.text(page)).toContain('报名成功')
  })

  test('a full session puts me on the waitlist with my position; withdrawing frees the seat', async () => {
    const wx = h.installWx(routes({
      'GET /sessions/9': h.ok(SESSION),
      'POST /sessions/9/signups': h.ok({ id: 78, status: 'waitlisted', position: 3 }, 201),
      'DELETE /sessions/9/signups/me': { statusCode: 204, data: '' },
    }))
    const page = h.loadPage('pages/detail/index', { type: 'session', id: '9' })
    await h.settle(10)
    await h.tap(page, '#signup')
    await h.settle(10)
    expect(h.text(page)).toContain('已进入候补，排第 3 位')
    await h.tap(page, '#withdraw')
    await h.settle(10)
    expect(wx.requests.some((r) => r.method === 'DELETE' && r.path === '/sessions/9/signups/me')).toBe(true)
    expect(wx.toasts).toContain('已取消报名')
  })

  test('a refused sign-up shows why', async () => {
    const wx = h.installWx(routes({ 'GET /needs/5': h.ok(NEED), 'POST /needs/5/signups': h.fail(409, 'time_conflict', '与你已确认的其他活动时间冲突') }))
    const page = h.loadPage('pages/detail/index', { type: 'need', id: '5' })
    await h.settle(10)
    await h.tap(page, '#signup')
    await h.settle(10)
    expect(wx.toasts).toContain('与你已确认的其他活动时间冲突')
  })
})

describe('my offers', () => {
  const OFFER = {
    id: 41, status: 'offered', why: '你在教育领域服务过 3 次，周六上午有空', revoke_reason: null, signup_id: null, withdrawn: false,
    starts_at: NEED.starts_at, expires_at: new Date(Date.now() + 3725 * 1000).toISOString(),
    need: { id: 5, title: '周末课业辅导', village: '140105001001', village_name: '大石家河村', starts_at: NEED.starts_at, ends_at: NEED.ends_at },
  }

  test('shows why I was asked and the expiry counting down; accepting asks for reminders and posts accept', async () => {
    const wx = h.installWx(routes({
      'GET /assignments/me': [h.ok({ items: [OFFER] }), h.ok({ items: [{ ...OFFER, status: 'accepted' }] })],
      'POST /assignments/41/accept': h.ok({ ...OFFER, status: 'accepted' }),
    }))
    const page = h.loadPage('pages/assignments/index', { link: 'assignment:41' })
    page.instance.onShow()
    await h.settle(10)
    page.instance.stopTicking()
    expect(h.text(page)).toContain('你在教育领域服务过 3 次')
    expect(h.text(page)).toMatch(/还剩 1 小时 0[12] 分/)
    page.instance.tick(Date.parse(OFFER.expires_at) - 42000)
    expect(h.text(page)).toContain('还剩 42 秒')
    await h.tap(page, '#accept-41')
    await h.settle(10)
    expect(wx.requests.some((r) => r.method === 'POST' && r.path === '/assignments/41/accept')).toBe(true)
    expect(global.wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['tmpl-r'] }))
    expect(h.text(page)).toContain('已接受')
  })

  test('declining posts decline; an expired offer says so', async () => {
    const wx = h.installWx(routes({
      'GET /assignments/me': h.ok({ items: [OFFER] }),
      'POST /assignments/41/decline': h.fail(409, 'offer_expired', '邀请已过期'),
    }))
    const page = h.loadPage('pages/assignments/index', {})
    page.instance.onShow()
    await h.settle(10)
    page.instance.stopTicking()
    await h.tap(page, '#decline-41')
    await h.settle(10)
    expect(wx.requests.some((r) => r.method === 'POST' && r.path === '/assignments/41/decline')).toBe(true)
    expect(wx.toasts).toContain('邀请已过期')
  })
})

describe('check in and out', () => {
  test('the scene of a mini-program code opens the page with the code; checking in posts it', async () => {
    const wx = h.installWx(routes({ 'POST /checkins': h.ok(RECORD, 201) }))
    const page = h.loadPage('pages/checkin/index', { scene: encodeURIComponent('c=K7Q2M9XA') })
    await h.settle()
    expect(h.text(page)).toContain('K7Q2M9XA')
    await h.tap(page, '#checkin')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/checkins').body).toEqual({ code: 'K7Q2M9XA' })
    expect(h.text(page)).toContain('签到成功')
    expect(h.text(page)).toContain('青年夜校：法律常识')
  })

  test('wx.scanCode reads the code from a scanned mini-program code; the location is sent only when asked for', async () => {
    const wx = h.installWx(routes({
      'POST /checkouts': [h.fail(400, 'location_required', '请允许小程序获取你的位置后再扫码', { location: '必填' }), h.ok({ ...RECORD, checked_out_at: '2027-01-05T21:30:00+08:00', hours: 2 })],
    }))
    wx.scanResult = { result: '', path: 'pages/checkin/index?scene=c%3DK7Q2M9XA' }
    const page = h.loadPage('pages/checkin/index', { scan: '1' })
    await h.settle()
    await h.tap(page, '#checkout')
    await h.settle(10)
    const sent = wx.requests.filter((r) => r.path === '/checkouts').map((r) => r.body)
    expect(sent).toEqual([{ code: 'K7Q2M9XA' }, { code: 'K7Q2M9XA', location: { latitude: 37.8, longitude: 112.5 } }])
    expect(h.text(page)).toContain('签退成功')
  })

  test('an expired code shows the message', async () => {
    const wx = h.installWx(routes({ 'POST /checkins': h.fail(400, 'checkin_code_expired', '签到码已过期，请让组织者刷新后重新扫码', { code: '已过期' }) }))
    const page = h.loadPage('pages/checkin/index', { code: 'k7q2m9xa' })
    await h.tap(page, '#checkin')
    await h.settle(10)
    expect(wx.toasts).toContain('签到码已过期，请让组织者刷新后重新扫码')
    expect(h.text(page)).toContain('签到码已过期')
  })
})

describe('inbox', () => {
  test('lists messages, marks one read when opened and follows its link', async () => {
    const wx = h.installWx(routes({
      'GET /inbox': h.ok({ unread: 1, items: [{ id: 3, purpose: 'signup_result', title: '报名成功', body: '你已报名周末课业辅导', link: 'need:5', created_at: '2027-03-01T10:00:00+08:00', read: false }] }),
      'POST /inbox/3/read': { statusCode: 204, data: '' },
    }))
    const page = h.loadPage('pages/inbox/index')
    page.instance.onShow()
    await h.settle(10)
    expect(h.text(page)).toContain('你已报名周末课业辅导')
    await h.tap(page, '#message-3')
    await h.settle(10)
    expect(wx.requests.some((r) => r.method === 'POST' && r.path === '/inbox/3/read')).toBe(true)
    expect(wx.navigations).toContain('/pages/detail/index?type=need&id=5')
  })

  test('an error answer shows the message', async () => {
    const wx = h.installWx(routes({ 'GET /inbox': h.fail(403, 'forbidden', '没有权限执行此操作') }))
    h.loadPage('pages/inbox/index').instance.onShow()
    await h.settle(10)
    expect(wx.toasts).toContain('没有权限执行此操作')
  })
})

describe('mine and my records', () => {
  const RECORDS = { items: [{ ...RECORD, status: 'confirmed', hours: 2, confirmed_hours: 2 }], total_hours: 120.5, star_level: 1, next_star_hours: 179.5 }

  test('shows hours and stars; pausing offers patches offers_paused; leaving deletes the volunteer', async () => {
    const wx = h.installWx(routes({
      'GET /volunteers/me/records': h.ok(RECORDS),
      'PATCH /volunteers/me': (req) => h.ok({ ...PROFILE, ...req.body }),
      'DELETE /volunteers/me': { statusCode: 204, data: '' },
    }))
    const page = h.loadPage('pages/mine/index')
    page.instance.onShow()
    await h.settle(10)
    expect(h.text(page)).toContain('120.5 小时')
    expect(h.text(page)).toContain('★☆☆☆☆')
    await page.instance.togglePaused({ detail: { value: true } })
    expect(wx.requests.find((r) => r.method === 'PATCH').body).toEqual({ offers_paused: true })
    page.instance.setData({ cap: '40' })
    await page.instance.saveCap()
    expect(wx.requests.filter((r) => r.method === 'PATCH').pop().body).toEqual({ monthly_hours_cap: 40 })
    await h.tap(page, '#subscribe')
    await h.settle()
    expect(global.wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['tmpl-r', 'tmpl-a'] }))
    await h.tap(page, '#leave')
    await h.settle(10)
    expect(wx.requests.some((r) => r.method === 'DELETE' && r.path === '/volunteers/me')).toBe(true)
    expect(wx.toasts).toContain('已退出志愿服务')
  })

  test('a refused change shows the message beside the field', async () => {
    h.installWx(routes({
      'GET /volunteers/me/records': h.ok(RECORDS),
      'PATCH /volunteers/me': h.fail(422, 'validation_failed', '提交的内容有误，请检查后重试', { monthly_hours_cap: '不能大于 744' }),
    }))
    const page = h.loadPage('pages/mine/index')
    page.instance.onShow()
    await h.settle(10)
    page.instance.setData({ cap: '1000' })
    await page.instance.saveCap()
    expect(h.text(page)).toContain('不能大于 744')
  })

  test('records: a certificate is issued and its PDF opened; a correction request posts the reason', async () => {
    const wx = h.installWx(routes({
      'GET /volunteers/me/records': h.ok(RECORDS),
      'POST /volunteers/me/certificates': h.ok({ number: 'ZM2027000123', verify_code: 'ABCD2345', name: '李小红', volunteer_no: 'SX2026000001', hours: 120.5, records: 30, content: '教育', issuer: '共青团山西省委', issued_at: '2027-03-01T10:00:00+08:00', pdf_url: '/x.pdf', verify_url: '/verify/ABCD2345' }, 201),
      'POST /attendance/31/correction-requests': h.ok({ id: 1 }, 201),
    }))
    const page = h.loadPage('pages/records/index')
    await h.settle(10)
    expect(h.text(page)).toContain('120.5 小时')
    await h.tap(page, '#issue')
    await h.settle(10)
    expect(h.text(page)).toContain('ZM2027000123')
    await h.tap(page, '#pdf')
    await h.settle(10)
    expect(global.wx.downloadFile.mock.calls[0][0]).toMatchObject({ url: `${h.BASE}/volunteers/me/certificates/ZM2027000123.pdf`, header: { Authorization: 'Bearer tok-1' } })
    expect(global.wx.openDocument).toHaveBeenCalledWith({ filePath: '/tmp/cert.pdf', fileType: 'pdf' })
    await h.tap(page, '#correct-31')
    await h.settle(10)
    expect(wx.requests.find((r) => r.path === '/attendance/31/correction-requests').body).toEqual({ reason: '时长记错了，实际 3 小时' })
  })

  test('no confirmed hours yet: the certificate refusal is shown', async () => {
    const wx = h.installWx(routes({
      'GET /volunteers/me/records': h.ok({ items: [], total_hours: 0, star_level: 0, next_star_hours: 100 }),
      'POST /volunteers/me/certificates': h.fail(409, 'no_confirmed_hours', '还没有已确认的服务时长'),
    }))
    const page = h.loadPage('pages/records/index')
    await h.settle(10)
    await h.tap(page, '#issue')
    await h.settle(10)
    expect(wx.toasts).toContain('还没有已确认的服务时长')
  })
})
