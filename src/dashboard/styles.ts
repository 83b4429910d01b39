// The dashboard's one stylesheet, inline (no external assets, no CDN). Colours keep
// at least 4.5:1 against their background (WCAG AA); series are told apart by dash
// and label too, not by colour alone; under 40em the page is a single column and
// wide tables scroll sideways inside their own region.
export const STYLES = `
:root{--ink:#1b1f24;--muted:#4d5661;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--v1:#0b5cad;--v2:#b34700;--pass:#116329;--fail:#b3261e;--inc:#7a4e00;--mark:#fff1b8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5em 1.5em;align-items:center;justify-content:space-between;padding:.75em 1.25em;border-bottom:1px solid var(--line);background:var(--panel)}
header p{margin:0}
main{padding:1em 1.25em;max-width:90em}
h1{font-size:1.4em;margin:.2em 0}
h2{font-size:1.15em;margin:1.6em 0 .5em}
h3{font-size:1em;margin:1em 0 .4em}
a{color:var(--v1)}
a:focus-visible,button:focus-visible,input:focus-visible,.scroll:focus-visible{outline:3px solid #0b5cad;outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.4em .6em;border-bottom:1px solid var(--line)}
th{background:var(--panel);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px}
table.routes{font-size:.9em}table.routes td,table.routes th{padding:.35em .45em}table.routes td.n{white-space:nowrap}
tbody th{background:none;font-weight:600}
.side{display:block;white-space:nowrap}
caption{text-align:left;padding:.4em .6em}
.legend{display:flex;flex-wrap:wrap;gap:.25em 1.25em;list-style:none;padding:0;margin:.25em 0 0;font-size:.9em}
.legend svg{width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em}
.muted,small{color:var(--muted)}
.badge{display:inline-block;padding:.05em .55em;border-radius:1em;font-weight:600;font-size:.9em;color:#fff}
.pass{background:var(--pass)}.fail{background:var(--fail)}.inconclusive{background:var(--inc)}
.off{background:var(--fail)}.on{background:var(--pass)}.capped{background:var(--inc)}
form.inline{display:inline}
button{font:inherit;padding:.3em .8em;border:1px solid var(--ink);border-radius:6px;background:#fff;color:var(--ink);cursor:pointer}
button.stop{background:var(--fail);border-color:var(--fail);color:#fff}
input{font:inherit;padding:.3em .4em;border:1px solid var(--muted);border-radius:6px}
input[type=number]{width:6em}
.panel{border:1px solid var(--line);border-radius:6px;padding:.75em 1em;background:var(--panel)}
.panel h2{margin-top:0}
.row{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center}
dl.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(11em,1fr));gap:.5em 1em;margin:0}
dl.figures div{border:1px solid var(--line);border-radius:6px;padding:.4em .6em}
dt{color:var(--muted);font-size:.9em}dd{margin:0;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20em,1fr));gap:1em}
figure{margin:0}figcaption{color:var(--muted);font-size:.9em}
svg{width:100%;height:auto;font:12px system-ui,sans-serif}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.5em;margin:.4em 0 1.2em}
.pair section{border:1px solid var(--line);border-radius:6px;min-width:0}
.pair h4{margin:0;padding:.3em .6em;background:var(--panel);border-bottom:1px solid var(--line)}
.pair .v1 h4{border-top:4px solid var(--v1)}.pair .v2 h4{border-top:4px solid var(--v2)}
.pair dl{margin:0;padding:.4em .6em}
.pair dd{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;font-weight:400;overflow-wrap:anywhere;margin-bottom:.4em}
mark{background:var(--mark);color:var(--ink);padding:0 .15em}
.redacted{font-style:italic;color:var(--muted)}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace}
nav.range{display:flex;flex-wrap:wrap;gap:.4em;margin:.5em 0}
nav.range a{padding:.25em .8em;border:1px solid var(--line);border-radius:1em;text-decoration:none}
nav.range a[aria-current]{background:var(--v1);border-color:var(--v1);color:#fff;font-weight:600}
a.button{display:inline-block;padding:.3em .8em;border:1px solid var(--fail);border-radius:6px;color:var(--fail);text-decoration:none}
pre.curl{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.6em .8em;white-space:pre-wrap;overflow-wrap:anywhere}
table.trends{margin-top:.8em}table.trends th code{overflow-wrap:anywhere}
svg.spark{width:10em;height:1.8em}
.reason{white-space:normal;max-width:16em}
.status-divergent{color:var(--fail);font-weight:600}
@media (max-width:40em){main{padding:.75em}.pair{grid-template-columns:1fr}header{padding:.6em .75em}
.scroll table{font-size:.85em}.scroll th,.scroll td{padding:.3em .35em}
table.routes,table.routes tbody,table.routes tr,table.routes th,table.routes td{display:block;white-space:normal}
table.routes thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.routes tr{border-bottom:2px solid var(--line);padding:.3em 0}
table.routes caption{display:block}
table.routes td{text-align:right;border:0;padding:.15em .6em;overflow:hidden}
table.routes td::before{content:attr(data-label);float:left;margin-right:1em;color:var(--muted)}
table.routes td .side{display:inline;margin-left:.5em}}
`;
