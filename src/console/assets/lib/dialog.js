import { h } from './dom.js';

/**
 * Asks before doing something that cannot be undone: a modal <dialog> with the
 * question, what will happen (`details`, nodes) and Cancel / the action. Resolves
 * true when the user confirmed.
 */
export function confirmAction({ title, details, action }) {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title),
      h('div', { class: 'confirm-details' }, details),
      h(
        'form',
        { method: 'dialog', class: 'actions' },
        h('button', { type: 'submit', value: 'cancel' }, 'Cancel'),
        h('button', { type: 'submit', value: 'confirm', class: 'danger', id: 'confirm-action' }, action),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
