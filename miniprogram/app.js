const api = require('./utils/api')

App({
  onLaunch() {
    // Log in at once (wx.login → token); pages that need the user wait for the same login.
    api.ensureLogin().catch(() => {})
  },
})
