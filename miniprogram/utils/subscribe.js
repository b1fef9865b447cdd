// Subscribe prompts (订阅消息) at the moments that matter: the template ids come from GET /subscriptions
// (prepared when a page loads), wx.requestSubscribeMessage is called straight from the tap (WeChat
// refuses it otherwise), and what the user chose is sent to POST /subscriptions.
const api = require('./api')

let templates = null // [{purpose, template_id, kind, renew, ...}] from the backend

async function prepare() {
  try {
    const answer = await api.call('subscriptions')
    templates = answer.items || []
  } catch (e) {
    templates = templates || []
  }
  return templates
}

// Template ids worth asking for: one-time ones always (each acceptance allows one push),
// long-term ones only while the backend says to ask again.
function idsFor(purposes) {
  return (templates || [])
    .filter((t) => purposes.includes(t.purpose) && (t.kind === 'one_time' || t.renew))
    .map((t) => t.template_id)
    .slice(0, 3) // WeChat asks for at most three at once
}

// Call from a tap handler before any await; resolves to what was reported (or null).
function ask(purposes) {
  const tmplIds = idsFor(purposes)
  if (!tmplIds.length || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve(null)
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => {
        const results = {}
        tmplIds.forEach((id) => {
          if (typeof res[id] === 'string') results[id] = res[id]
        })
        if (!Object.keys(results).length) return resolve(null)
        api
          .call('reportSubscriptions', {}, { results })
          .then((answer) => resolve(answer))
          .catch(() => resolve(null)) // the inbox still gets every message
      },
      fail: () => resolve(null),
    })
  })
}

function reset() {
  templates = null
}

module.exports = { prepare, ask, idsFor, reset }
