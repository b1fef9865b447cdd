// Every request the mini-program can make, as data. api.call(name, params, body) refuses a name, a
// path parameter, a query parameter or a body field that is not listed here, so this table is the
// whole of what the client sends; the contract test checks each entry against /api/v1/openapi.json.
//
//   method, path   as in the OpenAPI document, below /api/v1; {name} is filled from params
//   query          query parameters the client may send (from params; empty values are left out)
//   body           JSON body fields the client may send (the schema's required ones among them)
//   auth           false: no bearer token (and no logging in first)
//   download       true: fetched with wx.downloadFile (a file, not JSON)
module.exports = {
  // 登录与公共数据
  login: { method: 'POST', path: '/auth/wechat-login', body: ['code'], auth: false },
  me: { method: 'GET', path: '/me' },
  privacyPolicy: { method: 'GET', path: '/privacy-policy', auth: false },
  areas: { method: 'GET', path: '/areas', auth: false },
  regions: { method: 'GET', path: '/regions', query: ['parent'], auth: false },

  // 志愿者：注册、资料、退出
  register: {
    method: 'POST',
    path: '/volunteers/me',
    body: ['name', 'phone', 'id_number', 'gender', 'birth_year', 'home_region', 'areas', 'skills', 'availability', 'consent'],
  },
  profile: { method: 'GET', path: '/volunteers/me' },
  updateProfile: { method: 'PATCH', path: '/volunteers/me', body: ['offers_paused', 'monthly_hours_cap'] },
  leaveService: { method: 'DELETE', path: '/volunteers/me' },

  // 需求、夜校与讲习所：查看、报名、取消报名
  needs: { method: 'GET', path: '/needs', query: ['area', 'region', 'status', 'from', 'to', 'limit'] },
  need: { method: 'GET', path: '/needs/{id}' },
  signUpNeed: { method: 'POST', path: '/needs/{id}/signups' },
  withdrawNeed: { method: 'DELETE', path: '/needs/{id}/signups/me' },
  sessions: { method: 'GET', path: '/sessions', query: ['kind', 'topic', 'region', 'status', 'from', 'to', 'limit'] },
  session: { method: 'GET', path: '/sessions/{id}' },
  signUpSession: { method: 'POST', path: '/sessions/{id}/signups' },
  withdrawSession: { method: 'DELETE', path: '/sessions/{id}/signups/me' },

  // 派单邀请
  assignments: { method: 'GET', path: '/assignments/me' },
  acceptAssignment: { method: 'POST', path: '/assignments/{id}/accept' },
  declineAssignment: { method: 'POST', path: '/assignments/{id}/decline' },

  // 签到签退
  checkIn: { method: 'POST', path: '/checkins', body: ['code', 'location'] },
  checkOut: { method: 'POST', path: '/checkouts', body: ['code', 'location'] },

  // 订阅消息、收件箱
  subscriptions: { method: 'GET', path: '/subscriptions' },
  reportSubscriptions: { method: 'POST', path: '/subscriptions', body: ['results'] },
  inbox: { method: 'GET', path: '/inbox', query: ['before_id', 'limit'] },
  markRead: { method: 'POST', path: '/inbox/{message_id}/read' },

  // 服务记录、星级、证明
  records: { method: 'GET', path: '/volunteers/me/records' },
  requestCorrection: { method: 'POST', path: '/attendance/{id}/correction-requests', body: ['hours', 'reason'] },
  issueCertificate: { method: 'POST', path: '/volunteers/me/certificates' },
  certificatePdf: { method: 'GET', path: '/volunteers/me/certificates/{number}.pdf', download: true },

  // 村团支部书记
  postNeed: {
    method: 'POST',
    path: '/needs',
    body: ['area', 'title', 'description', 'village', 'starts_at', 'ends_at', 'slots', 'skills', 'recurrence'],
  },
  scheduleSession: {
    method: 'POST',
    path: '/sessions',
    body: ['kind', 'topic', 'title', 'description', 'village', 'starts_at', 'ends_at', 'capacity', 'recurrence'],
  },
  needCheckinCode: { method: 'GET', path: '/needs/{id}/checkin-code', query: ['latitude', 'longitude'] },
  sessionCheckinCode: { method: 'GET', path: '/sessions/{id}/checkin-code', query: ['latitude', 'longitude'] },
  needRoster: { method: 'GET', path: '/needs/{id}/signups' },
  sessionRoster: { method: 'GET', path: '/sessions/{id}/signups' },
  attendance: { method: 'GET', path: '/attendance', query: ['activity'] },
  confirmAttendance: { method: 'POST', path: '/attendance/{id}/confirm', body: ['hours', 'reason', 'villagers', 'poor_households'] },
}
