const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')

let id
beforeAll(() => { id = load('pages/order/index') })
beforeEach(() => { require('./wx').installWx(); loggedIn() })

async function openPage(order, tickets = [fx.ticket()]) {
  server.on('getOrder', { status: 200, data: { order } })
  server.on('listProblems', { status: 200, data: { items: tickets } })
  const page = render(id)
  await page.instance.onLoad({ no: order.no })
  await flush()
  return page
}

test('shows stage, progress, ETA, owner, timeline, lines and the buyer\'s tickets', async () => {
  const page = await openPage(fx.order({
    owner: { name: '孙丽', phone: '13800000007', role: '仓库' },
    address_source: 'customer',
    timeline: [{ at: '2026-11-29T10:05:00+08:00', kind: 'stage', stage: 'picking', stage_name: '配货中', by: '仓库', text: '开始配货', note: '开始配货' }],
  }))
  const t = text(page)
  expect(t).toContain('订单号 SO20261129-000042')
  expect(t).toContain('配货中')
  expect(t).toContain('承诺送达 12月1日 18:00')
  for (const s of ['待确认', '已发货', '已送达']) expect(t).toContain(s)
  expect(page.instance.data.order.activeStep).toBe(1)
  expect(t).toContain('仓库 孙丽')
  expect(t).toContain('拨打 13800000007')
  expect(t).toContain('地址（档案地址）')
  expect(page.instance.data.order.timelineSteps).toEqual([{ text: '开始配货', desc: '11月29日 10:05  仓库' }])
  expect(t).toContain('11月29日 10:05')
  expect(t).toContain('开始配货')
  expect(t).toContain('六角螺栓 M8×30')
  expect(t).toContain('¥1250.00')
  expect(t).toContain('防潮包装')
  expect(t).toContain('【少发】少了一盒螺母')
  expect(t).toContain('处理中')
  expect(t).toContain('处理人 李强')
  expect(t).toContain('取消订单')
  expect(t).not.toContain('确认收货')
  expect(server.requestsTo('getOrder')[0].path).toBe('/api/mp/v1/orders/SO20261129-000042')
  expect(server.state.unmatched).toEqual([])

  page.instance.onCall({ currentTarget: { dataset: { phone: '13800000007' } } })
  expect(server.state.phoneCalls).toEqual(['13800000007'])
})

test('shipped: tracking number, confirm receipt; a delay notice with its coupon and transfers in plain words', async () => {
  const order = fx.order({
    stage: 'shipped', stage_name: '已发货', can_cancel: false, can_confirm_receipt: true,
    carrier: '顺丰', tracking_no: 'SF1234567890',
    eta: { at: '2026-12-02T12:00:00+08:00', kind: 'estimated', late: true },
    problems: [{ no: 'TK20261129-000003', kind_name: '少发', state: 'resolved', state_name: '已处理', resolution: '已补发一盒，明天到' }],
    delay: { eta: '2026-12-02T12:00:00+08:00', promised_at: '2026-12-01T18:00:00+08:00', coupon: { amount_fen: 2000, code: 'DLY-8K2Q', expires_at: '2026-12-31T23:59:00+08:00' } },
    open_problems: 1,
    transfers: [{ sku: 'NUT-M8', name: '螺母 M8', qty: 20, status: 'pending', text: '螺母 M8 ×20 正从其他仓库调往上海仓，到货后一起发出。' }],
  })
  const page = await openPage(order, [fx.ticket({ state: 'resolved' })])
  const t = text(page)
  expect(t).toContain('已处理')
  expect(t).toContain('处理结果：已补发一盒，明天到')
  expect(t).toContain('顺丰')
  expect(t).toContain('SF1234567890')
  expect(t).toContain('确认收货')
  expect(t).not.toContain('取消订单')
  expect(t).toContain('延迟通知')
  expect(t).toContain('新的预计送达：12月2日 12:00')
  expect(t).toContain('补偿优惠券 ¥20.00')
  expect(t).toContain('券码 DLY-8K2Q')
  expect(t).toContain('有效期至 12月31日 23:59')
  expect(t).toContain('有 1 个问题正在处理')
  expect(t).toContain('螺母 M8 ×20 正从其他仓库调往上海仓，到货后一起发出。')

  server.state.modalAnswers.push({ confirm: true })
  server.on('confirmReceipt', { status: 200, data: { order: Object.assign({}, order, { stage: 'delivered', stage_name: '已送达', can_confirm_receipt: false, eta: null }) } })
  await page.instance.onConfirm()
  await flush()
  const [req] = server.requestsTo('confirmReceipt')
  expect(req.method).toBe('POST')
  expect(req.data).toEqual({})
  expect(text(page)).toContain('已送达')
  expect(text(page)).not.toContain('确认收货')
})

