// 下单尝试：每次下单一个幂等键，连同请求体存在本地。
// An order attempt: one Idempotency-Key per order, stored with the exact body it
// was first sent with. While the outcome is unknown (offline, timeout, 5xx, 429)
// every retry sends the same key and the same body, also after the app restarts,
// so a flaky network never orders twice. Only a definite answer ends it: the
// order (success) or a refusal that surely created nothing (4xx).
const KEY = 'orderhub.order-attempt'

function newKey() {
  const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('')
  return `mp-${Date.now().toString(36)}-${hex(16)}`
}

function pending() {
  try {
    const a = wx.getStorageSync(KEY)
    return a && a.key && a.body ? a : null
  } catch (e) {
    return null
  }
}

// begin returns the pending attempt if there is one, else a new one for body.
function begin(body) {
  const p = pending()
  if (p) return p
  const a = { key: newKey(), body, startedAt: Date.now() }
  wx.setStorageSync(KEY, a)
  return a
}

function end() {
  wx.removeStorageSync(KEY)
}

module.exports = { begin, pending, end, newKey, KEY }
