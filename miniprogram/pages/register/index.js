const api = require('../../utils/api')
const config = require('../../config')
const catalog = require('../../utils/catalog')
const subscribe = require('../../utils/subscribe')

const GENDERS = [
  { code: '', name: '不填' },
  { code: 'male', name: '男' },
  { code: 'female', name: '女' },
]

Component({
  data: {
    policy: null,
    agreed: false,
    sensitive: false,
    name: '',
    phone: '',
    idNumber: '',
    birthYear: '',
    genders: GENDERS,
    genderIndex: 0,
    levels: [], // the home-region cascade: [{items:[{code,name}], index}]
    areas: [], // [{code, name, description, checked}]
    skillsText: '',
    weekdays: catalog.WEEKDAYS,
    availability: [], // [{weekdayIndex, start, end}]
    errors: {},
    submitting: false,
  },
  methods: {
    async onLoad() {
      try {
        const [policy, areas, cities] = await Promise.all([
          api.call('privacyPolicy'),
          api.call('areas'),
          api.call('regions', { parent: config.PROVINCE }),
        ])
        this.setData({
          policy,
          areas: areas.items.map((a) => ({ ...a, checked: false })),
          levels: [{ items: cities.items, index: -1 }],
        })
      } catch (e) {
        api.showError(e)
      }
      subscribe.prepare()
    },

    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
    },
    toggleAgreed() {
      this.setData({ agreed: !this.data.agreed })
    },
    toggleSensitive() {
      this.setData({ sensitive: !this.data.sensitive, idNumber: '' })
    },
    pickGender(e) {
      this.setData({ genderIndex: Number(e.detail.value) })
    },

    async pickRegion(e) {
      const level = Number(e.currentTarget.dataset.level)
      const index = Number(e.detail.value)
      const levels = this.data.levels.slice(0, level + 1)
      levels[level] = { ...levels[level], index }
      this.setData({ levels })
      try {
        const children = await api.call('regions', { parent: levels[level].items[index].code })
        if (children.items.length) this.setData({ levels: levels.concat([{ items: children.items, index: -1 }]) })
      } catch (e) {
        api.showError(e)
      }
    },
    homeRegion() {
      let code = ''
      this.data.levels.forEach((l) => {
        if (l.index >= 0) code = l.items[l.index].code
      })
      return code
    },

    pickAreas(e) {
      const chosen = e.detail.value
      this.setData({ areas: this.data.areas.map((a) => ({ ...a, checked: chosen.includes(a.code) })) })
    },

    addSlot() {
      this.setData({ availability: this.data.availability.concat([{ weekdayIndex: 5, start: '09:00', end: '17:00' }]) })
    },
    removeSlot(e) {
      const i = Number(e.currentTarget.dataset.index)
      this.setData({ availability: this.data.availability.filter((_, j) => j !== i) })
    },
    pickSlot(e) {
      const { index, part } = e.currentTarget.dataset
      const value = part === 'weekdayIndex' ? Number(e.detail.value) : e.detail.value
      this.setData({ [`availability[${index}].${part}`]: value })
    },

    body() {
      const d = this.data
      const skills = d.skillsText
        .split(/[,，、\s]+/)
        .map((s) => s.trim())
        .filter(Boolean)
      const body = {
        name: d.name.trim(),
        phone: d.phone.trim(),
        home_region: this.homeRegion(),
        areas: d.areas.filter((a) => a.checked).map((a) => a.code),
        skills,
        availability: d.availability.map((s) => ({ weekday: d.weekdays[s.weekdayIndex].value, start: s.start, end: s.end })),
        consent: { version: d.policy ? d.policy.version : '', sensitive: d.sensitive },
      }
      if (d.genders[d.genderIndex].code) body.gender = d.genders[d.genderIndex].code
      if (d.birthYear) body.birth_year = Number(d.birthYear)
      if (d.sensitive && d.idNumber.trim()) body.id_number = d.idNumber.trim()
      return body
    },

    async submit() {
      if (this.data.submitting) return
      const errors = {}
      if (!this.data.agreed) errors.consent = '请先阅读并同意隐私政策'
      if (!this.homeRegion()) errors.home_region = '请选择家乡所在地'
      if (Object.keys(errors).length) {
        this.setData({ errors })
        wx.showToast({ title: errors.consent || errors.home_region, icon: 'none' })
        return
      }
      const asked = subscribe.ask(['assignment', 'reminder']) // from the tap, before any wait
      this.setData({ submitting: true, errors: {} })
      try {
        await api.call('register', {}, this.body())
        await api.currentUser(true)
        await asked
        wx.showToast({ title: '注册成功', icon: 'success' })
        wx.switchTab({ url: '/pages/index/index' })
      } catch (e) {
        api.showError(e, this)
      }
      this.setData({ submitting: false })
    },
  },
})
