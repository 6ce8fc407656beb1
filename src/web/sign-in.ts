// Sign in with an API key, or register and get one (shown this once, with a button to copy it).
import { register } from './api.ts';
import { byId } from './dom.ts';
import type { Notice } from './messages.ts';

export interface SignInOptions {
  notice: Notice;
  /** Checks the key against the API and opens the dashboard; rejects when the key is refused. */
  signIn: (key: string, remember: boolean) => Promise<void>;
}

export function setUpSignIn({ notice, signIn }: SignInOptions): { show(): void; hide(): void } {
  const section = byId('sign-in');
  const keyForm = byId<HTMLFormElement>('key-form');
  const keyInput = byId<HTMLInputElement>('api-key');
  const remember = byId<HTMLInputElement>('remember');
  const registerForm = byId<HTMLFormElement>('register-form');
  const newKey = byId('new-key');
  const newKeyValue = byId('new-key-value');
  let issuedKey = '';

  const submit = async (key: string, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      await signIn(key, remember.checked);
    } catch (error) {
      notice.error(error);
      keyInput.focus();
    } finally {
      button.disabled = false;
    }
  };

  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (key) void submit(key, byId<HTMLButtonElement>('sign-in-button'));
  });

  registerForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = byId<HTMLButtonElement>('register-button');
    button.disabled = true;
    register(byId<HTMLInputElement>('username').value, byId<HTMLInputElement>('password').value)
      .then((registration) => {
        issuedKey = registration.api_key;
        newKeyValue.textContent = issuedKey;
        newKey.hidden = false;
        registerForm.reset();
        notice.info(`Registered ${registration.username}. Copy your key now: it is shown only this once.`);
        byId('copy-key').focus();
      })
      .catch((error: unknown) => notice.error(error))
      .finally(() => (button.disabled = false));
  });

  byId('copy-key').addEventListener('click', () => {
    navigator.clipboard?.writeText(issuedKey).then(
      () => notice.info('The key is copied.'),
      () => notice.info('Copying was refused by the browser: select the key and copy it by hand.'),
    );
  });

  byId('use-key').addEventListener('click', () => {
    keyInput.value = issuedKey;
    void submit(issuedKey, byId<HTMLButtonElement>('use-key'));
  });

  return {
    show() {
      section.hidden = false;
      keyInput.value = '';
      newKey.hidden = true;
      issuedKey = '';
      newKeyValue.textContent = '';
      keyInput.focus();
    },
    hide() {
      section.hidden = true;
      keyInput.value = '';
    },
  };
}
