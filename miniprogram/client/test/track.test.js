const { load, render, flush } = require('./page')

let id
beforeAll(() => { id = load('pages/track/index') })
beforeEach(() => { require('./wx').installWx() })

test('opens the shared public tracking page, and nothing else', async () => {
  let page = render(id)
  page.instance.onLoad({ no: 'SO20261129-000042', u: encodeURIComponent('https://orders.test/t/SO20261129-000042.abcDEF') })
  await flush()
  expect(page.instance.data.url).toBe('https://orders.test/t/SO20261129-000042.abcDEF')
  expect(page.dom.innerHTML).toContain('wx-web-view')

  page = render(id)
  page.instance.onLoad({ u: encodeURIComponent('https://evil.example/t/SO20261129-000042.abcDEF') })
  await flush()
  expect(page.instance.data.url).toBe('')
  expect(page.dom.textContent).toContain('链接无效')
})
