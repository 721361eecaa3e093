const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')
const attempts = require('../utils/attempt')

let id
beforeAll(() => { id = load('pages/stocking/index') })
beforeEach(() => {
  require('./wx').installWx()
  loggedIn()
  server.on('templates', { status: 200, data: { templates: Object.assign({ stocking: 'tpl-stocking' }, fx.templates) } })
})

function list(over = {}) {
  return Object.assign({
    window_from: '2026-12-22', window_to: '2026-12-25', send_on: '2026-12-17', sent_at: '2026-12-17T10:00:00+08:00',
    lines: [
      { sku: 'ANCHOR-M10', name: '膨胀螺栓 M10', unit: '盒', qty: 40, price_fen: 3200, available: 95, short: false },
      { sku: 'BOLT-M12-50', name: '六角螺栓 M12×50', unit: '盒', qty: 30, price_fen: 5600, available: 280, short: false },
      { sku: 'NUT-M12-LOCK', name: '防松螺母 M12', unit: '盒', qty: 300, price_fen: 1800, available: 207, short: true },
    ],
    value_fen: 40 * 3200 + 30 * 5600 + 300 * 1800, promised_at: '2026-12-21T18:00:00+08:00', order_no: '', address: '江苏省昆山市前进东路 1 号 王工',
  }, over)
}

async function openPage() {
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  return page
}

test('shows the list as a prefilled cart: window, lines, shortages, total, promise, address', async () => {
  server.on('stockingList', { status: 200, data: { list: list() } })
  const page = await openPage()
  const t = text(page)
  expect(t).toContain('12月22日–12月25日 常订货品')
  expect(t).toContain('膨胀螺栓 M10')
  expect(t).toContain('现货 207盒，不足的需先补货')
  expect(t).toContain('¥8360.00')
  expect(t).toContain('12月21日 18:00 前送达')
  expect(page.instance.data.address).toBe('江苏省昆山市前进东路 1 号 王工')
  expect(t).toContain('一键下单')
  expect(server.state.unmatched).toEqual([])
})

test('quantities edited (0 drops a line), subscribe asked in the tap, placed with its key, then the order page', async () => {
  server.on('stockingList', { status: 200, data: { list: list() } })
  server.on('orderStocking', { status: 201, data: { order: fx.order({ no: 'SO20261218-000101' }), planned: true } })
  const page = await openPage()
  page.instance.onQty({ currentTarget: { dataset: { sku: 'NUT-M12-LOCK' } }, detail: 0 })
  page.instance.onQty({ currentTarget: { dataset: { sku: 'ANCHOR-M10' } }, detail: 50 })
  expect(page.instance.data.kept).toBe(2)
  expect(text(page)).toContain('¥3280.00')
  page.instance.onRemark({ detail: ' 分两批送 ' })
  const done = page.instance.onSubmit()
  expect(server.state.subscribeAsks).toEqual([['tpl-stocking']])
  await done
  await flush()
  const [req] = server.requestsTo('orderStocking')
  expect(req.method).toBe('POST')
  expect(req.header['Idempotency-Key']).toMatch(/^mp-[0-9a-z]+-[0-9a-f]{16}$/)
  expect(req.data).toEqual({
    lines: [{ sku: 'ANCHOR-M10', qty: 50 }, { sku: 'BOLT-M12-50', qty: 30 }],
    address: '江苏省昆山市前进东路 1 号 王工', remark: '分两批送', subscribe: true,
  })
  expect(server.state.navigations).toEqual([{ type: 'redirectTo', url: '/pages/order/index?no=SO20261218-000101&placed=1' }])
  expect(attempts.stocking.pending()).toBeNull()
  expect(attempts.pending()).toBeNull() // the cart's attempt is another store
})

