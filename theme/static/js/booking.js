/* Enhances the booking form: add/remove delegates, a live price looked up from the build's data (no
   money arithmetic here), checks mirroring the booking function's, and a fetch submit that shows its
   errors by the fields. A browser too old to run this gets the plain form, which posts as it is. */
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const form = $('booking-form');
  const data = $('booking-prices');
  if (!form || !data || !window.fetch) return;
  const prices = JSON.parse(data.textContent);
  const list = $('delegates');
  const add = $('add-delegate');
  const summary = $('price-summary');
  const live = $('booking-status');
  const submit = $('booking-submit');
  const same = $('same-as-booker');
  const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
  const all = (root, sel) => Array.from(root.querySelectorAll(sel));
  const within = (root, sel) => (root.matches(sel) ? [root] : []).concat(all(root, sel));
  const val = (id) => ($(id) ? $(id).value.trim() : '');
  const picked = (name) => (form.querySelector(`input[name="${name}"]:checked`) || {}).value;
  const delegates = () => all(list, 'fieldset.delegate');
  const pattern = delegates()[1] ? delegates()[1].cloneNode(true) : null;
  let busy = false;

  function el(tag, text, attrs = {}) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function say(text) {
    live.textContent = '';  // emptied first, so the same sentence twice is still read out
    setTimeout(() => { live.textContent = text; }, 50);
  }

  // Delegates: fieldsets named delegates[i][...] with ids delegate-i-..., renumbered after every change.
  function renumber() {
    delegates().forEach((fieldset, i) => {
      fieldset.id = `delegate-${i}`;
      fieldset.querySelector('legend').textContent = `Delegate ${i + 1}`;
      for (const input of all(fieldset, '[data-field]')) {
        const field = input.dataset.field;
        const id = `delegate-${i}-${field.replace('_', '-')}`;
        if (input.id !== id) clearErrors(input.closest('.field'));
        input.closest('.field').querySelector('label').htmlFor = id;
        input.id = id;
        input.name = `delegates[${i}][${field}]`;
        input.required = field === 'name' || field === 'email';
      }
      let remove = fieldset.querySelector('.delegate__remove');
      if (i && !remove) {
        remove = el('button', '', { type: 'button', class: 'button button--secondary delegate__remove' });
        remove.addEventListener('click', () => removeDelegate(fieldset));
        fieldset.append(remove);
      }
      if (remove) remove.textContent = `Remove delegate ${i + 1}`;
    });
    if (add) add.hidden = delegates().length >= prices.max;
  }

  function addDelegate() {
    if (!pattern || delegates().length >= prices.max) return;
    const fieldset = pattern.cloneNode(true);
    for (const input of all(fieldset, 'input')) input.value = '';
    list.append(fieldset);
    renumber();
    update();
    fieldset.querySelector('input').focus();
    const n = delegates().length;
    say(`Delegate ${n} added. ${total()}${n >= prices.max ? ' That is the most one booking can hold.' : ''}`);
  }

  function removeDelegate(fieldset) {
    const index = delegates().indexOf(fieldset);
    fieldset.remove();
    renumber();
    update();
    const next = delegates()[index];
    (next ? next.querySelector('input') : add).focus();
    say(`Delegate ${index + 1} removed. ${total()}`);
  }

  // Price: rows[n-1] = [delegate n before VAT, net total, VAT, total to pay] for n delegates.
  function quote() {
    const category = prices.categories[picked('category')];
    const rows = category && category[picked('payment')];
    if (!rows) return null;
    const n = Math.min(delegates().length, rows.length);
    return { label: category.label, card: picked('payment') === 'card', n, rows: rows.slice(0, n), sums: rows[n - 1] };
  }

  const total = () => (quote() ? `Total to pay ${quote().sums[3]} including VAT.` : '');

  function row(parent, cells, header = 'row') {
    const tr = el('tr');
    tr.append(el('th', cells[0], { scope: header }), el(header === 'col' ? 'th' : 'td', cells[1], header === 'col' ? { scope: 'col' } : {}));
    parent.append(tr);
  }

  function update() {
    const q = quote();
    summary.textContent = '';
    if (!q) {
      summary.append(el('p', 'Choose a fee category to see the total for your booking.'));
      return;
    }
    const table = el('table', '', { class: 'price-summary' });
    const [head, body, foot] = [el('thead'), el('tbody'), el('tfoot')];
    table.append(el('caption', `Your booking: ${q.n} delegate${q.n > 1 ? 's' : ''}, ${q.label}, paying ${q.card ? 'online by card' : 'by invoice'}`), head, body, foot);
    row(head, ['Item', 'Amount'], 'col');
    q.rows.forEach((r, i) => row(body, [`Delegate ${i + 1}, before VAT`, r[0]]));
    row(foot, ['Total before VAT', q.sums[1]]);
    row(foot, [`VAT at ${prices.vat}%`, q.sums[2]]);
    row(foot, ['Total to pay', q.sums[3]]);
    summary.append(table);
  }

  // Errors, in the GOV.UK design system's pattern: a summary that links to messages by the fields.
  function target(path) {
    const p = path.split('.');
    const id = p[0] === 'delegates' && p.length > 1 ? ['delegate', ...p.slice(1)] : p;
    return $(id.join('-').replace(/_/g, '-'));
  }

  function describedBy(node, add) {
    const ids = (node.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && !id.endsWith('-error'));
    if (add) ids.push(add);
    if (ids.length) node.setAttribute('aria-describedby', ids.join(' ')); else node.removeAttribute('aria-describedby');
  }

  function clearErrors(root) {
    for (const node of all(root, '.field-error, #error-summary')) node.remove();
    for (const node of within(root, '.has-error')) node.classList.remove('has-error');
    for (const node of within(root, '[aria-invalid]')) node.removeAttribute('aria-invalid');
    for (const node of within(root, '[aria-describedby]')) describedBy(node);
  }

  function setError(node, message) {
    const isInput = node.matches('input, textarea');
    const box = isInput ? node.closest('.field') : node;
    if (box.querySelector(':scope > .field-error')) return;
    const p = el('p', '', { class: 'field-error', id: `${node.id}-error` });
    p.append(el('span', 'Error: ', { class: 'visually-hidden' }), message);
    const before = isInput ? node.closest('.choice') || node : box.querySelector(':scope > .choice, :scope > .field, :scope > fieldset');
    box.insertBefore(p, before && before.parentNode === box ? before : null);
    box.classList.add('has-error');
    describedBy(node, p.id);
    for (const input of isInput ? [node] : all(node, '[type=radio]')) input.setAttribute('aria-invalid', 'true');
  }

  function showSummary(title, content) {
    clearErrors(form);
    const box = el('div', '', { id: 'error-summary', class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'error-summary-title' });
    box.append(el('h3', title, { id: 'error-summary-title' }), ...content);
    form.prepend(box);
    box.focus();
  }

  function showErrors(errors) {
    const ul = el('ul');
    const seen = [];
    for (const { field, message } of errors) {
      const li = el('li', message);
      const node = field && target(field);
      const input = node && (node.matches('input, textarea') ? node : node.querySelector('input:not([type=hidden]), textarea'));
      if (input) {
        const a = el('a', message, { href: `#${input.id}` });
        a.addEventListener('click', (event) => {
          event.preventDefault();
          (node.closest('.field, fieldset') || input).scrollIntoView();
          input.focus();
        });
        li.replaceChildren(a);
        seen.push([node, message]);
      }
      ul.append(li);
    }
    showSummary('There is a problem', [ul]);
    for (const [node, message] of seen) setError(node, message);
  }

  function apology(message) {
    const contact = form.dataset.contact;
    const p = el('p', 'Please try again in a few minutes. If it keeps happening, email ');
    p.append(el('a', contact, { href: `mailto:${contact}` }), ' and we will book your places for you.');
    showSummary('Sorry, we could not send your booking', [
      el('p', message || 'Something went wrong on our side. Nothing has been booked and nothing has been charged.'), p,
    ]);
  }

  // The same rules and sentences as functions/booking_models.py, so a person hears one voice.
  function check() {
    const errors = [];
    const need = (field, ok, message) => { if (!ok) errors.push({ field, message }); };
    need('category', picked('category'), "Choose the fee category that fits the delegates' organisation");
    need('contact.name', val('contact-name'), 'Enter your full name');
    need('contact.email', EMAIL.test(val('contact-email')), 'Enter your e-mail address, like name@nhs.net');
    need('contact.organisation', val('contact-organisation'), 'Enter your organisation, like Leeds Teaching Hospitals NHS Trust');
    delegates().forEach((_, i) => {
      need(`delegates.${i}.name`, val(`delegate-${i}-name`), `Enter delegate ${i + 1}'s full name`);
      need(`delegates.${i}.email`, EMAIL.test(val(`delegate-${i}-email`)), `Enter delegate ${i + 1}'s e-mail address, like name@nhs.net`);
    });
    if (picked('payment') === 'invoice') {
      need('billing.name', val('billing-name'), 'Enter the name of the person or team who pays invoices');
      need('billing.email', EMAIL.test(val('billing-email')), 'Enter the e-mail address for invoices, like accounts@nhs.net');
      need('billing.address', val('billing-address'), 'Enter the billing address');
    }
    need('accept_terms', $('accept-terms').checked, 'Tick the box to accept the booking terms and conditions');
    return errors;
  }

  function payload() {
    const body = {
      event: form.elements.event.value,
      category: picked('category'),
      payment: picked('payment'),
      contact: { name: val('contact-name'), email: val('contact-email'), organisation: val('contact-organisation') },
      delegates: delegates().map((fieldset) => Object.fromEntries(all(fieldset, '[data-field]').map((i) => [i.dataset.field, i.value.trim()]))),
      accept_terms: $('accept-terms').checked,
      website: $('website').value,
    };
    if (body.payment === 'invoice') {
      body.billing = { name: val('billing-name'), email: val('billing-email'), address: val('billing-address') };
      body.purchase_order = val('purchase-order');
    }
    return body;
  }

  function setBusy(on) {
    busy = on;
    submit.disabled = on;
    submit.textContent = on ? 'Sending…' : 'Book now';
    form.setAttribute('aria-busy', String(on));
  }

  function checkoutUrl(answer) {
    try {
      const url = new URL(answer.checkout_url, location.href);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  async function send() {
    let response;
    let answer = null;
    try {
      response = await fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(payload()),
      });
      answer = await response.json().catch(() => null);
    } catch (e) {
      setBusy(false);
      return apology();
    }
    const next = response.status === 201 && answer && checkoutUrl(answer);
    if (next) return location.assign(next);
    setBusy(false);
    const errors = answer && Array.isArray(answer.errors) && answer.errors.length ? answer.errors : null;
    if (response.status >= 500 || !errors) return apology(errors && errors[0].message);
    showErrors(errors);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    const errors = check();
    if (errors.length) return showErrors(errors);
    setBusy(true);
    say('Sending your booking.');
    send();
  });

  function copyBooker() {
    if (!same.checked) return;
    for (const field of ['name', 'email', 'organisation']) $(`delegate-0-${field}`).value = val(`contact-${field}`);
  }

  const showInvoice = () => { $('invoice').hidden = picked('payment') !== 'invoice'; };

  form.addEventListener('change', (event) => {
    if (!['category', 'payment'].includes(event.target.name)) return;
    showInvoice();
    update();
    say(total());
  });
  form.addEventListener('input', (event) => { if (event.target.id.startsWith('contact-')) copyBooker(); });
  if (same) same.addEventListener('change', copyBooker);
  if (add) add.addEventListener('click', addDelegate);
  // Coming back from the checkout page, the browser may show this page as it was left: mid-send.
  window.addEventListener('pageshow', () => setBusy(false));

  for (const node of all(form, '[data-js-only]')) node.hidden = false;
  for (const node of all(form, '[data-no-js]')) node.hidden = true;
  delegates().forEach((fieldset, i) => {
    if (i && all(fieldset, 'input').every((input) => !input.value.trim())) fieldset.remove();
  });
  renumber();
  showInvoice();
  update();
})();
