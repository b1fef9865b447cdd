// My service records, total confirmed hours, star level; a certificate of confirmed hours; asking
// the organiser to correct a record.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')

function view(r) {
  return {
    id: r.id,
    title: r.activity.title,
    place: r.activity.village_name,
    when: format.span(r.activity.starts_at, r.activity.ends_at),
    status: catalog.RECORD_STATUS[r.status] || r.status,
    hours: r.confirmed_hours !== null && r.confirmed_hours !== undefined ? r.confirmed_hours : r.hours,
    confirmed: r.status === 'confirmed',
  }
}

Component({
  data: { items: [], summary: null, certificate: null, loaded: false },
  methods: {
    onLoad() {
      return this.load()
    },

    async load() {
      try {
        const answer = await api.call('records')
        this.setData({
          items: answer.items.map(view),
          summary: { hours: answer.total_hours, stars: format.stars(answer.star_level), next: answer.next_star_hours },
          loaded: true,
        })
      } catch (e) {
        this.setData({ loaded: true })
        api.showError(e)
      }
    },

    async issue() {
      try {
        const c = await api.call('issueCertificate')
        this.setData({
          certificate: {
            number: c.number,
            hours: c.hours,
            records: c.records,
            issuer: c.issuer,
            issued: format.day(c.issued_at),
            verifyCode: c.verify_code,
          },
        })
      } catch (e) {
        api.showError(e)
      }
    },

    async openPdf() {
      try {
        const filePath = await api.download('certificatePdf', { number: this.data.certificate.number })
        wx.openDocument({ filePath, fileType: 'pdf' })
      } catch (e) {
        api.showError(e)
      }
    },

    askCorrection(e) {
      const id = e.currentTarget.dataset.id
      wx.showModal({
        title: '申请更正',
        editable: true,
        placeholderText: '哪里不对？如：实际服务 3 小时',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await api.call('requestCorrection', { id }, { reason: (res.content || '').trim() })
            wx.showToast({ title: '已提交，组织者会核实', icon: 'none' })
          } catch (err) {
            api.showError(err)
          }
        },
      })
    },
  },
})
