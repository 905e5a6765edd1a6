// Code splitting, proven on the wire: the customer's first page downloads the shell and its own
// code only; a page's chunk arrives when that page is first visited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watchForErrors, recordRequests, serviceWorkerInCharge, BASE_URL, DEMO_PASSWORD } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const chunks = (paths, pattern) => paths.filter((p) => p.startsWith('/pkg/') && pattern.test(p));
const VEHICLE_CHUNK = /\/split_vehicle\.wasm$/;
const KIOSK_CHUNK = /\/split_kiosk\.wasm$/;
const ANY_LAZY = /\/(split_[^/]+|chunk_\d+)\.wasm$/;

test('the stock page downloads no lazy chunk; opening a vehicle fetches the vehicle chunk only', async () => {
  const context = await browser.newContext();
  const requests = recordRequests(context);
  const page = await context.newPage();
  const errors = watchForErrors(page);

  await page.goto(`${BASE_URL}/stock`);
  await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });
  // Also wait for the service worker's install: its precache must not pull chunks either.
  await serviceWorkerInCharge(page);
  assert.ok(requests.some((p) => /\/pkg\/[0-9a-f]+\/forecourt_app_bg\.wasm$/.test(p)), 'the main module is loaded');
  assert.deepEqual(chunks(requests, ANY_LAZY), [], 'no lazy chunk on the stock page');

  await page.getByTestId('vehicle-card').first().getByRole('link').click();
  await page.getByTestId('vehicle-price').waitFor({ timeout: 30_000 });
  assert.ok(chunks(requests, VEHICLE_CHUNK).length > 0, 'the vehicle chunk arrives with the vehicle page');
  assert.deepEqual(chunks(requests, KIOSK_CHUNK), [], 'the kiosk chunk is never fetched by a customer');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a deep link to a vehicle loads the main module and the vehicle chunk, not the kiosk', async () => {
  const context = await browser.newContext();
  const requests = recordRequests(context);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await page.goto(`${BASE_URL}/vehicles/veh-00002`);
  await page.getByTestId('vehicle-price').waitFor({ timeout: 30_000 });
  assert.ok(chunks(requests, VEHICLE_CHUNK).length > 0);
  assert.deepEqual(chunks(requests, KIOSK_CHUNK), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a chunk fetched once is served by the service worker when offline', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/stock`);
  await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });
  await serviceWorkerInCharge(page);
  // Visited online while the worker is in charge: its chunk is cached on first use.
  await page.getByTestId('vehicle-card').first().getByRole('link').click();
  await page.getByTestId('vehicle-price').waitFor({ timeout: 30_000 });
  const url = page.url();

  await context.setOffline(true);
  await page.goto(url);
  await page.getByTestId('vehicle-title').waitFor({ timeout: 30_000 });
  await context.setOffline(false);
  await context.close();
});

test('a page whose chunk cannot be fetched offline says so instead of crashing the app', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/stock`);
  await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });
  await serviceWorkerInCharge(page);

  await context.setOffline(true);
  await page.getByTestId('vehicle-card').first().getByRole('link').click();
  await page.getByTestId('page-unavailable').waitFor({ timeout: 15_000 });
  // The app is still alive: the router still works.
  await page.getByRole('link', { name: 'Stock', exact: true }).click();
  await page.getByTestId('vehicle-card').first().waitFor({ timeout: 15_000 });
  await context.setOffline(false);
  await context.close();
});

test('staff code arrives only when a staff page is visited: an advisor gets the workshop, not sales', async () => {
  const context = await browser.newContext();
  const requests = recordRequests(context);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel('Email').waitFor({ timeout: 30_000 });
  assert.ok(chunks(requests, /\/split_account\.wasm$/).length > 0, 'the sign-in chunk arrives with the sign-in page');
  assert.deepEqual(chunks(requests, /\/split_workshop\.wasm$/), [], 'no workshop code before it is needed');

  await page.getByLabel('Email').fill('advisor.north@forecourt.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('work-order-row').first().waitFor({ timeout: 30_000 });
  assert.ok(chunks(requests, /\/split_workshop\.wasm$/).length > 0, 'the workshop chunk arrives with the work orders');
  for (const other of [/\/split_sales\.wasm$/, /\/split_customer\.wasm$/, /\/split_kiosk\.wasm$/]) {
    assert.deepEqual(chunks(requests, other), [], `${other} is never fetched by an advisor`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
