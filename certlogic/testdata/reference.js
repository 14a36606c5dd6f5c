// Regenerates reference.json: every case's expected result (want) or
// error, as the EU's reference implementation evaluates it.
//   npm install certlogic-js@1 && node reference.js reference.json
const { evaluate } = require("certlogic-js")
const fs = require("fs")
const file = process.argv[2]
const norm = (v) => {
  if (v instanceof Date) return isNaN(v) ? "DATE:invalid" : "DATE:" + v.toISOString()
  if (Array.isArray(v)) return v.map(norm)
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]))
  return v
}
const out = JSON.parse(fs.readFileSync(file, "utf8")).map(({ expr, data }) => {
  try { return { expr, data, want: norm(evaluate(expr, data)) } }
  catch (e) { return { expr, data, error: e.message } }
})
fs.writeFileSync(file, JSON.stringify(out, null, 1) + "\n")
