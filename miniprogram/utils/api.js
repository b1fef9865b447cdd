// The one API module every page uses: base URL from config.js, wx.login → token, the bearer header,
// the contract's error shape → ApiError (shown as a Chinese toast or a message beside the field),
// a 401 logs in again once, and a request is repeated only when the backend says when (Retry-After
// on a 429 or 503). The token is the only thing kept on the phone (wx storage, key "token").
const config = require('../config')
const endpoints = require('./endpoints')

const TOKEN_KEY = 'token'
const MAX_RETRIES = 2
const MAX_WAIT_SECONDS = 10 // longer waits are told to the user instead
const RETRY_STATUSES = [429, 503]

const FALLBACK_MESSAGES = {
  network: '网络连接失败，请检查网络后重试',
  400: '请求有误，请检查后重试',
  401: '登录已失效，请重新进入小程序',
  403: '没有权限执行此操作',
  404: '内容不存在或已删除',
  409: '操作与当前状态冲突，请刷新后重试',
  413: '提交的内容过大',
  422: '提交的内容有误，请检查后重试',
  429: '操作太频繁，请稍后再试',
  500: '服务出错了，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
}

class ApiError extends Error {
  constructor(status, code, message, fields, retryAfter) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields || {}
    this.retryAfter = retryAfter == null ? null : retryAfter
  }
}

let token = null
let user = null
let loggingIn = null

function storedToken() {
  if (token === null) {
    try {
      token = wx.getStorageSync(TOKEN_KEY) || ''
    } catch (e) {
      token = ''
    }
  }
  return token
}

function saveToken(value) {
  token = value || ''
  try {
    if (token) wx.setStorageSync(TOKEN_KEY, token)
    else wx.removeStorageSync(TOKEN_KEY)
  } catch (e) {
    // storage full or denied: the token lives in memory until the mini-program closes
  }
}

function header(res, name) {
  const headers = (res && res.header) || {}
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase())
  return key === undefined ? undefined : headers[key]
}

function retryAfter(res) {
  if (!RETRY_STATUSES.includes(res.statusCode)) return null
  const value = header(res, 'Retry-After')
  if (value === undefined || value === null || value === '') return null
  const seconds = Number(value)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null
}

function toError(res) {
  const body = res && res.data && typeof res.data === 'object' ? res.data.error : null
  const status = res ? res.statusCode : 0
  const fallback = FALLBACK_MESSAGES[status] || FALLBACK_MESSAGES[status >= 500 ? 500 : 400]
  const wait = res ? retryAfter(res) : null
  if (body && body.message) return new ApiError(status, body.code, body.message, body.fields, wait)
  return new ApiError(status, `http_${status}`, fallback, {}, wait)
}

function networkError(err) {
  const e = new ApiError(0, 'network', FALLBACK_MESSAGES.network, {})
  e.cause = err
  return e
}

function spec(name) {
  const entry = endpoints[name]
  if (!entry) throw new Error(`unknown endpoint ${name}`)
  return entry
}

// The URL of an endpoint: path parameters filled in, listed query parameters appended.
function url(name, params) {
  const entry = spec(name)
  const values = params || {}
  const allowed = entry.query || []
  const path = entry.path.replace(/\{(\w+)\}/g, (_, key) => {
    if (values[key] === undefined || values[key] === null || values[key] === '') {
      throw new Error(`${name}: missing path parameter ${key}`)
    }
    return encodeURIComponent(String(values[key]))
  })
  const pathKeys = (entry.path.match(/\{(\w+)\}/g) || []).map((k) => k.slice(1, -1))
  const query = []
  Object.keys(values).forEach((key) => {
    if (pathKeys.includes(key)) return
    if (!allowed.includes(key)) throw new Error(`${name}: query parameter ${key} is not in the endpoint table`)
    const value = values[key]
    if (value === undefined || value === null || value === '') return
    query.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
  })
  return config.baseUrl() + path + (query.length ? `?${query.join('&')}` : '')
}

// Only the fields the table lists; undefined ones are left out.
function body(name, data) {
  const entry = spec(name)
  if (data === undefined || data === null) return undefined
  const allowed = entry.body || []
  const out = {}
  Object.keys(data).forEach((key) => {
    if (!allowed.includes(key)) throw new Error(`${name}: body field ${key} is not in the endpoint table`)
    if (data[key] !== undefined) out[key] = data[key]
  })
  return out
}

