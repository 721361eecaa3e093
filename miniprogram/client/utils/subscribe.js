// 订阅消息：wx.requestSubscribeMessage 必须在用户点击的处理函数里同步调用，
// 所以模板 id 要先取好（GET /api/mp/v1/subscriptions/templates），点击时直接弹窗。
// WeChat lets one call ask for at most 3 templates.
const MAX_PER_CALL = 3

// ask shows WeChat's permission sheet for those of events that have a template
// and resolves the events the buyer accepted ([] when nothing was asked or
// the sheet failed: ordering goes on without messages).
function ask(templates, events) {
  const pairs = events.filter((e) => templates && templates[e]).slice(0, MAX_PER_CALL).map((e) => [e, templates[e]])
  if (pairs.length === 0 || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve([])
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: pairs.map((p) => p[1]),
      success: (res) => resolve(pairs.filter((p) => res && res[p[1]] === 'accept').map((p) => p[0])),
      fail: () => resolve([]),
    })
  })
}

module.exports = { ask, MAX_PER_CALL }
