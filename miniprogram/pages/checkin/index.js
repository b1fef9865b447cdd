// Check in and out on site: scan the organiser's rotating code (wx.scanCode), or arrive here from
// the mini-program code itself (its scene is the code), or type the code.
const api = require('../../utils/api')
const format = require('../../utils/format')
const scene = require('../../utils/scene')

function where() {
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => resolve({ latitude: res.latitude, longitude: res.longitude }),
      fail: () => resolve(null),
    })
  })
}

Component({
  data: { code: '', typed: '', record: null, message: '', busy: false },
  methods: {
    onLoad(query) {
      const code = scene.codeFrom(query.scene || query.code || '')
      if (code) this.setData({ code })
      else if (query.scan) this.scan()
    },

    scan() {
      wx.scanCode({
        onlyFromCamera: true,
        success: (res) => {
          const code = scene.codeFrom(res.path || res.result)
          if (code) this.setData({ code, message: '' })
          else wx.showToast({ title: '这不是签到码，请扫描组织者出示的签到码', icon: 'none' })
        },
        fail: () => {},
      })
    },
    onInput(e) {
      this.setData({ typed: e.detail.value })
    },
    useTyped() {
      const code = scene.codeFrom(this.data.typed)
      if (code) this.setData({ code, message: '' })
      else wx.showToast({ title: '签到码为 4–16 位字母或数字', icon: 'none' })
    },

    checkIn() {
      return this.send('checkIn', '签到成功')
    },
    checkOut() {
      return this.send('checkOut', '签退成功')
    },

    // A volunteer who consented to location is asked for it only when the organiser's code needs it.
    async send(endpoint, done) {
      if (!this.data.code || this.data.busy) return
      this.setData({ busy: true })
      try {
        let record
        try {
          record = await api.call(endpoint, {}, { code: this.data.code })
        } catch (e) {
          if (e.code !== 'location_required') throw e
          const location = await where()
          if (!location) throw e
          record = await api.call(endpoint, {}, { code: this.data.code, location })
        }
        this.setData({
          record: {
            title: record.activity.title,
            place: record.activity.village_name,
            checkedIn: format.dateTime(record.checked_in_at),
            checkedOut: record.checked_out_at ? format.dateTime(record.checked_out_at) : '',
            hours: record.hours,
          },
          message: done,
        })
        wx.showToast({ title: done, icon: 'success' })
      } catch (e) {
        this.setData({ message: api.showError(e) })
      }
      this.setData({ busy: false })
    },
  },
})
