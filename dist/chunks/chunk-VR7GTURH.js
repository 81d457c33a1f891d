import{createRequire as __ffCreateRequire}from'node:module';import{fileURLToPath as __ffUrl}from'node:url';import{dirname as __ffDir}from'node:path';const require=__ffCreateRequire(import.meta.url);const __filename=__ffUrl(import.meta.url);const __dirname=__ffDir(__filename);
import{a as A,b as _,c as L,d as C,e as w,g as d}from"./chunk-6VCKXIER.js";import{A as M,b as c,e as k,h as S,i as h,n as x}from"./chunk-EETCGQC7.js";import{b as O,g as R}from"./chunk-LDXOLAIL.js";var j="<!-- flakefighters-action -->",B=6e4;function q(n,l=j){let r=R(n.run),t=x(n.run),s=n.sha??n.run.commitSha,o=`${l}
### ${_(r)} flakefighters: ${A(r)}

`;o+=`${s?`Commit \`${c(S(s))}\` · `:""}history of ${h(n.history.length,"earlier run")} · ${n.flakefighters.length?c(n.flakefighters.join(", ")):"no flakefighters"}
`;let m=(n.links??[]).filter(i=>/^https?:\/\//.test(i.url)).slice(0,10),g=m.length?`
${m.map(i=>`[${c(k(i.label,100))}](${d(i.url)})`).join(" · ")}
`:"";if(!t.length)return o+g;let a=B-o.length-g.length-L.length-w(t.length).length-16,f="",$=0;for(let i of t){let y=C(n,i);if(f.length+y.length>a)break;f+=y,$++}let b=$<t.length?w(t.length-$):"";return`${o}
${$?L+f:""}${b}${g}`}var T="<!-- ffa-leg:",U="<!-- /ffa-leg -->",G=/<!-- ffa-leg:([A-Za-z0-9_-]+) -->\n([\s\S]*?)\n<!-- \/ffa-leg -->/g;function K(n,l){let r=R(n.run),t=x(n.run),s=n.sha??n.run.commitSha,o=M(n,n.run),m=[o?`[run ${c(O(n.run))}](${d(o)})`:"",s?`commit \`${c(S(s))}\``:"",`history of ${h(n.history.length,"earlier run")}`,n.flakefighters.length?c(n.flakefighters.join(", ")):"no flakefighters"].filter(Boolean),g=`${A(r)}  
${m.join(" · ")}
`;n.warnings.length&&(g+=`
⚠️ ${h(n.warnings.length,"warning")}: ${c(k(n.warnings[0],200))}${n.warnings.length>1?" (all in the job summary)":""}
`);let a=(n.links??[]).filter(p=>/^https?:\/\//.test(p.url)).slice(0,10),f=a.length?`
${a.map(p=>`[${c(k(p.label,100))}](${d(p.url)})`).join(" · ")}
`:"";if(!t.length)return g+f;let $=l-g.length-f.length-L.length-w(t.length).length-16,b="",i=0;for(let p of t){let e=C(n,p);if(b.length+e.length>$)break;b+=e,i++}let y=i<t.length?w(t.length-i):"";return`${g}
${i?L+b:""}${y}${f}`}function Q(n,l,r=2e4,t=new Date){let s=n.run,o=s.meta.runId&&/^\d+$/.test(String(s.meta.runId))?Number(s.meta.runId):null;return{key:l.key,label:l.label,runId:o,runNumber:s.meta.runNumber??null,runAttempt:s.meta.runAttempt??null,sha:n.sha??s.commitSha??null,url:M(n,s),counts:R(s),at:t.toISOString(),body:K(n,r)}}function v(n){let{body:l,...r}=n;return`${T}${Buffer.from(JSON.stringify(r),"utf8").toString("base64url")} -->
${l.replace(/<!-- \/?ffa-leg/g,"<!-- ffa leg")}
${U}`}function F(n){let l=[];for(let r of n.matchAll(G))try{let t=JSON.parse(Buffer.from(r[1],"base64url").toString("utf8"));if(typeof t.key!="string"||typeof t.label!="string"||!t.counts)continue;l.push({...t,body:r[2]})}catch{}return l}function D(n,l){let r=o=>[o.runNumber??0,o.runAttempt??0,Date.parse(o.at)||0],[t,s]=[r(n),r(l)];for(let o=0;o<t.length;o++)if(t[o]!==s[o])return t[o]>s[o];return!1}function V(n,l){let r=new Map(n.map(t=>[t.key,t]));for(let t of l){let s=r.get(t.key);(!s||D(t,s))&&r.set(t.key,t)}return[...r.values()]}function W(n,l){let r=F(n).find(t=>t.key===l.key);return r!==void 0&&(r.at===l.at||D(r,l))}var H=6e4;function Y(n,l,r){let t=[...r].sort((e,u)=>e.label<u.label?-1:e.label>u.label?1:0),o=t.reduce((e,u)=>!e||D(u,e)?u:e,null)?.sha??null,m=t.filter(e=>!o||e.sha===o),g=t.filter(e=>o&&e.sha!==o),a=m.filter(e=>e.counts.genuine>0||(e.counts.unreadable??0)>0),f=m.reduce((e,u)=>e+u.counts.flaky,0),$=a.length?"❌":g.length?"⏳":"✅",b=a.length?`${h(a.reduce((e,u)=>e+u.counts.genuine,0),"genuine failure")} on ${h(a.length,"leg")}`:"no genuine failures",i=`${n}
### ${$} flakefighters · ${c(l)}: ${b}${f?`, ${h(f,"flaky failure")}`:""}

`;i+=`${o?`Commit \`${c(S(o))}\` · `:""}${h(m.length,"leg")} reported${g.length?`, ${h(g.length,"leg")} not yet for this commit`:""}. Each leg updates its own section when it finishes.

`,i+=`| Leg | Result | Run |
| --- | --- | --- |
`;for(let e of t){let u=g.includes(e),E=u?"⏳":_(e.counts),N=u?`not reported yet for this commit (last: ${e.sha?`\`${c(S(e.sha))}\``:"an earlier commit"})`:A(e.counts),I=e.runNumber?`#${e.runNumber}${(e.runAttempt??1)>1?` (attempt ${e.runAttempt})`:""}`:"run";i+=`| ${E} ${c(k(e.label,200))} | ${N} | ${e.url?`[${c(I)}](${d(e.url)})`:c(I)} |
`}let y=Math.floor((H-i.length)/Math.max(1,t.length))-400,p=t.map(e=>{let u=g.includes(e),E=!u&&e.counts.failed>0?" open":"",N=`${u?"⏳":_(e.counts)} ${c(k(e.label,200))}${u?" (earlier commit)":""}`;return`
<details${E}><summary>${N}</summary>

${v({...e,body:J(e.body,y)})}

</details>
`});return i+p.join("")}function J(n,l){if(n.length<=l)return n;let r=`

_… cut to fit the comment; the leg’s job summary has it all._`,t=Math.max(0,l-r.length),s=n.lastIndexOf(`
`,t);return n.slice(0,s>0?s:t)+r}export{j as a,q as b,K as c,Q as d,F as e,V as f,W as g,Y as h};
