# The fault run (build.ps1 -Task Faults): issue 5's figures 1, 2, 3 and 7 at full size against the
# local emulator, each in a fresh pwsh with a fresh journal. Prints a table and writes bench/faults.md.
# The Pester suites assert the same figures (EndToEnd.Tests.ps1 and the Invoke-BackgroundReplace and
# Save-BgImage files name the figure in their Describe); this measures and reports.

$script:FaultsKey = 'sk-faults-' + [guid]::NewGuid().ToString('N')


function Invoke-FaultRun {
    <#
    Runs $Script in a fresh pwsh against $Emulator with a fresh journal; returns its JSON answer with the
    emulator's counters (Stats) and the journal's path (JournalPath) added.
    #>
    param($Emulator, [string] $Name, [string] $Script, [hashtable] $Environment = @{})
    $journal = Join-Path $Out "faults/$Name-journal-$([guid]::NewGuid().ToString('N')).jsonl"
    $env = @{
        ONEMIN_BASE_URL = $Emulator.ApiUri.AbsoluteUri; ONEMIN_API_KEY = $Emulator.ApiKey
        ONEMIN_REQUESTS_PER_MINUTE = '0'; ONEMIN_JOURNAL_PATH = $journal; FAULTS_MODULE = $ModuleOut
    } + $Environment
    $run = Invoke-InChild -Environment $env -Script $Script
    $run | Add-Member -NotePropertyName Stats -NotePropertyValue (Get-OneMinEmulatorStats $Emulator)
    $run | Add-Member -NotePropertyName JournalPath -NotePropertyValue $journal
    $run
}

function Measure-CompletePngs {
    # Every file in the folder checked as a user would: a PNG of the size asked for, whole to its IEND.
    param([string] $Folder, [int] $Width = 1024, [int] $Height = 1024)
    $files = @(Get-ChildItem -LiteralPath $Folder -Force -ErrorAction SilentlyContinue)
    $good = @($files | Get-PngInfo | Where-Object { $_.Png -and $_.Complete -and $_.Width -eq $Width -and $_.Height -eq $Height })
    [pscustomobject]@{ Files = $files.Count; Complete = $good.Count }
}

function Get-MaxChargesPerImage {
    param($Stats)
    ($Stats.chargesBySource.PSObject.Properties.Value | Measure-Object -Maximum).Maximum
}

$script:PipelineScript = @'
Import-Module $env:FAULTS_MODULE
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
$saved = 0
Get-ChildItem -LiteralPath $env:FAULTS_SRC -File |
    Invoke-BackgroundReplace -Prompt 'white studio backdrop' -ThrottleLimit 16 -MaximumRetryCount 10 -ErrorVariable +invokeErrors |
    Save-BgImage -Destination $env:FAULTS_DST -ThrottleLimit 16 -MaximumRetryCount 10 -ErrorVariable +saveErrors |
    ForEach-Object { $saved++ }
@{ Saved = $saved; InvokeErrors = @($invokeErrors).Count; SaveErrors = @($saveErrors).Count } | ConvertTo-Json -Compress
'@

function Measure-FlakyService {
    # Figure 1: 300 images, 20% of API calls and 20% of downloads failing.
    param([int] $Count = 300)
    $src = New-BenchFolder 'faults-1-src'
    $dst = New-BenchFolder 'faults-1-out'
    New-TestImage -Path $src -Count $Count
    $emu = Start-OneMinEmulator -ApiKey $FaultsKey -Config @{ seed = 1; faults = Get-RecoverableFaultMix }
    try {
        $run = Invoke-FaultRun $emu 'figure1' $PipelineScript @{ FAULTS_SRC = $src; FAULTS_DST = $dst }
    }
    finally { $emu | Stop-OneMinEmulator }
    $s = $run.Stats
    $requests = $s.uploads + $s.featureCalls + $s.resultLookups + $s.downloads
    $pngs = Measure-CompletePngs $dst
    [pscustomobject]@{
        Count = $Count; Saved = $run.Saved; Errors = $run.InvokeErrors + $run.SaveErrors; Charges = $s.charges
        MaxCharges = Get-MaxChargesPerImage $s; Complete = $pngs.Complete; Files = $pngs.Files
        FaultShare = $s.faultsInjected / $requests; Faults = $s.faultsInjected; Requests = $requests
    }
}

