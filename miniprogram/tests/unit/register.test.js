const h = require('./harness')

const AREAS = {
  items: [
    { code: 'education', name: '教育', description: '教育帮扶与支教' },
    { code: 'medical', name: '医疗', description: '医疗卫生与健康服务' },
  ],
}
const CITIES = { items: [{ code: '140100', name: '太原市', level: 'city' }] }
const COUNTIES = { items: [{ code: '140105', name: '小店区', level: 'county' }] }

function routes(extra) {
  return {
    'POST /auth/wechat-login': h.ok({ token: 'tok-1', user: { ...h.USER, registered: false } }),
    'GET /privacy-policy': h.ok({ title: '青年志愿者服务平台隐私政策', version: '2026-11' }),
    'GET /areas': h.ok(AREAS),
    'GET /regions': (req) => h.ok(req.query.parent === '140000' ? CITIES : req.query.parent === '140100' ? COUNTIES : { items: [] }),
    'GET /subscriptions': h.ok({
      items: [{ purpose: 'assignment', template_id: 'tmpl-a', kind: 'one_time', remaining: 0, active: false, renew: true }],
      renew: ['assignment'],
    }),
    'POST /subscriptions': h.ok({ items: [], renew: [] }),
    'GET /me': h.ok(h.USER),
    ...extra,
  }
}

async function fillIn(page) {
  await h.settle()
  page.instance.setData({ name: '李小红', phone: '13812345678', skillsText: '支教，急救' })
  page.instance.pickRegion({ currentTarget: { dataset: { level: 0 } }, detail: { value: 0 } })
  await h.settle()
  page.instance.pickRegion({ currentTarget: { dataset: { level: 1 } }, detail: { value: 0 } })
  await h.settle()
  page.instance.pickAreas({ detail: { value: ['education'] } })
  await h.tap(page, '#add-slot')
  await h.tap(page, '#agree')
}

beforeEach(() => h.freshModules())

test('shows the privacy notice with the version the backend gives, and the nine areas it lists', async () => {
  h.installWx(routes())
  const page = h.loadPage('pages/register/index')
  await h.settle()
  expect(h.text(page)).toContain('版本 2026-11')
  expect(h.text(page)).toContain('青年志愿者服务平台隐私政策')
  expect(h.text(page)).toContain('教育')
})

test('registers with consent, the home county, areas, skills and a weekly slot; asks to subscribe first', async () => {
  const wx = h.installWx(routes({ 'POST /volunteers/me': h.ok({ id: 1 }, 201) }))
  const page = h.loadPage('pages/register/index')
  await fillIn(page)
  await h.tap(page, '#submit')
  await h.settle(10)
  const sent = wx.requests.find((r) => r.method === 'POST' && r.path === '/volunteers/me')
  expect(sent.body).toEqual({
    name: '李小红',
    phone: '13812345678',
    home_region: '140105',
    areas: ['education'],
    skills: ['支教', '急救'],
    availability: [{ weekday: 6, start: '09:00', end: '17:00' }],
    consent: { version: '2026-11', sensitive: false },
  })
  expect(sent.header.Authorization).toBe('Bearer tok-1')
  expect(global.wx.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['tmpl-a'] }))
  expect(wx.requests.find((r) => r.path === '/subscriptions' && r.method === 'POST').body).toEqual({ results: { 'tmpl-a': 'accept' } })
  expect(wx.toasts).toContain('注册成功')
  expect(wx.navigations).toContain('/pages/index/index')
})

test('does not send without consent to the privacy notice', async () => {
  const wx = h.installWx(routes())
  const page = h.loadPage('pages/register/index')
  await h.settle()
  await h.tap(page, '#submit')
  await h.settle()
  expect(wx.requests.some((r) => r.path === '/volunteers/me')).toBe(false)
  expect(h.text(page)).toContain('请先阅读并同意隐私政策')
})

test('an error answer shows its message as a toast and beside the field', async () => {
  const wx = h.installWx(
    routes({
      'POST /volunteers/me': h.fail(422, 'validation_failed', '提交的内容有误，请检查后重试', {
        phone: '请输入有效的中国大陆手机号（11 位）',
        'availability.0.start': '时间格式不正确，应为 HH:MM',
      }),
    })
  )
  const page = h.loadPage('pages/register/index')
  await fillIn(page)
  await h.tap(page, '#submit')
  await h.settle(10)
  expect(wx.toasts).toContain('提交的内容有误，请检查后重试')
  expect(h.text(page)).toContain('请输入有效的中国大陆手机号（11 位）')
  expect(h.text(page)).toContain('时间格式不正确，应为 HH:MM')
})

test('the ID number is asked for, and sent, only with the separate sensitive-data consent', async () => {
  const wx = h.installWx(routes({ 'POST /volunteers/me': h.ok({ id: 1 }, 201) }))
  const page = h.loadPage('pages/register/index')
  await fillIn(page)
  expect(page.querySelector('#idNumber')).toBeFalsy()
  await h.tap(page, '#sensitive')
  expect(page.querySelector('#idNumber')).toBeTruthy()
  page.instance.setData({ idNumber: '140105199001011234' })
  await h.tap(page, '#submit')
  await h.settle(10)
  const sent = wx.requests.find((r) => r.path === '/volunteers/me').body
  expect(sent.consent).toEqual({ version: '2026-11', sensitive: true })
  expect(sent.id_number).toBe('140105199001011234')
})
