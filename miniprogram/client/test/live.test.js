// The pages against a real orderhub: the repository's server is built and run
// (embedded mode, demo data, port 0), and wx.request goes to it over HTTP. This
// proves the client and the API as they are on this commit agree — paths,
// methods, headers, bodies and the answers' shapes — beyond what
// docs/openapi.yaml can say.
const fs = require('fs')
const os = require('os')
const path = require('path')
const http = require('http')
const { execFileSync, spawn } = require('child_process')
const { load, render, flush, text } = require('./page')
const { matchRoute } = require('./wx')
const config = require('../config')
const api = require('../utils/api')
const cart = require('../utils/cart')

const repo = path.join(__dirname, '..', '..', '..')
let tmp
let proc
let ids = {}
const seen = []

function realRequest(opts) {
  const u = new URL(opts.url)
  const method = (opts.method || 'GET').toUpperCase()
  const m = matchRoute(method, u.pathname)
  seen.push(`${method} ${m ? m.name : `UNDECLARED ${u.pathname}`}`)
  const body = opts.data === undefined || method === 'GET' ? undefined : JSON.stringify(opts.data)
  const headers = Object.assign({}, opts.header)
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body)
  const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, timeout: opts.timeout }, (res) => {
    const chunks = []
    res.on('data', (c) => chunks.push(c))
    res.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let data = raw
      try { data = JSON.parse(raw) } catch (e) { /* not JSON: keep the text, as wx does */ }
      opts.success({ statusCode: res.statusCode, data, header: res.headers })
    })
  })
  req.on('timeout', () => req.destroy(new Error('timeout')))
  req.on('error', (e) => opts.fail({ errMsg: `request:fail ${e.message}` }))
  if (body !== undefined) req.write(body)
  req.end()
}

// wx.uploadFile over real HTTP: one multipart file, the body handed back as text.
function realUploadFile(opts) {
  const u = new URL(opts.url)
  const m = matchRoute('POST', u.pathname)
  seen.push(`POST ${m ? m.name : `UNDECLARED ${u.pathname}`}`)
  const boundary = `----wxupload${Date.now()}`
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name}"; filename="${path.basename(opts.filePath)}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    fs.readFileSync(opts.filePath),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  const headers = Object.assign({}, opts.header, { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length })
  const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers }, (res) => {
    const chunks = []
    res.on('data', (c) => chunks.push(c))
    res.on('end', () => opts.success({ statusCode: res.statusCode, data: Buffer.concat(chunks).toString('utf8'), header: res.headers }))
  })
  req.on('error', (e) => opts.fail({ errMsg: `uploadFile:fail ${e.message}` }))
  req.end(body)
}

// A 1×1 PNG, as chooseMedia would leave in a temp file.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

