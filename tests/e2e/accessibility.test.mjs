// WCAG 2.1 AA by axe-core on the customer pages, in light and dark, plus the keyboard basics:
// a skip link first in the tab order, and focus that can be seen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, assertAccessible, BASE_URL } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`customer pages have no axe violations (${colorScheme})`, async () => {
    const context = await browser.newContext({ colorScheme, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(`${BASE_URL}/stock`);
    await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });
    await assertAccessible(page, `/stock (${colorScheme})`);

    await page.goto(`${BASE_URL}/stock?make=Skoda`);
    await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });
    await assertAccessible(page, `/stock?make=Skoda (${colorScheme})`);

    await page.goto(`${BASE_URL}/vehicles/veh-00003`);
    await page.getByTestId('vehicle-price').waitFor({ timeout: 30_000 });
    await assertAccessible(page, `/vehicles/veh-00003 (${colorScheme})`);

    await page.goto(`${BASE_URL}/vehicles/veh-99999`);
    await page.getByRole('alert').waitFor({ timeout: 30_000 });
    await assertAccessible(page, `missing vehicle (${colorScheme})`);

    await page.goto(`${BASE_URL}/no-such-page`);
    await page.getByRole('heading', { name: 'This page does not exist' }).waitFor({ timeout: 30_000 });
    await assertAccessible(page, `not found (${colorScheme})`);
    await context.close();
  });
}

test('the first Tab reaches a visible skip link that moves focus to the content', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/stock`);
  await page.getByTestId('vehicle-card').first().waitFor({ timeout: 30_000 });

  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => {
    const el = document.activeElement;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return { text: el.textContent, top: box.top, outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) };
  });
  assert.equal(skip.text, 'Skip to content');
  assert.ok(skip.top >= 0, 'the focused skip link is on screen');
  assert.ok(skip.outline !== 'none' && skip.outlineWidth >= 2, `focus is visible (${skip.outline} ${skip.outlineWidth}px)`);

  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');

  // The next Tab stops inside the content, with a visible focus indicator.
  await page.keyboard.press('Tab');
  const next = await page.evaluate(() => {
    const el = document.activeElement;
    return { inMain: !!el.closest('main'), outline: getComputedStyle(el).outlineStyle };
  });
  assert.ok(next.inMain);
  assert.notEqual(next.outline, 'none');
  await context.close();
});
