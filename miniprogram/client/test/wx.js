// A fake of the wx APIs the mini-program calls, and of the orderhub server behind
// wx.request. The server matches requests against utils/routes.js, so a request
// to a path the client does not declare fails the test (see unmatched).
const routes = require('../utils/routes')

function matchRoute(method, path) {
  for (const [name, r] of Object.entries(routes)) {
    if (r.method !== method) continue
    const re = new RegExp(`^${r.path.replace(/\{\w+\}/g, '([^/]+)')}$`)
    const m = path.match(re)
    if (m) return { name, params: m.slice(1).map(decodeURIComponent) }
  }
  return null
}

function installWx() {
  const storage = new Map()
  const state = {
    requests: [], // every wx.request: {method, url, path, query, data, header, route}
    unmatched: [],
    handlers: {}, // route name → array of responders, the last one sticks
    toasts: [],
    modals: [],
    modalAnswers: [],
    navigations: [],
    phoneCalls: [],
    clipboard: [],
    subscribeAsks: [],
    subscribeAnswer: null, // fn(tmplIds) → {id: 'accept'|'reject'}
    logins: 0,
    networkListeners: [],
  }
  require('../utils/network').reset()

  const server = {
    state,
    // on(route, responder): responder(req) → {status, data, header} | {fail: errMsg}.
    // Several calls queue answers; the last answer repeats.
    on(name, ...responders) {
      if (!routes[name]) throw new Error(`no route ${name}`)
      state.handlers[name] = responders
      return server
    },
    // reconnect tells the pages the network is back (wx.onNetworkStatusChange).
    reconnect() {
      state.networkListeners.forEach((fn) => fn({ isConnected: true, networkType: 'wifi' }))
    },
    requestsTo(name) {
      return state.requests.filter((r) => r.route === name)
    },
  }

  function answer(url, method, data, header, extra) {
    const u = new URL(url)
    method = (method || 'GET').toUpperCase()
    const m = matchRoute(method, u.pathname)
    const req = Object.assign({
      method, url, path: u.pathname, query: Object.fromEntries(u.searchParams),
      data: data === undefined ? undefined : JSON.parse(JSON.stringify(data)),
      header: Object.assign({}, header), route: m && m.name, params: m && m.params,
    }, extra)
    state.requests.push(req)
    if (!m) {
      state.unmatched.push(`${method} ${u.pathname}`)
      return { status: 404, data: { error: { code: 'not_found', message: 'no such route' } } }
    }
    const list = state.handlers[m.name]
    if (!list || list.length === 0) throw new Error(`test set no answer for ${m.name} (${method} ${u.pathname})`)
    const r = list.length > 1 ? list.shift() : list[0]
    return typeof r === 'function' ? r(req) : r
  }

  const wx = {
    request(opts) {
      const ans = answer(opts.url, opts.method, opts.data, opts.header, { timeout: opts.timeout })
      Promise.resolve().then(() => {
        if (ans.fail) opts.fail && opts.fail({ errMsg: `request:fail ${ans.fail}` })
        else opts.success && opts.success({ statusCode: ans.status || 200, data: ans.data, header: ans.header || {} })
      })
    },
    // wx.uploadFile: multipart, the body answered as text.
    uploadFile(opts) {
      const ans = answer(opts.url, 'POST', undefined, opts.header, { filePath: opts.filePath, field: opts.name })
      Promise.resolve().then(() => {
        if (ans.fail) opts.fail && opts.fail({ errMsg: `uploadFile:fail ${ans.fail}` })
        else opts.success && opts.success({ statusCode: ans.status || 200, data: typeof ans.data === 'string' ? ans.data : JSON.stringify(ans.data), header: ans.header || {} })
      })
    },
    login(opts) {
      state.logins++
      Promise.resolve().then(() => opts.success({ code: `wxcode-${state.logins}`, errMsg: 'login:ok' }))
    },
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, JSON.stringify(v)),
    removeStorageSync: (k) => storage.delete(k),
    showToast: (o) => state.toasts.push(o),
    showModal(o) {
      state.modals.push(o)
      const a = state.modalAnswers.length ? state.modalAnswers.shift() : { confirm: false, cancel: true }
      Promise.resolve().then(() => o.success && o.success(a))
    },
    requestSubscribeMessage(o) {
      state.subscribeAsks.push(o.tmplIds.slice())
      const res = state.subscribeAnswer ? state.subscribeAnswer(o.tmplIds) : Object.fromEntries(o.tmplIds.map((id) => [id, 'accept']))
      Promise.resolve().then(() => o.success && o.success(res))
    },
    navigateTo: (o) => state.navigations.push({ type: 'navigateTo', url: o.url }),
    redirectTo: (o) => state.navigations.push({ type: 'redirectTo', url: o.url }),
    switchTab: (o) => state.navigations.push({ type: 'switchTab', url: o.url }),
    navigateBack: () => state.navigations.push({ type: 'navigateBack' }),
    makePhoneCall: (o) => state.phoneCalls.push(o.phoneNumber),
    setClipboardData: (o) => state.clipboard.push(o.data),
    stopPullDownRefresh: () => {},
    onNetworkStatusChange: (fn) => state.networkListeners.push(fn),
    // Layout queries the component library makes; jsdom lays nothing out.
    createSelectorQuery() {
      const q = {
        in: () => q, select: () => q, selectAll: () => q, selectViewport: () => q,
        boundingClientRect: (cb) => { if (cb) Promise.resolve().then(() => cb({ width: 0, height: 0, top: 0, left: 0 })); return q },
        scrollOffset: () => q, fields: () => q, exec: (cb) => cb && Promise.resolve().then(() => cb([])),
      }
      return q
    },
    getSystemInfoSync: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2, platform: 'devtools', SDKVersion: '3.0.0' }),
    getWindowInfo: () => ({ windowWidth: 375, windowHeight: 667, pixelRatio: 2 }),
    getDeviceInfo: () => ({ platform: 'devtools' }),
    getAppBaseInfo: () => ({ SDKVersion: '3.0.0' }),
    canIUse: () => true,
    createAnimation() {
      const a = new Proxy({}, { get: (t, k) => (k === 'export' ? () => [] : () => a) })
      return a
    },
    nextTick: (fn) => Promise.resolve().then(fn),
    setNavigationBarTitle: () => {},
  }
  global.wx = wx
  global.server = server
  global.storage = storage
  return server
}

module.exports = { installWx, matchRoute }
