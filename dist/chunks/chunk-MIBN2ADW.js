import{createRequire as __ffCreateRequire}from'node:module';import{fileURLToPath as __ffUrl}from'node:url';import{dirname as __ffDir}from'node:path';const require=__ffCreateRequire(import.meta.url);const __filename=__ffUrl(import.meta.url);const __dirname=__ffDir(__filename);
import{a as S,b as k,c as d,d as C,e as _,g as L}from"./chunk-BUUQQELD.js";import{D as M,E as A,b as u,g as h,j as $,k as f,p as x}from"./chunk-L4OJ36KF.js";import{d as D,l as y}from"./chunk-FUGBOK4G.js";var U="<!-- flakefighters-action -->",G=6e4;function W(n,o=U){let r=y(n.run),e=n.sha??n.run.commitSha,s=`${o}
### ${k(r)} flakefighters: ${S(r)}

`;return s+=`${e?`Commit \`${u($(e))}\` · `:""}history of ${f(n.history.length,"earlier run")} · ${n.flakefighters.length?u(n.flakefighters.join(", ")):"no flakefighters"}
`,O(n,s,I(n),G)}function I(n){let o=M(n).slice(0,10);return o.length?`
${o.map(r=>`[${u(h(r.label,100))}](${L(r.url)})`).join(" · ")}
`:""}function O(n,o,r,e){let s=x(n.run);if(!s.length)return o+r;let l=e-o.length-r.length-d.length-_(s.length).length-16,c="",g=0;for(let p of s){let b=C(n,p);if(c.length+b.length>l)break;c+=b,g++}let a=g<s.length?_(s.length-g):"";return`${o}
${g?d+c:""}${a}${r}`}var F="<!-- ffa-leg:",K="<!-- /ffa-leg -->",v=/<!-- ffa-leg:([A-Za-z0-9_-]+) -->\n([\s\S]*?)\n<!-- \/ffa-leg -->/g;function H(n,o){let r=y(n.run),e=n.sha??n.run.commitSha,s=A(n,n.run),l=[s?`[run ${u(D(n.run))}](${L(s)})`:"",e?`commit \`${u($(e))}\``:"",`history of ${f(n.history.length,"earlier run")}`,n.flakefighters.length?u(n.flakefighters.join(", ")):"no flakefighters"].filter(Boolean),c=`${S(r)}  
${l.join(" · ")}
`;return n.warnings.length&&(c+=`
⚠️ ${f(n.warnings.length,"warning")}: ${u(h(n.warnings[0],200))}${n.warnings.length>1?" (all in the job summary)":""}
`),O(n,c,I(n),o)}function Y(n,o,r=2e4,e=new Date){let s=n.run,l=s.meta.runId&&/^\d+$/.test(String(s.meta.runId))?Number(s.meta.runId):null;return{key:o.key,label:o.label,runId:l,runNumber:s.meta.runNumber??null,runAttempt:s.meta.runAttempt??null,sha:n.sha??s.commitSha??null,url:A(n,s),counts:y(s),at:e.toISOString(),body:H(n,r)}}function J(n){let{body:o,...r}=n;return`${F}${Buffer.from(JSON.stringify(r),"utf8").toString("base64url")} -->
${o.replace(/<!-- \/?ffa-leg/g,"<!-- ffa leg")}
${K}`}function z(n){let o=[];for(let r of n.matchAll(v))try{let e=JSON.parse(Buffer.from(r[1],"base64url").toString("utf8"));if(typeof e.key!="string"||typeof e.label!="string"||!e.counts)continue;o.push({...e,body:r[2]})}catch{}return o}function E(n,o){let r=l=>[l.runNumber??0,l.runAttempt??0,Date.parse(l.at)||0],[e,s]=[r(n),r(o)];for(let l=0;l<e.length;l++)if(e[l]!==s[l])return e[l]>s[l];return!1}function nn(n,o){let r=new Map(n.map(e=>[e.key,e]));for(let e of o){let s=r.get(e.key);(!s||E(e,s))&&r.set(e.key,e)}return[...r.values()]}function en(n,o){let r=z(n).find(e=>e.key===o.key);return r!==void 0&&(r.at===o.at||E(r,o))}var P=6e4;function tn(n,o,r){let e=[...r].sort((t,i)=>t.label<i.label?-1:t.label>i.label?1:0),l=e.reduce((t,i)=>!t||E(i,t)?i:t,null)?.sha??null,c=e.filter(t=>!l||t.sha===l),g=e.filter(t=>l&&t.sha!==l),a=c.filter(t=>t.counts.genuine>0||(t.counts.unreadable??0)>0),p=c.reduce((t,i)=>t+i.counts.flaky,0),b=a.length?"❌":g.length?"⏳":"✅",T=a.length?`${f(a.reduce((t,i)=>t+i.counts.genuine,0),"genuine failure")} on ${f(a.length,"leg")}`:"no genuine failures",m=`${n}
### ${b} flakefighters · ${u(o)}: ${T}${p?`, ${f(p,"flaky failure")}`:""}

`;m+=`${l?`Commit \`${u($(l))}\` · `:""}${f(c.length,"leg")} reported${g.length?`, ${f(g.length,"leg")} not yet for this commit`:""}. Each leg updates its own section when it finishes.

`,m+=`| Leg | Result | Run |
| --- | --- | --- |
`;for(let t of e){let i=g.includes(t),w=i?"⏳":k(t.counts),R=i?`not reported yet for this commit (last: ${t.sha?`\`${u($(t.sha))}\``:"an earlier commit"})`:S(t.counts),N=t.runNumber?`#${t.runNumber}${(t.runAttempt??1)>1?` (attempt ${t.runAttempt})`:""}`:"run";m+=`| ${w} ${u(h(t.label,200))} | ${R} | ${t.url?`[${u(N)}](${L(t.url)})`:u(N)} |
`}let j=Math.floor((P-m.length)/Math.max(1,e.length))-400,B=e.map(t=>{let i=g.includes(t),w=!i&&t.counts.failed>0?" open":"",R=`${i?"⏳":k(t.counts)} ${u(h(t.label,200))}${i?" (earlier commit)":""}`;return`
<details${w}><summary>${R}</summary>

${J({...t,body:X(t.body,j)})}

</details>
`});return m+B.join("")}function X(n,o){if(n.length<=o)return n;let r=`

_… cut to fit the comment; the leg’s job summary has it all._`,e=Math.max(0,o-r.length),s=n.lastIndexOf(`
`,e);return n.slice(0,s>0?s:e)+r}export{U as a,W as b,Y as c,z as d,nn as e,en as f,tn as g};
