/**
 * Which of the review page's routes a request is (pure): its paths, and the methods each takes.
 *
 *   GET  /assets/review.css, /assets/review.js
 *   GET  /, /overview.part                 the overview and its live part
 *   GET  /slices                           search
 *   GET  /slices/<repo>/<slice id>         a slice (repo `_` for the top folder)
 *   POST /slices/<repo>/<slice id>/exclude|include|resend
 */

export type ReviewAction = 'exclude' | 'include' | 'resend';

export type ReviewRoute =
  | { readonly kind: 'asset'; readonly name: 'review.css' | 'review.js' }
  | { readonly kind: 'overview'; readonly part: boolean }
  | { readonly kind: 'search' }
  | {
      readonly kind: 'slice';
      readonly repo: string;
      readonly sliceId: string;
      readonly action?: ReviewAction | undefined;
    }
  | { readonly kind: 'not_found' };

/** Whether the page serves `path` at all (else the listener's other routes may). */
export function isReviewPath(path: string): boolean {
  return (
    path === '/' ||
    path === '/overview.part' ||
    path === '/slices' ||
    path.startsWith('/slices/') ||
    path.startsWith('/assets/')
  );
}

/** Whether `method` is refused on `path` (a review action is a POST; the rest GET or HEAD). */
export function methodRefused(path: string, method: string | undefined): boolean {
  const post = /\/(exclude|include|resend)$/.test(path);
  return !post && method !== 'GET' && method !== 'HEAD';
}

export function reviewRoute(path: string): ReviewRoute {
  if (path === '/assets/review.css') return { kind: 'asset', name: 'review.css' };
  if (path === '/assets/review.js') return { kind: 'asset', name: 'review.js' };
  if (path === '/' || path === '/overview.part') return { kind: 'overview', part: path !== '/' };
  if (path === '/slices') return { kind: 'search' };
  const m = /^\/slices\/([^/]+)\/([^/]+)(?:\/(exclude|include|resend))?$/.exec(path);
  if (m === null) return { kind: 'not_found' };
  const repo = decodeURIComponent(m[1]!);
  return {
    kind: 'slice',
    repo: repo === '_' ? '' : repo,
    sliceId: decodeURIComponent(m[2]!),
    action: m[3] as ReviewAction | undefined,
  };
}
