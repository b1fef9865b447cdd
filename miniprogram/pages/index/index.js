// Needs and night schools / lecture halls near me (the home county by default), with filters.
const api = require('../../utils/api')
const format = require('../../utils/format')
const catalog = require('../../utils/catalog')

const ALL_AREAS = { code: '', name: '全部领域' }

function needItem(n) {
  return {
    id: n.id,
    type: 'need',
    title: n.title,
    tag: n.area_name,
    place: n.village_name,
    when: format.span(n.starts_at, n.ends_at),
    seats: `${n.taken}/${n.capacity} 人`,
    status: catalog.ACTIVITY_STATUS[n.status] || n.status,
  }
}

function sessionItem(s) {
  return {
    id: s.id,
    type: 'session',
    title: s.title,
    tag: `${s.kind_name} · ${s.topic_name}`,
    place: s.village_name,
    when: format.span(s.starts_at, s.ends_at),
    seats: `${s.taken}/${s.capacity} 座`,
    status: catalog.ACTIVITY_STATUS[s.status] || s.status,
  }
}

Component({
  data: {
    tab: 'needs',
    areas: [ALL_AREAS],
    areaIndex: 0,
    kinds: [{ code: '', name: '夜校和讲习所' }].concat(catalog.KINDS),
    kindIndex: 0,
    topics: [{ code: '', name: '全部主题' }].concat(catalog.TOPICS),
    topicIndex: 0,
    scopes: [{ code: '', name: '全部地区' }],
    scopeIndex: 0,
    items: [],
    loading: false,
    loaded: false,
    registered: true,
    secretary: false,
  },
  methods: {
    async onLoad() {
      try {
        const [user, areas] = await Promise.all([api.currentUser(), api.call('areas')])
        const data = {
          registered: user.registered,
          secretary: (user.roles || []).includes('secretary'),
          areas: [ALL_AREAS].concat(areas.items),
        }
        if (user.registered) {
          const me = await api.call('profile')
          data.scopes = this.scopesAround(me.home_region)
        }
        this.setData(data)
      } catch (e) {
        api.showError(e)
      }
      await this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },

    // "Near me": the home county (and township), else everywhere.
    scopesAround(home) {
      const scopes = []
      if (home && home.length >= 6) scopes.push({ code: home.slice(0, 6), name: '家乡所在县' })
      if (home && home.length >= 9) scopes.push({ code: home.slice(0, 9), name: '家乡所在乡镇' })
      return scopes.concat([{ code: '', name: '全部地区' }])
    },

    async load() {
      const d = this.data
      const region = d.scopes[d.scopeIndex].code
      this.setData({ loading: true })
      try {
        let items
        if (d.tab === 'needs') {
          const answer = await api.call('needs', { area: d.areas[d.areaIndex].code, region, limit: 50 })
          items = answer.items.map(needItem)
        } else {
          const answer = await api.call('sessions', {
            kind: d.kinds[d.kindIndex].code,
            topic: d.topics[d.topicIndex].code,
            region,
            limit: 50,
          })
          items = answer.items.map(sessionItem)
        }
        this.setData({ items, loading: false, loaded: true })
      } catch (e) {
        this.setData({ loading: false, loaded: true })
        api.showError(e)
      }
    },

    switchList(e) {
      this.setData({ tab: e.currentTarget.dataset.tab, items: [] })
      return this.load()
    },
    pick(e) {
      this.setData({ [e.currentTarget.dataset.field]: Number(e.detail.value) })
      return this.load()
    },
    open(e) {
      const { type, id } = e.currentTarget.dataset
      wx.navigateTo({ url: `/pages/detail/index?type=${type}&id=${id}` })
    },
    register() {
      wx.navigateTo({ url: '/pages/register/index' })
    },
    scan() {
      wx.navigateTo({ url: '/pages/checkin/index?scan=1' })
    },
    workbench() {
      wx.navigateTo({ url: '/pages/secretary/index' })
    },
  },
})
