// 小程序唯一需要填写的配置：orderhub 服务器地址。
// The one setting to fill in: where the orderhub server is reachable.
// 必须是 https，并在 微信公众平台 → 开发管理 → 服务器域名 的 request 合法域名中登记；
// 业务域名（web-view）需登记同一域名，才能在小程序内打开公开跟踪页。
module.exports = {
  // orderhub 的地址（ORDERHUB_PUBLIC_URL），不带末尾斜杠。
  baseURL: 'https://orders.example.com',
  // 仅用于试用内置演示（服务器未配置 ORDERHUB_MP_APP_ID 时）：填一个名字，如 'zhang'，
  // 登录时发送 dev:<名字> 代替 wx.login 的 code。正式上线必须留空。
  // Demo only: log in as dev:<name> against a server without an app id. Leave '' in production.
  demoBuyer: '',
  // 单次请求超时（毫秒）。
  timeout: 10000,
  // 网络失败或超时后自动重试的次数（只对可安全重试的请求：查询，以及带幂等键的下单）。
  retries: 2,
  // 两次重试之间的等待（毫秒），每次翻倍。
  retryDelay: 800,
}
