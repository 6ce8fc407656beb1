// What a person is told when something fails: what happened and what to do, in plain words.
import { ApiError } from './api.ts';

export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return `Something went wrong on this page: ${error instanceof Error ? error.message : String(error)}`;
  const wait = error.retryAfter ? ` in ${error.retryAfter} s` : ' in a moment';
  switch (error.kind) {
    case 'unauthorized':
      return 'This API key was not accepted: it is wrong or was replaced by a newer one. Sign in with your current key, or register for a new one.';
    case 'rate_limited':
      return `Too many requests with this key right now. Try again${wait}.`;
    case 'unavailable':
      return `The API is unavailable right now (${error.message}). Try again${wait}.`;
    case 'rejected':
      return error.message;
  }
}

/** The page's one message line: an alert for failures, a polite status otherwise. */
export interface Notice {
  error(error: unknown): void;
  info(text: string): void;
  clear(): void;
}

export function createNotice(alert: HTMLElement, status: HTMLElement): Notice {
  return {
    error(error) {
      status.textContent = '';
      alert.textContent = describeError(error);
      alert.hidden = false;
    },
    info(text) {
      alert.textContent = '';
      alert.hidden = true;
      status.textContent = text;
    },
    clear() {
      alert.textContent = '';
      alert.hidden = true;
      status.textContent = '';
    },
  };
}
