// Enhances the booking form: add/remove delegates, a live price looked up in the build's data (no money
// arithmetic here), the booking function's checks, and a fetch submit that puts its errors by the fields.
// A module: browsers too old for one ignore it and get the plain form, which posts as it is.
// Written tight inside template literals and selector strings: the minifier keeps them as they are, and the event
// page with this file must stay under 50 KB.
const $ = (id) => document.getElementById(id);
const all = (root, sel) => [...root.querySelectorAll(sel)];
const within = (root, sel) => (root.matches(sel) ? [root] : []).concat(all(root, sel));
const form = $('booking-form');
const data = $('booking-prices');
const prices = data && JSON.parse(data.textContent);
const list = $('delegates');
const add = $('add-delegate');
const live = $('booking-status');
const submit = $('booking-submit');
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const val = (id) => ($(id) ? $(id).value.trim() : '');
const picked = (name) => (form.querySelector(`[name="${name}"]:checked`) || {}).value;
const delegates = () => all(list, 'fieldset');
const fieldOf = (input) => input.name.replace(/.*\[|]/g, ''); // delegates[0][job_title] -> job_title
let pattern;
let busy = false;

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  node.textContent = text || '';
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function say(text) {
  live.textContent = ''; // emptied first, so the same sentence twice is read out twice
  setTimeout(() => { live.textContent = text; }, 50);
}

