// orderhub 买家小程序。登录在第一次请求时进行（utils/session.js），令牌快过期时自动续。
const session = require('./utils/session')

App({
  onLaunch() {
    // Log in early so the first page loads faster; a failure here is shown by
    // the page whose request needs the token.
    session.token().catch(() => {})
  },
})
