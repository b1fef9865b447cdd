// Confirm who came and for how long (谁组织谁记录、谁记录谁证明): each record's hours as checked in
// and out, changed only with a reason; and how many villagers the activity reached (counts only, never
// who), sent with each confirmation: the backend keeps the latest count given.
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
  data: { activity: null, items: [], loaded: false, errors: {}, villagers: '', poorHouseholds: '', reachError: '' },
  methods: {
    onLoad(query) {
      this.setData({ activity: query.activity })
      return this.load()
    },

    async load() {
      try {
        const answer = await api.call('attendance', { activity: this.data.activity })
        const reached = answer.items.length ? answer.items[0].activity : null
        this.setData({
          items: answer.items.map(view),
          loaded: true,
          villagers: reached && reached.villagers !== null && reached.villagers !== undefined ? String(reached.villagers) : '',
          poorHouseholds: reached && reached.poor_households !== null && reached.poor_households !== undefined ? String(reached.poor_households) : '',
        })
      } catch (e) {
        this.setData({ loaded: true })
        api.showError(e)
      }
    },

    onInput(e) {
      const { index, field } = e.currentTarget.dataset
      this.setData({ [`items[${index}].${field}`]: e.detail.value })
    },

    onReach(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value, reachError: '' })
    },

    body(item) {
      const body = {}
      if (this.data.villagers.trim() !== '') {
        body.villagers = Number(this.data.villagers)
        if (this.data.poorHouseholds.trim() !== '') body.poor_households = Number(this.data.poorHouseholds)
      }
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
        const fields = api.fieldErrors(err)
        const reachError = fields.villagers || fields.poor_households || ''
        this.setData({ [`items[${index}].error`]: reachError ? '' : err.message, reachError })
      }
    },
  },
})
