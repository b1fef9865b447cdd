// The village secretary's workbench: post a need, schedule a night school or lecture hall, and for
// each activity of the village show the check-in code or confirm who came.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')

const DAY_MS = 24 * 3600 * 1000

function view(a, type) {
  return {
    key: `${type}-${a.id}`,
    id: a.id,
    type,
    title: a.title,
    tag: type === 'need' ? a.area_name : a.kind_name,
    when: format.span(a.starts_at, a.ends_at),
    startsAt: a.starts_at,
    seats: `${a.taken}/${a.capacity}`,
    status: catalog.ACTIVITY_STATUS[a.status] || a.status,
  }
}

Component({
  data: { village: '', items: [], loaded: false, allowed: true },
  methods: {
    onShow() {
      return this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      try {
        const user = await api.currentUser()
        if (!user.secretary_village) {
          this.setData({ allowed: false, loaded: true })
          return
        }
        const from = new Date(Date.now() - 2 * DAY_MS).toISOString()
        const query = { region: user.secretary_village, from, limit: 100 }
        const [needs, sessions] = await Promise.all([api.call('needs', query), api.call('sessions', query)])
        const items = needs.items
          .map((n) => view(n, 'need'))
          .concat(sessions.items.map((s) => view(s, 'session')))
          .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))
        this.setData({ village: user.secretary_village, items, loaded: true })
      } catch (e) {
        this.setData({ loaded: true })
        api.showError(e)
      }
    },

    postNeed() {
      wx.navigateTo({ url: `/pages/need-form/index?village=${this.data.village}` })
    },
    scheduleSession() {
      wx.navigateTo({ url: `/pages/session-form/index?village=${this.data.village}` })
    },
    showCode(e) {
      const { type, id } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/checkin-code/index?type=${type}&id=${id}` })
    },
    confirm(e) {
      const { id } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/confirm/index?activity=${id}` })
    },
  },
})
