// Drives a real yaml-language-server (the server behind VS Code's YAML extension, Neovim's
// yamlls, Helix ...) over LSP stdio against packet.yaml files, to prove the committed schema
// does what editors need: the modeline is followed, the bundled packet has no diagnostics,
// top-level keys and enum values complete with descriptions, and a typo is underlined.
//
// usage: node tests/ecosystem_yls.mjs PATH/TO/yaml-language-server REPO_ROOT
// Run by tests/it/ecosystem/editor.rs; prints one line per check and exits non-zero on failure.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [server, root] = process.argv.slice(2);
const proc = spawn(server, ["--stdio"], { stdio: ["pipe", "pipe", "inherit"] });

let buf = Buffer.alloc(0);
let nextId = 1;
const pending = new Map();
const diagnostics = new Map();
const waiters = [];

function send(msg) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...msg }));
  proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
  proc.stdin.write(body);
}
function request(method, params) {
  const id = nextId++;
  send({ id, method, params });
  return new Promise((resolve) => pending.set(id, resolve));
}
const notify = (method, params) => send({ method, params });

proc.stdout.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const head = buf.indexOf("\r\n\r\n");
    if (head < 0) return;
    const len = Number(/Content-Length: (\d+)/i.exec(buf.slice(0, head).toString())[1]);
    if (buf.length < head + 4 + len) return;
    const msg = JSON.parse(buf.slice(head + 4, head + 4 + len).toString());
    buf = buf.slice(head + 4 + len);
    if (msg.id !== undefined && pending.has(msg.id) && msg.method === undefined) {
      pending.get(msg.id)(msg.result);
      pending.delete(msg.id);
    } else if (msg.method === "workspace/configuration") {
      send({ id: msg.id, result: msg.params.items.map(() => settings.yaml) });
    } else if (msg.id !== undefined && msg.method) {
      send({ id: msg.id, result: null }); // e.g. client/registerCapability
    } else if (msg.method === "textDocument/publishDiagnostics") {
      diagnostics.set(msg.params.uri, msg.params.diagnostics);
      waiters.splice(0).forEach((w) => w());
    }
  }
});

const settings = {
  yaml: { validate: true, completion: true, hover: true, schemaStore: { enable: false }, format: { enable: false } },
};

async function diagnosticsFor(uri) {
  for (let i = 0; i < 100; i++) {
    if (diagnostics.has(uri)) return diagnostics.get(uri);
    await new Promise((r) => { waiters.push(r); setTimeout(r, 100); });
  }
  throw new Error(`no diagnostics published for ${uri}`);
}

let failed = 0;
function check(ok, what, detail) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok ? "" : `: ${detail}`}`);
  if (!ok) failed++;
}

let version = 0;
async function open(file, text) {
  const uri = pathToFileURL(file).href;
  diagnostics.delete(uri);
  notify("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: ++version, text } });
  return uri;
}

const labels = (res) => (Array.isArray(res) ? res : res?.items ?? []).map((i) => i.label);

await request("initialize", {
  processId: process.pid,
  rootUri: pathToFileURL(root).href,
  capabilities: { textDocument: { completion: { completionItem: { snippetSupport: false, documentationFormat: ["markdown", "plaintext"] } } }, workspace: { configuration: true } },
});
notify("initialized", {});
notify("workspace/didChangeConfiguration", { settings });

const specPath = path.join(root, "packets/one-roof-ownership-seed/packet.yaml");
const spec = readFileSync(specPath, "utf8");

// 1. The bundled packet: the modeline is followed and nothing is flagged.
const uri = await open(specPath, spec);
const diags = await diagnosticsFor(uri);
check(diags.length === 0, "bundled packet.yaml validates in the editor", JSON.stringify(diags));

// 2. Completion of top-level keys on an empty line (in a copy missing `risks:` and `source:`).
const partial = spec.replace(/^source:.*\n/m, "").replace(/^risks:[\s\S]*$/m, "") + "\n";
const partialPath = path.join(root, "packets/one-roof-ownership-seed/partial.yaml");
const puri = await open(partialPath, partial);
await diagnosticsFor(puri);
const lines = partial.split("\n");
const top = await request("textDocument/completion", { textDocument: { uri: puri }, position: { line: lines.length - 1, character: 0 } });
const topLabels = labels(top);
check(topLabels.includes("risks") && topLabels.includes("source"), "top-level keys complete (risks, source)", JSON.stringify(topLabels));
const risks = (Array.isArray(top) ? top : top?.items ?? []).find((i) => i.label === "risks");
const doc = JSON.stringify(risks?.documentation ?? "");
check(doc.includes("Notes carried from the clone"), "completion carries the field's description", doc);

// 3. Enum values complete: `role: ` of the verify step.
const kindLine = lines.findIndex((l) => l.trim() === "- role: verify");
const blanked = lines.slice();
blanked[kindLine] = blanked[kindLine].replace("verify", "");
const euri = await open(path.join(root, "packets/one-roof-ownership-seed/enum.yaml"), blanked.join("\n"));
await diagnosticsFor(euri);
const kinds = labels(await request("textDocument/completion", { textDocument: { uri: euri }, position: { line: kindLine, character: blanked[kindLine].length } }));
check(kinds.includes("verify") && kinds.includes("rollback"), "step role completes preflight / seed / verify / rollback", JSON.stringify(kinds));

// 4. A typo in a key is underlined.
const typo = spec.replace("stop_note: any assert", "stop_notes: any assert");
const turi = await open(path.join(root, "packets/one-roof-ownership-seed/typo.yaml"), typo);
const tdiags = await diagnosticsFor(turi);
check(tdiags.some((d) => /stop_notes/.test(d.message) || /not allowed/i.test(d.message)), "an unknown key is flagged", JSON.stringify(tdiags));

// 5. A wrong enum value is flagged.
const bad = spec.replace("role: verify", "role: verification");
const buri = await open(path.join(root, "packets/one-roof-ownership-seed/bad.yaml"), bad);
const bdiags = await diagnosticsFor(buri);
check(bdiags.some((d) => /verify|allowed values|enum/i.test(d.message)), "a wrong role is flagged", JSON.stringify(bdiags));

await request("shutdown", null);
notify("exit", null);
proc.kill();
process.exit(failed ? 1 : 0);
