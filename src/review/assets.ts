/**
 * The page's stylesheet and script, served from the process (no CDN, nothing fetched from
 * elsewhere: the page works offline). The script only refreshes the overview: it fetches the
 * server-rendered part every few seconds and swaps it in; every page works without it.
 */
export const REVIEW_CSS = `
:root { color-scheme: light dark; --muted: #777; --line: #8884; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1.2em; border-bottom: 1px solid var(--line); }
nav a { margin-right: 1em; } nav a[aria-current] { font-weight: bold; text-decoration: none; }
main { padding: .5em 1.2em 3em; max-width: 1200px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.4em; } h3 { font-size: 1em; }
.muted { color: var(--muted); }
table.grid { border-collapse: collapse; width: 100%; margin: .4em 0; }
table.grid td, table.grid th { border-bottom: 1px solid var(--line); padding: .25em .5em; text-align: left; vertical-align: top; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; }
pre { background: #8881; padding: .6em; overflow: auto; white-space: pre-wrap; word-break: break-word; max-height: 40em; }
pre.code { max-height: 24em; }
.cat, .state { padding: 0 .4em; border-radius: 3px; background: #8882; }
.cat-record, .state-running { background: #2a72; } .cat-final, .cat-rejected, .cat-excluded_by_reviewer, .state-unhealthy { background: #d442; }
.cat-pending { background: #db32; }
.cat-ungrounded, .cat-refused, .cat-empty_answer, .cat-over_token_limit, .cat-fine_tuning_format { background: #d442; }
.reason { color: #b44; }
.notice { background: #2a72; padding: .4em .6em; }
form { margin: .3em 0; } form input[name=reason] { width: 28em; max-width: 60%; }
.search input[type=search] { width: 24em; }
svg.chart { width: 100%; max-width: 600px; height: auto; }
svg.chart .line { fill: none; stroke: #36c; stroke-width: 2; } svg.chart .axis { stroke: var(--muted); }
svg.chart text { font-size: 11px; fill: currentColor; }
dl { margin: 0 0 0 .5em; } dt { font-weight: 600; margin-top: .3em; } dd { margin-left: 1em; }
.text { white-space: pre-wrap; }
article.answer { border-left: 3px solid var(--line); padding-left: .8em; margin: .8em 0; }
`;

export const REVIEW_JS = `
(() => {
  const live = document.querySelector('[data-live]');
  if (!live) return;
  const refresh = async () => {
    try {
      const res = await fetch(live.dataset.live, { headers: { accept: 'text/html' } });
      if (res.ok) live.innerHTML = await res.text();
    } catch {}
  };
  setInterval(refresh, 2000);
})();
`;
