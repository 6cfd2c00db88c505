// Page helpers for the demo walk-through: every selector is a data-testid of the app
// (examples/todo-angular/src/app/*.component.ts).
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Waits (polling) until `f()` is truthy; throws with `what` after `ms`. */
export async function until(what, f, ms = 10000) {
  const start = Date.now();
  const end = start + ms;
  let last;
  for (;;) {
    try {
      last = await f();
      if (last) {
        // DEMO_TRACE=1: how long each wait took, to see where the walk-through spends its time.
        if (process.env.DEMO_TRACE) console.log(`# ${Date.now() - start} ms until ${what}`);
        return last;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Screenshots into `dir`, numbered in call order. */
export function screenshotter(dir) {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page, name) => {
    n += 1;
    await page.screenshot({ path: path.join(dir, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
}

const id = (t) => `[data-testid="${t}"]`;
export { id };

/** The first visible error text on the page, if any. */
export async function errors(page) {
  const texts = await page.locator('.error').allTextContents();
  return texts.map((t) => t.trim()).filter(Boolean);
}

/** Submit the confirm form with `code`. */
async function submitCode(page, code) {
  await page.fill(id('confirm-code'), code);
  await page.click(id('confirm-submit'));
}

/**
 * Sign up from the sign-in page; returns the code shown from amplocal's inbox. With
 * `wrongCodeFirst`, a wrong code is tried first and its error (returned as `wrongCodeError`)
 * must appear before the right code confirms.
 */
export async function signUpAndConfirm(page, email, password, { wrongCodeFirst = false } = {}) {
  await page.click(id('goto-signup'));
  await page.fill(id('signup-email'), email);
  await page.fill(id('signup-password'), password);
  await page.click(id('signup-submit'));
  const code = await until('the dev-mode code', async () => {
    const errs = await errors(page);
    if (errs.length) throw new Error(errs.join('; '));
    const t = (await page.locator(id('dev-code')).textContent({ timeout: 200 }).catch(() => ''))?.trim();
    return /^\d{6}$/.test(t ?? '') ? t : null;
  });
  let wrongCodeError;
  if (wrongCodeFirst) {
    await submitCode(page, code === '000000' ? '111111' : '000000');
    wrongCodeError = await until('the wrong code refused', async () => (await errors(page))[0]);
  }
  await submitCode(page, code);
  await until('the confirmation', async () => {
    const errs = await errors(page);
    if (errs.length) throw new Error(errs.join('; '));
    return (await page.locator(id('auth-info')).textContent({ timeout: 200 }).catch(() => ''))?.includes('confirmed');
  });
  return { code, wrongCodeError };
}

/** A sign-in that must fail: resolves to the error the page shows. */
export async function signInRefused(page, email, password) {
  await page.fill(id('signin-email'), email);
  await page.fill(id('signin-password'), password);
  await page.click(id('signin-submit'));
  return until(`${email} refused`, async () => (await errors(page))[0]);
}

/** Sign in (SRP, Amplify's default) and wait for both live lists to be synced. */
export async function signIn(page, email, password) {
  await page.fill(id('signin-email'), email);
  await page.fill(id('signin-password'), password);
  await page.click(id('signin-submit'));
  await until(`${email} signed in`, async () => {
    const errs = await errors(page);
    if (errs.length) throw new Error(errs.join('; '));
    return (await page.locator(id('signed-in-user')).textContent({ timeout: 200 }).catch(() => '')) === email;
  });
  await waitSynced(page);
}

/** Both observeQuery lists report `isSynced`. */
export async function waitSynced(page) {
  await until('todos and board synced', async () => {
    const errs = await errors(page);
    if (errs.length) throw new Error(errs.join('; '));
    const t = await page.locator(id('todos-synced')).textContent({ timeout: 200 });
    const b = await page.locator(id('board-synced')).textContent({ timeout: 200 });
    return t === 'live' && b === 'live';
  });
}

/** The todo contents shown, in order. */
export function todos(page) {
  return page.locator(id('todo-item')).evaluateAll((els) => els.map((e) => e.getAttribute('data-content')));
}

/** The board messages shown, in order. */
export function messages(page) {
  return page.locator(id('message-item')).evaluateAll((els) => els.map((e) => e.getAttribute('data-text')));
}

export async function addTodo(page, content) {
  await page.fill(id('todo-input'), content);
  await page.click(id('todo-add'));
  await until(`todo "${content}" listed`, async () => (await todos(page)).includes(content));
}

export async function postMessage(page, text) {
  await page.fill(id('message-input'), text);
  await page.click(id('message-post'));
  await until(`message "${text}" listed`, async () => (await messages(page)).includes(text));
}

/** The files listed: [{ name, path, size }]. Waits for the list to be loaded. */
export async function fileRows(page) {
  await until('the file list', async () => (await page.locator(id('file-list')).getAttribute('data-loaded', { timeout: 200 })) === 'true');
  return page.locator(id('file-item')).evaluateAll((els) => els.map((e) => ({ name: e.dataset.name, path: e.dataset.path, size: Number(e.dataset.size) })));
}

/** The row of the file called `name`. */
export function fileRow(page, name) {
  return page.locator(`${id('file-item')}[data-name="${name}"]`);
}
