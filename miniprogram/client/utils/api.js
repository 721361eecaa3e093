// 买家 API：每个函数对应 docs/openapi.yaml 中 /api/mp/v1 的一条路由。
const { call, upload } = require('./request')
const session = require('./session')

module.exports = {
  // logout ends the session here and on the server (already ended is fine).
  logout: () => call('logout').then(() => session.clear(), (err) => {
    if (err && err.status === 401) {
      session.clear()
      return
    }
    throw err
  }),
  // me also refreshes the stored customer (name, address on file).
  me: () => call('me').then((r) => {
    session.remember(r.data.buyer)
    return r.data.buyer
  }),
  products: (q, page = 1, size = 20) => call('products', { query: { q, page, size } }).then((r) => r.data),
  listOrders: (page = 1, size = 20, stage) => call('listOrders', { query: { page, size, stage } }).then((r) => r.data),
  // createOrder sends the order with its idempotency key; r.status is 201 for a
  // new order and 200 when the server replays the one the key already made.
  createOrder: (body, key) => call('createOrder', { data: body, header: { 'Idempotency-Key': key } }),
  getOrder: (no) => call('getOrder', { params: { no } }).then((r) => r.data.order),
  cancelOrder: (no, reason) => call('cancelOrder', { params: { no }, data: reason ? { reason } : {} }).then((r) => r.data.order),
  confirmReceipt: (no, note) => call('confirmReceipt', { params: { no }, data: note ? { note } : {} }).then((r) => r.data.order),
  listProblems: (no) => call('listProblems', { params: { no } }).then((r) => r.data.items || []),
  reportProblem: (no, kind, description) => call('reportProblem', { params: { no }, data: { kind, description } }).then((r) => r.data.ticket),
  uploadPhoto: (no, ticket, filePath) => upload('uploadPhoto', { params: { no, ticket }, filePath }).then((r) => r.data),
  subscribe: (no, events) => call('subscribe', { params: { no }, data: { events } }).then((r) => r.data.subscribed || []),
  templates: () => call('templates').then((r) => r.data.templates || {}),
  listCoupons: () => call('listCoupons').then((r) => r.data),
  // stockingList is the company's list, or null when it has none (404).
  stockingList: () => call('stockingList').then((r) => r.data.list, (err) => {
    if (err && err.status === 404) return null
    throw err
  }),
  // orderStocking places the list (the lines kept) as a planned order, with
  // its idempotency key; 201 new, 200 the order the key already made.
  orderStocking: (body, key) => call('orderStocking', { data: body, header: { 'Idempotency-Key': key } }),
  subscribeStocking: () => call('subscribeStocking', { data: {} }).then((r) => r.data.subscribed || []),
  // listLinkRequests is the buyer's requests to be linked to their company, newest
  // first, and the open one (null when none waits).
  listLinkRequests: () => call('listLinkRequests').then((r) => r.data),
  askLink: (body) => call('askLink', { data: body }).then((r) => r.data.request),
}
