// Progressive enhancement for the review queue: verdict forms post in the background (without it they post and
// redirect back), and the keyboard drives the cards: j/k move, a accepts, 1-9 pick an alternative, c corrects.
(function () {
  'use strict';
  const cards = Array.from(document.querySelectorAll('#queue .card'));
  let current = -1;

  function select(index) {
    if (cards.length === 0) { return; }
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach((c, i) => c.classList.toggle('current', i === current));
    cards[current].focus({ preventScroll: true });
    cards[current].scrollIntoView({ block: 'nearest' });
  }

  function nextUnreviewed(from) {
    for (let i = from + 1; i < cards.length; i++) {
      if (!cards[i].classList.contains('reviewed')) { return i; }
    }
    return Math.min(from + 1, cards.length - 1);
  }

  async function submitVerdict(form) {
    const card = form.closest('.card');
    const status = card.querySelector('.verdict');
    status.classList.remove('error');
    status.textContent = 'saving…';
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        body: new FormData(form),
        headers: { 'Accept': 'application/json' },
        credentials: 'same-origin',
      });
      const body = await response.json().catch(() => ({ error: response.statusText }));
      if (!response.ok) { throw new Error(body.error || response.statusText); }
      card.classList.add('reviewed');
      card.querySelectorAll('form.correct input[name=labelId]').forEach((input) => { input.value = ''; input.blur(); });
      status.textContent = 'reviewed: ' + body.labelId + ' by ' + body.reviewer;
      const index = cards.indexOf(card);
      if (index === current) { select(nextUnreviewed(index)); }
    } catch (e) {
      status.classList.add('error');
      status.textContent = 'not saved: ' + e.message;
    }
  }

  cards.forEach((card, i) => {
    card.addEventListener('focus', () => { if (current !== i) { select(i); } });
    card.querySelectorAll('form').forEach((form) => {
      form.addEventListener('submit', (event) => { event.preventDefault(); submitVerdict(form); });
    });
  });

  document.addEventListener('keydown', (event) => {
    if (cards.length === 0 || event.ctrlKey || event.metaKey || event.altKey) { return; }
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) {
      if (event.key === 'Escape') { target.blur(); select(current); }
      return;
    }
    if (current < 0) { select(0); if (event.key === 'j' || event.key === 'k') { return; } }
    const card = cards[current];
    if (event.key === 'j') { select(current + 1); }
    else if (event.key === 'k') { select(current - 1); }
    else if (event.key === 'a') { submitVerdict(card.querySelector('form.accept')); }
    else if (/^[1-9]$/.test(event.key)) {
      const button = card.querySelector('ol.alternatives button[data-rank="' + event.key + '"]');
      if (!button) { return; }
      submitVerdict(button.form);
    }
    else if (event.key === 'c') { card.querySelector('form.correct input[name=labelId]').focus(); }
    else { return; }
    event.preventDefault();
  });
})();
