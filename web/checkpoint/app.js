// The checkpoint page. It is a client of the documented API only:
// POST /v1/qr/decode (a photo → the code) and POST /v1/verify (the code →
// a verdict), with the bearer token the operator types in. The token lives
// in sessionStorage (this tab only) and is never part of the page.
'use strict';

(function () {
  const TOKEN_KEY = 'hcgw.token';
  const CHECKPOINT_KEY = 'hcgw.checkpoint';
  const SCENE_KEY = 'hcgw.scene';
  const LANG_KEY = 'hcgw.lang';
  const LABEL = /^[A-Za-z0-9._:-]{0,64}$/;

  let labels = null;
  let lang = 'zh-CN';
  let last = null; // the last verdict shown, re-rendered on a language switch
  let lastCode = ''; // the code of that verdict, named by a correction

  const $ = (id) => document.getElementById(id);

  function t(group, key) {
    const entry = labels && labels[group] && labels[group][key];
    return entry ? entry[lang] : '';
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => {
      const text = t('ui', el.dataset.i18n);
      if (text) el.textContent = text;
    });
    $('code').placeholder = t('ui', 'code_placeholder');
    document.title = t('ui', 'title') + ' · hcgw';
    showTokenState();
    if (last) renderVerdict(last);
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  function showTokenState() {
    $('token-state').textContent = token() ? t('ui', 'token_saved') : t('ui', 'token_missing');
  }

  function message(text, isError) {
    const m = $('message');
    m.textContent = text;
    m.className = 'message' + (isError ? ' error' : '');
    m.hidden = !text;
  }

  // regionName names a GB/T 2260 region: a province by name, a city or
  // county by its province's name, anything else as it came.
  function regionName(code) {
    if (!code) return '';
    const r = labels.regions;
    if (r[code]) return r[code][lang] + ' (' + code + ')';
    if (/^\d{6}$/.test(code) && r[code.slice(0, 2) + '0000']) {
      return r[code.slice(0, 2) + '0000'][lang] + ' (' + code + ')';
    }
    return code;
  }

  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
  }

  // renderDecision leads the answer: what the operator does (DESIGN §11),
  // with the failed or open rules' descriptions in the page's language.
  function renderDecision(a) {
    const box = $('decision');
    const rules = $('decision-rules');
    rules.replaceChildren();
    if (!a || !a.decision) { box.hidden = true; return; }
    box.className = 'decision decision-' + a.decision;
    box.dataset.decision = a.decision;
    box.dataset.default = a.default ? 'true' : 'false';
    $('decision-text').textContent = t('decisions', a.decision) || a.decision;
    for (const r of a.rules || []) {
      if (r.result === 'passed') continue;
      const li = document.createElement('li');
      const d = r.description || {};
      li.textContent = (lang === 'en' ? d.en || d.zh : d.zh || d.en) || r.id;
      li.dataset.rule = r.id;
      li.dataset.result = r.result;
      rules.append(li);
    }
    box.hidden = false;
  }

  function renderVerdict(v) {
    last = v;
    // A correction names the code: offered when the code was read.
    $('report').hidden = !(lastCode && v.issuer && v.format);
    renderDecision(v.admission);
    const card = $('card');
    const cls = v.result === 'valid' ? 'status-' + v.status : 'result-' + v.result;
    card.className = 'card ' + cls;
    card.dataset.result = v.result;
    card.dataset.status = v.status;
    card.dataset.reason = v.reason || '';
    const key = v.result === 'valid' ? v.status : v.result;
    $('card-icon').textContent = { green: '✔', yellow: '!', red: '✖', grey: '?', invalid: '⊘', unverified: '…' }[key] || '?';
    $('card-title').textContent = t('cards', key) || (v.result + ' ' + v.status);
    $('card-reason').textContent = t('reasons', v.reason || '') || v.reason;

    const flags = $('card-flags');
    flags.replaceChildren();
    for (const f of ['degraded', 'conflict']) {
      if (v[f]) {
        const li = document.createElement('li');
        li.textContent = t('ui', 'flag_' + f);
        li.dataset.flag = f;
        flags.append(li);
      }
    }

    const facts = $('card-facts');
    facts.replaceChildren();
    const add = (label, value, small) => {
      if (!value) return;
      const dt = document.createElement('dt');
      dt.textContent = t('ui', label);
      const dd = document.createElement('dd');
      dd.textContent = value;
      dd.dataset.fact = label;
      if (small) dd.className = 'small';
      facts.append(dt, dd);
    };
    if (v.holder) {
      add('holder', v.holder.name);
      add('id', v.holder.id);
    }
    add('issuer', regionName(v.issuer));
    add('format', v.format);
    if (v.source) add('source', t('sources', v.source) || v.source);
    add('as_of', when(v.status_as_of));
    add('valid_until', when(v.valid_until));
    if (v.itinerary) {
      // The itinerary card (DESIGN §12): the star first, then where the
      // traveller was in the last 14 days, by name.
      const it = v.itinerary;
      const regions = it.regions.map(regionName).join('、') || t('ui', 'itinerary_none');
      add('itinerary', (it.star ? '★ ' + t('ui', 'itinerary_star') + ' · ' : t('ui', 'itinerary_no_star') + ' · ') + regions);
      const dd = facts.querySelector('dd[data-fact="itinerary"]');
      if (dd) dd.dataset.star = it.star ? 'true' : 'false';
    }
    add('detail', v.detail, true);
    add('record', v.record_id, true);
    card.hidden = false;
  }

  // call sends a request to the gateway and returns the parsed JSON answer,
  // or throws an Error whose message is for the operator.
  async function call(path, body, contentType) {
    const tok = token();
    if (!tok) throw new Error(t('ui', 'token_missing'));
    const headers = { Authorization: 'Bearer ' + tok };
    if (contentType) headers['Content-Type'] = contentType;
    let resp;
    try {
      resp = await fetch(path, { method: 'POST', headers, body, cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      throw new Error(t('ui', 'err_network'));
    }
    let data = null;
    try { data = await resp.json(); } catch (e) { /* not JSON */ }
    if (resp.ok && data) return data;
    const code = data && data.error && data.error.code;
    let text = t('ui', 'err_' + code) || t('ui', 'err_other');
    if (code === 'bad_request' && data.error.message) text += ': ' + data.error.message;
    if (!code) text += ' (HTTP ' + resp.status + ')';
    const err = new Error(text);
    err.code = code || 'http_' + resp.status;
    throw err;
  }

  async function verify(code) {
    const checkpoint = sessionStorage.getItem(CHECKPOINT_KEY) || '';
    const scene = sessionStorage.getItem(SCENE_KEY) || '';
    const req = { code: code.trim() };
    if (checkpoint) req.checkpoint = checkpoint;
    if (scene) req.scene = scene;
    message(t('ui', 'verifying'), false);
    const v = await call('/v1/verify', JSON.stringify(req), 'application/json');
    message('', false);
    lastCode = req.code;
    $('correction').hidden = true; // a new verdict: a new report, if any
    renderVerdict(v);
  }

  // sendCorrection files a correction for the last verified code
  // (POST /v1/corrections); the gateway delivers it to the issuing region.
  async function sendCorrection() {
    const req = { code: lastCode, claim: $('claim').value };
    const detail = $('correction-detail').value.trim();
    if (detail) req.detail = detail;
    const checkpoint = sessionStorage.getItem(CHECKPOINT_KEY) || '';
    if (checkpoint) req.checkpoint = checkpoint;
    const out = await call('/v1/corrections', JSON.stringify(req), 'application/json');
    const r = $('correction-result');
    r.textContent = t('ui', 'correction_sent').replace('{ticket}', out.ticket).replace('{state}', t('ui', 'state_' + out.state) || out.state);
    r.dataset.ticket = out.ticket;
    r.dataset.state = out.state;
    r.hidden = false;
    $('correction-detail').value = '';
  }

  // verifyDocument asks for a traveller without a phone by the number of
  // their identity card. The number is sent once and kept nowhere: the
  // field is cleared as soon as the request leaves.
  async function verifyDocument(number) {
    const checkpoint = sessionStorage.getItem(CHECKPOINT_KEY) || '';
    const scene = sessionStorage.getItem(SCENE_KEY) || '';
    const req = { id_document: { type: 'resident_id', number: number } };
    if (checkpoint) req.checkpoint = checkpoint;
    if (scene) req.scene = scene;
    message(t('ui', 'verifying'), false);
    const v = await call('/v1/verify', JSON.stringify(req), 'application/json');
    message('', false);
    lastCode = ''; // the page files corrections for codes; a document's goes through the API
    $('correction').hidden = true;
    renderVerdict(v);
  }

  async function onImage(ev) {
    const input = ev.target;
    const f = input.files && input.files[0];
    if (!f) return;
    $('card').hidden = true;
    $('decision').hidden = true;
    $('correction').hidden = true;
    last = null;
    try {
      message(t('ui', 'reading'), false);
      const form = new FormData();
      form.append('image', f, f.name || 'photo');
      const out = await call('/v1/qr/decode', form);
      $('code').value = out.code;
      await verify(out.code);
    } catch (e) {
      message(e.message, true);
    } finally {
      input.value = ''; // the same file again is a new scan
    }
  }

  function wire() {
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const cp = $('checkpoint-id').value.trim();
      const scene = $('scene').value.trim();
      if (!LABEL.test(cp) || !LABEL.test(scene)) { message(t('ui', 'invalid_code'), true); return; }
      if (scene) sessionStorage.setItem(SCENE_KEY, scene); else sessionStorage.removeItem(SCENE_KEY);
      const tok = $('token').value.trim();
      if (tok) sessionStorage.setItem(TOKEN_KEY, tok);
      if (cp) sessionStorage.setItem(CHECKPOINT_KEY, cp); else sessionStorage.removeItem(CHECKPOINT_KEY);
      $('token').value = '';
      message('', false);
      showTokenState();
    });
    $('forget-token').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      $('token').value = '';
      showTokenState();
    });
    $('code-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const code = $('code').value;
      if (!code.trim()) return;
      $('card').hidden = true;
      $('decision').hidden = true;
      $('correction').hidden = true;
      last = null;
      try { await verify(code); } catch (e) { message(e.message, true); }
    });
    $('report').addEventListener('click', () => {
      $('correction-result').hidden = true;
      $('correction').hidden = false;
    });
    $('cancel-correction').addEventListener('click', () => { $('correction').hidden = true; });
    $('correction').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!lastCode) return;
      try { await sendCorrection(); message('', false); } catch (e) { message(e.message, true); }
    });
    $('id-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const number = $('id-number').value.trim();
      $('id-number').value = '';
      if (!/^[0-9]{17}[0-9Xx]$/.test(number)) { message(t('ui', 'invalid_id'), true); return; }
      $('card').hidden = true;
      $('decision').hidden = true;
      last = null;
      try { await verifyDocument(number); } catch (e) { message(e.message, true); }
    });
    $('camera').addEventListener('change', onImage);
    $('file').addEventListener('change', onImage);
    $('lang').addEventListener('click', () => {
      lang = lang === 'en' ? 'zh-CN' : 'en';
      localStorage.setItem(LANG_KEY, lang);
      applyLanguage();
    });
    $('checkpoint-id').value = sessionStorage.getItem(CHECKPOINT_KEY) || '';
    $('scene').value = sessionStorage.getItem(SCENE_KEY) || '';
  }

  async function start() {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved === 'en' || saved === 'zh-CN') lang = saved;
    else if (!(navigator.language || '').toLowerCase().startsWith('zh')) lang = 'en';
    const resp = await fetch('/checkpoint/labels.json', { cache: 'no-cache' });
    labels = await resp.json();
    wire();
    applyLanguage();
    document.body.dataset.ready = 'true';
  }

  start().catch(() => message('labels.json could not be loaded', true));
})();