// Fieldset i holds delegates[i][field] with ids delegate-i-field; renumbered after every change.
function renumber() {
  delegates().forEach((fieldset, i) => {
    fieldset.id = `delegate-${i}`;
    fieldset.querySelector('legend').textContent = `Delegate ${i+1}`;
    for (const input of all(fieldset, '[name]')) {
      const field = fieldOf(input);
      const id = `delegate-${i}-${field.replace(/_/g,'-')}`;
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
    if (remove) remove.textContent = `Remove delegate ${i+1}`;
  });
  if (add) add.hidden = delegates().length >= prices.max;
}

function addDelegate() {
  const fieldset = pattern.cloneNode(true);
  for (const input of all(fieldset, 'input')) input.value = '';
  list.append(fieldset);
  renumber();
  update();
  fieldset.querySelector('input').focus();
  const n = delegates().length;
  say(`Delegate ${n} added. ${total()}${n>=prices.max?' That is the most one booking can hold.':''}`);
}

function removeDelegate(fieldset) {
  const index = delegates().indexOf(fieldset);
  fieldset.remove();
  renumber();
  update();
  const next = delegates()[index];
  (next ? next.querySelector('input') : add).focus();
  say(`Delegate ${index+1} removed. ${total()}`);
}

// A page built while an early-booking rate ran holds that rate's prices. Once it has ended by this device's
// clock, the standard prices come from the file the build wrote beside them; the booking function's clock
// decides what is charged either way.
const rate = prices && prices.early && Date.now() < Date.parse(prices.early.ends) ? 'early' : 'standard';
let ended = prices && prices.early && rate === 'standard' ? 'loading' : null;

function loadStandard() {
  fetch(prices.early.standard)
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then((standard) => { prices.categories = standard.categories; ended = 'loaded'; })
    .catch(() => { ended = 'failed'; })
    .then(update);
}

// Delegate i's fee before VAT is each[0] for the first and each[1] for every other; rows[n-1] =
// [total before VAT, VAT, total to pay] for a booking of n delegates.
function quote() {
  const category = prices.categories[picked('category')];
  const fees = category && category[picked('payment')];
  if (!fees || ended === 'loading' || ended === 'failed') return null;
  const n = Math.min(delegates().length, fees.rows.length);
  const lines = delegates().slice(0, n).map((_, i) => fees.each[i ? 1 : 0]);
  return { label: category.label, card: picked('payment') === 'card', n, lines, sums: fees.rows[n - 1] };
}

const total = () => (quote() ? `Total to pay ${quote().sums[2]} including VAT.` : '');

function row(parent, heading, amount, cell = 'td') {
  const tr = el('tr');
  tr.append(el('th', heading, { scope: cell === 'td' ? 'row' : 'col' }), el(cell, amount, cell === 'td' ? {} : { scope: 'col' }));
  parent.append(tr);
}

function update() {
  const q = quote();
  const summary = $('price-summary');
  summary.textContent = '';
  const early = prices.early;
  const over = `The early-booking rate ended ${early&&early.until} (UK time)`;
  if (ended === 'loading') return summary.append(el('p', `${over}. Fetching the standard prices…`));
  if (ended === 'failed') return summary.append(el('p', `${over}: the fee table's standard rate applies.`));
  if (!q) return summary.append(el('p', 'Choose a fee category to see the total for your booking.'));
  const [table, head, body, foot] = ['table', 'thead', 'tbody', 'tfoot'].map((tag) => el(tag));
  const people = `${q.n} delegate${q.n>1?'s':''}`;
  table.append(el('caption', `Your booking: ${people}, ${q.label}, paying ${q.card?'online by card':'by invoice'}, ${rate==='early'?'early-booking':'standard'} rate`), head, body, foot);
  row(head, 'Item', 'Amount', 'th');
  q.lines.forEach((fee, i) => row(body, `Delegate ${i+1}, before VAT`, fee));
  row(foot, 'Total before VAT', q.sums[0]);
  row(foot, `VAT at ${prices.vat}%`, q.sums[1]);
  row(foot, 'Total to pay', q.sums[2]);
  table.className = 'price-summary';
  summary.append(table);
  if (early && rate === 'early') summary.append(el('p', `Early-booking rate: ${early.percent}% off for bookings made by ${early.until} (UK time).`));
  if (early && rate === 'standard') summary.append(el('p', `${over}: standard rate.`));
  if (val('code')) summary.append(el('p', `Discount code ${val('code')}: checked and taken off before you pay.`));
}

// Errors as the GOV.UK design system shows them: a focused summary linking to messages by the fields.
function target(path) {
  const p = path.split('.');
  return $((p[0] === 'delegates' && p[1] ? ['delegate', ...p.slice(1)] : p).join('-').replace(/_/g, '-'));
}

function describedBy(node, id) {
  const ids = (node.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.endsWith('-error'));
  if (id) ids.push(id);
  if (ids.length) node.setAttribute('aria-describedby', ids.join(' ')); else node.removeAttribute('aria-describedby');
}

function clearErrors(root) {
  for (const node of all(root, '.field-error,#error-summary')) node.remove();
  for (const node of within(root, '.has-error')) node.classList.remove('has-error');
  for (const node of within(root, '[aria-invalid]')) node.removeAttribute('aria-invalid');
  for (const node of within(root, '[aria-describedby]')) describedBy(node);
}

function setError(node, message) {
  const isInput = node.matches('input,textarea');
  const box = isInput ? node.closest('.field') : node;
  const p = el('p', '', { class: 'field-error', id: `${node.id}-error` });
  p.append(el('span', 'Error: ', { class: 'visually-hidden' }), message);
  const before = isInput ? node.closest('.choice') || node : box.querySelector(':scope>.choice,:scope>.field,:scope>fieldset');
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
  const found = [];
  for (const { field, message } of errors) {
    const li = el('li', message);
    const node = field && target(field);
    const input = node && (node.matches('input,textarea') ? node : node.querySelector('input:not([type=hidden]),textarea'));
    if (input && !found.some(([seen]) => seen === node)) {
      const a = el('a', message, { href: `#${input.id}` });
      a.addEventListener('click', (event) => {
        event.preventDefault();
        (node.closest('.field, fieldset') || input).scrollIntoView();
        input.focus();
      });
      li.textContent = '';
      li.append(a);
      found.push([node, message]);
    }
    ul.append(li);
  }
  showSummary('There is a problem', [ul]);
  for (const [node, message] of found) setError(node, message);
}

function apology(message) {
  const contact = form.dataset.contact;
  const p = el('p', 'You can also email ');
  p.append(el('a', contact, { href: `mailto:${contact}` }), ' and we will book your places for you.');
  showSummary('Sorry, we could not send your booking', [el('p', message ||
    'Something went wrong on our side. Nothing has been booked and nothing has been charged. Please try again in a few minutes.'), p]);
}

// The booking function's rules and sentences (functions/booking_models.py), so a person hears one voice.
function check() {
  const errors = [];
  const need = (field, ok, message) => ok || errors.push({ field, message });
  const email = (id) => EMAIL.test(val(id));
  need('category', picked('category'), "Choose the fee category that fits the delegates' organisation");
  need('contact.name', val('contact-name'), 'Enter your full name');
  need('contact.email', email('contact-email'), 'Enter your e-mail address, like name@nhs.net');
  need('contact.organisation', val('contact-organisation'), 'Enter your organisation, like Leeds Teaching Hospitals NHS Trust');
  delegates().forEach((_, i) => {
    need(`delegates.${i}.name`, val(`delegate-${i}-name`), `Enter delegate ${i+1}'s full name`);
    need(`delegates.${i}.email`, email(`delegate-${i}-email`), `Enter delegate ${i+1}'s e-mail address, like name@nhs.net`);
  });
  if (picked('payment') === 'invoice') {
    need('billing.name', val('billing-name'), 'Enter who the invoice goes to: a person or a team, like Accounts Payable');
    need('billing.email', email('billing-email'), "Enter the invoice contact's e-mail address, like name@nhs.net");
    need('billing.address', val('billing-address'), 'Enter the postal address for the invoice');
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
    delegates: delegates().map((f) => all(f, '[name]').reduce((d, i) => ({ ...d, [fieldOf(i)]: i.value.trim() }), {})),
    accept_terms: $('accept-terms').checked,
    website: $('website').value,
  };
  if (val('code')) body.code = val('code');
  if (body.payment === 'invoice') {
    body.billing = { name: val('billing-name'), email: val('billing-email'), address: val('billing-address') };
    if ($('po-to-follow').checked) body.po_to_follow = true; else body.purchase_order = val('purchase-order');
  }
  return body;
}

function setBusy(on) {
  busy = on;
  submit.disabled = on;
  submit.textContent = on ? 'Sending…' : 'Book now';
  form.setAttribute('aria-busy', on);
}

async function send() {
  let response;
  let answer;
  try {
    response = await fetch(form.action, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload()),
    });
    answer = await response.json().catch(() => null);
  } catch (e) {
    setBusy(false);
    return apology();
  }
  const next = response.status === 201 && answer && new URL(answer.checkout_url || answer.confirmation_url, location.href);
  if (next && /^https?:$/.test(next.protocol)) return location.assign(next.href);
  setBusy(false);
  const errors = answer && answer.errors && answer.errors.length ? answer.errors : null;
  if (response.status >= 500 || !errors) return apology(errors && errors[0].message);
  showErrors(errors);
}