function Measure-UnknownOutcomes {
    # Figure 2: 20% of image calls reset after the service charged them.
    param([int] $Count = 100)
    $src = New-BenchFolder 'faults-2-src'
    New-TestImage -Path $src -Count $Count
    $emu = Start-OneMinEmulator -ApiKey $FaultsKey -Config @{ seed = 2; faults = @(@{ endpoint = 'feature'; kind = 'reset-after'; rate = 0.2 }) }
    try {
        $run = Invoke-FaultRun $emu 'figure2' -Environment @{ FAULTS_SRC = $src } -Script @'
Import-Module $env:FAULTS_MODULE
$ProgressPreference = 'SilentlyContinue'
$stream = @(Get-ChildItem -LiteralPath $env:FAULTS_SRC -File |
    Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 16 -ErrorVariable errs 2>&1)
$first = [array]::FindIndex([object[]]$stream, [Predicate[object]] { param($o) $o -is [Management.Automation.ErrorRecord] })
@{
    Results = @($stream | Where-Object { $_ -is [OneMinBg.BgResult] }).Count
    Errors = @($errs).Count
    Unknown = @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'FeatureOutcomeUnknown,*' }).Count
    Targets = @($errs.TargetObject | Sort-Object -Unique).Count
    ResultsAfterFirstError = if ($first -ge 0) { @($stream[($first + 1)..($stream.Count - 1)] | Where-Object { $_ -is [OneMinBg.BgResult] }).Count } else { 0 }
} | ConvertTo-Json -Compress
'@
    }
    finally { $emu | Stop-OneMinEmulator }
    $s = $run.Stats
    [pscustomobject]@{
        Count = $Count; Affected = $s.faultsInjected; Unknown = $run.Unknown; Errors = $run.Errors; Targets = $run.Targets
        FeatureCalls = $s.featureCalls; MaxCharges = Get-MaxChargesPerImage $s; Results = $run.Results
        ResultsAfterFirstError = $run.ResultsAfterFirstError
    }
}

function Measure-StoppedBatch {
    # Figure 3: a batch that cannot go on (key revoked, credits gone) stops with one error, losing nothing paid for.
    param([string] $Case, [hashtable] $Config, [int] $Count = 100)
    $src = New-BenchFolder 'faults-3-src'
    $dst = New-BenchFolder 'faults-3-out'
    New-TestImage -Path $src -Count $Count
    $emu = Start-OneMinEmulator -ApiKey $FaultsKey -Config $Config
    try {
        $run = Invoke-FaultRun $emu 'figure3' -Environment @{ FAULTS_SRC = $src } -Script @'
Import-Module $env:FAULTS_MODULE
$ProgressPreference = 'SilentlyContinue'
$results = 0
$terminating = @()
try {
    Get-ChildItem -LiteralPath $env:FAULTS_SRC -File |
        Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 16 -ErrorVariable errs | ForEach-Object { $results++ }
}
catch { $terminating += $_.FullyQualifiedErrorId.Split(',')[0] }
@{ Results = $results; Terminating = $terminating; Errors = @($errs).Count; Journal = @(Get-BgResult -Status SUCCESS).Count } | ConvertTo-Json -Compress
'@
        # Once the account works again, the paid results come back from the journal alone.
        Set-OneMinEmulatorConfig $emu @{ faults = @(); credits = 1000000 }
        $saved = Invoke-InChild -Environment @{ ONEMIN_BASE_URL = $emu.ApiUri.AbsoluteUri; ONEMIN_API_KEY = $emu.ApiKey; ONEMIN_REQUESTS_PER_MINUTE = '0'
            ONEMIN_JOURNAL_PATH = $run.JournalPath; FAULTS_MODULE = $ModuleOut; FAULTS_DST = $dst } -Script @'
Import-Module $env:FAULTS_MODULE
$ProgressPreference = 'SilentlyContinue'
@{ Saved = @(Get-BgResult -Status SUCCESS | Save-BgImage -Destination $env:FAULTS_DST).Count } | ConvertTo-Json -Compress
'@
    }
    finally { $emu | Stop-OneMinEmulator }
    $s = $run.Stats
    [pscustomobject]@{
        Case = $Case; Count = $Count; Terminating = @($run.Terminating); Errors = $run.Errors; Charges = $s.charges
        Results = $run.Results; Journal = $run.Journal; Recovered = $saved.Saved; Complete = (Measure-CompletePngs $dst).Complete
        Uploads = $s.uploads
    }
}

