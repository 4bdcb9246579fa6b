'use strict';
// The live page: entries and figures from /stream/events (server-sent events). Every text from the
// stream goes into text nodes (textContent), never into markup; thumbnails are only the server's
// own JPEG data URLs.
(function () {
  const MAX_ENTRIES = 200;
  const THUMBNAIL = /^data:image\/jpeg;base64,[A-Za-z0-9+/]+={0,2}$/;
  const list = document.getElementById('entries');
  const empty = document.getElementById('empty');
  const connection = document.getElementById('connection');

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function latency(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '';
    return ms >= 1000 ? (ms / 1000).toFixed(2) + ' s' : Math.round(ms) + ' ms';
  }

  function add(entry) {
    if (typeof entry.seq !== 'number') return;
    if (list.querySelector('li[data-seq="' + entry.seq + '"]')) return;
    const item = el('li', 'entry ' + (entry.errorCode ? 'failed' : 'ok'));
    item.dataset.seq = String(entry.seq);
    item.dataset.id = String(entry.id || '');
    if (typeof entry.thumbnail === 'string' && THUMBNAIL.test(entry.thumbnail)) {
      const img = el('img', 'thumb');
      img.alt = 'request image';
      img.src = entry.thumbnail;
      item.appendChild(img);
    } else {
      item.appendChild(el('div', 'thumb none', 'no image'));
    }
    const body = el('div', 'body');
    const head = el('div', 'head');
    head.appendChild(el('span', 'task', entry.task || '?'));
    head.appendChild(el('span', 'id', entry.id || ''));
    head.appendChild(el('span', 'latency', latency(entry.latencyMs)));
    if (typeof entry.at === 'number') {
      head.appendChild(el('time', 'at', new Date(entry.at).toLocaleTimeString()));
    }
    body.appendChild(head);
    if (entry.question) body.appendChild(el('p', 'question', entry.question));
    if (entry.errorCode) {
      const err = el('p', 'error');
      err.appendChild(el('span', 'code', entry.errorCode));
      err.appendChild(el('span', 'message', entry.errorMessage || ''));
      body.appendChild(err);
    } else {
      body.appendChild(el('p', 'text', entry.text || ''));
    }
    item.appendChild(body);
    // newest first: entries arrive in order, a reconnect's replay is skipped above
    let before = list.firstChild;
    while (before && Number(before.dataset.seq) > entry.seq) before = before.nextSibling;
    list.insertBefore(item, before);
    while (list.children.length > MAX_ENTRIES) list.removeChild(list.lastChild);
    empty.hidden = true;
  }

  function stats(s) {
    const set = (id, v) => { document.getElementById(id).textContent = String(v); };
    set('stat-rate', typeof s.perSecond === 'number' ? s.perSecond.toFixed(2) : '–');
    set('stat-queue', s.queueDepth);
    set('stat-inflight', s.inFlight);
    set('stat-results', s.results);
    set('stat-errors', s.errors);
    set('stat-skipped', s.skipped);
  }

  function parse(event, then) {
    try {
      then(JSON.parse(event.data));
    } catch (e) {
      console.warn('bad event', e);
    }
  }

  const source = new EventSource('/stream/events');
  source.addEventListener('entry', e => parse(e, add));
  source.addEventListener('stats', e => parse(e, stats));
  source.onopen = () => { connection.textContent = 'live'; connection.className = 'connection live'; };
  source.onerror = () => { connection.textContent = 'reconnecting…'; connection.className = 'connection down'; };
})();
