// Confirm who came and for how long (谁组织谁记录、谁记录谁证明): each record's hours as checked in
// and out, changed only with a reason.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')

function view(r) {
  return {
    id: r.id,
    name: r.volunteer ? r.volunteer.name : '志愿者',
    number: r.volunteer ? r.volunteer.volunteer_no : '',
    checkedIn: format.clock(r.checked_in_at),
    checkedOut: r.checked_out_at ? format.clock(r.checked_out_at) : '未签退',
    computed: r.hours,
    hours: r.confirmed_hours !== null && r.confirmed_hours !== undefined ? String(r.confirmed_hours) : r.hours === null ? '' : String(r.hours),
    reason: '',
    confirmed: r.status === 'confirmed',
    status: catalog.RECORD_STATUS[r.status] || r.status,
  }
}

Component({
  data: { activity: null, items: [], loaded: false, errors: {} },
  methods: {
    onLoad(query) {
      this.setData({ activity: query.activity })
      return this.load()
    },

    async load() {
      try {
        const answer = await api.call('attendance', { activity: this.data.activity })
        this.setData({ items: answer.items.map(view), loaded: true })
      } catch (e) {
        this.setData({ loaded: true })
        api.showError(e)
      }
    },

    onInput(e) {
      const { index, field } = e.currentTarget.dataset
      this.setData({ [`items[${index}].${field}`]: e.detail.value })
    },

    body(item) {
      const body = {}
      if (item.hours !== '' && Number(item.hours) !== item.computed) {
        body.hours = Number(item.hours)
        body.reason = item.reason.trim()
      }
      return body
    },

    async confirm(e) {
      const index = Number(e.currentTarget.dataset.index)
      const item = this.data.items[index]
      try {
        const record = await api.call('confirmAttendance', { id: item.id }, this.body(item))
        this.setData({ [`items[${index}]`]: view(record), errors: {} })
        wx.showToast({ title: `已确认 ${item.name}`, icon: 'none' })
      } catch (err) {
        api.showError(err)
        this.setData({ [`items[${index}].error`]: err.message })
      }
    },
  },
})
