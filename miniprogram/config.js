// Where the backend is, per version of the mini-program (wx.getAccountInfoSync().miniProgram.envVersion).
// Before publishing, set trial and release to the server's HTTPS address (it must also be listed under
// 开发管理 → 开发设置 → 服务器域名 → request 合法域名 in the mini-program's admin console).
const BASE_URLS = {
  develop: 'http://127.0.0.1:5000/api/v1', // `make run` on the developer's computer; tick 「不校验合法域名」
  trial: 'https://volunteer-staging.example.org/api/v1',
  release: 'https://volunteer.example.org/api/v1',
}

// The province whose regions registration offers (GB/T 2260 code).
const PROVINCE = '140000'

let override = null

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop'
  } catch (e) {
    return 'develop'
  }
}

function baseUrl() {
  return (override || BASE_URLS[envVersion()] || BASE_URLS.develop).replace(/\/+$/, '')
}

// Tests (and a debug build) point the mini-program elsewhere without editing this file.
function configure(options) {
  override = (options && options.baseUrl) || null
}

module.exports = { BASE_URLS, PROVINCE, baseUrl, configure }
