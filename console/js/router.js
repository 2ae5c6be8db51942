// A hash router: "#/waves/ID/assignments" → the view registered for "/waves/:id/assignments". The hash keeps every
// page reachable from a static file server with no rewrite rules.

export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '') || '/';
  const [path, queryString = ''] = raw.split('?');
  return {
    path: path.startsWith('/') ? path : `/${path}`,
    query: Object.fromEntries(new URLSearchParams(queryString)),
  };
}

function compile(pattern) {
  const names = [];
  const source = pattern.split('/').map((part) => {
    if (part.startsWith(':')) {
      names.push(part.slice(1));
      return '([^/]+)';
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('/');
  return { regex: new RegExp(`^${source}/?$`), names };
}

/** routes: [{pattern: '/units', ...anything}] → match(path) gives {route, params} or null. */
export function createRouter(routes) {
  const compiled = routes.map((route) => ({ route, ...compile(route.pattern) }));
  return {
    match(path) {
      for (const { route, regex, names } of compiled) {
        const found = regex.exec(path);
        if (found) {
          const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
          return { route, params };
        }
      }
      return null;
    },
  };
}

export function navigate(path) {
  const target = `#${path}`;
  if (globalThis.location.hash === target) {
    globalThis.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    globalThis.location.hash = target;
  }
}
