// The unit tests' mini-program: wx mocked (requests answered from a table of routes, every call
// recorded), pages loaded as the components they are and rendered by miniprogram-simulate.
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '../..')
const BASE = 'https://api.test/api/v1'

function installWx(routes) {
  const requests = []
  const storage = {}
  const toasts = []
  const navigations = []
  const state = { routes: { ...routes }, requests, storage, toasts, navigations, subscribeAnswer: null, scanResult: null }
  const wx = global.wx
  Object.assign(wx, {
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop' } }),
    login: jest.fn(({ success }) => success({ code: 'test-code' })),
    request: jest.fn((options) => {
      const target = options.url.replace(BASE, '')
      const [pathOnly, query] = target.split('?')
      const key = `${options.method} ${pathOnly}`
      requests.push({
        method: options.method,
        path: pathOnly,
        query: Object.fromEntries(new URLSearchParams(query || '')),
        body: options.data,
        header: options.header,
      })
      let answer = state.routes[key]
      if (typeof answer === 'function') answer = answer(requests[requests.length - 1])
      if (Array.isArray(answer)) answer = answer.length > 1 ? answer.shift() : answer[0]
      if (!answer) answer = { statusCode: 404, data: { error: { code: 'not_found', message: `no route ${key}`, fields: {} } } }
      setTimeout(() => options.success({ header: {}, ...answer }), 0)
    }),
    downloadFile: jest.fn(({ success }) => success({ statusCode: 200, tempFilePath: '/tmp/cert.pdf', header: {} })),
    openDocument: jest.fn(),
    getStorageSync: jest.fn((k) => storage[k] || ''),
    setStorageSync: jest.fn((k, v) => {
      storage[k] = v
    }),
    removeStorageSync: jest.fn((k) => delete storage[k]),
    showToast: jest.fn((o) => toasts.push(o.title)),
    showModal: jest.fn(({ success }) => success && success({ confirm: true, cancel: false, content: '时长记错了，实际 3 小时' })),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    navigateTo: jest.fn((o) => navigations.push(o.url)),
    redirectTo: jest.fn((o) => navigations.push(o.url)),
    switchTab: jest.fn((o) => navigations.push(o.url)),
    navigateBack: jest.fn(() => navigations.push('back')),
    stopPullDownRefresh: jest.fn(),
    setKeepScreenOn: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    requestSubscribeMessage: jest.fn(({ tmplIds, success }) => {
      const answer = state.subscribeAnswer || Object.fromEntries(tmplIds.map((id) => [id, 'accept']))
      success({ errMsg: 'requestSubscribeMessage:ok', ...answer })
    }),
    scanCode: jest.fn(({ success, fail }) => (state.scanResult ? success(state.scanResult) : fail({ errMsg: 'scanCode:fail cancel' }))),
    getLocation: jest.fn(({ success }) => success({ latitude: 37.8, longitude: 112.5 })),
  })
  return state
}

function ok(data, statusCode = 200) {
  return { statusCode, data }
}

function fail(statusCode, code, message, fields = {}, header = {}) {
  return { statusCode, data: { error: { code, message, fields } }, header }
}

// Fresh modules for each test (the API module keeps its token in memory), the base URL set.
function freshModules() {
  jest.resetModules()
  require(path.join(ROOT, 'config')).configure({ baseUrl: BASE })
}

function loadPage(page, query) {
  const id = simulate.load(path.join(ROOT, page), { rootPath: ROOT })
  const comp = simulate.render(id)
  comp.attach(document.createElement('parent-wrapper'))
  if (comp.instance.onLoad) comp.instance.onLoad(query || {})
  return comp
}

// Lets pending requests (answered on a timer) and their setData run.
async function settle(times = 6) {
  for (let i = 0; i < times; i += 1) await new Promise((r) => setTimeout(r, 1))
}

// A tap is delivered asynchronously (as on a phone): await it.
async function tap(comp, selector) {
  const node = comp.querySelector(selector)
  if (!node) throw new Error(`nothing matches ${selector}`)
  node.dispatchEvent('tap')
  await settle(2)
}

function text(comp) {
  return comp.dom.textContent
}

const USER = { id: 7, roles: [], registered: true, secretary_village: null, staff_region: null }
const LOGIN = ok({ token: 'tok-1', user: USER })

module.exports = { ROOT, BASE, installWx, ok, fail, freshModules, loadPage, settle, tap, text, USER, LOGIN, simulate }
