// The operator page. It is a client of the documented API only:
// GET /v1/ops/overview and GET /v1/corrections (open ones received here,
// pending ones filed here) with the admin token the operator types in, every
// 10 seconds. The token lives in sessionStorage (this tab only) and is
// never part of the page. Region names come from the checkpoint page's
// labels (/checkpoint/labels.json), the rest from /operator/labels.json.
'use strict';

(function () {
  const TOKEN_KEY = 'hcgw.admin_token';
  const LANG_KEY = 'hcgw.lang'; // one language choice for both pages
  const REFRESH_MS = 10000;
  const SOON_DAYS = 7; // keys whose window ends sooner are highlighted
  const TARGET_HOURS = 24; // a correction open longer is overdue

  let labels = null; // this page's texts
  let common = null; // the checkpoint page's: region names
  let lang = 'zh-CN';
  let last = null; // the last overview shown, re-rendered on a language switch
  let lastCorrections = null; // the last corrections shown (null: could not be listed)
  let lastAt = null; // when it arrived
  let loading = false;
  let again = false; // a load was asked for while one was under way

  const $ = (id) => document.getElementById(id);

  function t(group, key) {
    const entry = labels && labels[group] && labels[group][key];
    return entry ? entry[lang] : '';
  }

  function regionName(code) {
    if (!code) return '';
    const r = (common && common.regions) || {};
    if (code === '*') return t('ui', 'all_regions');
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

  function ms(v) {
    if (v === null || v === undefined) return '—';
    return v < 10 ? v.toFixed(2) : v.toFixed(1);
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

  // row appends a row to table id's body; cells are [text, column, class].
  function row(id, cells, attrs) {
    const tr = document.createElement('tr');
    for (const [k, v] of Object.entries(attrs || {})) tr.dataset[k] = v;
    for (const [text, col, cls] of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      td.dataset.col = col;
      if (cls) td.className = cls;
      tr.append(td);
    }
    document.querySelector('#' + id + ' tbody').append(tr);
    return tr;
  }

  function clearTables() {
    for (const id of ['peers', 'keys', 'revocations', 'rules', 'verdicts', 'corrections']) {
      document.querySelector('#' + id + ' tbody').replaceChildren();
    }
    $('verdicts-total').textContent = '';
    document.querySelectorAll('[data-empty]').forEach((el) => { el.hidden = true; });
    $('warnings-panel').hidden = true;
    $('gateway').textContent = '';
    $('updated').textContent = '';
  }

  function empty(id, isEmpty, text) {
    const p = document.querySelector('[data-empty="' + id + '"]');
    p.hidden = !isEmpty;
    if (isEmpty) p.textContent = text || t('ui', 'no_' + id);
  }

  function showUpdated(stale) {
    if (!lastAt) { $('updated').textContent = ''; return; }
    const at = lastAt.toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
    $('updated').textContent = t('ui', stale ? 'stale' : 'updated').replace('{time}', at);
    $('updated').className = 'updated' + (stale ? ' stale' : '');
  }

  function render(ov) {
    last = ov;
    clearTables();
    $('gateway').textContent = '· ' + regionName(ov.region);

    const warnings = ov.warnings || [];
    $('warnings').replaceChildren(...warnings.map((w) => {
      const li = document.createElement('li');
      li.textContent = w;
      return li;
    }));
    $('warnings-panel').hidden = warnings.length === 0;

    for (const p of ov.peers) {
      const tr = row('peers', [
        [regionName(p.region), 'region'],
        // A region reached through the hub has a row of its own (its own
        // breaker and calls) beside the hub's.
        p.via ? [t('ui', 'via').replace('{hub}', regionName(p.via)), 'url', 'small']
          : [p.url || '', 'url', 'mono small'],
        [t('breakers', p.breaker) || p.breaker, 'breaker', 'breaker breaker-' + p.breaker],
        [ms(p.p50_ms), 'p50', 'num'],
        [ms(p.p95_ms), 'p95', 'num'],
        [String(p.calls_5m), 'calls', 'num'],
        [String(p.errors_5m), 'errors', 'num' + (p.errors_5m > 0 ? ' bad' : '')],
      ], { region: p.region, breaker: p.breaker });
      tr.className = 'peer-' + p.breaker;
    }
    empty('peers', ov.peers.length === 0);

    for (const k of ov.keys) {
      let state = 'ok';
      if (k.revoked) state = 'revoked';
      else if (k.days_left < 0) state = 'lapsed';
      else if (new Date(k.not_before) > new Date(ov.time)) state = 'pending';
      else if (k.days_left < SOON_DAYS) state = 'expiring';
      const tr = row('keys', [
        [k.kid, 'kid', 'mono small'],
        [regionName(k.region), 'region'],
        [k.uses.map((u) => t('uses', u) || u).join(', '), 'uses'],
        [k.scope.map(regionName).join(', '), 'scope'],
        [when(k.not_before), 'not_before'],
        [when(k.not_after), 'not_after'],
        [k.days_left.toFixed(1), 'days_left', 'num'],
        [k.revoked ? t('ui', 'yes') : t('ui', 'no'), 'revoked'],
      ], { kid: k.kid, region: k.region, state });
      tr.className = 'key-' + state;
      tr.title = t('key_states', state);
    }
    empty('keys', ov.keys.length === 0);

    for (const r of ov.revocations) {
      row('revocations', [[r.kid, 'kid', 'mono small'], [when(r.revoked_at), 'revoked_at'], [r.reason || '—', 'reason']], { kid: r.kid });
    }
    empty('revocations', ov.revocations.length === 0);

    for (const r of ov.rules || []) {
      const tr = row('rules', [
        [regionName(r.region), 'region'],
        [r.id, 'id', 'mono small'],
        [r.version, 'version'],
        [t('rule_types', r.type) || r.type, 'type'],
        [r.scenes.length ? r.scenes.join(', ') : t('ui', 'every_scene'), 'scenes'],
        [when(r.valid_from), 'valid_from'],
        [when(r.valid_to), 'valid_to'],
        [t('rule_states', r.state) || r.state, 'state'],
      ], { id: r.id, version: r.version, state: r.state });
      tr.className = 'rule-' + r.state;
    }
    empty('rules', (ov.rules || []).length === 0);

    if (ov.verdicts_last_hour === null) {
      empty('verdicts', true, t('ui', 'verdicts_unavailable'));
    } else {
      let total = 0;
      for (const v of ov.verdicts_last_hour) {
        total += v.count;
        const reason = v.reason ? (t('reasons', v.reason) || v.reason) : '—';
        const tr = row('verdicts', [
          [t('results', v.result) || v.result, 'result', 'result-' + v.result],
          [reason, 'reason'],
          [String(v.count), 'count', 'num'],
        ], { result: v.result, reason: v.reason });
        if (v.reason) tr.title = v.reason;
      }
      $('verdicts-total').textContent = String(total);
      empty('verdicts', ov.verdicts_last_hour.length === 0);
    }
    renderCorrections(lastCorrections);
    showUpdated(false);
  }

  // renderCorrections lists open and pending tickets, oldest first, each
  // with its age against the 24 h target.
  function renderCorrections(list) {
    document.querySelector('#corrections tbody').replaceChildren();
    if (list === null) { empty('corrections', true, t('ui', 'corrections_unavailable')); return; }
    for (const c of list) {
      const hours = c.age_seconds / 3600;
      const tr = row('corrections', [
        [c.ticket, 'ticket', 'mono small'],
        [t('correction_states', c.state) || c.state, 'state'],
        [regionName(c.from || c.org), 'region'],
        [t('claims', c.claim) || c.claim, 'claim'],
        [hours.toFixed(1), 'age', 'num' + (hours > TARGET_HOURS ? ' bad' : '')],
      ], { ticket: c.ticket, state: c.state, overdue: String(c.overdue) });
      if (c.overdue) tr.title = t('ui', 'overdue');
    }
    empty('corrections', list.length === 0);
  }

  // loadCorrections asks for the open and the pending tickets; null when
  // either cannot be listed.
  async function loadCorrections(tok) {
    try {
      const lists = await Promise.all(['open', 'pending'].map(async (state) => {
        const resp = await fetch('/v1/corrections?state=' + state, { headers: { Authorization: 'Bearer ' + tok }, cache: 'no-store', credentials: 'omit' });
        if (!resp.ok) throw new Error(String(resp.status));
        return (await resp.json()).corrections;
      }));
      return lists[0].concat(lists[1]).sort((a, b) => b.age_seconds - a.age_seconds);
    } catch (e) {
      return null;
    }
  }

  // load asks for the overview once. Without a token it does nothing.
  async function load() {
    const tok = token();
    if (!tok) return;
    if (loading) { again = true; return; }
    loading = true;
    try {
      let resp;
      try {
        resp = await fetch('/v1/ops/overview', { headers: { Authorization: 'Bearer ' + tok }, cache: 'no-store', credentials: 'omit' });
      } catch (e) {
        throw new Error(t('ui', 'err_network'));
      }
      let data = null;
      try { data = await resp.json(); } catch (e) { /* not JSON */ }
      if (token() !== tok) return; // cleared or replaced meanwhile: a stale answer
      if (!resp.ok || !data) {
        const code = data && data.error && data.error.code;
        if (code === 'unauthenticated' || code === 'forbidden') {
          last = null;
          lastAt = null;
          clearTables();
        }
        let text = t('ui', 'err_' + code) || t('ui', 'err_other');
        if (!code) text += ' (HTTP ' + resp.status + ')';
        throw new Error(text);
      }
      lastCorrections = await loadCorrections(tok);
      lastAt = new Date();
      message('', false);
      render(data);
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || '0') + 1);
    } catch (e) {
      message(e.message, true);
      showUpdated(true);
    } finally {
      loading = false;
      if (again) { again = false; load(); }
    }
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => {
      const text = t('ui', el.dataset.i18n);
      if (text) el.textContent = text;
    });
    document.title = t('ui', 'title') + ' · hcgw';
    showTokenState();
    if (last) render(last);
  }

  function wire() {
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const tok = $('token').value.trim();
      if (tok) sessionStorage.setItem(TOKEN_KEY, tok);
      $('token').value = '';
      message('', false);
      showTokenState();
      load();
    });
    $('forget-token').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      $('token').value = '';
      last = null;
      lastAt = null;
      clearTables();
      showTokenState();
    });
    $('lang').addEventListener('click', () => {
      lang = lang === 'en' ? 'zh-CN' : 'en';
      localStorage.setItem(LANG_KEY, lang);
      applyLanguage();
    });
  }

  async function start() {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved === 'en' || saved === 'zh-CN') lang = saved;
    else if (!(navigator.language || '').toLowerCase().startsWith('zh')) lang = 'en';
    const [own, shared] = await Promise.all(['/operator/labels.json', '/checkpoint/labels.json'].map(async (u) => {
      const resp = await fetch(u, { cache: 'no-cache' });
      return resp.json();
    }));
    labels = own;
    common = shared;
    wire();
    applyLanguage();
    document.body.dataset.ready = 'true';
    load();
    setInterval(load, REFRESH_MS);
  }

  start().catch(() => message('labels.json could not be loaded', true));
})();
