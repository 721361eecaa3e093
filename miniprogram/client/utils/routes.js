// 客户端调用的全部 API 路由。request.js 只接受这里列出的路由，
// test/openapi.test.js 检查每一条都在 docs/openapi.yaml 中。
// Every API route the client calls; the test checks each against docs/openapi.yaml.
module.exports = {
  login: { method: 'POST', path: '/api/mp/v1/login', auth: false },
  // Ends the token's session on the server; a 401 means it already had ended.
  logout: { method: 'POST', path: '/api/mp/v1/logout', relogin: false },
  me: { method: 'GET', path: '/api/mp/v1/me' },
  products: { method: 'GET', path: '/api/mp/v1/products' },
  listOrders: { method: 'GET', path: '/api/mp/v1/orders' },
  createOrder: { method: 'POST', path: '/api/mp/v1/orders', idempotent: true },
  getOrder: { method: 'GET', path: '/api/mp/v1/orders/{no}' },
  cancelOrder: { method: 'POST', path: '/api/mp/v1/orders/{no}/cancel' },
  confirmReceipt: { method: 'POST', path: '/api/mp/v1/orders/{no}/confirm-receipt' },
  listProblems: { method: 'GET', path: '/api/mp/v1/orders/{no}/problems' },
  reportProblem: { method: 'POST', path: '/api/mp/v1/orders/{no}/problems' },
  // wx.uploadFile, multipart field "photo"; never resent on its own (not idempotent).
  uploadPhoto: { method: 'POST', path: '/api/mp/v1/orders/{no}/problems/{ticket}/photos', upload: 'photo' },
  subscribe: { method: 'POST', path: '/api/mp/v1/orders/{no}/subscriptions' },
  templates: { method: 'GET', path: '/api/mp/v1/subscriptions/templates' },
  listCoupons: { method: 'GET', path: '/api/mp/v1/coupons' },
  // The company's 月度备货清单 as a prefilled cart, placed as a planned order.
  stockingList: { method: 'GET', path: '/api/mp/v1/stocking-list' },
  orderStocking: { method: 'POST', path: '/api/mp/v1/stocking-list/order', idempotent: true },
  subscribeStocking: { method: 'POST', path: '/api/mp/v1/stocking-list/subscriptions' },
  // A new buyer asks to be linked to their company; customer service decides in WeCom.
  listLinkRequests: { method: 'GET', path: '/api/mp/v1/link-requests' },
  askLink: { method: 'POST', path: '/api/mp/v1/link-requests' },
}
