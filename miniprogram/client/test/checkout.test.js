const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')
const cart = require('../utils/cart')
const attempt = require('../utils/attempt')

let id
beforeAll(() => { id = load('pages/checkout/index') })
beforeEach(() => {
  require('./wx').installWx()
  loggedIn({ code: 'MP-1', name: '张伟' }) // logged in before staff linked the company; GET /me knows better
  cart.set(fx.products().items[0], 10)
  cart.set({ sku: 'NUT-M8', name: '螺母 M8', price_fen: 500, available: 30 }, 4)
  server.on('templates', { status: 200, data: { templates: fx.templates } })
  server.on('me', { status: 200, data: { buyer: { openid: 'o1', name: '张伟', customer: { code: 'C001', name: '华东五金', address: '上海市嘉定区墨玉路 88 号' } } } })
  server.on('listOrders', { status: 200, data: { items: [fx.order({ address: '苏州市工业园区星湖街 1 号' })], total: 1, page: 1, size: 1 } })
})

async function openPage() {
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  return page
}

test('offers the address on file and the last order\'s address, and shows the lines', async () => {
  const page = await openPage()
  const t = text(page)
  expect(t).toContain('六角螺栓 M8×30')
  expect(t).toContain('¥120.00')
  expect(t).toContain('档案地址')
  expect(t).toContain('上次的地址')
  expect(page.instance.data.address).toBe('上海市嘉定区墨玉路 88 号')
  page.instance.onPickAddress({ currentTarget: { dataset: { address: '苏州市工业园区星湖街 1 号' } } })
  expect(page.instance.data.address).toBe('苏州市工业园区星湖街 1 号')
})

test('ordering asks for subscribe messages in the tap and posts the order with its key', async () => {
  server.on('createOrder', { status: 201, data: { order: fx.order() } })
  server.state.subscribeAnswer = (ids) => Object.fromEntries(ids.map((i) => [i, i === 'tpl-delay' ? 'reject' : 'accept']))
  const page = await openPage()
  page.instance.onRemark({ detail: '  防潮包装 ' })
  const done = page.instance.onSubmit()
  // requestSubscribeMessage ran synchronously inside the tap, before any request.
  expect(server.state.subscribeAsks).toEqual([['tpl-shipped', 'tpl-delay', 'tpl-delivered']])
  await done
  await flush()
  const [req] = server.requestsTo('createOrder')
  expect(req.method).toBe('POST')
  expect(req.header.Authorization).toBe('Bearer mp_tok')
  expect(req.header['Content-Type']).toBe('application/json')
  expect(req.header['Idempotency-Key']).toMatch(/^mp-[0-9a-z]+-[0-9a-f]{16}$/)
  expect(req.data).toEqual({
    lines: [{ sku: 'BOLT-M8-30', qty: 10 }, { sku: 'NUT-M8', qty: 4 }],
    address: '上海市嘉定区墨玉路 88 号',
    remark: '防潮包装',
    subscribe: ['shipped', 'delivered'],
  })
  expect(server.state.navigations).toEqual([{ type: 'redirectTo', url: '/pages/order/index?no=SO20261129-000042&placed=1' }])
  expect(cart.read()).toEqual([])
  expect(attempt.pending()).toBeNull()
  expect(server.state.unmatched).toEqual([])
})

test('a timeout is retried with the same idempotency key and body; the replayed order is taken', async () => {
  server.on('createOrder', { fail: 'timeout' }, { status: 200, header: { 'Idempotent-Replayed': 'true' }, data: { order: fx.order() } })
  const page = await openPage()
  await page.instance.onSubmit()
  await flush()
  const reqs = server.requestsTo('createOrder')
  expect(reqs).toHaveLength(2)
  expect(reqs[1].header['Idempotency-Key']).toBe(reqs[0].header['Idempotency-Key'])
  expect(reqs[1].data).toEqual(reqs[0].data)
  expect(server.state.navigations[0].url).toContain('SO20261129-000042')
})

test('when every try fails the key and body are kept, across a restart, until the server answers', async () => {
  server.on('createOrder', { fail: 'timeout' })
  let page = await openPage()
  await page.instance.onSubmit()
  await flush()
  expect(server.requestsTo('createOrder')).toHaveLength(3)
  expect(text(page)).toContain('网络超时，请稍后重试')
  expect(text(page)).toContain('重新提交')
  const key = server.requestsTo('createOrder')[0].header['Idempotency-Key']
  const body = server.requestsTo('createOrder')[0].data

  // The app is closed and opened again; the buyer changed the remark and
  // put something else in the cart meanwhile.
  cart.set({ sku: 'FM-SS-80', name: '过滤网', price_fen: 86000, available: 3 }, 1)
  server.on('createOrder', fx.apiError(502, 'bad_gateway', 'bad gateway'), { status: 200, data: { order: fx.order() } })
  page = await openPage()
  expect(text(page)).toContain('不会重复下单')
  page.instance.onRemark({ detail: '改了备注' })
  await page.instance.onSubmit()
  await flush()
  const later = server.requestsTo('createOrder').slice(3)
  expect(later).toHaveLength(2) // a 502 is retried like a timeout
  for (const r of later) {
    expect(r.header['Idempotency-Key']).toBe(key)
    expect(r.data).toEqual(body)
  }
  // The subscribe sheet was asked once, for the first attempt only.
  expect(server.state.subscribeAsks).toHaveLength(1)
  expect(attempt.pending()).toBeNull()
  // Only what the order placed left the cart.
  expect(cart.read().map((i) => [i.sku, i.qty])).toEqual([['FM-SS-80', 1]])
})

