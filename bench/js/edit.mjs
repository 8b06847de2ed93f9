// The same edit through automerge-repo, the JavaScript reference implementation: seven
// repos connected to its websocket sync server on 127.0.0.1; one change on one repo until
// the six others hold it. No storage: the repos keep documents in memory.
//   npm ci && node edit.mjs [--quick]
import { Repo } from "@automerge/automerge-repo"
import {
  WebSocketClientAdapter,
  WebSocketServerAdapter,
} from "@automerge/automerge-repo-network-websocket"
import { WebSocketServer } from "ws"
import { readFileSync } from "node:fs"

const quick = process.argv.includes("--quick")
const edits = quick ? 40 : 300
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
await new Promise((resolve) => wss.on("listening", resolve))
const port = wss.address().port
const server = new Repo({
  network: [new WebSocketServerAdapter(wss)],
  peerId: "sync-server",
  sharePolicy: async () => false,
})
const repos = []
for (let i = 0; i < 7; i++) {
  repos.push(
    new Repo({
      network: [new WebSocketClientAdapter(`ws://127.0.0.1:${port}`)],
      peerId: `member-${i}`,
    }),
  )
}
const first = repos[0].create({ rules: {} })
await first.whenReady()
const handles = [first]
for (const repo of repos.slice(1)) {
  const handle = await repo.find(first.url)
  await handle.whenReady()
  handles.push(handle)
}

const times = []
for (let i = 0; i < edits + 10; i++) {
  const from = i % handles.length
  const key = `rule${i}`
  const arrived = handles
    .filter((_, j) => j !== from)
    .map(
      (h) =>
        new Promise((resolve) => {
          const check = () => {
            if (h.doc()?.rules?.[key]) {
              h.off("change", check)
              resolve()
            }
          }
          h.on("change", check)
          check()
        }),
    )
  const started = performance.now()
  handles[from].change((d) => {
    d.rules[key] = "We keep to time."
  })
  await Promise.all(arrived)
  if (i >= 10) times.push(performance.now() - started)
}
times.sort((a, b) => a - b)
const at = (p) => times[Math.min(times.length - 1, Math.round((times.length - 1) * p))]
console.log(
  JSON.stringify({
    edits,
    median_ms: at(0.5),
    p99_ms: at(0.99),
    automerge_repo: JSON.parse(
      readFileSync(new URL("./node_modules/@automerge/automerge-repo/package.json", import.meta.url)),
    ).version,
  }),
)
for (const repo of repos) await repo.shutdown()
await server.shutdown()
wss.close()
process.exit(0)
