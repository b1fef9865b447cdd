const path = require('path')
const h = require('./harness')

let api
beforeEach(() => {
  h.freshModules()
  api = require(path.join(h.ROOT, 'utils/api'))
})

test('logs in with wx.login, keeps only the token, and sends it as a bearer header', async () => {
  const wx = h.installWx({ 'POST /auth/wechat-login': h.LOGIN, 'GET /inbox': h.ok({ items: [], unread: 0 }) })
  await api.call('inbox', { limit: 20 })
  expect(wx.requests[0]).toMatchObject({ method: 'POST', path: '/auth/wechat-login', body: { code: 'test-code' } })
  expect(wx.requests[1]).toMatchObject({ method: 'GET', path: '/inbox', query: { limit: '20' } })
  expect(wx.requests[1].header.Authorization).toBe('Bearer tok-1')
  expect(wx.storage).toEqual({ token: 'tok-1' })
})

test('a 401 logs in again once and repeats the request; a second 401 is shown, not looped', async () => {
  const wx = h.installWx({
    'POST /auth/wechat-login': [h.LOGIN, h.ok({ token: 'tok-2', user: h.USER })],
    'GET /inbox': [h.fail(401, 'unauthenticated', '登录已失效，请重新登录'), h.ok({ items: [], unread: 0 })],
  })
  await api.call('inbox')
  expect(wx.requests.map((r) => r.path)).toEqual(['/auth/wechat-login', '/inbox', '/auth/wechat-login', '/inbox'])
  expect(wx.requests[3].header.Authorization).toBe('Bearer tok-2')

  wx.routes['GET /inbox'] = h.fail(401, 'unauthenticated', '登录已失效，请重新登录')
  await expect(api.call('inbox')).rejects.toMatchObject({ status: 401, message: '登录已失效，请重新登录' })
  expect(wx.requests.filter((r) => r.path === '/auth/wechat-login')).toHaveLength(3)
})

test('repeats only where the backend sends Retry-After (429, 503), never otherwise', async () => {
  jest.useFakeTimers({ doNotFake: ['setTimeout'] })
  const wx = h.installWx({
    'POST /auth/wechat-login': h.LOGIN,
    'POST /needs/5/signups': [h.fail(503, 'database_unavailable', '服务暂时不可用', {}, { 'Retry-After': '0' }), h.ok({ id: 1, status: 'confirmed' }, 201)],
  })
  await expect(api.call('signUpNeed', { id: 5 })).resolves.toEqual({ id: 1, status: 'confirmed' })
  expect(wx.requests.filter((r) => r.path === '/needs/5/signups')).toHaveLength(2)
  jest.useRealTimers()

  wx.routes['POST /needs/6/signups'] = h.fail(503, 'database_unavailable', '服务暂时不可用，请稍后再试')
  await expect(api.call('signUpNeed', { id: 6 })).rejects.toMatchObject({ code: 'database_unavailable' })
  expect(wx.requests.filter((r) => r.path === '/needs/6/signups')).toHaveLength(1)

  wx.routes['POST /needs/7/signups'] = h.fail(409, 'full', '名额已满', {}, { 'Retry-After': '0' })
  await expect(api.call('signUpNeed', { id: 7 })).rejects.toMatchObject({ code: 'full', message: '名额已满' })
  expect(wx.requests.filter((r) => r.path === '/needs/7/signups')).toHaveLength(1)
})

test('a long Retry-After is told to the user instead of waited for', async () => {
  const wx = h.installWx({
    'POST /auth/wechat-login': h.fail(429, 'rate_limited', '请求过于频繁，请 60 秒后再试', {}, { 'retry-after': '60' }),
  })
  await expect(api.call('inbox')).rejects.toMatchObject({ status: 429, retryAfter: 60, message: '请求过于频繁，请 60 秒后再试' })
  expect(wx.requests).toHaveLength(1)
})

test('an error without the contract shape and a network failure still read as Chinese', async () => {
  const wx = h.installWx({ 'POST /auth/wechat-login': h.LOGIN, 'GET /areas': { statusCode: 502, data: '<html>' } })
  await expect(api.call('areas')).rejects.toMatchObject({ message: '服务出错了，请稍后再试' })
  global.wx.request = ({ fail }) => fail({ errMsg: 'request:fail timeout' })
  await expect(api.call('areas')).rejects.toMatchObject({ code: 'network', message: '网络连接失败，请检查网络后重试' })
  api.showError(new api.ApiError(409, 'full', '名额已满'))
  expect(wx.toasts).toContain('名额已满')
})

test('refuses what the endpoint table does not list', async () => {
  h.installWx({ 'POST /auth/wechat-login': h.LOGIN })
  await expect(api.call('nope')).rejects.toThrow('unknown endpoint')
  await expect(api.call('checkIn', {}, { code: 'ABCD', secret: 1 })).rejects.toThrow('body field secret')
  await expect(api.call('needs', { colour: 'red' })).rejects.toThrow('query parameter colour')
  await expect(api.call('need', {})).rejects.toThrow('missing path parameter id')
})

test('fills path parameters and leaves out empty query values', () => {
  h.installWx({})
  expect(api.url('need', { id: 12 })).toBe(`${h.BASE}/needs/12`)
  expect(api.url('needs', { area: '', region: '140105', limit: 50 })).toBe(`${h.BASE}/needs?region=140105&limit=50`)
})