function Measure-LongRun {
    # Figure 7: 2,000 images through the whole pipeline with the recoverable faults of figure 1; the child's
    # working set after 500 and after 2,000 images saved (each after a full collection, so it is what is kept).
    param([int] $Count = 2000, [int] $Early = 500)
    $src = New-BenchFolder 'faults-7-src'
    $dst = New-BenchFolder 'faults-7-out'
    New-TestImage -Path $src -Count $Count
    $emu = Start-OneMinEmulator -ApiKey $FaultsKey -Config @{ seed = 7; faults = Get-RecoverableFaultMix }
    try {
        $run = Invoke-FaultRun $emu 'figure7' -Environment @{ FAULTS_SRC = $src; FAULTS_DST = $dst; FAULTS_EARLY = $Early; FAULTS_COUNT = $Count } -Script @'
Import-Module $env:FAULTS_MODULE
$ProgressPreference = 'SilentlyContinue'
$me = [Diagnostics.Process]::GetCurrentProcess()
$samples = @{}
$sample = {
    param($at)
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $me.Refresh()
    $samples["$at"] = @{ WorkingSetMB = $me.WorkingSet64 / 1MB; ManagedMB = [GC]::GetTotalMemory($false) / 1MB }
}
$saved = 0
$sw = [Diagnostics.Stopwatch]::StartNew()
Get-ChildItem -LiteralPath $env:FAULTS_SRC -File |
    Invoke-BackgroundReplace -Prompt 'white studio backdrop' -ThrottleLimit 16 -MaximumRetryCount 10 -ErrorVariable +errs |
    Save-BgImage -Destination $env:FAULTS_DST -ThrottleLimit 16 -MaximumRetryCount 10 -ErrorVariable +errs |
    ForEach-Object { $saved++; if ($saved -eq [int]$env:FAULTS_EARLY) { & $sample $saved } }
& $sample $saved
@{ Saved = $saved; Errors = @($errs).Count; Seconds = $sw.Elapsed.TotalSeconds; Early = $samples[$env:FAULTS_EARLY]; Late = $samples["$saved"] } | ConvertTo-Json -Compress -Depth 3
'@
    }
    finally { $emu | Stop-OneMinEmulator }
    $s = $run.Stats
    $pngs = Measure-CompletePngs $dst
    [pscustomobject]@{
        Count = $Count; Early = $Early; Saved = $run.Saved; Errors = $run.Errors; Seconds = $run.Seconds
        Charges = $s.charges; MaxCharges = Get-MaxChargesPerImage $s; Complete = $pngs.Complete; Faults = $s.faultsInjected
        EarlyMB = $run.Early.WorkingSetMB; LateMB = $run.Late.WorkingSetMB; EarlyManagedMB = $run.Early.ManagedMB; LateManagedMB = $run.Late.ManagedMB
    }
}

