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

// store keeps one kind of attempt under its own storage key: the cart's
// order and the stocking list's planned order never share a key or a body.
function store(key) {
  function pending() {
    try {
      const a = wx.getStorageSync(key)
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
    wx.setStorageSync(key, a)
    return a
  }
  function end() {
    wx.removeStorageSync(key)
  }
  return { begin, pending, end, KEY: key }
}

const order = store(KEY)

module.exports = Object.assign({}, order, { newKey, store, stocking: store('orderhub.stocking-attempt') })
