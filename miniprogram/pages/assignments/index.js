// Offers the dispatcher made: why I was asked, the expiry counting down, accept or decline (never
// forced: 《志愿服务条例》 art. 25). Accepted ones stay listed as my assignments.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')
const subscribe = require('../../utils/subscribe')

function view(offer, now) {
  return {
    id: offer.id,
    title: offer.need.title,
    place: offer.need.village_name,
    when: format.span(offer.need.starts_at, offer.need.ends_at),
    why: offer.why,
    open: offer.status === 'offered',
    status: catalog.OFFER_STATUS[offer.status] || offer.status,
    expiresAt: offer.expires_at,
    left: offer.status === 'offered' ? format.countdown(offer.expires_at, now) : '',
    note: offer.revoke_reason || '',
  }
}

Component({
  data: { items: [], loaded: false, highlight: null },
  methods: {
    onLoad(query) {
      const link = (query && query.link) || ''
      if (link.indexOf('assignment:') === 0) this.setData({ highlight: Number(link.split(':')[1]) })
      subscribe.prepare()
    },
    onShow() {
      this.load()
      this.startTicking()
    },
    onHide() {
      this.stopTicking()
    },
    onUnload() {
      this.stopTicking()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    async load() {
      try {
        const answer = await api.call('assignments')
        const now = Date.now()
        this.setData({ items: answer.items.map((o) => view(o, now)), loaded: true })
      } catch (e) {
        this.setData({ loaded: true })
        api.showError(e)
      }
    },

    // The countdown: once a second, only while the page is shown.
    startTicking() {
      this.stopTicking()
      this.timer = setInterval(() => this.tick(), 1000)
    },
    stopTicking() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },
    tick(now) {
      const at = now === undefined ? Date.now() : now
      const changes = {}
      this.data.items.forEach((item, i) => {
        if (item.open) changes[`items[${i}].left`] = format.countdown(item.expiresAt, at)
      })
      if (Object.keys(changes).length) this.setData(changes)
    },

    async accept(e) {
      const id = e.currentTarget.dataset.id
      const asked = subscribe.ask(['reminder']) // from the tap, before any wait
      try {
        await api.call('acceptAssignment', { id })
        wx.showToast({ title: '已接受，名额为你保留', icon: 'none' })
        await asked
      } catch (err) {
        api.showError(err)
      }
      await this.load()
    },

    decline(e) {
      const id = e.currentTarget.dataset.id
      wx.showModal({
        title: '婉拒邀请',
        content: '婉拒后名额会立即转给下一位合适的志愿者。',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await api.call('declineAssignment', { id })
            wx.showToast({ title: '已婉拒，感谢告知', icon: 'none' })
          } catch (err) {
            api.showError(err)
          }
          await this.load()
        },
      })
    },
  },
})