function Invoke-Faults {
    $started = Get-Date
    $null = New-Item -ItemType Directory -Path (Join-Path $Out 'faults') -Force
    Write-Host 'Figure 1: a flaky API and download host…' -ForegroundColor Cyan
    $f1 = Measure-FlakyService
    Write-Host 'Figure 2: image calls reset after they were charged…' -ForegroundColor Cyan
    $f2 = Measure-UnknownOutcomes
    Write-Host 'Figure 3: key revoked, credits gone…' -ForegroundColor Cyan
    $f3 = @(
        Measure-StoppedBatch -Case 'key revoked after 60 API calls' -Config @{ featureLatencyMs = 200; faults = @(@{ endpoint = 'api'; kind = '401'; skip = 60 }) }
        Measure-StoppedBatch -Case 'credits for 25 images' -Config @{ featureLatencyMs = 200; credits = 250; creditCost = 10 }
    )
    Write-Host 'Figure 7: 2,000 images with mixed faults…' -ForegroundColor Cyan
    $f7 = Measure-LongRun

    $mb = { param($x) '{0:0}' -f $x }
    $pass = { param([bool] $ok) if ($ok) { 'pass' } else { '**FAIL**' } }
    $rows = [Collections.Generic.List[object]]::new()
    $row = { param($figure, $target, $measured, [bool] $ok) $rows.Add([pscustomobject]@{ Figure = $figure; Target = $target; Measured = $measured; Result = (& $pass $ok) }) }

    & $row '1' "$($f1.Count) images, $('{0:0}%' -f (100 * $f1.FaultShare)) of all requests failed ($($f1.Faults) of $($f1.Requests)): all saved" `
        "$($f1.Saved) of $($f1.Count) saved, $($f1.Errors) errors" ($f1.Saved -eq $f1.Count -and $f1.Errors -eq 0)
    & $row '1' '0 duplicate charges' "$($f1.Charges) charges for $($f1.Count) images, at most $($f1.MaxCharges) per image" ($f1.Charges -eq $f1.Count -and $f1.MaxCharges -eq 1)
    & $row '1' 'every saved file a complete, valid image' "$($f1.Complete) of $($f1.Files) files are whole 1024x1024 PNGs (IEND at the last byte)" ($f1.Complete -eq $f1.Count -and $f1.Files -eq $f1.Count)
    & $row '2' "$($f2.Count) images, 20% of image calls reset after charging: each reported as FeatureOutcomeUnknown" `
        "$($f2.Affected) affected, $($f2.Unknown) FeatureOutcomeUnknown errors for $($f2.Targets) images, $($f2.Errors) errors in all" ($f2.Affected -gt 0 -and $f2.Unknown -eq $f2.Affected -and $f2.Errors -eq $f2.Affected -and $f2.Targets -eq $f2.Affected)
    & $row '2' '0 silent resubmissions' "$($f2.FeatureCalls) image calls for $($f2.Count) images, at most $($f2.MaxCharges) charge per image" ($f2.FeatureCalls -eq $f2.Count -and $f2.MaxCharges -eq 1)
    & $row '2' 'the run continues' "$($f2.Results) results ($($f2.ResultsAfterFirstError) after the first error)" ($f2.Results -eq $f2.Count - $f2.Affected -and $f2.ResultsAfterFirstError -gt 0)
    foreach ($c in $f3) {
        & $row '3' "$($c.Case): one terminating error" "$(@($c.Terminating) -join ', ') ($($c.Errors) error(s) in all); $($c.Uploads) of $($c.Count) images uploaded" (@($c.Terminating).Count -eq 1 -and $c.Errors -eq 1 -and $c.Uploads -lt $c.Count)
        & $row '3' "$($c.Case): everything paid for saved or in the journal" "$($c.Charges) charged, $($c.Results) results written, $($c.Journal) SUCCESS in the journal, $($c.Recovered) saved from it ($($c.Complete) whole PNGs)" `
            ($c.Charges -gt 0 -and $c.Results -eq $c.Charges -and $c.Journal -eq $c.Charges -and $c.Recovered -eq $c.Charges -and $c.Complete -eq $c.Charges)
    }
    & $row '7' "$($f7.Count) images, whole pipeline, $($f7.Faults) faults injected: nothing lost" "$($f7.Saved) saved ($($f7.Complete) whole PNGs), $($f7.Errors) errors, $($f7.Charges) charges (at most $($f7.MaxCharges) per image), $('{0:0}' -f $f7.Seconds) s" `
        ($f7.Saved -eq $f7.Count -and $f7.Complete -eq $f7.Count -and $f7.Errors -eq 0 -and $f7.Charges -eq $f7.Count -and $f7.MaxCharges -eq 1)
    # "Flat": what the process holds after 2,000 images is within 10% (and 25 MB) of what it held after 500.
    $growth = $f7.LateMB - $f7.EarlyMB
    & $row '7' 'memory flat: working set at 2,000 not meaningfully above that at 500 (≤ +10% and ≤ +25 MB)' `
        "$(& $mb $f7.EarlyMB) MB at $($f7.Early), $(& $mb $f7.LateMB) MB at $($f7.Count) ($('{0:+0;-0}' -f $growth) MB); managed heap $('{0:0.0}' -f $f7.EarlyManagedMB) → $('{0:0.0}' -f $f7.LateManagedMB) MB" `
        ($growth -le [math]::Min(25, 0.10 * $f7.EarlyMB))

    $table = ($rows | ForEach-Object { "| $($_.Figure) | $($_.Target) | $($_.Measured) | $($_.Result) |" }) -join "`n"
    $cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '.*:\s*', ''
    $md = @"
# Fault run

Measured by ``dotnet pwsh ./build.ps1 -Task Faults`` against the local emulator: issue 5's figures 1, 2,
3 and 7, each in a fresh ``pwsh`` with a fresh journal, ``-ThrottleLimit 16``, no client-side rate limit.
Figures 4 to 6 (bad input, key hygiene, transport) are Pester tests (``tests/pester``, each Describe names its
figure).

- Date: $($started.ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC; took $('{0:0}' -f ((Get-Date) - $started).TotalMinutes) min
- Machine: $([Environment]::ProcessorCount) cores, $cpu; $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)
- PowerShell $($PSVersionTable.PSVersion), .NET $([Environment]::Version)

| figure | target | measured | result |
|---|---|---|---|
$table
"@
    $file = Join-Path $Root 'bench/faults.md'
    Set-Content -LiteralPath $file -Value $md
    Write-Host $md
    Write-Host "Written to $file" -ForegroundColor Green
    -not ($rows | Where-Object Result -ne 'pass')
}
