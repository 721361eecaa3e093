#!/usr/bin/env node
// 小程序 npm 构建（与微信开发者工具「工具 → 构建 npm」相同的结果）：把 package.json 中
// dependencies 的每个小程序包（其 package.json 的 "miniprogram" 目录，缺省 miniprogram_dist）
// 复制到 miniprogram_npm/<包名>。构建结果随仓库提交，工程可直接在开发者工具中打开。
// The mini-program npm build: copies each dependency's mini-program directory into
// miniprogram_npm/<name>. `--check` reports (exit 1) when the committed output differs.
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const out = path.join(root, 'miniprogram_npm')

function files(dir, base = dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? files(p, base) : [path.relative(base, p)]
  }).sort()
}

function sources() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  return Object.keys(pkg.dependencies || {}).map((name) => {
    const dir = path.join(root, 'node_modules', name)
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    const src = path.join(dir, meta.miniprogram || 'miniprogram_dist')
    if (!fs.existsSync(src)) throw new Error(`${name}: no mini-program directory ${src}; not a mini-program package`)
    return { name, src, dst: path.join(out, name) }
  })
}

// diff lists what differs between the fresh build and miniprogram_npm.
function diff() {
  const problems = []
  const want = new Set()
  for (const s of sources()) {
    for (const f of files(s.src)) {
      const rel = path.join(s.name, f)
      want.add(rel)
      const dst = path.join(out, rel)
      if (!fs.existsSync(dst)) problems.push(`missing ${rel}`)
      else if (!fs.readFileSync(dst).equals(fs.readFileSync(path.join(s.src, f)))) problems.push(`differs ${rel}`)
    }
  }
  for (const f of files(out)) if (!want.has(f)) problems.push(`extra ${f}`)
  return problems
}

function build() {
  fs.rmSync(out, { recursive: true, force: true })
  for (const s of sources()) fs.cpSync(s.src, s.dst, { recursive: true })
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const p = diff()
    if (p.length) {
      console.error(`miniprogram_npm is out of date (run npm run build:npm):\n${p.slice(0, 20).join('\n')}`)
      process.exit(1)
    }
    console.log('miniprogram_npm matches node_modules')
  } else {
    build()
    console.log(`built ${out}`)
  }
}

module.exports = { diff, build }
