// Where the API key lives: in memory for this page only, unless the person asked to be
// remembered on this device (then in localStorage). It never goes into the URL.
const STORAGE_KEY = 'covid-etl.api-key';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled by the browser's settings
  }
}

export function rememberedKey(): string | null {
  return storage()?.getItem(STORAGE_KEY) ?? null;
}

export function keepKey(key: string, remember: boolean): void {
  if (remember) storage()?.setItem(STORAGE_KEY, key);
  else storage()?.removeItem(STORAGE_KEY);
}

export function forgetKey(): void {
  storage()?.removeItem(STORAGE_KEY);
}
