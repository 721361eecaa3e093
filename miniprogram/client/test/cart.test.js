const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')
const cart = require('../utils/cart')

let id
beforeAll(() => { id = load('pages/cart/index') })
beforeEach(() => { require('./wx').installWx(); loggedIn() })

test('shows what is in the cart, the total, and goes to checkout', async () => {
  cart.set(fx.products().items[0], 130)
  cart.set({ sku: 'NUT-M8', name: '螺母 M8', price_fen: 500, available: 30, unit: '盒' }, 2)
  const page = render(id)
  page.instance.onShow()
  await flush()
  const t = text(page)
  expect(t).toContain('六角螺栓 M8×30')
  expect(t).toContain('小计 ¥1300.00')
  expect(t).toContain('库存只剩 120盒')
  expect(t).toContain('去结算')
  expect(page.instance.data.totalFen).toBe(131000)

  page.instance.onQty({ currentTarget: { dataset: { sku: 'BOLT-M8-30' } }, detail: 1 })
  page.instance.onRemove({ currentTarget: { dataset: { sku: 'NUT-M8' } } })
  await flush()
  expect(cart.read().map((i) => [i.sku, i.qty])).toEqual([['BOLT-M8-30', 1]])
  expect(text(page)).not.toContain('库存只剩')
  page.instance.onCheckout()
  expect(server.state.navigations).toEqual([{ type: 'navigateTo', url: '/pages/checkout/index' }])
})

test('an empty cart says so', async () => {
  const page = render(id)
  page.instance.onShow()
  await flush()
  expect(text(page)).toContain('购物车是空的')
})

test('an order attempt with no answer yet is pointed out, leading back to checkout', async () => {
  require('../utils/attempt').begin({ lines: [{ sku: 'NUT-M8', qty: 1 }], address: '上海' })
  const page = render(id)
  page.instance.onShow()
  await flush()
  expect(text(page)).toContain('有一个订单还没收到提交结果')
  expect(text(page)).not.toContain('购物车是空的')
})
