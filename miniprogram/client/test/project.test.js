// The project opens in WeChat DevTools as it is: every page and component has its
// four files, every usingComponents path resolves (miniprogram_npm is committed and
// matches the npm build), project.config.json carries a placeholder AppID.
const fs = require('fs')
const path = require('path')
const { diff } = require('../tools/build-npm')

const root = path.join(__dirname, '..')
const read = (p) => JSON.parse(fs.readFileSync(path.join(root, p), 'utf8'))
const app = read('app.json')

function checkComponents(jsonPath) {
  const using = read(jsonPath).usingComponents || {}
  for (const [tag, p] of Object.entries(using)) {
    const target = p.startsWith('/') ? path.join(root, p) : path.join(root, path.dirname(jsonPath), p)
    for (const ext of ['.js', '.json', '.wxml']) expect([tag, fs.existsSync(target + ext)]).toEqual([tag, true])
  }
}

test.each(app.pages)('page %s has js, json, wxml, wxss and its components resolve', (p) => {
  for (const ext of ['.js', '.json', '.wxml', '.wxss']) expect(fs.existsSync(path.join(root, p + ext))).toBe(true)
  checkComponents(`${p}.json`)
  expect(read(`${p}.json`).navigationBarTitleText).toMatch(/[\u4e00-\u9fff]/)
})

test('components resolve too', () => {
  for (const c of fs.readdirSync(path.join(root, 'components'))) {
    expect(read(`components/${c}/index.json`).component).toBe(true)
    checkComponents(`components/${c}/index.json`)
  }
})

test('tab bar pages exist', () => {
  for (const t of app.tabBar.list) expect(app.pages).toContain(t.pagePath)
})

test('project.config.json: a placeholder AppID, test and tooling left out of the upload', () => {
  const pc = read('project.config.json')
  expect(pc.appid).toBe('touristappid')
  expect(pc.compileType).toBe('miniprogram')
  const ignored = pc.packOptions.ignore.map((i) => i.value)
  expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'test', 'tools', 'package.json', 'package-lock.json']))
})

test('the committed miniprogram_npm is the npm build of the locked dependencies', () => {
  expect(diff()).toEqual([])
})

test('config.js is the one place the server address is set', () => {
  const config = require('../config')
  expect(typeof config.baseURL).toBe('string')
  const src = fs.readFileSync(path.join(root, 'config.js'), 'utf8')
  expect(src).toMatch(/baseURL: 'https:\/\/orders\.example\.com'/)
  expect(src).toMatch(/demoBuyer: ''/)
})
