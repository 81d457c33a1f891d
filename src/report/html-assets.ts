/** Inline CSS and JS of the HTML report: static text, no data in them, nothing loaded from the network. */

export const HTML_CSS = `
:root{--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--accent:#0969da;
--genuine:#b3191f;--genuine-bg:#ffebe9;--flaky:#7d4e00;--flaky-bg:#fff8c5;--passed:#116329;--passed-bg:#dafbe1;--skipped:#59636e;--skipped-bg:#eff2f5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--accent:#4493f8;
--genuine:#f85149;--genuine-bg:#3c1618;--flaky:#d29922;--flaky-bg:#3a2d0b;--passed:#3fb950;--passed-bg:#12301c;--skipped:#9198a1;--skipped-bg:#262c36}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
header{background:var(--card);border-bottom:1px solid var(--line);padding:20px 32px 16px}
header h1{margin:0 0 4px;font-size:22px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
header .brand{color:var(--muted);font-weight:500;font-size:14px;letter-spacing:.02em;text-transform:uppercase}
.meta{color:var(--muted);font-size:13px;display:flex;flex-wrap:wrap;gap:4px 16px}
.meta b{color:var(--fg);font-weight:600}
main{max-width:1280px;margin:0 auto;padding:20px 32px 48px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin-bottom:20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px;border-top:4px solid var(--line)}
.card .n{font-size:28px;font-weight:600;line-height:1.2}.card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.genuine{border-top-color:var(--genuine)}.card.genuine .n{color:var(--genuine)}
.card.flaky{border-top-color:var(--flaky)}.card.flaky .n{color:var(--flaky)}
.card.passed{border-top-color:var(--passed)}.card.skipped{border-top-color:var(--skipped)}.card.failed{border-top-color:var(--fg)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:0 0 20px;overflow:hidden}
section>h2{font-size:16px;margin:0;padding:12px 16px;border-bottom:1px solid var(--line);display:flex;gap:8px;align-items:baseline}
section>h2 .sub{color:var(--muted);font-weight:400;font-size:13px}
section>.body{padding:12px 16px}
.toolbar{position:sticky;top:0;z-index:5;display:flex;gap:10px;align-items:center;flex-wrap:wrap;padding:10px 0;margin-bottom:8px;background:var(--bg)}
.toolbar input{flex:1;min-width:240px;padding:8px 12px;border:1px solid var(--line);border-radius:8px;background:var(--card);color:var(--fg);font:inherit}
.toolbar input:focus{outline:2px solid var(--accent);outline-offset:-1px}
.chip{border:1px solid var(--line);background:var(--card);color:var(--fg);border-radius:999px;padding:5px 12px;font:inherit;font-size:13px;cursor:pointer}
.chip[aria-pressed=true]{background:var(--fg);color:var(--card);border-color:var(--fg)}
#ff-count{color:var(--muted);font-size:13px}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em;padding:8px 12px;border-bottom:1px solid var(--line);background:var(--bg)}
td{padding:8px 12px;border-bottom:1px solid var(--line);vertical-align:top}
th.num,td.num{text-align:right;white-space:nowrap}th.rank{width:56px}
tbody.item>tr.main{cursor:pointer}tbody.item>tr.main:hover{background:var(--bg)}
tbody.item.open>tr.main{background:var(--bg)}
.tname{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}
tbody.item td.tname,#failures>table>thead th:nth-child(2){padding-left:28px}
.tname .tw{display:inline-block;width:12px;margin:0 2px 0 -16px;text-align:center;color:var(--muted);transition:transform .15s}
tbody.item.open .tw{transform:rotate(90deg)}
.loc{display:block;color:var(--muted);font-size:12px;margin-top:2px}
.msg{color:var(--muted);font-size:13px;max-width:380px;word-break:break-word}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap}
.pill.genuine{background:var(--genuine-bg);color:var(--genuine)}.pill.flaky{background:var(--flaky-bg);color:var(--flaky)}
.pill.passed{background:var(--passed-bg);color:var(--passed)}.pill.skipped{background:var(--skipped-bg);color:var(--skipped)}
.why{font-size:13px}.why div{margin-bottom:2px}.why b{font-weight:600}
.strip{display:flex;gap:2px;align-items:center}
.strip i{display:block;width:10px;height:16px;border-radius:2px;background:var(--skipped-bg)}
.strip i.passed{background:var(--passed)}.strip i.genuine{background:var(--genuine)}.strip i.flaky{background:var(--flaky)}
.strip i.learned{background:var(--flaky-bg);box-shadow:inset 0 0 0 2px var(--flaky)}.strip i.skipped{background:var(--skipped)}.strip i.absent{background:transparent;box-shadow:inset 0 0 0 1px var(--line)}
.strip i.ok{background:var(--passed-bg);box-shadow:inset 0 0 0 1px var(--passed)}
.strip i.now{outline:2px solid var(--fg);outline-offset:1px}
tr.detail>td{background:var(--bg);padding:12px 16px 16px}
.detail h4{margin:8px 0 6px;font-size:13px}
.detail table{background:var(--card);border:1px solid var(--line);border-radius:6px}
.detail td,.detail th{padding:5px 10px}
pre{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:auto;max-height:360px;margin:6px 0;white-space:pre-wrap;word-break:break-word}
.frames{margin:4px 0 8px;padding-left:18px}.frames li{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.frames .st{color:var(--muted)}
.rate{display:flex;align-items:center;gap:8px}.rate .bar{flex:0 0 90px;height:8px;border-radius:4px;background:var(--skipped-bg);overflow:hidden}
.rate .bar span{display:block;height:100%;background:var(--flaky)}
.note{color:var(--muted);font-size:13px;padding:10px 16px;margin:0}
.empty{color:var(--muted);padding:16px}
svg.trend{width:100%;height:auto;display:block}
svg.trend .grid{stroke:var(--line);stroke-dasharray:3 3}svg.trend .base{stroke:var(--muted)}
svg.trend .axis{fill:var(--muted);font-size:11px}svg.trend .axis.strong{fill:var(--fg);font-weight:600}
svg.trend .genuine{fill:var(--genuine)}svg.trend .flaky{fill:var(--flaky)}svg.trend .ok{fill:var(--passed)}
svg.trend .hit{fill:transparent}svg.trend g.bar:hover .hit{fill:var(--bg)}
svg.trend .legend text{fill:var(--muted);font-size:12px}
ul.plain{margin:0;padding-left:20px}
#evaluation h3{font-size:14px;margin:0;padding:14px 16px 6px;border-top:1px solid var(--line)}#evaluation h3 .sub{color:var(--muted);font-weight:400;font-size:13px}
#evaluation h4{margin:4px 0;font-size:13px}#evaluation .intro{margin:0;color:var(--muted);font-size:13px}
#evaluation tbody th{text-align:left;text-transform:none;letter-spacing:0;font-size:13px;color:var(--fg);background:transparent;border-bottom:1px solid var(--line);vertical-align:top}
#evaluation td.bad{color:var(--genuine);font-weight:600}#evaluation tr.combo th,#evaluation tr.combo td{font-weight:600}
#evaluation td.est{white-space:nowrap}#evaluation .range{color:var(--muted);font-size:12px}
.ci-bar{position:relative;height:6px;width:100px;margin-top:4px;border-radius:3px;background:var(--skipped-bg);box-shadow:inset 0 0 0 1px var(--line)}
.ci-bar i{position:absolute;top:0;bottom:0;min-width:2px;border-radius:3px;background:var(--accent)}
.ci-bar b{position:absolute;top:-3px;width:3px;height:12px;margin-left:-1px;border-radius:1px;background:var(--fg)}
#evaluation tr.best{background:var(--passed-bg)}#evaluation tr.best th{color:var(--passed)}
#evaluation .advice li{margin:2px 0}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 24px}
section{overflow-x:auto}
@media (max-width:640px){
header{padding:14px 14px 10px}main{padding:12px 10px 32px}
.toolbar input{min-width:0;flex-basis:100%}
#failures>table,#failures>table>tbody,#failures>table>tbody>tr,#failures>table>tbody>tr>td{display:block;width:auto}
#failures>table>thead{display:none}
#failures>table>tbody>tr.main>td{border-bottom:0;padding:4px 12px}
#failures>table>tbody{border-bottom:1px solid var(--line);padding:6px 0}
tbody.item td.tname{padding-left:28px}
.msg{max-width:none}
}
[hidden]{display:none!important}
`;

