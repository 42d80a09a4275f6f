# The journal benchmark (dot-sourced by Bench.ps1): how long a journal of 50,000 and 200,000 requests
# takes to load, and a lookup in it. tests/OneMinBg.Bench measures through Journal's public API, all
# in one process, so the figures compare with each other and with the targets, not across machines.

function Measure-Journal {
    # Returns one row per journal size.
    param([int[]] $Entries = @(50000, 200000))
    $bin = Join-Path $Out 'bench/journal-bin'
    $project = Join-Path $Root 'tests/OneMinBg.Bench/OneMinBg.Bench.csproj'
    & dotnet build $project -c Release -o $bin --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet build of tests/OneMinBg.Bench failed ($LASTEXITCODE)" }
    $dir = New-BenchFolder 'journal'
    try {
        $rows = & dotnet (Join-Path $bin 'OneMinBg.Bench.dll') $dir @Entries
        if ($LASTEXITCODE -ne 0) {
            throw "The journal benchmark failed (exit code $LASTEXITCODE): $($rows -join "`n")"
        }
        $rows | ForEach-Object { $_ | ConvertFrom-Json }
    }
    finally { Remove-Item -LiteralPath $dir -Recurse -Force }   # a few hundred MB of journals
}

function Format-JournalBench {
    # The "Journal" section of bench/results.md.
    param([object[]] $Rows)
    $lines = @(
        '## Journal'
        ''
        'A journal of one claim line and one result line per request (tests/OneMinBg.Bench, through'
        '`Journal`''s public API, the file in the disk cache, after a warm-up). Load: a new `Journal` until'
        'it answers its first lookup (median of 3), wall clock and the CPU time of the process (less'
        'disturbed by other work on a shared machine). Lookup: the mean of 2,000 random `Find` and'
        '`FindByRecordId` calls. Listing: `Entries()`, which folds every line. Memory: what the loaded'
        'instance holds.'
        ''
        '| entries | file | load (CPU) | lookup: `Find` / `FindByRecordId` | listing | memory | target |'
        '|---|---|---|---|---|---|---|'
    )
    foreach ($r in $Rows) {
        $row = '| {0:N0} | {1:0} MB | **{2:0} ms** ({3:0} ms) | **{4:0} µs** / {5:0} µs | {6:0} ms | {7:0} MB |' -f `
            $r.Entries, $r.FileMB, $r.LoadMs, $r.LoadCpuMs, $r.FindUs, $r.FindByRecordIdUs, $r.ListMs, $r.HeldMB
        $lines += $row + ' load < 1 s, lookup < 1 ms |'

    }
    $lines -join "`n"
}
