// A person in a real browser: headless Chromium (the system's /usr/bin/chromium, or TW_CHROMIUM)
// driven with playwright-core through the server's sign-in and consent pages. Shared by the OAuth
// e2e sessions (oauth_session.mjs) and the conformance suite's authorization run
// (tests/conformance/authorization.mjs).
//
//   const browser = await launchChromium();
//   const person = await browser.newContext();        // one cookie jar: one person
//   const visit = await authorizeInBrowser(person, url, {
//     user: 'ada', password: '…', tick: ['tasks:write'], redirectUri: 'http://127.0.0.1:9/callback' });
//   visit.signedIn            the sign-in page was shown and filled in
//   visit.consent             null when no consent page was shown (an earlier grant covered it),
//                             else { scopes: { 'mcp:read': true, 'tasks:write': false, … } } (the
//                             checkboxes offered and whether they were ticked before we touched
//                             them), text (the page's text)
//   visit.continued           null, or { text } when an earlier grant covered the request but the
//                             server asked for one click ("Continue as …", public clients with a
//                             loopback or private-scheme redirect); it is clicked (or, with
//                             decision 'deny', cancelled)
//   visit.url                 where the browser ended: the redirect URI with code, state and iss
// Rejects naming the page it was on when the flow does not reach redirectUri within timeoutMs.
import { chromium } from 'playwright-core';

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.TW_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
    headless: true,
    timeout: 60_000,
  });
}

export async function authorizeInBrowser(context, url, {
  user, password, tick = [], untick = [], decision = 'allow', redirectUri, timeoutMs = 30_000,
}) {
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  const arrived = (u) => u.href.startsWith(redirectUri);
  const visit = { signedIn: false, consent: null, continued: null, url: '' };
  try {
    await page.goto(String(url));
    if (!arrived(new URL(page.url())) && new URL(page.url()).pathname === '/signin') {
      await page.fill('#name', user);
      await page.fill('#password', password);
      await page.click('button:has-text("Sign in")');
      await page.waitForLoadState('load');
      if (new URL(page.url()).pathname === '/signin') {
        throw new Error(`sign-in failed: ${(await page.textContent('body')).replace(/\s+/g, ' ').trim()}`);
      }
      visit.signedIn = true;
    }
    if (!arrived(new URL(page.url())) && (await page.locator('button[name=decision][value=continue]').count()) > 0) {
      visit.continued = { text: (await page.textContent('main')).replace(/\s+/g, ' ').trim() };
      const button = decision === 'deny' ? 'deny' : 'continue';
      await Promise.all([page.waitForURL(arrived), page.click(`button[name=decision][value=${button}]`)]);
    }
    if (!arrived(new URL(page.url()))) {
      if (new URL(page.url()).pathname !== '/oauth/authorize' || (await page.locator('button[value=allow]').count()) === 0) {
        throw new Error(`expected the consent page, got ${page.url()}: ${(await page.textContent('body')).replace(/\s+/g, ' ').slice(0, 300)}`);
      }
      const scopes = {};
      for (const box of await page.locator('input[type=checkbox][name^="scope:"]').all()) {
        scopes[(await box.getAttribute('name')).slice('scope:'.length)] = await box.isChecked();
      }
      visit.consent = { scopes, text: (await page.textContent('main')).replace(/\s+/g, ' ').trim() };
      for (const scope of tick) await page.check(`input[name="scope:${scope}"]`);
      for (const scope of untick) await page.uncheck(`input[name="scope:${scope}"]`);
      await Promise.all([page.waitForURL(arrived), page.click(`button[name=decision][value=${decision}]`)]);
    }
    visit.url = page.url();
    return visit;
  } catch (error) {
    throw new Error(`browser at ${page.url()}: ${error.message}`);
  } finally {
    await page.close().catch(() => {});
  }
}
