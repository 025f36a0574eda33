/**
 * The live ops page: one static HTML page and its script, no build step. The page holds no data
 * of its own: signed in by pasting a token (kept in this tab's sessionStorage), it lists open
 * alerts over GraphQL, follows `alertChanged` over graphql-ws and calls the lifecycle mutations.
 * Everything it prints goes through textContent, never innerHTML.
 */
export const OPS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald · ops</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
  header { display: flex; gap: .5rem; align-items: center; margin-bottom: 1rem; }
  #token { width: 32rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; }
  .critical { color: #b00020; font-weight: 600; } .high { color: #c75000; } .medium { color: #8a6d00; } .low { color: #555; }
  #status { color: #555; }
</style>
</head>
<body>
<header>
  <strong>Herald alerts</strong>
  <input id="token" type="password" placeholder="Paste an ops, finance or admin token" autocomplete="off">
  <button id="connect">Sign in</button>
  <span id="status">Not signed in</span>
</header>
<table>
  <thead><tr><th>Severity</th><th>Status</th><th>Type</th><th>Title</th><th>Seen</th><th>Last seen</th><th></th></tr></thead>
  <tbody id="alerts"></tbody>
</table>
<script src="/ops/graphql-ws.js"></script>
<script src="/ops/ops.js"></script>
</body>
</html>
`;

export const OPS_JS = `(() => {
  'use strict';
  const FIELDS = 'id type severity status title occurrences lastSeenAt';
  const OPEN = ['active', 'acknowledged', 'ignored'];
  const rows = new Map();
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem('herald-token') || '';
  let client = null;

  async function gql(query, variables) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ query, variables }),
    });
    const result = await response.json();
    if (result.errors && result.errors.length) throw new Error(result.errors[0].message);
    return result.data;
  }

  function render() {
    const body = $('alerts');
    body.replaceChildren();
    const open = [...rows.values()].filter((alert) => OPEN.includes(alert.status));
    open.sort((a, b) => (a.lastSeenAt < b.lastSeenAt ? 1 : -1));
    for (const alert of open) {
      const tr = document.createElement('tr');
      tr.dataset.alertId = alert.id;
      for (const [text, cls] of [[alert.severity, alert.severity], [alert.status], [alert.type], [alert.title], [String(alert.occurrences)], [new Date(alert.lastSeenAt).toLocaleString()]]) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
      }
      const actions = document.createElement('td');
      if (alert.status === 'active') actions.append(button('Acknowledge', 'acknowledge', () => act('acknowledgeAlert', alert.id)));
      actions.append(button('Resolve', 'resolve', () => act('resolveAlert', alert.id)));
      tr.append(actions);
      body.append(tr);
    }
    $('status').textContent = open.length + ' open alert(s), live';
  }

  function button(label, action, onClick) {
    const element = document.createElement('button');
    element.textContent = label;
    element.dataset.action = action;
    element.addEventListener('click', () => onClick().catch((error) => ($('status').textContent = error.message)));
    return element;
  }

  async function act(mutation, id) {
    const data = await gql('mutation($id: ID!) { ' + mutation + '(id: $id) { ' + FIELDS + ' } }', { id });
    rows.set(id, data[mutation]);
    render();
  }

  async function connect() {
    token = $('token').value.trim() || token;
    sessionStorage.setItem('herald-token', token);
    if (client) await client.dispose();
    rows.clear();
    try {
      const data = await gql('query($filter: AlertsFilter) { alerts(filter: $filter, page: { first: 100 }) { nodes { ' + FIELDS + ' } } }', { filter: { status: OPEN } });
      for (const alert of data.alerts.nodes) rows.set(alert.id, alert);
    } catch (error) {
      $('status').textContent = error.message;
      return;
    }
    // The first hundred, most recently seen first; live changes add the rest as they happen.
    render();
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
    client = graphqlWs.createClient({ url, connectionParams: { authorization: 'Bearer ' + token }, retryAttempts: Infinity });
    client.subscribe(
      { query: 'subscription { alertChanged { ' + FIELDS + ' } }' },
      {
        next: (result) => {
          const alert = result.data && result.data.alertChanged;
          if (!alert) return;
          rows.set(alert.id, alert);
          render();
        },
        error: (error) => ($('status').textContent = 'Live updates stopped: ' + (error.message || error)),
        complete: () => {},
      },
    );
  }

  $('connect').addEventListener('click', () => void connect());
  if (token) void connect();
})();
`;
