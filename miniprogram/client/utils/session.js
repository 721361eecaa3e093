// 登录态：wx.login → POST /api/mp/v1/login，令牌存在本地，快到期时重新登录。
// The buyer's session: the token from POST /api/mp/v1/login, kept in storage and
// renewed before it runs out (and after a 401, see request.js).
const config = require('../config')
const { fromResponse, fromFailure } = require('./errors')

const KEY = 'orderhub.session'
// Renew when less than this is left of the token's life.
const RENEW_BEFORE_MS = 24 * 3600 * 1000

let pending = null

function load() {
  try {
    return wx.getStorageSync(KEY) || null
  } catch (e) {
    return null
  }
}

function clear() {
  try {
    wx.removeStorageSync(KEY)
  } catch (e) {
    // storage unavailable: the next login overwrites it
  }
}

function wxLogin() {
  if (config.demoBuyer) return Promise.resolve(`dev:${config.demoBuyer}`)
  return new Promise((resolve, reject) => {
    wx.login({
      success: (r) => (r && r.code ? resolve(r.code) : reject(new Error('微信登录失败，请重试'))),
      fail: (e) => reject(fromFailure(e)),
    })
  })
}

function post(url, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url, method: 'POST', data, header: { 'Content-Type': 'application/json' }, timeout: config.timeout, dataType: 'json',
      success: (res) => (res.statusCode >= 200 && res.statusCode < 300 ? resolve(res.data) : reject(fromResponse(res))),
      fail: (e) => reject(fromFailure(e)),
    })
  })
}

// login always asks WeChat for a fresh code; concurrent callers share one login.
function login() {
  if (pending) return pending
  pending = (async () => {
    const code = await wxLogin()
    const routes = require('./routes')
    const body = await post(config.baseURL.replace(/\/+$/, '') + routes.login.path, { code })
    const ttl = Number(body.expires_in) > 0 ? Number(body.expires_in) * 1000 : 3600 * 1000
    const s = {
      token: body.token,
      expiresAt: Date.now() + ttl,
      ttl,
      customer: body.customer || (body.buyer && body.buyer.customer) || null,
      buyer: body.buyer || null,
    }
    wx.setStorageSync(KEY, s)
    return s
  })()
  pending.then(() => { pending = null }, () => { pending = null })
  return pending
}

// token returns a token with life left in it, logging in when there is none.
async function token() {
  const s = load()
  if (s && s.token && s.expiresAt - Date.now() > Math.min(RENEW_BEFORE_MS, (s.ttl || 0) / 2)) return s.token
  return (await login()).token
}

// remember keeps the buyer and customer GET /me answered (staff may have
// linked the buyer to their company since login).
function remember(buyer) {
  const s = load()
  if (!s || !buyer) return
  s.buyer = buyer
  if (buyer.customer) s.customer = buyer.customer
  wx.setStorageSync(KEY, s)
}

// current is the stored session (customer, buyer) without any request.
function current() {
  return load()
}

module.exports = { login, token, clear, current, remember, KEY }
