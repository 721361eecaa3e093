const { chinesePart, fromResponse, fromFailure, messageOf } = require('../utils/errors')

test('the Chinese part of the API\'s bilingual messages', () => {
  expect(chinesePart('请先登录 log in first: POST /api/mp/v1/login, then send Authorization: Bearer <token>')).toBe('请先登录')
  expect(chinesePart('请带上 Idempotency-Key 请求头（每次下单一个新的随机值，重试时不变） send an Idempotency-Key header')).toBe('请带上 Idempotency-Key 请求头（每次下单一个新的随机值，重试时不变）')
  expect(chinesePart('lines[0].qty: 数量须为大于 0 的整数 must be a whole number above 0, got "x"')).toBe('lines[0].qty: 数量须为大于 0 的整数')
  expect(chinesePart('kind 须为 missing_items(少发)、wrong_item(错发) 或 other(其他)')).toBe('kind 须为 missing_items(少发)、wrong_item(错发) 或 other(其他)')
  expect(chinesePart('服务器内部错误 internal error (request id abc)')).toBe('服务器内部错误')
  expect(chinesePart('no chinese here')).toBe('')
})

test('errors without Chinese fall back to the code, then the status', () => {
  expect(fromResponse({ statusCode: 409, data: { error: { code: 'not_shipped', message: 'order is not shipped' } } }).message).toBe('订单尚未发货，暂不能确认收货')
  expect(fromResponse({ statusCode: 409, data: { error: { code: 'not_shipped', message: 'order SO20261130-000005 is 待确认' } } }).message).toBe('订单尚未发货，暂不能确认收货')
  expect(fromResponse({ statusCode: 418, data: '' }).message).toBe('请求失败（HTTP 418）')
  expect(fromResponse({ statusCode: 502, data: '<html>bad gateway</html>' }).message).toBe('服务器暂时不可用，请稍后再试')
})

test('offline and timeouts', () => {
  expect(fromFailure({ errMsg: 'request:fail timeout' }).message).toBe('网络超时，请稍后重试')
  expect(fromFailure({ errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' }).message).toBe('网络连接失败，请检查网络后重试')
  expect(fromFailure({ errMsg: 'request:fail timeout' }).definite).toBe(false)
  expect(messageOf(new Error('boom'))).toBe('出错了，请重试')
})
