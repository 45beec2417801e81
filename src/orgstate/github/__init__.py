"""orgstate in GitHub Actions: the plan as a pull-request comment kept up to date, the
drift issue, the digest of the reviewed changes, step outputs and the job summary.

- `environment`: what GitHub's environment names (API URL, repository, token, event,
  output and summary files), checked.
- `client`: the GitHub client (PyGithub: pagination, retries, auth) and the one place
  its failures become clear errors.
- `marker`: the hidden line that lets a run find its own comment or issue again.
- `body`: a comment's or an issue's body (marker, markdown, footer) within GitHub's limit.
- `comments`: the pull-request comment: find it, update it, or create it.
- `issues`: the drift issue: create, update or close it.
- `reviewed`: the changes digest in the comment of the pull request merged as a commit.
- `outputs`: step outputs in $GITHUB_OUTPUT.
- `summary`: the job summary in $GITHUB_STEP_SUMMARY, kept under its size limit.

Nothing here renders a plan or a drift report: the CLI renders them and hands the
markdown over, so this package knows GitHub, not orgstate's reports."""
