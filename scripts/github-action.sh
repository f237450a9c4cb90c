#!/usr/bin/env bash
# The GitHub Action's work (action.yml runs this; tests/action.rs runs it
# locally with the environment GitHub gives a step): lint, write a job
# summary and the step outputs, write SARIF when asked, and exit with the
# status of the run in the chosen format.
#
# Inputs, as action.yml passes them (empty = default):
#   INPUT_PATH           migration files or directories, blank-separated
#                        (default: pgvet.yaml's, else the detected directory)
#   INPUT_FORMAT         output format of the step's log (default: github)
#   INPUT_FAIL_ON        error | warning | info | never (default: error)
#   INPUT_CHANGED_SINCE  git ref: report only files changed since it
#                        (default: origin/$GITHUB_BASE_REF on a pull request;
#                        `none` lints every file)
#   INPUT_SARIF          true: also write SARIF of every file to INPUT_SARIF_FILE
#   INPUT_SARIF_FILE     default: pgvet.sarif
#   INPUT_ARGS           more arguments for `pgvet lint`, blank-separated
#   PGVET                the pgvet binary (default: pgvet on PATH)
# From GitHub: GITHUB_BASE_REF, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT.
# Needs jq (on every GitHub-hosted runner).
# No `set -u`: "${array[@]}" of an empty array is an error under it in
# bash 3.2, which macOS runners have as /bin/bash.
set -o pipefail

pgvet=${PGVET:-pgvet}
format=${INPUT_FORMAT:-github}
fail_on=${INPUT_FAIL_ON:-error}
sarif=${INPUT_SARIF:-false}
sarif_file=${INPUT_SARIF_FILE:-pgvet.sarif}
summary_file=${GITHUB_STEP_SUMMARY:-/dev/null}
output_file=${GITHUB_OUTPUT:-/dev/null}

if ! command -v jq >/dev/null 2>&1; then
  echo "::error title=pgvet::jq is needed to write the job summary" >&2
  exit 2
fi

read -r -a paths <<<"${INPUT_PATH:-}"
read -r -a extra <<<"${INPUT_ARGS:-}"

# The PR base by default, if the checkout has it (actions/checkout with
# fetch-depth: 0); without it, every file is linted rather than none.
changed=()
since=${INPUT_CHANGED_SINCE:-}
if [ -z "$since" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  for ref in "origin/$GITHUB_BASE_REF" "$GITHUB_BASE_REF"; do
    if git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
      since=$ref
      break
    fi
  done
  if [ -z "$since" ]; then
    echo "::warning title=pgvet::base branch $GITHUB_BASE_REF not fetched (use actions/checkout with fetch-depth: 0); linting every file"
  fi
fi
if [ -n "$since" ] && [ "$since" != none ]; then
  changed=(--changed-since "$since")
fi

json=$(mktemp)
trap 'rm -f "$json"' EXIT

# The report behind the summary and outputs; the step's status comes from
# the run in the chosen format below.
"$pgvet" lint --format json --fail-on never "${changed[@]}" "${extra[@]}" "${paths[@]}" >"$json"
json_status=$?

# (`jq -e` on an empty file succeeds with some jq versions: test the size.)
if [ ! -s "$json" ] || ! jq -e '.summary.findings | numbers' "$json" >/dev/null 2>&1; then
  # A usage error or bad config: pgvet said why on stderr, with no report.
  {
    echo "### pgvet"
    echo
    echo "pgvet lint exited $json_status without a report; the step log says why."
  } >>"$summary_file"
  exit "$json_status"
fi

# shellcheck disable=SC2016 # backticks are Markdown here
jq -r '
  def cell: tostring | gsub("[\r\n]+"; " ") | gsub("[|]"; "\\|") | gsub("<"; "&lt;");
  .summary as $s
  | "### pgvet",
    "",
    "\($s.findings) finding(s) and \($s.errors) input error(s) in \($s.files) file(s)"
      + (if .changed.since then " (only files changed since `\(.changed.since | cell)`)" else "" end)
      + ".",
    (if ($s.rules | length) > 0 then
       "",
       "| Rule | Severity | Findings | Fixable | Title |",
       "| --- | --- | ---: | ---: | --- |",
       ($s.rules[] | "| `\(.rule)` | \(.severity) | \(.count) | \(.fixable) | \(.title | cell) |")
     else empty end),
    (if (.errors | length) > 0 then
       "",
       "Input pgvet could not use (the lint is incomplete):",
       "",
       (.errors[:20][] | "- `\(.file | cell)`\(if .line then ":\(.line)" else "" end): \(.message | cell)")
     else empty end),
    ""
' "$json" >>"$summary_file"

{
  echo "findings=$(jq -r '.summary.findings' "$json")"
  echo "errors=$(jq -r '.summary.errors' "$json")"
} >>"$output_file"

if [ "$sarif" = true ]; then
  # Every file, whatever changed: code scanning closes the alerts of files
  # missing from an upload.
  "$pgvet" lint --format sarif --fail-on never "${extra[@]}" "${paths[@]}" >"$sarif_file"
  echo "sarif-file=$sarif_file" >>"$output_file"
fi

"$pgvet" lint --format "$format" --fail-on "$fail_on" "${changed[@]}" "${extra[@]}" "${paths[@]}"