function copyBooker() {
  if (!$('same-as-booker').checked) return;
  for (const field of ['name', 'email', 'organisation']) $(`delegate-0-${field}`).value = val(`contact-${field}`);
}

function choose() {
  $('billing').hidden = picked('payment') !== 'invoice';
  $('purchase-order').parentNode.hidden = $('po-to-follow').checked; // the PO comes later, from the e-mailed link
  update();
}

if (form && prices) {
  pattern = delegates()[1];
  form.addEventListener('submit', (event) => {
    // A quote request goes as the form posts it (the function answers with the page to go to next).
    if (event.submitter?.value === 'quote') return;
    event.preventDefault();
    if (busy) return;
    const errors = check();
    if (errors.length) return showErrors(errors);
    setBusy(true);
    say('Sending your booking.');
    send();
  });
  form.addEventListener('change', (event) => {
    if (event.target.id === 'po-to-follow') choose();
    else if (event.target.name === 'category' || event.target.name === 'payment') {
      choose();
      say(total());
    }
  });
  form.addEventListener('input', (event) => event.target.id.startsWith('contact-') && copyBooker());
  $('code').addEventListener('input', update); // as typed: a change on leaving the box would move the form under the pointer
  $('same-as-booker').addEventListener('change', copyBooker);
  if (add) add.addEventListener('click', addDelegate);
  // Back from the checkout page, the browser may show this page as it was left: mid-send.
  addEventListener('pageshow', () => setBusy(false));
  for (const node of all(form, '[data-js-only]')) node.hidden = false;
  for (const node of all(form, '[data-no-js]')) node.hidden = true;
  for (const fieldset of delegates().slice(1)) {
    if (all(fieldset, 'input').every((input) => !input.value.trim())) fieldset.remove();
  }
  pattern = pattern && pattern.cloneNode(true);
  renumber();
  choose();
  if (ended) loadStandard();
}
