// Me: hours and star level, pause offers, a monthly cap, notices, and leaving the service.
const api = require('../../utils/api')
const format = require('../../utils/format')
const subscribe = require('../../utils/subscribe')

Component({
  data: {
    registered: true,
    secretary: false,
    profile: null,
    summary: null,
    paused: false,
    cap: '',
    errors: {},
  },
  methods: {
    onShow() {
      this.load()
    },

    async load() {
      try {
        const user = await api.currentUser(true)
        this.setData({ registered: user.registered, secretary: (user.roles || []).includes('secretary') })
        if (!user.registered) return
        const [profile, records] = await Promise.all([api.call('profile'), api.call('records')])
        subscribe.prepare()
        this.setData({
          profile: {
            name: profile.name,
            number: profile.volunteer_no || '编号生成中',
            phone: profile.phone,
            areas: profile.areas.length,
          },
          summary: {
            hours: records.total_hours,
            stars: format.stars(records.star_level),
            level: records.star_level,
            next: records.next_star_hours,
          },
          paused: !!profile.offers_paused,
          cap: profile.monthly_hours_cap ? String(profile.monthly_hours_cap) : '',
        })
      } catch (e) {
        api.showError(e)
      }
    },

    async togglePaused(e) {
      const paused = e && e.detail && typeof e.detail.value === 'boolean' ? e.detail.value : !this.data.paused
      try {
        const profile = await api.call('updateProfile', {}, { offers_paused: paused })
        this.setData({ paused: !!profile.offers_paused })
        wx.showToast({ title: paused ? '已暂停接收派单邀请，未答复的邀请已撤回' : '已恢复接收派单邀请', icon: 'none' })
      } catch (err) {
        this.setData({ paused: this.data.paused })
        api.showError(err)
      }
    },

    onCap(e) {
      this.setData({ cap: e.detail.value })
    },
    async saveCap() {
      const cap = this.data.cap.trim() ? Number(this.data.cap) : null
      try {
        await api.call('updateProfile', {}, { monthly_hours_cap: cap })
        this.setData({ errors: {} })
        wx.showToast({ title: cap ? `每月最多 ${cap} 小时` : '已取消每月时长上限', icon: 'none' })
      } catch (err) {
        api.showError(err, this)
      }
    },

    subscribeNotices() {
      subscribe.ask(['broadcast', 'assignment', 'reminder']).then((answer) => {
        if (answer) wx.showToast({ title: '已更新消息提醒设置', icon: 'none' })
      })
    },

    records() {
      wx.navigateTo({ url: '/pages/records/index' })
    },
    register() {
      wx.navigateTo({ url: '/pages/register/index' })
    },
    workbench() {
      wx.navigateTo({ url: '/pages/secretary/index' })
    },

    leave() {
      wx.showModal({
        title: '退出志愿服务',
        content: '退出后你的姓名、手机号等个人信息将被删除或匿名化，服务记录匿名保留。确定退出吗？',
        confirmText: '确定退出',
        confirmColor: '#c8102e',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await api.call('leaveService')
            wx.showToast({ title: '已退出志愿服务', icon: 'none' })
            this.setData({ profile: null, summary: null })
            await this.load()
          } catch (err) {
            api.showError(err)
          }
        },
      })
    },
  },
})
