import express from 'express';
import { describe, expect, it } from 'vitest';
import { appServes, routerStack } from '../src/http/express-router.ts';

// How the Express middleware decides that the app serves one of dynotel's paths itself (then it yields),
// read from a real Express 5 app's router.
function verdict(app: express.Express, method: string, path: string) {
  const stack = routerStack(app);
  if (stack === undefined) throw new Error('an Express app has a router stack');
  return appServes(stack, method, path);
}

describe("reading an Express app's routes", () => {
  it('finds a route by method and path; HEAD goes with GET; another method does not count', () => {
    const app = express();
    app.use((_req, _res, next) => next());
    app.get('/health', (_req, res) => res.end());
    expect(verdict(app, 'GET', '/health')).toBe('app');
    expect(verdict(app, 'HEAD', '/health')).toBe('app');
    expect(verdict(app, 'POST', '/health')).toBe('none');
    expect(verdict(app, 'GET', '/metrics')).toBe('none');
  });

  it('searches routers mounted at the root or on a prefix, and parameterised and wildcard routes', () => {
    const app = express();
    const root = express.Router();
    root.get('/metrics', (_req, res) => res.end());
    const api = express.Router();
    api.get('/live', (_req, res) => res.end());
    app.use(root);
    app.use('/api', api);
    app.get('/:page', (_req, res) => res.end());
    expect(verdict(app, 'GET', '/metrics')).toBe('app');
    expect(verdict(app, 'GET', '/api/live')).toBe('app');
    expect(verdict(app, 'GET', '/live')).toBe('app'); // '/:page' matches it: the app's route wins
    expect(verdict(app, 'POST', '/live')).toBe('none');
  });

  it('counts a middleware mounted on exactly the path, not one mounted at the root', () => {
    const app = express();
    app.use((_req, _res, next) => next());
    app.use('/metrics', (_req, res) => res.end('mine'));
    expect(verdict(app, 'GET', '/metrics')).toBe('app');
    expect(verdict(app, 'GET', '/health')).toBe('none');
  });

  it('cannot tell for a sub-app mounted where the path falls', () => {
    const app = express();
    const sub = express();
    sub.get('/health', (_req, res) => res.end());
    app.use('/v1', sub);
    expect(verdict(app, 'GET', '/health')).toBe('none');
    app.use(sub);
    expect(verdict(app, 'GET', '/health')).toBe('unknown');
  });
});
