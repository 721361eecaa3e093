// 对 wx.request 的唯一封装：服务器地址、登录令牌、超时、重试、错误。
// The one wrapper around wx.request: server address, bearer token (renewed on
// 401), timeouts, retries for requests that are safe to repeat, errors as ApiError.
const config = require('../config')
const routes = require('./routes')
const session = require('./session')
const { fromResponse, fromFailure } = require('./errors')

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// urlFor fills {no} and the like from params and appends the query.
function urlFor(route, params = {}, query = {}) {
  const path = route.path.replace(/\{(\w+)\}/g, (_, k) => {
    if (params[k] === undefined || params[k] === '') throw new Error(`missing path parameter ${k} for ${route.path}`)
    return encodeURIComponent(params[k])
  })
  const qs = Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`)
    .join('&')
  return config.baseURL.replace(/\/+$/, '') + path + (qs ? `?${qs}` : '')
}

function send(method, url, data, header) {
  return new Promise((resolve) => {
    wx.request({
      url, method, data, header, timeout: config.timeout, dataType: 'json',
      success: (res) => resolve({ res }),
      fail: (err) => resolve({ err }),
    })
  })
}

// call sends the named route. Opts: params (path), query, data (JSON body),
// header (extra headers, e.g. Idempotency-Key). It resolves {status, data, header}
// for 2xx and rejects with ApiError otherwise.
async function call(name, opts = {}) {
  const route = routes[name]
  if (!route) throw new Error(`unknown route ${name}`)
  const url = urlFor(route, opts.params, opts.query)
  // GETs and the order with its idempotency key are safe to send again.
  const safe = route.method === 'GET' || route.idempotent === true
  const retries = safe ? config.retries : 0
  let relogged = false
  for (let attempt = 0; ; attempt++) {
    const header = Object.assign({ 'Content-Type': 'application/json' }, opts.header || {})
    if (route.auth !== false) header.Authorization = `Bearer ${await session.token()}`
    const { res, err } = await send(route.method, url, opts.data, header)
    let failure
    if (res) {
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { status: res.statusCode, data: res.data, header: res.header || {} }
      }
      if (res.statusCode === 401 && route.auth !== false && route.relogin !== false && !relogged) {
        // The token expired or Redis forgot it: log in again, once.
        relogged = true
        session.clear()
        attempt--
        continue
      }
      failure = fromResponse(res)
      if (!(safe && res.statusCode >= 502 && res.statusCode <= 504)) throw failure
    } else {
      failure = fromFailure(err)
    }
    if (attempt >= retries) throw failure
    await sleep(config.retryDelay * 2 ** attempt)
  }
}

function sendFile(url, filePath, field, header) {
  return new Promise((resolve) => {
    wx.uploadFile({
      url, filePath, name: field, header, timeout: config.timeout,
      success: (res) => {
        // wx.uploadFile hands the body over as text.
        let data = res.data
        try { data = JSON.parse(res.data) } catch (e) { /* keep the text */ }
        resolve({ res: { statusCode: res.statusCode, data, header: res.header || {} } })
      },
      fail: (err) => resolve({ err }),
    })
  })
}

// upload sends one file (route.upload names the multipart field) with
// wx.uploadFile: once, or twice after a 401 and a new login. It is not resent
// after a network failure: the server may have stored it.
async function upload(name, opts = {}) {
  const route = routes[name]
  if (!route || !route.upload) throw new Error(`not an upload route ${name}`)
  const url = urlFor(route, opts.params)
  for (let relogged = false; ;) {
    const header = { Authorization: `Bearer ${await session.token()}` }
    const { res, err } = await sendFile(url, opts.filePath, route.upload, header)
    if (!res) throw fromFailure(err)
    if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, data: res.data, header: res.header }
    if (res.statusCode === 401 && !relogged) {
      relogged = true
      session.clear()
      continue
    }
    throw fromResponse(res)
  }
}

module.exports = { call, upload, urlFor }
