// Loads a page (or component) with miniprogram-simulate and the official WXML
// compiler, against the project root, so usingComponents resolve as in WeChat.
const path = require('path')
const simulate = require('miniprogram-simulate')

const root = path.join(__dirname, '..')

function load(rel) {
  return simulate.load(path.join(root, rel), { rootPath: root })
}

function render(id, props) {
  const comp = simulate.render(id, props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

// flush lets promise chains (requests, setData) run to their end.
async function flush(n = 20) {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0))
}

function text(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ')
}

// Logged-in storage, so a test starts with a token unless it tests login.
function loggedIn(customer = { code: 'C001', name: '华东五金', contact: '张伟', phone: '13800000001' }) {
  wx.setStorageSync('orderhub.session', { token: 'mp_tok', expiresAt: Date.now() + 7 * 24 * 3600 * 1000, ttl: 7 * 24 * 3600 * 1000, customer })
}

module.exports = { load, render, flush, text, loggedIn, simulate }
