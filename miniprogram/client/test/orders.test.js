const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')

let id
beforeAll(() => { id = load('pages/orders/index') })
beforeEach(() => {
  require('./wx').installWx()
  loggedIn()
  server.on('me', { status: 200, data: { buyer: { openid: 'o1', name: '张伟', customer: { code: 'C001', name: '华东五金' } } } })
})

test('lists my orders with stage, lines, total and ETA, and opens one', async () => {
  const b = fx.order({ no: 'SO20261128-000007', stage: 'delivered', stage_name: '已送达', eta: null, total_fen: 9900, lines: [{ sku: 'NUT-M8', name: '螺母 M8', qty: 3, price_fen: 3300 }] })
  server.on('listOrders', { status: 200, data: { items: [fx.order(), b], total: 2, page: 1, size: 20 } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  const t = text(page)
  expect(t).toContain('华东五金 的订单')
  expect(t).toContain('SO20261129-000042')
  expect(t).toContain('配货中')
  expect(t).toContain('六角螺栓 M8×30 ×100 等 2 种')
  expect(t).toContain('¥1250.00')
  expect(t).toContain('承诺送达 12月1日 18:00')
  expect(t).toContain('SO20261128-000007')
  expect(t).toContain('螺母 M8 ×3')
  expect(t).toContain('共 2 个订单')
  expect(server.requestsTo('listOrders')[0].query).toEqual({ page: '1', size: '20' })
  page.instance.onOpen({ detail: { no: 'SO20261128-000007' } })
  expect(server.state.navigations).toEqual([{ type: 'navigateTo', url: '/pages/order/index?no=SO20261128-000007' }])
})

test('no orders yet, and an error with retry', async () => {
  server.on('listOrders', { status: 503, data: 'Service Unavailable' }, { status: 200, data: { items: [], total: 0, page: 1, size: 20 } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  // 503 is retried (config.retries) before the page gives up… and here it then succeeds.
  expect(server.requestsTo('listOrders')).toHaveLength(2)
  expect(text(page)).toContain('还没有订单')

  server.on('listOrders', { status: 503, data: 'Service Unavailable' })
  await page.instance.onRetry()
  await flush()
  expect(text(page)).toContain('服务器暂时不可用，请稍后再试')
})
