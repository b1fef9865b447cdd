// A need or a session: what, where, when, seats; sign up (confirmed, or waitlisted with the
// position) and withdraw.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')
const subscribe = require('../../utils/subscribe')

const ENDPOINTS = {
  need: { read: 'need', signUp: 'signUpNeed', withdraw: 'withdrawNeed' },
  session: { read: 'session', signUp: 'signUpSession', withdraw: 'withdrawSession' },
}

Component({
  data: {
    type: 'need',
    id: null,
    activity: null,
    view: null,
    signup: null, // {status, position} after signing up here
    result: '',
    registered: true,
    busy: false,
  },
  methods: {
    async onLoad(query) {
      const type = query.type === 'session' ? 'session' : 'need'
      this.setData({ type, id: query.id })
      subscribe.prepare()
      try {
        const user = await api.currentUser()
        this.setData({ registered: user.registered })
      } catch (e) {
        // the page still shows the activity; signing up will say what is wrong
      }
      await this.load()
    },

    async load() {
      try {
        const a = await api.call(ENDPOINTS[this.data.type].read, { id: this.data.id })
        this.setData({
          activity: a,
          view: {
            tag: a.area_name || `${a.kind_name} · ${a.topic_name}`,
            when: format.span(a.starts_at, a.ends_at),
            seats: `${a.taken}/${a.capacity}`,
            status: catalog.ACTIVITY_STATUS[a.status] || a.status,
            skills: (a.skills || []).join('、'),
          },
        })
        wx.setNavigationBarTitle({ title: a.title })
      } catch (e) {
        api.showError(e)
      }
    },

    async signUp() {
      if (!this.data.registered) {
        wx.navigateTo({ url: '/pages/register/index' })
        return
      }
      if (this.data.busy) return
      const asked = subscribe.ask(['signup_result', 'reminder']) // from the tap, before any wait
      this.setData({ busy: true })
      try {
        const signup = await api.call(ENDPOINTS[this.data.type].signUp, { id: this.data.id })
        const result =
          signup.status === 'waitlisted' ? `已进入候补，排第 ${signup.position} 位；有人取消时按顺序递补并通知你` : '报名成功'
        this.setData({ signup, result })
        wx.showToast({ title: signup.status === 'waitlisted' ? `候补第 ${signup.position} 位` : '报名成功', icon: 'none' })
        await asked
        await this.load()
      } catch (e) {
        if (e.code === 'already_signed_up') this.setData({ signup: { status: 'confirmed' }, result: e.message })
        api.showError(e)
      }
      this.setData({ busy: false })
    },

    withdraw() {
      wx.showModal({
        title: '取消报名',
        content: '确定取消报名吗？名额会让给候补的志愿者。',
        success: async (res) => {
          if (!res.confirm) return
          try {
            await api.call(ENDPOINTS[this.data.type].withdraw, { id: this.data.id })
            this.setData({ signup: null, result: '已取消报名' })
            wx.showToast({ title: '已取消报名', icon: 'none' })
            await this.load()
          } catch (e) {
            api.showError(e)
          }
        },
      })
    },
  },
})
