import{createRequire as __ffCreateRequire}from'node:module';import{fileURLToPath as __ffUrl}from'node:url';import{dirname as __ffDir}from'node:path';const require=__ffCreateRequire(import.meta.url);const __filename=__ffUrl(import.meta.url);const __dirname=__ffDir(__filename);
import{a}from"./chunk-GQJGO2GB.js";import"./chunk-LOC52HS4.js";export{a as loadSqlJs};
