// The `Places` picker: a combobox whose list filters as one types (ARIA's combobox pattern:
// arrows move, Enter picks or drops, Escape closes), and the chosen places as a list of
// buttons that remove them. Up to six places at once.
import { byId, h, replaceChildren } from './dom.ts';
import type { Notice } from './messages.ts';
import { searchPlaces, type Place } from './places.ts';
import { MAX_PLACES } from './view.ts';

export interface PlacePicker {
  setPlaces(places: readonly Place[]): void;
  setChosen(codes: readonly string[]): void;
}

export function createPlacePicker(notice: Notice, onChange: (codes: string[]) => void): PlacePicker {
  const input = byId<HTMLInputElement>('place-search');
  const list = byId<HTMLUListElement>('place-options');
  const chosenList = byId<HTMLUListElement>('chosen-places');
  let places: readonly Place[] = [];
  let byCode = new Map<string, Place>();
  let chosen: string[] = [];
  let shown: Place[] = [];
  let active = -1;

  const optionId = (place: Place) => `place-option-${place.code}`;
  const isOpen = () => !list.hidden;

  const setActive = (index: number) => {
    active = shown.length === 0 ? -1 : Math.max(0, Math.min(index, shown.length - 1));
    for (const [i, option] of [...list.children].entries()) option.classList.toggle('active', i === active);
    const current = shown[active];
    if (current) {
      input.setAttribute('aria-activedescendant', optionId(current));
      document.getElementById(optionId(current))?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };

  const render = () => {
    shown = searchPlaces(places, input.value);
    const full = chosen.length >= MAX_PLACES;
    replaceChildren(
      list,
      ...shown.map((place) => {
        const picked = chosen.includes(place.code);
        const option = h(
          'li',
          { id: optionId(place), role: 'option', 'aria-selected': String(picked), 'aria-disabled': full && !picked ? 'true' : undefined, 'data-code': place.code },
          place.name,
          h('span', { class: 'code', 'aria-hidden': 'true' }, place.code),
        );
        return option;
      }),
      shown.length === 0 ? h('li', { class: 'empty', role: 'presentation' }, 'No place matches') : null,
    );
    setActive(Math.min(Math.max(active, 0), shown.length - 1));
  };

  const open = () => {
    render();
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const renderChosen = () => {
    replaceChildren(
      chosenList,
      ...chosen.map((code, index) => {
        const name = byCode.get(code)?.name ?? code;
        return h(
          'li',
          { class: `chip series-${index + 1}` },
          h('span', { class: 'swatch', 'aria-hidden': 'true' }),
          name,
          h('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${name}`, 'data-code': code }, '×'),
        );
      }),
    );
  };

  const toggle = (code: string) => {
    if (chosen.includes(code)) chosen = chosen.filter((c) => c !== code);
    else if (chosen.length >= MAX_PLACES) {
      notice.info(`Up to ${MAX_PLACES} places at once: remove one first.`);
      return;
    } else chosen = [...chosen, code];
    input.value = '';
    renderChosen();
    if (isOpen()) render();
    onChange([...chosen]);
  };

  input.addEventListener('input', () => {
    active = 0;
    open();
  });
  input.addEventListener('focus', () => open());
  input.addEventListener('blur', () => close());
  input.addEventListener('keydown', (event) => {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (!isOpen()) open();
        else setActive(active + 1);
        break;
      case 'ArrowUp':
        event.preventDefault();
        if (isOpen()) setActive(active - 1);
        break;
      case 'Enter': {
        const place = shown[active];
        if (isOpen() && place) {
          event.preventDefault();
          toggle(place.code);
        }
        break;
      }
      case 'Escape':
        if (isOpen()) {
          event.preventDefault();
          close();
        } else input.value = '';
        break;
    }
  });
  // mousedown would move the focus away from the input (and close the list) before the click.
  list.addEventListener('mousedown', (event) => event.preventDefault());
  list.addEventListener('click', (event) => {
    const option = (event.target as Element).closest<HTMLElement>('[role="option"]');
    const code = option?.dataset.code;
    if (code) toggle(code);
  });
  chosenList.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLElement>('button.remove');
    const code = button?.dataset.code;
    if (!code) return;
    toggle(code);
    input.focus();
  });

  return {
    setPlaces(next) {
      places = next;
      byCode = new Map(next.map((place) => [place.code, place]));
      renderChosen();
      if (isOpen()) render();
    },
    setChosen(codes) {
      chosen = [...codes];
      renderChosen();
      if (isOpen()) render();
    },
  };
}