test('a refusal is shown in Chinese and the next order gets a new key', async () => {
  server.on('createOrder',
    { status: 409, data: { error: { code: 'insufficient_stock', message: '库存不足：insufficient stock: BOLT-M8-30 want 10, available 6', available: [{ sku: 'BOLT-M8-30', want: 10, available: 6 }] } } },
    { status: 201, data: { order: fx.order() } })
  const page = await openPage()
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('库存不足：BOLT-M8-30 需要 10，可用 6')
  expect(text(page)).not.toContain('insufficient')
  expect(server.requestsTo('createOrder')).toHaveLength(1) // a 409 is not retried
  await page.instance.onSubmit()
  await flush()
  const reqs = server.requestsTo('createOrder')
  expect(reqs).toHaveLength(2)
  expect(reqs[1].header['Idempotency-Key']).not.toBe(reqs[0].header['Idempotency-Key'])
})

test('rate limited: the Chinese message with its wait, and the key is kept', async () => {
  server.on('createOrder', { status: 429, header: { 'Retry-After': '30' }, data: { error: { code: 'rate_limited', message: '操作太频繁，请 30 秒后再试 too many writes; retry after 30 s' } } })
  const page = await openPage()
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('操作太频繁，请 30 秒后再试')
  expect(attempt.pending()).not.toBeNull()
})

test('no address: says so and sends nothing', async () => {
  const page = await openPage()
  page.instance.onAddress({ detail: '   ' })
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('请填写收货地址')
  expect(server.requestsTo('createOrder')).toHaveLength(0)
  expect(server.state.subscribeAsks).toHaveLength(0)
})

test('offline: when the network comes back the pending order is sent again by itself, same key', async () => {
  server.on('createOrder', { fail: 'net::ERR_INTERNET_DISCONNECTED' })
  const page = await openPage()
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('网络连接失败，请检查网络后重试（网络恢复后自动重新提交）')
  server.on('createOrder', { status: 201, data: { order: fx.order() } })
  server.reconnect()
  await flush()
  const reqs = server.requestsTo('createOrder')
  expect(reqs).toHaveLength(4)
  expect(new Set(reqs.map((r) => r.header['Idempotency-Key'])).size).toBe(1)
  expect(server.state.navigations[0].url).toContain('SO20261129-000042')
})

test('「档案地址」 sends no address so the server uses the one on file; its refusal is shown', async () => {
  server.on('me', { status: 200, data: { buyer: { openid: 'o1', name: '张伟', customer: { code: 'C001', name: '华东五金' } } } })
  server.on('listOrders', { status: 200, data: { items: [], total: 0, page: 1, size: 1 } })
  server.on('createOrder',
    fx.apiError(422, 'address_required', '请填写收货地址：订单没有地址，您的账户也没有登记默认收货地址。', { field: 'address' }),
    { status: 201, data: { order: fx.order({ address: '上海市嘉定区墨玉路 88 号', address_source: 'customer' }) } })
  const page = await openPage()
  expect(page.instance.data.address).toBe('')
  expect(text(page)).toContain('档案地址')
  page.instance.onPickAddress({ currentTarget: { dataset: { address: '', onfile: true } } })
  await flush()
  expect(text(page)).not.toContain('上次的地址')
  await page.instance.onSubmit()
  await flush()
  let reqs = server.requestsTo('createOrder')
  expect(reqs[0].data).not.toHaveProperty('address')
  expect(text(page)).toContain('请填写收货地址：订单没有地址，您的账户也没有登记默认收货地址。')
  expect(attempt.pending()).toBeNull() // nothing was created: the next try is a new order

  page.instance.onAddress({ detail: '上海市嘉定区墨玉路 88 号' })
  await page.instance.onSubmit()
  await flush()
  reqs = server.requestsTo('createOrder')
  expect(reqs[1].data.address).toBe('上海市嘉定区墨玉路 88 号')
  expect(reqs[1].header['Idempotency-Key']).not.toBe(reqs[0].header['Idempotency-Key'])
})
