// A `wx` for node: wx.request over real HTTP (node's fetch), wx.login answering the sandbox code of
// whoever is using the phone, storage in memory. Each person gets their own copy of the API module.
const path = require('path')

const ROOT = path.resolve(__dirname, '../..')

function install() {
  const state = { code: null, storage: {}, requests: [] }
  global.wx = {
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop' } }),
    login: ({ success, fail }) => (state.code ? success({ code: state.code }) : fail({ errMsg: 'login:fail' })),
    getStorageSync: (k) => state.storage[k] || '',
    setStorageSync: (k, v) => {
      state.storage[k] = v
    },
    removeStorageSync: (k) => delete state.storage[k],
    showToast: () => {},
    request: ({ url, method, header, data, success, fail }) => {
      state.requests.push({ method, url, data })
      fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) })
        .then(async (res) => {
          const text = await res.text()
          let parsed = text
          try {
            parsed = text ? JSON.parse(text) : ''
          } catch (e) {
            // not JSON: handed on as text, as wx.request does
          }
          success({ statusCode: res.status, data: parsed, header: Object.fromEntries(res.headers.entries()) })
        })
        .catch((err) => fail({ errMsg: `request:fail ${err.message}` }))
    },
  }
  return state
}

// The mini-program on one person's phone, logging in with a sandbox code ("dev:<name>").
function phone(code, baseUrl) {
  let api
  let state
  jest.isolateModules(() => {
    state = install()
    state.code = code
    require(path.join(ROOT, 'config')).configure({ baseUrl })
    api = require(path.join(ROOT, 'utils/api'))
  })
  const wx = global.wx
  // Every call runs with this phone's wx (the module reads the global when it calls).
  return {
    state,
    call: async (...args) => {
      global.wx = wx
      return api.call(...args)
    },
    currentUser: async (refresh) => {
      global.wx = wx
      return api.currentUser(refresh)
    },
  }
}

module.exports = { phone, ROOT }
