// A village need: area, what, when, how many volunteers, skills, optionally every week. The county
// reviews it before volunteers see it.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')

Component({
  data: {
    village: '',
    areas: [],
    areaIndex: 0,
    title: '',
    description: '',
    date: format.day(Date.now() + 7 * 24 * 3600 * 1000),
    start: '09:00',
    end: '12:00',
    slots: '2',
    skillsText: '',
    weekly: false,
    weeks: '12',
    errors: {},
    busy: false,
  },
  methods: {
    async onLoad(query) {
      try {
        const user = await api.currentUser()
        const areas = await api.call('areas')
        this.setData({ village: query.village || user.secretary_village || '', areas: areas.items })
      } catch (e) {
        api.showError(e)
      }
    },
    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    onPick(e) {
      const field = e.currentTarget.dataset.field
      this.setData({ [field]: field === 'areaIndex' ? Number(e.detail.value) : e.detail.value })
    },
    toggleWeekly() {
      this.setData({ weekly: !this.data.weekly })
    },

    body() {
      const d = this.data
      const body = {
        area: d.areas[d.areaIndex] ? d.areas[d.areaIndex].code : '',
        title: d.title.trim(),
        description: d.description.trim(),
        village: d.village,
        starts_at: format.isoAt(d.date, d.start),
        ends_at: format.isoAt(d.date, d.end),
        slots: Number(d.slots),
        skills: d.skillsText
          .split(/[,，、\s]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      }
      if (d.weekly) body.recurrence = catalog.weeklyRule(format.weekday(d.date), Number(d.weeks))
      return body
    },

    async submit() {
      if (this.data.busy) return
      this.setData({ busy: true, errors: {} })
      try {
        await api.call('postNeed', {}, this.body())
        wx.showToast({ title: '已提交，县团委审核后开放报名', icon: 'none' })
        wx.navigateBack()
      } catch (e) {
        api.showError(e, this)
      }
      this.setData({ busy: false })
    },
  },
})
