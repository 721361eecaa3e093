// 分享出去的订单跟踪：在小程序内打开 orderhub 的公开跟踪页（/t/<token>，无需登录）。
// The server's domain must be a 业务域名 of the mini-program for web-view to load it.
const config = require('../../config')
const present = require('../../utils/present')

// Only this server's tracking pages open here: a shared card cannot be made to
// show someone else's site.
function allowed(url) {
  const base = config.baseURL.replace(/\/+$/, '')
  return url.startsWith(`${base}/t/`) && /^[^/?#]+$/.test(url.slice(base.length + 3))
}

Component({
  data: { url: '', no: '' },
  methods: {
    onLoad(query = {}) {
      const url = present.absoluteURL(decodeURIComponent(query.u || ''))
      this.setData({ url: allowed(url) ? url : '', no: decodeURIComponent(query.no || '') })
    },
    onShareAppMessage() {
      return { title: `订单 ${this.data.no}`, path: `/pages/track/index?no=${encodeURIComponent(this.data.no)}&u=${encodeURIComponent(this.data.url)}` }
    },
  },
})
