// The inbox: everything the service told me, newest first (pushes are only a copy of it).
const api = require('../../utils/api')
const format = require('../../utils/format')

const PAGE = 20

// Where a message's link ("need:12", "assignment:5", ...) leads.
function target(link) {
  const [kind, id] = (link || '').split(':')
  if ((kind === 'need' || kind === 'session') && id) return { url: `/pages/detail/index?type=${kind}&id=${id}` }
  if (kind === 'assignment') return { url: '/pages/assignments/index', tab: true }
  if (kind === 'record' || kind === 'signup') return { url: '/pages/records/index' }
  return null
}

function view(m) {
  return { id: m.id, title: m.title, body: m.body, when: format.dateTime(m.created_at), read: m.read, link: m.link }
}

Component({
  data: { items: [], unread: 0, more: false, loaded: false },
  methods: {
    onShow() {
      this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    async load(beforeId) {
      try {
        const answer = await api.call('inbox', { before_id: beforeId, limit: PAGE })
        const items = (beforeId ? this.data.items : []).concat(answer.items.map(view))
        this.setData({ items, unread: answer.unread, more: answer.items.length === PAGE, loaded: true })
      } catch (e) {
        this.setData({ loaded: true })
        api.showError(e)
      }
    },
    loadMore() {
      const last = this.data.items[this.data.items.length - 1]
      if (last) return this.load(last.id)
      return null
    },

    async open(e) {
      const index = Number(e.currentTarget.dataset.index)
      const item = this.data.items[index]
      if (!item.read) {
        try {
          await api.call('markRead', { message_id: item.id })
          this.setData({ [`items[${index}].read`]: true, unread: Math.max(0, this.data.unread - 1) })
        } catch (err) {
          api.showError(err)
        }
      }
      const to = target(item.link)
      if (to && to.tab) wx.switchTab({ url: to.url })
      else if (to) wx.navigateTo({ url: to.url })
    },
  },
})
