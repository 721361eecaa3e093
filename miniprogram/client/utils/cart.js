// 购物车：存在本地，{sku → {sku,name,spec,unit,price_fen,available,qty}}，保持加入的顺序。
const KEY = 'orderhub.cart'

function read() {
  try {
    const v = wx.getStorageSync(KEY)
    return Array.isArray(v) ? v : []
  } catch (e) {
    return []
  }
}

function write(items) {
  wx.setStorageSync(KEY, items)
  return items
}

function set(product, qty) {
  const items = read()
  const idx = items.findIndex((i) => i.sku === product.sku)
  if (qty > 0) {
    const item = {
      sku: product.sku, name: product.name, spec: product.spec || '', unit: product.unit || '',
      price_fen: product.price_fen, available: product.available, qty,
    }
    if (idx >= 0) items[idx] = item
    else items.push(item)
  } else if (idx >= 0) {
    items.splice(idx, 1)
  }
  return write(items)
}

function qtyOf(sku) {
  const i = read().find((x) => x.sku === sku)
  return i ? i.qty : 0
}

function count() {
  return read().reduce((n, i) => n + i.qty, 0)
}

function totalFen(items = read()) {
  return items.reduce((n, i) => n + i.qty * (i.price_fen || 0), 0)
}

// removeOrdered takes what an order placed out of the cart, leaving what the
// buyer added since (an order whose answer came late, after a restart).
function removeOrdered(lines) {
  const left = read()
    .map((i) => {
      const l = (lines || []).find((x) => x.sku === i.sku)
      return l ? Object.assign({}, i, { qty: i.qty - l.qty }) : i
    })
    .filter((i) => i.qty > 0)
  return write(left)
}

function clear() {
  write([])
}

module.exports = { read, set, qtyOf, count, totalFen, removeOrdered, clear, KEY }