function send(method, target, data, withToken) {
  const headers = { 'Content-Type': 'application/json' }
  if (withToken && storedToken()) headers.Authorization = `Bearer ${storedToken()}`
  return new Promise((resolve, reject) => {
    const options = {
      url: target,
      method,
      header: headers,
      timeout: 15000,
      success: resolve,
      fail: (err) => reject(networkError(err)),
    }
    if (data !== undefined) options.data = data
    wx.request(options)
  })
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError(0, 'wx_login', '微信登录失败，请重试'))),
      fail: () => reject(new ApiError(0, 'wx_login', '微信登录失败，请重试')),
    })
  })
}

async function exchange(name, params, data) {
  let retries = 0
  for (;;) {
    const res = await send(spec(name).method, url(name, params), body(name, data), spec(name).auth !== false)
    if (res.statusCode >= 200 && res.statusCode < 300) return res
    const wait = retryAfter(res)
    if (wait !== null && wait <= MAX_WAIT_SECONDS && retries < MAX_RETRIES) {
      retries += 1
      await sleep(wait * 1000)
      continue
    }
    return res
  }
}

// wx.login → POST /auth/wechat-login → the token (kept) and the user (in memory only).
function login() {
  if (!loggingIn) {
    loggingIn = (async () => {
      const code = await wxLogin()
      const res = await exchange('login', {}, { code })
      if (res.statusCode !== 200) throw toError(res)
      saveToken(res.data.token)
      user = res.data.user
      return user
    })()
    loggingIn.then(
      () => (loggingIn = null),
      () => (loggingIn = null)
    )
  }
  return loggingIn
}

async function ensureLogin() {
  if (loggingIn) await loggingIn
  if (!storedToken()) await login()
}

// Calls an endpoint of the table; answers the parsed JSON (null for 204) or throws ApiError.
async function call(name, params, data) {
  const entry = spec(name)
  if (entry.auth !== false) await ensureLogin()
  let res = await exchange(name, params, data)
  if (res.statusCode === 401 && entry.auth !== false) {
    saveToken('')
    user = null
    await login()
    res = await exchange(name, params, data)
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.statusCode === 204 ? null : res.data
  throw toError(res)
}

// Who is logged in ({id, roles, registered, secretary_village}); from the login or GET /me.
async function currentUser(refresh) {
  await ensureLogin()
  if (!user || refresh) user = await call('me')
  return user
}

// A file endpoint (certificatePdf): downloaded with the bearer header, answers the temporary path.
async function download(name, params) {
  const entry = spec(name)
  if (!entry.download) throw new Error(`${name} is not a download`)
  await ensureLogin()
  const attempt = () =>
    new Promise((resolve, reject) => {
      wx.downloadFile({
        url: url(name, params),
        header: { Authorization: `Bearer ${storedToken()}` },
        success: resolve,
        fail: (err) => reject(networkError(err)),
      })
    })
  let res = await attempt()
  if (res.statusCode === 401) {
    saveToken('')
    await login()
    res = await attempt()
  }
  if (res.statusCode !== 200) throw toError({ statusCode: res.statusCode, data: null, header: res.header })
  return res.tempFilePath
}

// The field messages of an error keyed by top-level field ("availability.0.start" → "availability").
function fieldErrors(err) {
  const out = {}
  Object.keys((err && err.fields) || {}).forEach((key) => {
    const top = key.split('.')[0]
    if (!out[top]) out[top] = err.fields[key]
  })
  return out
}

// Shows an error: beside its fields when the page has a form (data.errors), and as a toast.
function showError(err, page) {
  const message = (err && err.message) || FALLBACK_MESSAGES[500]
  const errors = fieldErrors(err)
  if (page && Object.keys(errors).length) page.setData({ errors })
  wx.showToast({ title: message, icon: 'none', duration: 3000 })
  return message
}

function logout() {
  saveToken('')
  user = null
}

// Tests start each case logged out.
function reset() {
  token = null
  user = null
  loggingIn = null
}

module.exports = {
  ApiError,
  call,
  currentUser,
  download,
  ensureLogin,
  fieldErrors,
  login,
  logout,
  reset,
  showError,
  url,
  endpoints,
}
