// Login with wx.login → POST /api/mp/v1/login; the token is kept, renewed before
// it runs out, and replaced after a 401.
const fx = require('./fixtures')
const api = require('../utils/api')
const session = require('../utils/session')
const config = require('../config')

beforeEach(() => { require('./wx').installWx() })

function loginAnswer(token, expires = 604800) {
  return { status: 200, data: { token, token_type: 'Bearer', expires_in: expires, customer: { code: 'C001', name: '华东五金' }, buyer: { openid: 'o1', name: '张伟', customer: { code: 'C001', name: '华东五金' } } } }
}

test('the first request logs in with the wx.login code and keeps the token', async () => {
  server.on('login', loginAnswer('mp_first'))
  server.on('products', { status: 200, data: fx.products() })
  await api.products('', 1, 20)
  await api.products('', 1, 20)
  const [login] = server.requestsTo('login')
  expect(server.requestsTo('login')).toHaveLength(1)
  expect(login.method).toBe('POST')
  expect(login.data).toEqual({ code: 'wxcode-1' })
  expect(login.header.Authorization).toBeUndefined()
  expect(server.requestsTo('products').map((r) => r.header.Authorization)).toEqual(['Bearer mp_first', 'Bearer mp_first'])
  expect(session.current().customer.name).toBe('华东五金')
})

test('concurrent first requests share one login', async () => {
  server.on('login', loginAnswer('mp_one'))
  server.on('products', { status: 200, data: fx.products() })
  await Promise.all([api.products(''), api.products('a'), api.products('b')])
  expect(server.requestsTo('login')).toHaveLength(1)
})

test('a token about to run out is renewed before use', async () => {
  wx.setStorageSync(session.KEY, { token: 'mp_old', expiresAt: Date.now() + 60 * 1000, ttl: 604800 * 1000 })
  server.on('login', loginAnswer('mp_new'))
  server.on('me', { status: 200, data: { buyer: { openid: 'o1', name: '张伟' } } })
  await api.me()
  expect(server.requestsTo('login')).toHaveLength(1)
  expect(server.requestsTo('me')[0].header.Authorization).toBe('Bearer mp_new')
})

test('a 401 logs in again once and repeats the request', async () => {
  wx.setStorageSync(session.KEY, { token: 'mp_forgotten', expiresAt: Date.now() + 604800 * 1000, ttl: 604800 * 1000 })
  server.on('login', loginAnswer('mp_again'))
  server.on('getOrder', fx.apiError(401, 'unauthorized', '请先登录 log in first'), { status: 200, data: { order: fx.order() } })
  const o = await api.getOrder('SO20261129-000042')
  expect(o.no).toBe('SO20261129-000042')
  expect(server.requestsTo('getOrder').map((r) => r.header.Authorization)).toEqual(['Bearer mp_forgotten', 'Bearer mp_again'])
})

test('a login refused for too many tries says so in Chinese', async () => {
  server.on('login', { status: 429, header: { 'Retry-After': '60' }, data: { error: { code: 'rate_limited', message: 'too many logins' } } })
  server.on('products', { status: 200, data: fx.products() })
  await expect(api.products('')).rejects.toMatchObject({ status: 429, message: '操作太频繁，请稍后再试（60 秒后可再试）' })
  expect(server.requestsTo('products')).toHaveLength(0)
})

test('demo mode logs in as dev:<name> when config.demoBuyer is set', async () => {
  config.demoBuyer = 'zhang'
  try {
    server.on('login', loginAnswer('mp_demo'))
    server.on('me', { status: 200, data: { buyer: { openid: 'dev:zhang', name: 'zhang' } } })
    await api.me()
    expect(server.requestsTo('login')[0].data).toEqual({ code: 'dev:zhang' })
    expect(server.state.logins).toBe(0)
  } finally {
    config.demoBuyer = ''
  }
})

test('logout ends the session on the server and here; an already ended one is fine', async () => {
  wx.setStorageSync(session.KEY, { token: 'mp_live', expiresAt: Date.now() + 604800 * 1000, ttl: 604800 * 1000 })
  server.on('logout', { status: 204, data: '' }, fx.apiError(401, 'unauthorized', '请先登录 log in first'))
  await api.logout()
  expect(server.requestsTo('logout')[0].header.Authorization).toBe('Bearer mp_live')
  expect(session.current()).toBeNull()
  expect(server.requestsTo('login')).toHaveLength(0)

  wx.setStorageSync(session.KEY, { token: 'mp_gone', expiresAt: Date.now() + 604800 * 1000, ttl: 604800 * 1000 })
  await api.logout()
  expect(server.requestsTo('login')).toHaveLength(0) // no login just to log out
  expect(session.current()).toBeNull()
})
