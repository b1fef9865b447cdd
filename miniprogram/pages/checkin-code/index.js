// The rotating check-in code, full screen on the organiser's phone: a mini-program code volunteers
// scan (it opens pages/checkin/index with the code as its scene) and the code in large letters;
// fetched again shortly before it expires, so the screen never shows a dead code.
const api = require('../../utils/api')
const format = require('../../utils/format')

const REFRESH_BEFORE_MS = 15 * 1000 // the backend hands out a fresh code once the current one is half spent
const RETRY_MS = 5 * 1000

function position() {
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => resolve({ latitude: res.latitude, longitude: res.longitude }),
      fail: () => resolve({}),
    })
  })
}

Component({
  data: { type: 'need', id: null, code: '', qr: '', left: '', expiresAt: '', message: '' },
  methods: {
    async onLoad(query) {
      this.setData({ type: query.type === 'session' ? 'session' : 'need', id: query.id })
      wx.setKeepScreenOn({ keepScreenOn: true })
      // The organiser's position (if allowed) becomes the venue for the geofence.
      this.where = await position()
      await this.refresh()
      this.ticker = setInterval(() => this.tick(), 1000)
    },
    onUnload() {
      clearInterval(this.ticker)
      clearTimeout(this.next)
      wx.setKeepScreenOn({ keepScreenOn: false })
    },

    async refresh() {
      clearTimeout(this.next)
      const endpoint = this.data.type === 'session' ? 'sessionCheckinCode' : 'needCheckinCode'
      try {
        const answer = await api.call(endpoint, { id: this.data.id, ...(this.where || {}) })
        this.setData({
          code: answer.code,
          qr: `data:image/png;base64,${answer.qr_png_base64}`,
          expiresAt: answer.expires_at,
          left: format.countdown(answer.expires_at),
          message: '',
        })
        const wait = Math.max(RETRY_MS, Date.parse(answer.expires_at) - Date.now() - REFRESH_BEFORE_MS)
        this.next = setTimeout(() => this.refresh(), wait)
      } catch (e) {
        this.setData({ message: api.showError(e) })
        this.next = setTimeout(() => this.refresh(), RETRY_MS * 2)
      }
    },
    tick() {
      if (this.data.expiresAt) this.setData({ left: format.countdown(this.data.expiresAt) })
    },
    close() {
      wx.navigateBack()
    },
  },
})
