# nightly-task.ps1: a scheduled task that replaces the backgrounds of the images in a folder (or of the
# rows of a CSV job list) and saves the new images. Run it as
#   pwsh -NoProfile -NonInteractive -File nightly-task.ps1 [-Incoming <folder> | -JobList <csv>] [-Destination <folder>]
# Exit code 0: every image is done (new, or reused from the journal at no cost) and saved. Exit code 1:
# something was not done: an image failed, an error stopped the run (no key, a rejected key, no credits,
# an unreachable service, a missing folder), or the run was stopped (Ctrl+C). Running it again pays only for
# what is still missing.
# The key and the other settings come from Set-OneMinBgConfig (saved once by the account the task runs as)
# or from the task's environment (ONEMIN_API_KEY, ONEMIN_JOURNAL_PATH): the script holds none.
param(
    [string] $Incoming = (Join-Path $HOME 'catalog/incoming'),
    [string] $JobList,   # a CSV: Path (or LiteralPath, ImageUrl), Prompt, and optionally Size, Quality, Background
    [string] $Destination = (Join-Path $HOME 'catalog/done'),
    [string] $Prompt = 'white studio backdrop, soft shadow'
)

# An error that ends a command ends the task with exit code 1, and so does a stop (Ctrl+C): the finally
# block runs then too. Errors for one image do not end it (the commands below take -ErrorAction Continue):
# they are counted in the summaries instead.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # no progress bar in a log; no -Debug in a task (about_OneMinBg)
$finished = $false
try {
    Import-Module OneMinBg
    if ($JobList) {
        $images = @(Import-Csv -LiteralPath $JobList)
        $options = @{}                          # each row brings its own prompt
    }
    else {
        $images = @(Get-ChildItem -LiteralPath $Incoming -File)
        $options = @{ Prompt = $Prompt }
    }
    $images |
        Invoke-BackgroundReplace @options -SummaryVariable made -ErrorAction Continue |
        Save-BgImage -Destination $Destination -SummaryVariable saved -ErrorAction Continue |
        Out-Null
    $finished = $made.Completed -and $saved.Completed -and -not ($made.Failed -or $saved.Failed)
}
catch {
    [Console]::Error.WriteLine("$($_.FullyQualifiedErrorId -replace ',.*'): $_")   # the error, for the log
}
finally {
    # The log line goes to the console directly: while a run is being stopped, PowerShell takes no output.
    if ($made) {
        # The team's figures come with the results paid for now: a night that only reused has none to show.
        $team = if ($null -ne $made.TeamCreditsUsed) { "; team credits $($made.TeamCreditsUsed) of $($made.TeamCreditLimit) used" }
        [Console]::WriteLine(('{0:s} {1} images: {2} new, {3} reused, {4} failed; {5} saved{6}' -f
            (Get-Date), $made.Total, ($made.Succeeded - $made.Reused), $made.Reused, $made.Failed, $saved.Succeeded, $team))
    }
    if (-not $finished) { exit 1 }
}
exit 0
