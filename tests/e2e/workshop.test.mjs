// The workshop end to end: advisors and technicians work on work orders online and offline; the
// outbox delivers an offline change exactly once; a conflicting edit is shown and resolved; the
// customer follows their car live; the whole update works with the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch,
  watchForErrors,
  assertAccessible,
  serviceWorkerInCharge,
  signIn,
  workOrder,
  moveWorkOrder,
  withoutOfflineNoise,
  BASE_URL,
  SCREENSHOTS,
} from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const VIEWPORT = { viewport: { width: 1280, height: 900 } };
const shot = (name) => new URL(name, SCREENSHOTS).pathname;

async function openOrder(page, id) {
  await page.goto(`${BASE_URL}/work-orders/${id}`);
  await page.getByTestId('work-order-status').waitFor({ timeout: 30_000 });
}

test('an advisor signs in, sees the work-order list and opens one with a live connection', async () => {
  const context = await browser.newContext(VIEWPORT);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel('Email').waitFor({ timeout: 30_000 });
  await assertAccessible(page, '/sign-in');
  await page.getByLabel('Email').fill('advisor.north@forecourt.example');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('sign-in-error').filter({ hasText: 'do not match' }).waitFor({ timeout: 15_000 });
  await assertAccessible(page, '/sign-in with an error');

  await signIn(page, 'advisor.north@forecourt.example', 'work-order-row');
  assert.equal(new URL(page.url()).pathname, '/work-orders', 'advisors start at the work orders');
  assert.match(await page.getByTestId('signed-in-as').textContent(), /advisor/);
  await assertAccessible(page, '/work-orders');
  await page.screenshot({ path: shot('staff-work-orders.png') });

  await page.getByTestId('work-order-row').filter({ hasText: 'wo-open-13' }).getByRole('link').click();
  await page.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
  await assertAccessible(page, '/work-orders/:id');
  await page.screenshot({ path: shot('staff-work-order.png'), fullPage: true });

  // The session survives a reload (refresh token kept, access token fetched again).
  await page.reload();
  await page.getByTestId('work-order-status').waitFor({ timeout: 30_000 });
  await page.getByTestId('sign-out').click();
  await page.getByTestId('sign-in-link').waitFor({ timeout: 15_000 });
  await page.goto(`${BASE_URL}/work-orders`);
  await page.getByTestId('sign-in-needed').waitFor({ timeout: 30_000 });
  // The browser logs the refused wrong password itself; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !e.includes('status of 401')), []);
  await context.close();
});

