const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')
const cart = require('../utils/cart')

let id
beforeAll(() => { id = load('pages/catalog/index') })
beforeEach(() => { require('./wx').installWx(); loggedIn() })

test('shows the catalogue with the customer price and live availability', async () => {
  server.on('products', { status: 200, data: fx.products() })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  const t = text(page)
  expect(t).toContain('六角螺栓 M8×30')
  expect(t).toContain('¥10.00')
  expect(t).toContain('现货 120盒')
  expect(t).toContain('暂时缺货')
  expect(t).toContain('为 华东五金 订货')
  const req = server.requestsTo('products')[0]
  expect(req.header.Authorization).toBe('Bearer mp_tok')
  expect(req.query).toEqual({ page: '1', size: '20' })
  expect(server.state.unmatched).toEqual([])
})

test('search sends q and shows what the server found', async () => {
  server.on('products', { status: 200, data: fx.products() }, { status: 200, data: { items: [fx.products().items[1]], total: 1, page: 1, size: 20 } })
  const page = render(id)
  await page.instance.onLoad()
  await page.instance.onSearch({ detail: ' 螺母 ' })
  await flush()
  expect(server.requestsTo('products')[1].query.q).toBe('螺母')
  expect(page.instance.data.items.map((p) => p.sku)).toEqual(['NUT-M8'])
  expect(text(page)).not.toContain('六角螺栓')
})

test('the stepper puts products in the cart', async () => {
  server.on('products', { status: 200, data: fx.products() })
  const page = render(id)
  await page.instance.onLoad()
  page.instance.onQty({ currentTarget: { dataset: { sku: 'BOLT-M8-30' } }, detail: 3 })
  await flush()
  expect(cart.read()).toEqual([expect.objectContaining({ sku: 'BOLT-M8-30', qty: 3, price_fen: 1000 })])
  expect(text(page)).toContain('购物车 3 件')
})

test('an API error is shown in Chinese and retry loads again', async () => {
  server.on('products', fx.apiError(400, 'invalid_query', '搜索词过长 q is longer than 64 characters'), { status: 200, data: fx.products() })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  expect(text(page)).toContain('搜索词过长')
  expect(text(page)).not.toContain('longer than')
  expect(text(page)).toContain('重试')
  await page.instance.onRetry()
  await flush()
  expect(text(page)).not.toContain('搜索词过长')
  expect(text(page)).toContain('六角螺栓')
})

test('offline: a timed-out GET is retried, and a retry button follows when all fail', async () => {
  server.on('products', { fail: 'timeout' }, { status: 200, data: fx.products() })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  expect(server.requestsTo('products')).toHaveLength(2)
  expect(text(page)).toContain('六角螺栓')

  server.on('products', { fail: 'timeout' })
  await page.instance.onPullDownRefresh()
  await flush()
  expect(server.requestsTo('products')).toHaveLength(2 + 3) // first try + config.retries
  expect(text(page)).toContain('网络超时，请稍后重试')
  expect(text(page)).toContain('重试')
})
