# Sourced by the e2e shell tests: named checks, counted.
#   check NAME COMMAND...   runs the command in this shell (so it may set variables); it passes if
#                           the command succeeds, else what it printed is the reason
#   expect WHAT ACTUAL EXPECTED
#   jsq FILE EXPRESSION     a JavaScript expression's value over the JSON in FILE (as `d`), with
#                           $node (the pinned Node)
# The test sets $work (a folder for what the command printed) and reads $passed and $failed.
passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@" >"$work/why" 2>&1; then
    passed=$((passed + 1))
    echo "ok    $name"
  else
    failed=$((failed + 1))
    echo "FAIL  $name: $(tr '\n' ' ' <"$work/why" | cut -c1-600)"
  fi
}
expect() {
  [[ $2 == "$3" ]] && return 0
  printf '%s: expected [%s], got [%s]\n' "$1" "$3" "$2"
  return 1
}
# The value of a JavaScript expression over the JSON document `d` in FILE (strings as they are,
# anything else as JSON); fails if FILE is not valid JSON.
jsq() {
  "$node" -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const value = eval(process.argv[2]);
    process.stdout.write(typeof value === "string" ? value : JSON.stringify(value) ?? "undefined");' "$1" "$2"
}

