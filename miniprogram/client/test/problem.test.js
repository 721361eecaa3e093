const { load, render, flush, text, loggedIn } = require('./page')
const fx = require('./fixtures')

let id
beforeAll(() => { id = load('pages/problem/index') })
beforeEach(() => {
  require('./wx').installWx()
  loggedIn()
  server.on('templates', { status: 200, data: { templates: fx.templates } })
})

test('reports kind and text, asks for the ticket message and records the permission', async () => {
  server.on('reportProblem', { status: 201, data: { ticket: fx.ticket({ state: 'open' }) } })
  server.on('subscribe', { status: 200, data: { subscribed: ['ticket'] } })
  const page = render(id)
  await page.instance.onLoad({ no: 'SO20261129-000042' })
  await flush()
  expect(text(page)).toContain('订单 SO20261129-000042 出了什么问题')
  for (const k of ['少发', '错发', '破损', '延迟', '其他']) expect(text(page)).toContain(k)
  page.instance.onKind({ detail: 'missing_items' })
  page.instance.onDescription({ detail: ' 少了一盒螺母 ' })
  const done = page.instance.onSubmit()
  expect(server.state.subscribeAsks).toEqual([['tpl-ticket']])
  await done
  await flush()
  const [req] = server.requestsTo('reportProblem')
  expect(req.path).toBe('/api/mp/v1/orders/SO20261129-000042/problems')
  expect(req.data).toEqual({ kind: 'missing_items', description: '少了一盒螺母' })
  expect(server.requestsTo('subscribe')[0].data).toEqual({ events: ['ticket'] })
  expect(text(page)).toContain('已提交，工单号 TK20261129-000003')
  expect(server.state.unmatched).toEqual([])
})

test('nothing is sent without a kind; a refusal is shown in Chinese', async () => {
  server.on('reportProblem', { status: 422, data: { error: { code: 'invalid_description', field: 'description', message: '请描述问题（1 到 900 字） describe the problem in 1 to 900 characters' } } })
  const page = render(id)
  await page.instance.onLoad({ no: 'SO20261129-000042' })
  page.instance.onDescription({ detail: '坏了' })
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('请选择问题类型')
  expect(server.requestsTo('reportProblem')).toHaveLength(0)

  page.instance.onKind({ detail: 'damaged' })
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('请描述问题（1 到 900 字）')
  expect(text(page)).not.toContain('describe the problem')
})