test('a change made offline survives closing the tab and reaches the server exactly once', async () => {
  const id = 'wo-open-05'; // in_progress
  const note = `offline-${Date.now()}`;
  const context = await browser.newContext(VIEWPORT);
  let page = await context.newPage();
  const errors = watchForErrors(page);
  await signIn(page, 'advisor.north@forecourt.example', 'work-order-row');
  await openOrder(page, id);
  await serviceWorkerInCharge(page);

  await context.setOffline(true);
  await page.getByLabel('Quality check').check();
  await page.getByLabel('Note (optional)').fill(note);
  await page.getByTestId('transition-submit').click();
  await page.getByTestId('transition-status').filter({ hasText: 'Saved on this device' }).waitFor({ timeout: 10_000 });
  await page.getByTestId('waiting-entry').waitFor({ timeout: 10_000 });
  await page.getByTestId('outbox-badge').waitFor({ timeout: 10_000 });

  // Close the tab while offline; a new one (still offline) finds the change waiting.
  await page.close();
  page = await context.newPage();
  errors.push(...watchForErrors(page));
  await openOrder(page, id);
  await page.getByTestId('connection-banner').waitFor({ timeout: 10_000 });
  await page.getByTestId('waiting-entry').waitFor({ timeout: 10_000 });
  await assertAccessible(page, 'work order offline with a waiting change');
  await page.screenshot({ path: shot('staff-offline-outbox.png') });
  assert.equal((await workOrder(id)).status, 'in_progress', 'nothing reached the server while offline');

  await context.setOffline(false);
  await page.getByTestId('work-order-status').filter({ hasText: 'Quality check' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('waiting-entry').waitFor({ state: 'detached', timeout: 30_000 });
  // Give a duplicate send (if there were one) time to land before counting.
  await page.waitForTimeout(1_500);
  const order = await workOrder(id);
  assert.equal(order.status, 'quality_check');
  assert.equal(order.history.filter((h) => h.note === note).length, 1, 'exactly one history entry');
  assert.deepEqual(withoutOfflineNoise(errors), []);
  await context.close();
});

test('an edit that meets a newer version is shown with both versions and resolved by the person', async () => {
  const id = 'wo-open-03'; // diagnosing
  const context = await browser.newContext(VIEWPORT);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signIn(page, 'advisor.north@forecourt.example', 'work-order-row');
  await openOrder(page, id);

  await context.setOffline(true);
  await page.getByLabel('In progress').check();
  await page.getByLabel('Note (optional)').fill('parts arrived, starting');
  await page.getByTestId('transition-submit').click();
  await page.getByTestId('waiting-entry').waitFor({ timeout: 10_000 });

  // Meanwhile, at another desk: the job goes to the customer for approval.
  await moveWorkOrder(id, 'awaiting_approval', 'needs approval for extra work');
  await context.setOffline(false);

  const conflict = page.getByTestId('conflict');
  await conflict.waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('conflict-mine').textContent(), /In progress/);
  assert.match(await page.getByTestId('conflict-theirs').textContent(), /Awaiting approval/);
  assert.equal((await workOrder(id)).status, 'awaiting_approval', 'their version was not overwritten');
  await assertAccessible(page, 'conflict panel');
  await page.screenshot({ path: shot('staff-conflict.png'), fullPage: true });

  await page.getByTestId('keep-mine').click();
  await conflict.waitFor({ state: 'detached', timeout: 30_000 });
  await page.getByTestId('work-order-status').filter({ hasText: 'In progress' }).waitFor({ timeout: 30_000 });
  const order = await workOrder(id);
  assert.equal(order.status, 'in_progress');
  assert.deepEqual(
    order.history.slice(-2).map((h) => h.to_status),
    ['awaiting_approval', 'in_progress'],
    'both changes are in the history, theirs first',
  );
  // The browser logs the 409 itself: it is the conflict this test provokes.
  assert.deepEqual(withoutOfflineNoise(errors).filter((e) => !e.includes('status of 409')), []);
  await context.close();
});

test('the customer sees the advisor move their car live, from another browser', async () => {
  const id = 'wo-open-01'; // booked, Alex's car
  const customerContext = await browser.newContext(VIEWPORT);
  const customer = await customerContext.newPage();
  const errors = watchForErrors(customer);
  await signIn(customer, 'alex@example.com', 'my-work-orders');
  assert.equal(new URL(customer.url()).pathname, '/my');
  await assertAccessible(customer, '/my');
  await customer.screenshot({ path: shot('customer-my-car.png') });
  await customer.getByRole('link', { name: new RegExp(id) }).click();
  await customer.getByTestId('live-status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
  assert.equal(await customer.getByTestId('transition-form').count(), 0, 'customers cannot move work orders');

  const staffContext = await browser.newContext(VIEWPORT);
  const advisor = await staffContext.newPage();
  await signIn(advisor, 'advisor.north@forecourt.example', 'work-order-row');
  await openOrder(advisor, id);
  await advisor.getByLabel('Checked in').check();
  await advisor.getByTestId('transition-submit').click();

  await customer.getByTestId('work-order-status').filter({ hasText: 'Checked in' }).waitFor({ timeout: 10_000 });
  await assertAccessible(customer, 'customer tracker');
  await customer.screenshot({ path: shot('customer-tracker.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await staffContext.close();
  await customerContext.close();
});

test('a technician updates a job with the keyboard alone, with focus always visible', async () => {
  const id = 'wo-open-09'; // checked_in, tech.north's job
  const context = await browser.newContext(VIEWPORT);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signIn(page, 'tech.north@forecourt.example', 'work-order-row');
  await assertAccessible(page, '/work-orders as a technician');
  await openOrder(page, id);

  const focusVisible = () =>
    page.evaluate(() => {
      const el = document.activeElement;
      return { tag: el?.tagName, text: el?.textContent?.slice(0, 40), outline: el && getComputedStyle(el).outlineStyle, visible: !!el && el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none' };
    });
  // Tab until the first choice of the status form has focus.
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.getAttribute('name') === 'to');
    const focus = await focusVisible();
    assert.ok(focus.visible, `focus is visible on ${focus.tag} after ${i + 1} Tab(s)`);
  }
  assert.ok(reached, 'the status choices are reachable with Tab');
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => document.activeElement?.value), 'diagnosing');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'transition-note');
  await page.keyboard.type('keyboard only');
  await page.keyboard.press('Tab');
  const onSubmit = await focusVisible();
  assert.ok(onSubmit.visible, `the submit button shows focus (${JSON.stringify(onSubmit)})`);
  await page.keyboard.press('Enter');

  await page.getByTestId('work-order-status').filter({ hasText: 'Diagnosing' }).waitFor({ timeout: 30_000 });
  const order = await workOrder(id);
  assert.equal(order.status, 'diagnosing');
  assert.equal(order.history.at(-1).note, 'keyboard only');
  await page.screenshot({ path: shot('technician-job.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
