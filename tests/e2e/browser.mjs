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
