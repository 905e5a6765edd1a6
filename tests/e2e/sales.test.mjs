// The sales lead queue end to end: a rep signs in, sees scores and ticking response timers, and
// moves a lead along the pipeline; the move is on the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, watchForErrors, assertAccessible, signIn, login, BASE_URL, SCREENSHOTS } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a sales rep works the lead queue: timers tick, a lead moves on', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signIn(page, 'sales.north@forecourt.example', 'lead-row');
  assert.equal(new URL(page.url()).pathname, '/leads', 'sales start at the lead queue');
  await assertAccessible(page, '/leads');

  // An unanswered lead's timer runs on in the browser.
  const waiting = page.getByTestId('lead-row').filter({ hasText: 'Waiting' }).first();
  const timer = waiting.getByTestId('lead-timer');
  const before = await timer.textContent();
  await page.waitForTimeout(2_200);
  assert.notEqual(await timer.textContent(), before, 'the response timer ticks');
  await page.screenshot({ path: new URL('sales-leads.png', SCREENSHOTS).pathname });

  // Why a lead scored what it did: factor bars the rep can open, named for screen readers too.
  const scored = page.getByTestId('lead-row').filter({ has: page.locator('details.reasons') }).first();
  await scored.locator('details.reasons summary').click();
  const chart = scored.locator('svg[role="img"]');
  await chart.waitFor({ timeout: 5_000 });
  assert.match(await chart.locator('title').textContent(), /Why this score/);
  assert.ok((await chart.locator('rect[stroke="#333"]').count()) > 0, 'a bar per factor');
  await assertAccessible(page, '/leads with the score factors open');

  const id = await waiting.getAttribute('data-lead-id');
  // Pinned by id: once answered, this row no longer matches "Waiting".
  const row = page.locator(`[data-lead-id="${id}"]`);
  await row.getByLabel('Next step').selectOption('contacted');
  await row.getByRole('button', { name: 'Move' }).click();
  await row.getByText('Moved to Contacted.').waitFor({ timeout: 15_000 });
  await row.getByTestId('lead-timer').filter({ hasText: 'Answered after' }).waitFor({ timeout: 5_000 });

  const token = await login('sales.north@forecourt.example');
  const lead = await (await fetch(`${BASE_URL}/api/leads/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(lead.status, 'contacted');
  assert.equal(lead.response.responded, true, 'the first move stops the clock');
  await assertAccessible(page, '/leads after a move');
  assert.deepEqual(errors, []);
  await context.close();
});