async function waitForAddress(file, ms) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (fs.existsSync(file)) {
      const a = fs.readFileSync(file, 'utf8').trim()
      if (a.startsWith('http')) return a
    }
    if (proc.exitCode !== null) throw new Error(`orderhub exited with ${proc.exitCode}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('orderhub did not start')
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhub-mp-live-'))
  const bin = path.join(tmp, 'orderhub')
  execFileSync('go', ['build', '-o', bin, './cmd/orderhub'], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] })
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORDERHUB_')))
  Object.assign(env, { ORDERHUB_DATA_DIR: path.join(tmp, 'data'), ORDERHUB_HTTP_ADDR: '127.0.0.1:0' })
  fs.mkdirSync(env.ORDERHUB_DATA_DIR)
  const log = fs.openSync(path.join(tmp, 'orderhub.log'), 'w')
  proc = spawn(bin, [], { env, cwd: tmp, stdio: ['ignore', log, log] })
  config.baseURL = await waitForAddress(path.join(env.ORDERHUB_DATA_DIR, 'address'), 60000)
  ids = {
    catalog: load('pages/catalog/index'),
    checkout: load('pages/checkout/index'),
    order: load('pages/order/index'),
    problem: load('pages/problem/index'),
    orders: load('pages/orders/index'),
    stocking: load('pages/stocking/index'),
  }
}, 600000)

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGTERM')
    await exited
  }
  config.baseURL = 'https://orders.test'
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
}, 30000)

beforeEach(() => {
  require('./wx').installWx()
  wx.request = realRequest
  wx.uploadFile = realUploadFile
  config.demoBuyer = 'livetest'
})
afterEach(() => { config.demoBuyer = '' })

// flush until cond holds: real HTTP takes real time.
async function until(cond, ms = 15000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await flush(5)
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('browse, order (retried with its key), follow, report, cancel — against the real server', async () => {
  // Catalogue.
  const catalog = render(ids.catalog)
  await catalog.instance.onSearch({ detail: 'M8' })
  const items = catalog.instance.data.items
  expect(catalog.instance.data.error).toBe('')
  expect(items.length).toBeGreaterThan(0)
  const p = items.find((i) => i.available > 1)
  expect(p).toBeDefined()
  expect(text(catalog)).toContain(p.name)
  expect(text(catalog)).toContain(p.priceText)
  catalog.instance.onQty({ currentTarget: { dataset: { sku: p.sku } }, detail: 2 })
  expect(cart.read()).toEqual([expect.objectContaining({ sku: p.sku, qty: 2 })])

  // Checkout: the demo's subscribe templates are placeholders demo-<event>.
  const checkout = render(ids.checkout)
  await checkout.instance.onLoad()
  // A new buyer's company has no address on file: 「档案地址」 is refused, in Chinese.
  checkout.instance.onPickAddress({ currentTarget: { dataset: { address: '', onfile: true } } })
  await checkout.instance.onSubmit()
  await until(() => checkout.instance.data.error)
  expect(checkout.instance.data.error).toContain('请填写收货地址')
  expect(global.server.state.navigations).toEqual([])
  checkout.instance.onAddress({ detail: '上海市嘉定区安亭镇墨玉路 88 号' })
  checkout.instance.onRemark({ detail: '联调测试' })
  await checkout.instance.onSubmit()
  await until(() => global.server.state.navigations.length > 0 || (checkout.instance.data.error && !checkout.instance.data.submitting && !checkout.instance.data.error.includes('请填写收货地址')))
  expect(global.server.state.navigations).toHaveLength(1)
  expect(global.server.state.subscribeAsks[0].length).toBeGreaterThan(0)
  const nav = global.server.state.navigations[0].url
  const no = decodeURIComponent(nav.match(/no=([^&]+)/)[1])
  expect(no).toMatch(/^SO\d{8}-\d+$/)

  // The same key and body again: the server replays the order, nothing new.
  const key = 'live-' + Date.now()
  const body = { lines: [{ sku: p.sku, qty: 1 }], address: '上海市嘉定区安亭镇墨玉路 88 号' }
  const first = await api.createOrder(body, key)
  const again = await api.createOrder(body, key)
  expect(first.status).toBe(201)
  expect(again.status).toBe(200)
  expect(again.data.order.no).toBe(first.data.order.no)

  // The order page.
  const order = render(ids.order)
  await order.instance.onLoad({ no })
  expect(order.instance.data.error).toBe('')
  const o = order.instance.data.order
  expect(o.no).toBe(no)
  expect(text(order)).toContain(o.stage_name)
  expect(o.steps.length).toBeGreaterThan(2)
  expect(o.activeStep).toBeGreaterThanOrEqual(0)
  expect(text(order)).toContain('联调测试')
  expect(o.trackingURL.startsWith(`${config.baseURL}/t/`)).toBe(true)
  expect(order.instance.onShareAppMessage().path).toContain(encodeURIComponent(o.trackingURL))

  // Report a problem; it shows on the order page.
  const problem = render(ids.problem)
  await problem.instance.onLoad({ no })
  problem.instance.onKind({ detail: 'missing_items' })
  problem.instance.onDescription({ detail: '少了一盒螺母' })
  const photo = path.join(tmp, 'tmp_photo.png')
  fs.writeFileSync(photo, PNG)
  problem.instance.onPhoto({ detail: { file: [{ url: photo }] } })
  await problem.instance.onSubmit()
  expect(problem.instance.data.error).toBe('')
  expect(problem.instance.data.ticket.no).toMatch(/^TK/)
  expect(problem.instance.data.uploaded).toBe(1)
  const stored = path.join(tmp, 'data', 'problem-photos', problem.instance.data.ticket.no, '1.png')
  expect(fs.readFileSync(stored).equals(PNG)).toBe(true)
  await order.instance.load()
  expect(text(order)).toContain('【少发】少了一盒螺母')

  // Confirming receipt before shipping is refused, in Chinese.
  await order.instance.act('confirm', () => api.confirmReceipt(no))
  expect(order.instance.data.actionError).toMatch(/[\u4e00-\u9fff]/)
  expect(order.instance.data.actionError).not.toMatch(/[A-Za-z]{2,}\s+[A-Za-z]{2,}/)

  // Cancel while allowed.
  expect(order.instance.data.order.can_cancel).toBe(true)
  global.server.state.modalAnswers.push({ confirm: true, content: '联调取消' })
  await order.instance.onCancel()
  expect(order.instance.data.actionError).toBe('')
  expect(order.instance.data.order.stage).toBe('cancelled')
  expect(order.instance.data.order.can_cancel).toBe(false)

  // My orders lists it.
  const orders = render(ids.orders)
  await orders.instance.onLoad()
  expect(text(orders)).toContain(no)

  // The stocking list: a new buyer's own company orders on no fixed days,
  // so the server answers its own 404 (not an unknown route's), and the
  // page says there is none.
  const stockingErr = await require('../utils/request').call('stockingList').then(() => null, (e) => e)
  expect(stockingErr && stockingErr.status).toBe(404)
  expect(stockingErr.code).toBe('stocking_list_not_found')
  const stocking = render(ids.stocking)
  await stocking.instance.onLoad()
  await until(() => text(stocking).includes('暂无备货清单'))
  expect(stocking.instance.data.error).toBe('')

  // Log out: the token is dead on the server; the next request logs in again.
  const before = require('../utils/session').current().token
  await api.logout()
  const me = await api.me()
  expect(me.name).toBe('livetest')
  expect(require('../utils/session').current().token).not.toBe(before)

  // Every call went to a declared route (and so, by openapi.test.js, a documented one).
  expect(seen.filter((s) => s.includes('UNDECLARED'))).toEqual([])
  expect([...new Set(seen)]).toEqual(expect.arrayContaining([
    'POST login', 'GET products', 'GET templates', 'GET listOrders', 'POST createOrder', 'GET getOrder',
    'GET listProblems', 'POST reportProblem', 'POST logout', 'GET me', 'POST subscribe', 'POST uploadPhoto', 'POST confirmReceipt', 'POST cancelOrder',
    'GET stockingList',
  ]))
}, 120000)
