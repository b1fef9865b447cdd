// A night school (青年夜校) or lecture hall (青年讲习所) session, usually every week all year.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')

Component({
  data: {
    village: '',
    kinds: catalog.KINDS,
    kindIndex: 0,
    topics: catalog.TOPICS,
    topicIndex: 0,
    title: '',
    description: '',
    date: format.day(Date.now() + 7 * 24 * 3600 * 1000),
    start: '19:30',
    end: '21:00',
    capacity: '30',
    weekly: true,
    weeks: '12',
    result: '',
    errors: {},
    busy: false,
  },
  methods: {
    async onLoad(query) {
      try {
        const user = await api.currentUser()
        this.setData({ village: query.village || user.secretary_village || '' })
      } catch (e) {
        api.showError(e)
      }
    },
    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    onPick(e) {
      const field = e.currentTarget.dataset.field
      const value = field.endsWith('Index') ? Number(e.detail.value) : e.detail.value
      this.setData({ [field]: value })
    },
    toggleWeekly() {
      this.setData({ weekly: !this.data.weekly })
    },

    body() {
      const d = this.data
      const body = {
        kind: d.kinds[d.kindIndex].code,
        topic: d.topics[d.topicIndex].code,
        title: d.title.trim(),
        description: d.description.trim(),
        village: d.village,
        starts_at: format.isoAt(d.date, d.start),
        ends_at: format.isoAt(d.date, d.end),
        capacity: Number(d.capacity),
      }
      if (d.weekly) body.recurrence = catalog.weeklyRule(format.weekday(d.date), Number(d.weeks))
      return body
    },

    async submit() {
      if (this.data.busy) return
      this.setData({ busy: true, errors: {} })
      try {
        const created = await api.call('scheduleSession', {}, this.body())
        const result = created.series_id
          ? `已安排每周一次，共 ${created.series_total} 次（已生成 ${created.occurrences} 次，其余按时自动生成）`
          : '已安排'
        this.setData({ result })
        wx.showToast({ title: '已安排', icon: 'success' })
      } catch (e) {
        api.showError(e, this)
      }
      this.setData({ busy: false })
    },
  },
})