test('a timeout is retried with the same key and body; an unanswered attempt survives a restart and is resent as it was', async () => {
  server.on('stockingList', { status: 200, data: { list: list() } })
  server.on('orderStocking', { fail: 'timeout' })
  let page = await openPage()
  page.instance.onQty({ currentTarget: { dataset: { sku: 'BOLT-M12-50' } }, detail: 0 })
  await page.instance.onSubmit()
  await flush()
  const first = server.requestsTo('orderStocking')
  expect(first).toHaveLength(3)
  expect(new Set(first.map((r) => r.header['Idempotency-Key'])).size).toBe(1)
  expect(text(page)).toContain('网络超时')
  expect(text(page)).toContain('重新提交')

  server.on('orderStocking', { status: 200, header: { 'Idempotent-Replayed': 'true' }, data: { order: fx.order({ no: 'SO20261218-000101' }), planned: true } })
  page = await openPage()
  expect(text(page)).toContain('不会重复下单')
  expect(page.instance.data.lines.map((l) => l.qty)).toEqual([40, 0, 300])
  page.instance.onQty({ currentTarget: { dataset: { sku: 'ANCHOR-M10' } }, detail: 1 }) // locked while pending
  await page.instance.onSubmit()
  await flush()
  const later = server.requestsTo('orderStocking').slice(3)
  expect(later).toHaveLength(1)
  expect(later[0].header['Idempotency-Key']).toBe(first[0].header['Idempotency-Key'])
  expect(later[0].data).toEqual(first[0].data)
  expect(server.state.subscribeAsks).toHaveLength(1)
  expect(attempts.stocking.pending()).toBeNull()
})

test('refusals are shown in Chinese naming what was wrong; the next try gets a new key', async () => {
  server.on('stockingList', { status: 200, data: { list: list() } })
  server.on('orderStocking',
    fx.apiError(422, 'invalid_qty', 'lines[0].qty: 数量须为大于 0 的整数，收到 "x"', { field: 'lines[0].qty' }),
    { status: 201, data: { order: fx.order(), planned: true } })
  const page = await openPage()
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('数量须为大于 0 的整数')
  expect(attempts.stocking.pending()).toBeNull()
  await page.instance.onSubmit()
  await flush()
  const reqs = server.requestsTo('orderStocking')
  expect(reqs).toHaveLength(2)
  expect(reqs[1].header['Idempotency-Key']).not.toBe(reqs[0].header['Idempotency-Key'])
})

test('nothing kept or no address: refused on the page, nothing sent', async () => {
  server.on('stockingList', { status: 200, data: { list: list({ address: '' }) } })
  const page = await openPage()
  await page.instance.onSubmit()
  expect(text(page)).toContain('请填写收货地址')
  page.instance.onAddress({ detail: '昆山' })
  for (const l of list().lines) page.instance.onQty({ currentTarget: { dataset: { sku: l.sku } }, detail: 0 })
  await page.instance.onSubmit()
  expect(text(page)).toContain('请至少保留一种货品')
  expect(server.requestsTo('orderStocking')).toHaveLength(0)
  expect(server.state.subscribeAsks).toHaveLength(0)
})

test('already placed (by another buyer meanwhile): the order is shown instead of the button', async () => {
  server.on('stockingList', { status: 200, data: { list: list() } }, { status: 200, data: { list: list({ order_no: 'SO20261218-000099' }) } })
  server.on('orderStocking', fx.apiError(409, 'stocking_ordered', '本期备货清单已下单：SO20261218-000099'))
  server.on('subscribeStocking', { status: 200, data: { subscribed: ['stocking'] } })
  const page = await openPage()
  await page.instance.onSubmit()
  await flush()
  const t = text(page)
  expect(t).toContain('本期清单已下单：SO20261218-000099')
  expect(t).toContain('查看订单')
  expect(t).not.toContain('一键下单')
  page.instance.onOpenOrder()
  expect(server.state.navigations).toEqual([{ type: 'navigateTo', url: '/pages/order/index?no=SO20261218-000099' }])
  await page.instance.onRemind()
  await flush()
  expect(server.requestsTo('subscribeStocking')).toHaveLength(1)
  expect(server.state.toasts[0].title).toContain('提醒您')
})

test('a company without a list sees why', async () => {
  server.on('stockingList', fx.apiError(404, 'stocking_list_not_found', '您的公司暂无备货清单'))
  const page = await openPage()
  expect(text(page)).toContain('贵司暂无备货清单')
  expect(text(page)).not.toContain('一键下单')
})
