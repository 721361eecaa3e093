const { load, render, flush, text, loggedIn } = require('./page')

let id
beforeAll(() => { id = load('pages/link/index') })
beforeEach(() => {
  require('./wx').installWx()
  loggedIn({ code: 'MP-1A2B3C4D5E', name: '微信用户ab12' })
})

const open = { no: 'LR20261208-000003', company_name: '上海宏达机电设备有限公司', customer_code: '', note: '我是采购小李', state: 'open', state_name: '待审核', customer: null, created_at: '2026-12-08T09:30:00+08:00', decided_at: null }
const approved = Object.assign({}, open, { state: 'approved', state_name: '已关联', customer: { code: 'C001', name: '上海宏达机电设备有限公司' }, decided_at: '2026-12-08T09:42:00+08:00' })
const rejected = Object.assign({}, open, { state: 'rejected', state_name: '未通过', reason: '查无此人，请联系张伟', decided_at: '2026-12-08T09:42:00+08:00' })

test('a new buyer asks with their company\'s name and a note, then sees the request waiting', async () => {
  server.on('listLinkRequests', { status: 200, data: { items: [], open: null } })
  server.on('askLink', { status: 201, data: { request: open } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  expect(text(page)).toContain('申请关联到我的公司')
  page.instance.onCompanyName({ detail: ' 上海宏达机电设备有限公司 ' })
  page.instance.onNote({ detail: '我是采购小李' })
  await page.instance.onSubmit()
  await flush()
  const [req] = server.requestsTo('askLink')
  expect(req.path).toBe('/api/mp/v1/link-requests')
  expect(req.data).toEqual({ company_name: '上海宏达机电设备有限公司', customer_code: '', note: '我是采购小李' })
  const t = text(page)
  expect(t).toContain('关联申请 LR20261208-000003')
  expect(t).toContain('待审核')
  expect(t).toContain('客服审核后这里会更新')
  expect(t).not.toContain('提交申请') // one open request at a time
  expect(server.state.unmatched).toEqual([])
})

test('nothing is sent without a name or a code; the server\'s refusal is shown in Chinese', async () => {
  server.on('listLinkRequests', { status: 200, data: { items: [], open: null } })
  server.on('askLink', { status: 409, data: { error: { code: 'link_request_open', message: '您已有待审核的关联申请 LR20261208-000003，请等客服处理' } } })
  const page = render(id)
  await page.instance.onLoad()
  page.instance.onNote({ detail: '请关联' })
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('请填写公司名称或客户编码')
  expect(server.requestsTo('askLink')).toHaveLength(0)
  page.instance.onCustomerCode({ detail: 'C001' })
  await page.instance.onSubmit()
  await flush()
  expect(text(page)).toContain('您已有待审核的关联申请 LR20261208-000003')
})

test('approved: the company is shown and the stored customer refreshed', async () => {
  server.on('listLinkRequests', { status: 200, data: { items: [approved], open: null } })
  server.on('me', { status: 200, data: { buyer: { openid: 'o1', name: '小李', customer: { code: 'C001', name: '上海宏达机电设备有限公司', contact: '张伟', phone: '' } } } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  const t = text(page)
  expect(t).toContain('已关联')
  expect(t).toContain('已关联到 上海宏达机电设备有限公司（C001）')
  expect(server.requestsTo('me')).toHaveLength(1)
  expect(wx.getStorageSync('orderhub.session').customer.code).toBe('C001')
})

test('rejected: the reason is shown and the buyer may ask again', async () => {
  server.on('listLinkRequests', { status: 200, data: { items: [rejected], open: null } })
  const page = render(id)
  await page.instance.onLoad()
  await flush()
  const t = text(page)
  expect(t).toContain('未通过：查无此人，请联系张伟')
  expect(t).toContain('重新申请关联')
  expect(t).toContain('提交申请')
})
