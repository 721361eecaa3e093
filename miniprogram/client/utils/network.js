// 网络恢复时自动重试：页面在出错（断网、超时）后登记一次，网络回来就重新加载。
// When the network comes back, pages showing a network error load again by
// themselves; the retry button stays for everything else.
const waiting = new Set()
let listening = false

function listen() {
  if (listening || typeof wx.onNetworkStatusChange !== 'function') return
  listening = true
  wx.onNetworkStatusChange((res) => {
    if (!res || !res.isConnected) return
    const fns = Array.from(waiting)
    waiting.clear()
    fns.forEach((fn) => {
      try {
        fn()
      } catch (e) {
        // a page gone meanwhile
      }
    })
  })
}

// retryOnReconnect runs fn once when the network is back, if err was a
// network failure (offline, timeout). It returns whether it registered.
function retryOnReconnect(err, fn) {
  if (!err || err.kind !== 'network') return false
  listen()
  waiting.add(fn)
  return true
}

function forget(fn) {
  waiting.delete(fn)
}

function reset() {
  waiting.clear()
  listening = false
}

module.exports = { retryOnReconnect, forget, reset }
