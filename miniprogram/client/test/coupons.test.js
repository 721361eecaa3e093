const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')

let id
beforeAll(() => { id = load('pages/coupons/index') })
beforeEach(() => {
  require('./wx').installWx()
  loggedIn()
})

const usable = { code: 'YQ000012', amount_fen: 2000, state: 'usable', state_name: '可使用', expires_at: '2027-01-06T10:00:00+08:00', issued_at: '2026-12-07T10:00:00+08:00', for_order_no: 'SO20261207-000003' }
const used = { code: 'YQ000007', amount_fen: 2000, state: 'used', state_name: '已使用', expires_at: '2026-12-30T10:00:00+08:00', issued_at: '2026-11-30T10:00:00+08:00', for_order_no: 'SO20261130-000001', used_on_no: 'SO20261201-000004', used_at: '2026-12-01T09:00:00+08:00' }

test('lists the coupons: usable with its code and expiry, used with the order it went to', async () => {
  server.on('listCoupons', { status: 200, data: { items: [usable, used], usable: 1 } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  const t = text(page)
  expect(t).toContain('您有 1 张可用补偿券，下一笔订单自动抵扣')
  expect(t).toContain('¥20.00')
  expect(t).toContain('可使用')
  expect(t).toContain('券码 YQ000012')
  expect(t).toContain('订单 SO20261207-000003 延误补偿')
  expect(t).toContain('有效期至 1月6日 10:00')
  expect(t).toContain('已用于订单 SO20261201-000004（12月1日 09:00）')
  expect(server.requestsTo('listCoupons')).toHaveLength(1)
  page.instance.onCopy({ currentTarget: { dataset: { code: 'YQ000012' } } })
  expect(server.state.clipboard).toEqual(['YQ000012'])
})

test('none yet, and an error with retry', async () => {
  server.on('listCoupons', { status: 200, data: { items: [], usable: 0 } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  expect(text(page)).toContain('还没有优惠券')
  expect(text(page)).not.toContain('可用补偿券')
  server.on('listCoupons', { status: 503, data: 'Service Unavailable' })
  await page.instance.onRetry()
  await flush()
  expect(text(page)).toContain('服务器暂时不可用，请稍后再试')
})

test('the order a coupon went to shows it off the total', async () => {
  const orderPage = load('pages/order/index')
  server.on('getOrder', { status: 200, data: { order: fx.order({ total_fen: 123000, coupon_used: { code: 'YQ000012', amount_fen: 2000, off_fen: 2000 } }) } })
  server.on('listProblems', { status: 200, data: { items: [] } })
  const page = render(orderPage)
  await page.instance.onLoad({ no: 'SO20261129-000042' })
  await flush()
  const t = text(page)
  expect(t).toContain('补偿券 YQ000012')
  expect(t).toContain('-¥20.00')
  expect(t).toContain('¥1230.00')
})

test('my orders links to my coupons', async () => {
  const ordersPage = load('pages/orders/index')
  server.on('me', { status: 200, data: { buyer: { openid: 'o1', name: '张伟', customer: { code: 'C001', name: '华东五金' } } } })
  server.on('listOrders', { status: 200, data: { items: [], total: 0, page: 1, size: 20 } })
  const page = render(ordersPage)
  await page.instance.onLoad()
  await flush()
  expect(text(page)).toContain('我的优惠券')
  page.instance.onCoupons()
  expect(server.state.navigations).toEqual([{ type: 'navigateTo', url: '/pages/coupons/index' }])
})
