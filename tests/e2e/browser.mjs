// Shared by the end-to-end tests: Debian's Chromium through playwright-core, headless, with the
// flags this machine's closed network needs (no background traffic that would be refused).
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = process.env.FORECOURT_URL ?? 'http://127.0.0.1:8787';
export const DEMO_PASSWORD = process.env.FORECOURT_DEMO_PASSWORD ?? 'forecourt-demo-2026';
export const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);

const LAUNCH_OPTIONS = {
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
  ],
};

export async function launch() {
  return chromium.launch(LAUNCH_OPTIONS);
}

/// A browser with a real profile: Chromium reports nothing as installable in incognito contexts.
export async function launchWithProfile() {
  const profile = await mkdtemp(join(tmpdir(), 'forecourt-e2e-'));
  const context = await chromium.launchPersistentContext(profile, { ...LAUNCH_OPTIONS, headless: true });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/// Fails the test on any uncaught page error or console error, so a broken page can't pass.
export function watchForErrors(page) {
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/// Signs in as a demo account through the API and returns its access token.
export async function login(email) {
  const response = await fetch(`${BASE_URL}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login as ${email} failed: ${response.status} ${await response.text()}`);
  return (await response.json()).access_token;
}

/// Changes a price as the admin, as staff would from the back office.
export async function changePrice(id, priceCents) {
  const token = await login('admin@forecourt.example');
  const response = await fetch(`${BASE_URL}/api/vehicles/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ price_cents: priceCents }),
  });
  if (response.status !== 200) throw new Error(`price change failed: ${response.status} ${await response.text()}`);
  return response.json();
}

const AXE_SOURCE = new URL('../../node_modules/axe-core/axe.min.js', import.meta.url).pathname;
/// WCAG 2.1 A and AA: the level the product promises.
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/// Runs axe-core on the page as it is now and fails with a readable list of what it found.
export async function assertAccessible(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: AXE_SOURCE });
  }
  const { violations } = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_TAGS,
  );
  const found = violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n    ')}`,
  );
  if (found.length > 0) throw new Error(`axe-core found ${found.length} violation(s) on ${where}:\n  ${found.join('\n  ')}`);
}

/// Every request the context makes, the service worker's included (its precache would count as
/// a download too). Returns the live list of URL paths.
export function recordRequests(context) {
  const paths = [];
  context.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return paths;
}

/// Waits until the service worker has installed and controls the page.
export async function serviceWorkerInCharge(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
    }
  });
}

/// Signs in through the app's own form, as a person would, and waits for their start page.
export async function signIn(page, email, startTestId) {
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (startTestId) await page.getByTestId(startTestId).first().waitFor({ timeout: 30_000 });
}

/// A work order as the API has it now (read as the admin).
export async function workOrder(id) {
  const token = await login('admin@forecourt.example');
  const response = await fetch(`${BASE_URL}/api/work-orders/${id}`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`reading ${id}: ${response.status} ${await response.text()}`);
  return response.json();
}

/// Moves a work order through the API, as someone else at another desk would.
export async function moveWorkOrder(id, to, note) {
  const token = await login('admin@forecourt.example');
  const response = await fetch(`${BASE_URL}/api/work-orders/${id}/transitions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to, note }),
  });
  if (response.status !== 200) throw new Error(`moving ${id}: ${response.status} ${await response.text()}`);
  return response.json();
}

/// Errors a browser logs by itself while a test has taken the network away.
export function withoutOfflineNoise(errors) {
  return errors.filter(
    (e) =>
      !e.includes('net::ERR_INTERNET_DISCONNECTED') &&
      !e.includes('Failed to fetch') &&
      !e.includes('ERR_NAME_NOT_RESOLVED') &&
      !e.includes('WebSocket'),
  );
}
