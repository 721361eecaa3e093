// Every API route the client calls exists in docs/openapi.yaml with that method,
// and the client calls the API nowhere but through utils/routes.js.
const fs = require('fs')
const path = require('path')
const yaml = require('js-yaml')
const routes = require('../utils/routes')

const root = path.join(__dirname, '..')
const spec = yaml.load(fs.readFileSync(path.join(root, '..', '..', 'docs', 'openapi.yaml'), 'utf8'))

// The client's own source files: not the built library, not node_modules, not tests.
function sources(dir = root) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (['node_modules', 'miniprogram_npm', 'test', 'tools', '.git'].includes(e.name)) return []
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return /\.(js|wxml|json)$/.test(e.name) && !/^(package(-lock)?|jest\.config)\.js(on)?$/.test(e.name) ? [p] : []
  })
}

test.each(Object.entries(routes))('%s is in docs/openapi.yaml', (name, r) => {
  const item = spec.paths[r.path]
  expect(item).toBeDefined()
  expect(item[r.method.toLowerCase()]).toBeDefined()
  // Every route but login needs the buyer's bearer token; the client sends it.
  const op = item[r.method.toLowerCase()]
  if (r.auth === false) expect(op.security).toBeUndefined()
  else expect(op.security).toEqual([{ buyer: [] }])
})

test('the order is sent with the Idempotency-Key header the API requires', () => {
  const op = spec.paths[routes.createOrder.path].post
  expect(op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key' && p.required)).toBe(true)
})

test('the bodies the client sends use only documented fields', () => {
  const body = (r) => spec.paths[r.path][r.method.toLowerCase()].requestBody.content['application/json'].schema.properties
  expect(Object.keys(body(routes.login))).toEqual(expect.arrayContaining(['code']))
  expect(Object.keys(body(routes.createOrder))).toEqual(expect.arrayContaining(['lines', 'address', 'remark', 'subscribe']))
  expect(Object.keys(body(routes.createOrder).lines.items.properties)).toEqual(expect.arrayContaining(['sku', 'qty']))
  expect(Object.keys(body(routes.cancelOrder))).toEqual(expect.arrayContaining(['reason']))
  expect(Object.keys(body(routes.confirmReceipt))).toEqual(expect.arrayContaining(['note']))
  expect(Object.keys(body(routes.reportProblem))).toEqual(expect.arrayContaining(['kind', 'description']))
  expect(body(routes.reportProblem).kind.enum).toEqual(expect.arrayContaining(['missing_items', 'wrong_item', 'damaged', 'late', 'other']))
  const up = spec.paths[routes.uploadPhoto.path].post.requestBody.content['multipart/form-data'].schema
  expect(up.required).toEqual([routes.uploadPhoto.upload])
  expect(Object.keys(body(routes.subscribe))).toEqual(expect.arrayContaining(['events']))
  expect(body(routes.subscribe).events.items.enum).toEqual(expect.arrayContaining(['shipped', 'delivered', 'delay', 'ticket']))
})

test('no API path is written anywhere but utils/routes.js, and only the request layer calls wx.request and wx.uploadFile', () => {
  const files = sources()
  expect(files.length).toBeGreaterThan(20)
  for (const f of files) {
    const rel = path.relative(root, f)
    const src = fs.readFileSync(f, 'utf8')
    if (rel !== path.join('utils', 'routes.js')) expect([rel, /\/api\//.test(src.replace(/^\s*\/\/.*$/gm, ''))]).toEqual([rel, false])
    if (!['utils/request.js', 'utils/session.js'].includes(rel.split(path.sep).join('/'))) expect([rel, /wx\.(request|uploadFile)\(/.test(src)]).toEqual([rel, false])
  }
})