/** Filtering by text and verdict, and row expansion. Works on every element marked `.item` with data-search. */
export const HTML_JS = `
(function(){
  var q=document.getElementById('ff-search'),count=document.getElementById('ff-count');
  var chips=[].slice.call(document.querySelectorAll('.chip[data-verdict]'));
  var items=[].slice.call(document.querySelectorAll('.item[data-search]'));
  var verdict='all';
  function apply(){
    var words=q.value.toLowerCase().split(/\\s+/).filter(Boolean),shown=0,total=0;
    items.forEach(function(el){
      var hay=el.getAttribute('data-search'),v=el.getAttribute('data-verdict');
      var ok=words.every(function(w){return hay.indexOf(w)>=0})&&(verdict==='all'||!v||v===verdict);
      el.hidden=!ok;
      if(el.hasAttribute('data-count')){total++;if(ok)shown++;}
    });
    count.textContent=(words.length||verdict!=='all')?shown+' of '+total+' failures match':total+' failures';
  }
  q.addEventListener('input',apply);
  chips.forEach(function(c){c.addEventListener('click',function(){
    verdict=c.getAttribute('data-verdict');
    chips.forEach(function(o){o.setAttribute('aria-pressed',String(o===c))});apply();});});
  document.addEventListener('click',function(e){
    var row=e.target.closest&&e.target.closest('tr.main');
    if(!row||e.target.closest('a'))return;
    var body=row.parentNode,detail=body.querySelector('tr.detail');
    if(!detail)return;
    detail.hidden=!detail.hidden;body.classList.toggle('open',!detail.hidden);
    row.setAttribute('aria-expanded',String(!detail.hidden));
  });
  var runs=JSON.parse(document.getElementById('ff-runs').textContent||'[]');
  document.addEventListener('mouseover',function(e){
    var cell=e.target;
    if(!cell.parentNode||!cell.parentNode.classList||!cell.parentNode.classList.contains('strip')||cell.title)return;
    var run=runs[[].indexOf.call(cell.parentNode.children,cell)]||['?',''];
    var state={absent:'not run',ok:'no failure (passed or not run)',learned:'flaky, learned later'}[cell.classList[0]]||cell.classList[0];
    cell.title=run[0]+(run[1]?' · '+run[1]:'')+' · '+state;
  });
  document.addEventListener('keydown',function(e){
    if(e.key==='/'&&document.activeElement!==q){e.preventDefault();q.focus();}
    if((e.key==='Enter'||e.key===' ')&&e.target.matches&&e.target.matches('tr.main')){e.preventDefault();e.target.click();}
  });
  apply();
})();
`;

/**
 * A self-contained page around `content` with the report's styles: nothing is loaded from elsewhere, and `scripts`
 * says whether inline scripts may run. `escapedTitle` is already HTML-escaped.
 */
export function htmlPage(escapedTitle: string, content: string, scripts: boolean): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; ${scripts ? "script-src 'unsafe-inline'; " : ''}img-src data:`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${escapedTitle}</title>
<style>${HTML_CSS}</style></head>
<body>
${content}
</body></html>
`;
}
