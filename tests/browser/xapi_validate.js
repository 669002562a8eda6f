// Validates xAPI statements with Learning Locker's published validator (npm xapi-validation).
// stdin: a JSON array of statements; stdout: a JSON array of {index, id, path, warning} (empty: all valid).
"use strict";
const validate = require("xapi-validation").default;

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const out = [];
  JSON.parse(input).forEach((statement, index) => {
    validate(statement).forEach((w) => {
      out.push({index, id: statement.id, path: (w.path || []).join("."), warning: w.constructor.name,
                value: JSON.stringify(w.data === undefined ? null : w.data).slice(0, 200)});
    });
  });
  process.stdout.write(JSON.stringify(out));
});
