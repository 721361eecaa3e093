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

test('photos are uploaded one by one to the new ticket; a failed one can be sent again', async () => {
  server.on('reportProblem', { status: 201, data: { ticket: fx.ticket({ state: 'open', assignee: null }) } })
  server.on('subscribe', { status: 200, data: { subscribed: ['ticket'] } })
  server.on('uploadPhoto',
    { status: 201, data: { photo: { name: '1.jpg' }, count: 1 } },
    { fail: 'timeout' },
    { status: 201, data: { photo: { name: '2.jpg' }, count: 2 } })
  const page = render(id)
  await page.instance.onLoad({ no: 'SO20261129-000042' })
  page.instance.onKind({ detail: 'damaged' })
  page.instance.onDescription({ detail: '外箱破损' })
  page.instance.onPhoto({ detail: { file: [{ url: 'wxfile://tmp_a.jpg' }, { url: 'wxfile://tmp_b.jpg' }] } })
  page.instance.onPhoto({ detail: { file: { url: 'wxfile://tmp_c.jpg' } } })
  page.instance.onDeletePhoto({ detail: { index: 2 } })
  await page.instance.onSubmit()
  await flush()
  let ups = server.requestsTo('uploadPhoto')
  expect(ups.map((u) => [u.path, u.filePath, u.field, u.header.Authorization])).toEqual([
    ['/api/mp/v1/orders/SO20261129-000042/problems/TK20261129-000003/photos', 'wxfile://tmp_a.jpg', 'photo', 'Bearer mp_tok'],
    ['/api/mp/v1/orders/SO20261129-000042/problems/TK20261129-000003/photos', 'wxfile://tmp_b.jpg', 'photo', 'Bearer mp_tok'],
  ])
  expect(text(page)).toContain('问题已提交，但有 1 张照片没有上传成功：网络超时，请稍后重试')
  expect(text(page)).toContain('重传照片')
  expect(server.requestsTo('reportProblem')).toHaveLength(1)

  await page.instance.onRetryUploads()
  await flush()
  ups = server.requestsTo('uploadPhoto')
  expect(ups).toHaveLength(3)
  expect(ups[2].filePath).toBe('wxfile://tmp_b.jpg') // only the failed one again
  expect(text(page)).not.toContain('没有上传成功')
  expect(text(page)).toContain('已上传 2 张照片')
  expect(server.requestsTo('reportProblem')).toHaveLength(1)
})

test('a refused photo shows the server\'s Chinese reason', async () => {
  server.on('reportProblem', { status: 201, data: { ticket: fx.ticket({ state: 'open' }) } })
  server.on('subscribe', { status: 200, data: { subscribed: ['ticket'] } })
  server.on('uploadPhoto', { status: 422, data: { error: { code: 'not_an_image', field: 'photo', message: '只能上传 JPG、PNG、WebP 或 GIF 图片 photo must be a JPEG, PNG, WebP or GIF image' } } })
  const page = render(id)
  await page.instance.onLoad({ no: 'SO20261129-000042' })
  page.instance.onKind({ detail: 'damaged' })
  page.instance.onDescription({ detail: '外箱破损' })
  page.instance.onPhoto({ detail: { file: [{ url: 'wxfile://tmp_a.txt' }] } })
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('只能上传 JPG、PNG、WebP 或 GIF 图片')
  expect(text(page)).not.toContain('must be')
})
