// Every page registered in app.json exists and renders; the tab bar and the pages the backend's
// pushes and mini-program codes open are among them.
const fs = require('fs')
const path = require('path')
const h = require('./harness')

const app = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'app.json'), 'utf8'))

beforeEach(() => h.freshModules())

test('the project opens as it is: app.json, project.config.json and sitemap.json', () => {
  const project = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'project.config.json'), 'utf8'))
  expect(project.compileType).toBe('miniprogram')
  expect(fs.existsSync(path.join(h.ROOT, app.sitemapLocation))).toBe(true)
  app.tabBar.list.forEach((tab) => expect(app.pages).toContain(tab.pagePath))
  // config/templates.py's pages and app/attendance/codes.py's CHECKIN_PAGE
  ;['pages/assignments/index', 'pages/mine/index', 'pages/inbox/index', 'pages/checkin/index'].forEach((p) =>
    expect(app.pages).toContain(p)
  )
})

test.each(app.pages)('%s renders', async (page) => {
  ;['js', 'wxml', 'json'].forEach((ext) => expect(fs.existsSync(path.join(h.ROOT, `${page}.${ext}`))).toBe(true))
  h.installWx({ 'POST /auth/wechat-login': h.LOGIN })
  const comp = h.loadPage(page, {})
  await h.settle()
  expect(comp.dom).toBeTruthy()
  if (comp.instance.onUnload) comp.instance.onUnload()
  if (comp.instance.onHide) comp.instance.onHide()
})
