import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { tokenFor } from './setup/auth';
import { startTestApp, type TestApp } from './setup/test-app';

/** Where the screenshot of the run goes (git-ignored). */
const SCREENSHOT = join(__dirname, 'artifacts', 'swagger-ui-post-workflows.png');

/**
 * The Swagger UI in a real browser: Debian's Chromium (CHROMIUM_PATH, found by jest.config.js with
 * `which chromium`) driven by playwright-core, against the service on a fresh SQLite database.
 */
describe('Swagger UI in headless Chromium (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp('swagger_ui');
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens /docs, authorizes with a bearer token, runs POST /workflows and shows the 201', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    // a script or style the content security policy blocked would show up here
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));

    await page.goto(`${url}/docs`);
    const create = page.locator('#operations-workflows-WorkflowsController_create');
    await create.waitFor();

    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').fill(tokenFor('editor', 77));
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done').click();

    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    await create
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ name: 'Made in the Swagger UI', status: 'active' }));
    await create.locator('button.execute').click();

    const status = create.locator('.live-responses-table .response .response-col_status');
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('201');
    const shown = JSON.parse(
      await create
        .locator('.live-responses-table .response-col_description pre')
        .first()
        .innerText(),
    ) as { id: number; name: string; createdBy: number };
    expect(shown).toMatchObject({ name: 'Made in the Swagger UI', createdBy: 77 });

    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    // the operation as the user sees it: authorized (closed lock), the request, the 201 answer
    await create.screenshot({ path: SCREENSHOT });

    const rows = await t.db.query<Array<{ name: string; status: string; created_by: number }>>(
      'SELECT name, status, created_by FROM recruitment_processes WHERE id = ?',
      [shown.id],
    );
    expect(rows).toEqual([{ name: 'Made in the Swagger UI', status: 'active', created_by: 77 }]);
    expect(problems).toEqual([]);
  });
});
