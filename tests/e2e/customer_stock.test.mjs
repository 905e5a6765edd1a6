// The customer's stock page end to end: it loads from the API, the service worker makes the
// shell available offline, IndexedDB keeps the stock, and a price change arrives live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, launchWithProfile, watchForErrors, changePrice, assertAccessible, BASE_URL, SCREENSHOTS } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('stock stays visible after going offline and reloading', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchForErrors(page);

  await page.goto(`${BASE_URL}/stock`);
  const cards = page.getByTestId('vehicle-card');
  await cards.first().waitFor({ timeout: 30_000 });
  const onlineCount = await cards.count();
  assert.ok(onlineCount > 0, 'stock is listed');
  await assertAccessible(page, '/stock');

  // The service worker must control the page before the network goes away.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
  await page.screenshot({ path: new URL('customer-stock.png', SCREENSHOTS).pathname, fullPage: false });

  await context.setOffline(true);
  await page.reload();
  await cards.first().waitFor({ timeout: 30_000 });
  assert.equal(await cards.count(), onlineCount, 'the same stock is shown offline');
  await page.getByTestId('offline-banner').waitFor({ timeout: 10_000 });
  await assertAccessible(page, '/stock offline');
  await page.screenshot({ path: new URL('customer-stock-offline.png', SCREENSHOTS).pathname, fullPage: false });

  await context.setOffline(false);
  assert.deepEqual(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED') && !e.includes('Failed to fetch')), []);
  await context.close();
});

test('a price change made elsewhere updates the open vehicle page live', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/stock`);
  const firstCard = page.getByTestId('vehicle-card').first();
  await firstCard.waitFor({ timeout: 30_000 });
  await firstCard.getByRole('link').first().click();
  const price = page.getByTestId('vehicle-price');
  await price.waitFor({ timeout: 30_000 });
  await page.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
  await assertAccessible(page, 'vehicle page');
  const id = new URL(page.url()).pathname.split('/').pop();

  const updated = await changePrice(id, 1_234_500);
  assert.equal(updated.price, 1_234_500);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="vehicle-price"]')?.textContent?.includes('12,345'),
    null,
    { timeout: 5_000 },
  );
  await page.screenshot({ path: new URL('customer-vehicle.png', SCREENSHOTS).pathname, fullPage: false });
  await context.close();
});

test('Chromium considers the app installable', async () => {
  const { context, close } = await launchWithProfile();
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/stock`);
  await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.deepEqual(manifest.errors, []);
  await close();
});
