// Regenerates the issues of validation-reference.json (or another file of
// {"expr"} cases) as the EU's reference validator reports them.
//   npm install certlogic-js@1 && node validation.js validation-reference.json
const { validate } = require("certlogic-js/dist/validation")
const fs = require("fs")
const file = process.argv[2]
const out = JSON.parse(fs.readFileSync(file, "utf8")).map(({ expr }) => ({ expr, issues: validate(expr) }))
fs.writeFileSync(file, "[\n" + out.map((c) => JSON.stringify(c)).join(",\n") + "\n]\n")
