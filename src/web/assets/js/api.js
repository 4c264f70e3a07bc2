// The REST API (/api/v1, docs/rest.md) with the person's session: the cookie goes by itself,
// and every change carries the page's CSRF token in X-CSRF-Token.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') init.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'unreachable', 'The server cannot be reached. Check the connection and try again.');
  }
  if (response.status === 401) {
    // The session ended (signed out elsewhere, expired): sign in again and come back.
    location.assign('/signin?return_to=' + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, 'unauthenticated', 'Signed out: sign in again.');
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, data?.error?.code ?? 'error', data?.error?.message ?? response.statusText);
  }
  return data;
}

// The caller's organizations, each with its role: a viewer reads but does not change.
export async function organizations() {
  const { organizations: list } = await api('GET', '/api/v1/organizations');
  return list;
}
