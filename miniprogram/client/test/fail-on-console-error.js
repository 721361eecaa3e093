// A page that logs an error while rendering (a missing wx API, a bad binding)
// fails its test rather than passing quietly.
let logged = []
const orig = console.error
beforeEach(() => {
  logged = []
  console.error = (...args) => { logged.push(args.map(String).join(' ')) }
})
afterEach(() => {
  console.error = orig
  expect(logged).toEqual([])
})