test('cancel sends the reason; a refusal is shown in Chinese', async () => {
  const page = await openPage(fx.order())
  server.state.modalAnswers.push({ confirm: true, content: ' 不需要了 ' })
  server.on('cancelOrder', { status: 409, data: { error: { code: 'not_cancellable', message: '订单已开始配货，无法取消 order SO20261129-000042 is picking; ask customer service' } } })
  await page.instance.onCancel()
  await flush()
  expect(server.requestsTo('cancelOrder')[0].data).toEqual({ reason: '不需要了' })
  expect(text(page)).toContain('订单已开始配货，无法取消')
  expect(text(page)).not.toContain('ask customer service')
  expect(server.requestsTo('cancelOrder')).toHaveLength(1) // a write is not retried on its own

  server.state.modalAnswers.push({ confirm: true, content: '' })
  server.on('cancelOrder', { status: 200, data: { order: fx.order({ stage: 'cancelled', stage_name: '已取消', can_cancel: false, eta: null, cancel_reason: '买家在小程序取消' }) } })
  await page.instance.onCancel()
  await flush()
  expect(server.requestsTo('cancelOrder')[1].data).toEqual({})
  expect(text(page)).toContain('已取消')
  expect(text(page)).toContain('取消原因：买家在小程序取消')
  expect(text(page)).not.toContain('订单已开始配货')
})

test('sharing sends the public tracking link; copy puts it on the clipboard', async () => {
  const page = await openPage(fx.order({ tracking_url: '/t/SO20261129-000042.abcDEF' }))
  const share = page.instance.onShareAppMessage()
  expect(share.title).toBe('订单 SO20261129-000042 · 配货中')
  expect(share.path).toBe('/pages/track/index?no=SO20261129-000042&u=' + encodeURIComponent('https://orders.test/t/SO20261129-000042.abcDEF'))
  page.instance.onCopy({ currentTarget: { dataset: { text: page.instance.data.order.trackingURL } } })
  expect(server.state.clipboard).toEqual(['https://orders.test/t/SO20261129-000042.abcDEF'])
})

test('an unknown order shows the server\'s Chinese message', async () => {
  server.on('getOrder', { status: 404, data: { error: { code: 'not_found', message: '订单 SO1 不存在 order not found' } } })
  server.on('listProblems', { status: 404, data: { error: { code: 'not_found', message: '订单 SO1 不存在 order not found' } } })
  const page = render(id)
  await page.instance.onLoad({ no: 'SO1' })
  await flush()
  expect(text(page)).toContain('订单 SO1 不存在')
  expect(text(page)).not.toContain('order not found')
})

test('offline: the order page loads again by itself when the network is back', async () => {
  server.on('getOrder', { fail: 'net::ERR_INTERNET_DISCONNECTED' })
  server.on('listProblems', { status: 200, data: { items: [] } })
  const page = render(id)
  await page.instance.onLoad({ no: 'SO20261129-000042' })
  await flush()
  expect(text(page)).toContain('网络连接失败，请检查网络后重试（网络恢复后自动重试）')
  server.on('getOrder', { status: 200, data: { order: fx.order() } })
  server.reconnect()
  await flush()
  expect(text(page)).not.toContain('网络连接失败')
  expect(text(page)).toContain('订单号 SO20261129-000042')
})
