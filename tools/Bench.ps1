# The benchmark (build.ps1 -Task Bench): every figure is a ratio or difference measured in this
# one run against the local emulator, because these machines are noisy. Writes bench/results.md.

. (Join-Path $PSScriptRoot 'JournalBench.ps1')
. (Join-Path $PSScriptRoot 'FlowBench.ps1')

# Every step gets its own journal in its output folder: the benchmark never touches the user's.
function Invoke-InChild {
    # Runs a step in a fresh pwsh and returns its last output line parsed as JSON.
    param([string] $Script, [hashtable] $Environment = @{})
    $out = Invoke-FreshPwsh $Script -Environment $Environment
    if ($LASTEXITCODE -ne 0) { throw "The benchmark step failed (exit code $LASTEXITCODE): $($out -join "`n")" }
    $out | Select-Object -Last 1 | ConvertFrom-Json
}

function New-BenchFolder([string] $Name) {
    $dir = Join-Path $Out "bench/$Name"
    if (Test-Path $dir) { Remove-Item -LiteralPath $dir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $dir
    $dir
}

function Measure-Throughput {
    param([int] $Count = 200, [int] $ThrottleLimit = 16, [int] $LatencyMs = 1000)
    $src = New-BenchFolder 'throughput-src'
    $dst = New-BenchFolder 'throughput-out'
    New-TestImage -Path $src -Count $Count -Width 256 -Height 256
    $emu = Start-OneMinEmulator -LatencyMs $LatencyMs
    try {
        $env = @{ BENCH_SRC = $src; BENCH_DST = $dst; BENCH_THROTTLE = $ThrottleLimit; ONEMIN_BASE_URL = $emu.ApiUri.AbsoluteUri; ONEMIN_API_KEY = $emu.ApiKey; BENCH_MODULE = $ModuleOut ; ONEMIN_JOURNAL_PATH = (Join-Path $dst 'journal.jsonl') }
        $module = Invoke-InChild -Environment $env -Script @'
Import-Module $env:BENCH_MODULE
$t = [int]$env:BENCH_THROTTLE
$sw = [Diagnostics.Stopwatch]::StartNew()
$files = Get-ChildItem -LiteralPath $env:BENCH_SRC -File |
    Invoke-BackgroundReplace -Prompt 'white studio backdrop' -ThrottleLimit $t -RequestsPerMinute 0 |
    Save-BgImage -Destination $env:BENCH_DST -ThrottleLimit $t
$sw.Stop()
@{ Seconds = $sw.Elapsed.TotalSeconds; Saved = @($files).Count } | ConvertTo-Json -Compress
'@
        $stats = Get-OneMinEmulatorStats $emu
        Reset-OneMinEmulator $emu
        Set-OneMinEmulatorConfig $emu @{ featureLatencyMs = $LatencyMs }
        $seqDst = New-BenchFolder 'sequential-out'
        $env.BENCH_DST = $seqDst
        $env.ONEMIN_JOURNAL_PATH = Join-Path $seqDst 'journal.jsonl'
        # What a user writes without this module: one image after another with Invoke-RestMethod.
        $sequential = Invoke-InChild -Environment $env -Script @'
$base = $env:ONEMIN_BASE_URL.TrimEnd('/')
$headers = @{ 'API-KEY' = $env:ONEMIN_API_KEY }
$sw = [Diagnostics.Stopwatch]::StartNew()
$n = 0
foreach ($file in Get-ChildItem -LiteralPath $env:BENCH_SRC -File) {
    $asset = Invoke-RestMethod -Method Post -Uri "$base/api/assets" -Headers $headers -Form @{ asset = $file }
    $body = @{ type = 'BACKGROUND_REPLACER'; model = 'gpt-image-1-mini'
        promptObject = @{ imageUrl = $asset.fileContent.path; prompt = 'white studio backdrop'; size = '1024x1024'; quality = 'medium'; background = 'auto' } } |
        ConvertTo-Json -Depth 3
    $record = Invoke-RestMethod -Method Post -Uri "$base/api/features" -Headers $headers -Body $body -ContentType 'application/json'
    Invoke-WebRequest -Uri $record.aiRecord.temporaryUrl -OutFile (Join-Path $env:BENCH_DST ($file.BaseName + '_bg.png'))
    $n++
}
$sw.Stop()
@{ Seconds = $sw.Elapsed.TotalSeconds; Saved = $n } | ConvertTo-Json -Compress
'@
    }
    finally { $emu | Stop-OneMinEmulator }
    $ideal = [math]::Ceiling($Count / $ThrottleLimit) * $LatencyMs / 1000
    [pscustomobject]@{
        Count = $Count; ThrottleLimit = $ThrottleLimit; LatencyMs = $LatencyMs
        Seconds = $module.Seconds; Saved = $module.Saved; Ideal = $ideal; Ratio = $module.Seconds / $ideal
        MaxConcurrent = $stats.maxConcurrentFeatures; Charges = $stats.charges
        SequentialSeconds = $sequential.Seconds; SequentialSaved = $sequential.Saved; Speedup = $sequential.Seconds / $module.Seconds
    }
}

function Measure-RateLimit {
    # More requests than the per-minute limit allows: the client must pace itself to the limit
    # the emulator enforces over any 60 s window, with no 429s.
    param([int] $Count = 150, [int] $PerMinute = 240)
    $src = New-BenchFolder 'rate-src'
    $dst = New-BenchFolder 'rate-out'
    New-TestImage -Path $src -Count $Count
    $emu = Start-OneMinEmulator -RateLimitPerMinute $PerMinute
    try {
        $env = @{ BENCH_SRC = $src; BENCH_DST = $dst; BENCH_RATE = $PerMinute; ONEMIN_BASE_URL = $emu.ApiUri.AbsoluteUri; ONEMIN_API_KEY = $emu.ApiKey; BENCH_MODULE = $ModuleOut ; ONEMIN_JOURNAL_PATH = (Join-Path $dst 'journal.jsonl') }
        $run = Invoke-InChild -Environment $env -Script @'
Import-Module $env:BENCH_MODULE
$sw = [Diagnostics.Stopwatch]::StartNew()
$files = Get-ChildItem -LiteralPath $env:BENCH_SRC -File |
    Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 32 -RequestsPerMinute ([int]$env:BENCH_RATE) |
    Save-BgImage -Destination $env:BENCH_DST
$sw.Stop()
@{ Seconds = $sw.Elapsed.TotalSeconds; Saved = @($files).Count } | ConvertTo-Json -Compress
'@
        $stats = Get-OneMinEmulatorStats $emu
    }
    finally { $emu | Stop-OneMinEmulator }
    $requests = 2 * $Count   # an upload and a feature call per image; downloads go to the other host
    # The time the limit allows at an even pace (requests / limit), and the absolute floor under a
    # 60 s window: a full minute's worth at once, then the rest a minute later.
    $ideal = $requests * 60 / $PerMinute
    $floor = [math]::Ceiling($requests / $PerMinute - 1) * 60
    [pscustomobject]@{
        Count = $Count; PerMinute = $PerMinute; Requests = $requests; Seconds = $run.Seconds; Saved = $run.Saved
        Ideal = $ideal; Ratio = $run.Seconds / $ideal; Floor = $floor; FloorRatio = $run.Seconds / $floor; Responses429 = $stats.rateLimited
    }
}

function Measure-Startup {
    param([int] $Runs = 9)
    $time = {
        param([string] $Command)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $null = Invoke-FreshPwsh $Command
        $sw.Elapsed.TotalMilliseconds
    }
    $bare = @(); $withModule = @()
    & $time '$null' | Out-Null   # warm the disk cache once
    for ($i = 0; $i -lt $Runs; $i++) {
        # Interleaved so drift in machine load affects both alike.
        $bare += & $time '$null'
        $withModule += & $time "Import-Module '$ModuleOut'"
    }
    $median = { param($xs) $s = $xs | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
    [pscustomobject]@{ Runs = $Runs; BareMs = (& $median $bare); ImportMs = (& $median $withModule); AddedMs = (& $median $withModule) - (& $median $bare) }
}

function Measure-Memory {
    param([int] $Count = 500, [long] $Bytes = 5MB)
    $src = New-BenchFolder 'memory-src'
    $dst = New-BenchFolder 'memory-out'
    New-TestImage -Path $src -Count $Count -Bytes $Bytes -Width 512 -Height 512
    $emu = Start-OneMinEmulator -LatencyMs 200
    try {
        $env = @{ BENCH_SRC = $src; BENCH_DST = $dst; ONEMIN_BASE_URL = $emu.ApiUri.AbsoluteUri; ONEMIN_API_KEY = $emu.ApiKey; BENCH_MODULE = $ModuleOut ; ONEMIN_JOURNAL_PATH = (Join-Path $dst 'journal.jsonl') }
        $run = Invoke-InChild -Environment $env -Script @'
Import-Module $env:BENCH_MODULE
[GC]::Collect()
$me = [Diagnostics.Process]::GetCurrentProcess()
$me.Refresh(); $idle = $me.WorkingSet64
$peak = $idle
$saved = 0
Get-ChildItem -LiteralPath $env:BENCH_SRC -File |
    Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 16 -RequestsPerMinute 0 |
    Save-BgImage -Destination $env:BENCH_DST |
    ForEach-Object { $saved++; $me.Refresh(); if ($me.WorkingSet64 -gt $peak) { $peak = $me.WorkingSet64 } }
$me.Refresh()
@{ IdleMB = $idle / 1MB; PeakMB = [math]::Max($peak, $me.PeakWorkingSet64 - 0) / 1MB; SampledPeakMB = $peak / 1MB; Saved = $saved } | ConvertTo-Json -Compress
'@
    }
    finally { $emu | Stop-OneMinEmulator }
    [pscustomobject]@{ Count = $Count; FileMB = $Bytes / 1MB; IdleMB = $run.IdleMB; PeakMB = $run.SampledPeakMB; AddedMB = $run.SampledPeakMB - $run.IdleMB; Saved = $run.Saved }
}

function Invoke-Bench {
    $started = Get-Date
    Write-Host 'Throughput…' -ForegroundColor Cyan
    $t = Measure-Throughput
    Write-Host 'Rate limit…' -ForegroundColor Cyan
    $r = Measure-RateLimit
    Write-Host 'Start-up…' -ForegroundColor Cyan
    $s = Measure-Startup
    Write-Host 'Memory…' -ForegroundColor Cyan
    $m = Measure-Memory
    Write-Host 'Journal…' -ForegroundColor Cyan
    $j = Measure-Journal
    $flow = Invoke-FlowBench
    $cpu = (Get-Content /proc/cpuinfo -ErrorAction SilentlyContinue | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '.*:\s*', ''
    $md = @"
# Benchmark results

Measured by ``dotnet pwsh ./build.ps1 -Task Bench`` against the local emulator. Each figure is a
ratio or difference taken within one run on one machine, so machine noise cancels out.

- Date: $($started.ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC
- Machine: $([Environment]::ProcessorCount) cores, $cpu; $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription)
- PowerShell $($PSVersionTable.PSVersion), .NET $([Environment]::Version)

| # | figure | measured | target |
|---|---|---|---|
| 1 | throughput: $($t.Count) images, $($t.LatencyMs) ms feature latency, ``-ThrottleLimit $($t.ThrottleLimit)``, whole pipeline with Save-BgImage: wall / ideal (ideal = ceil($($t.Count)/$($t.ThrottleLimit)) x $($t.LatencyMs / 1000) s = $($t.Ideal) s) | **$('{0:0.00}' -f $t.Ratio)** ($('{0:0.0}' -f $t.Seconds) s, $($t.Saved) saved, max $($t.MaxConcurrent) in flight) | ≤ 1.15 |
| 1b | speed-up over a sequential ``Invoke-RestMethod`` script doing the same protocol | **$('{0:0.0}' -f $t.Speedup)x** ($('{0:0.0}' -f $t.SequentialSeconds) s for $($t.SequentialSaved) images) | ≥ 12x |
| 2 | rate limit: $($r.Count) images = $($r.Requests) API requests at $($r.PerMinute)/min (the emulator enforces the same over any 60 s): wall / the time the limit allows at an even pace ($('{0:0.0}' -f $r.Ideal) s) | **$('{0:0.00}' -f $r.Ratio)** ($('{0:0.0}' -f $r.Seconds) s, $($r.Saved) saved), **$($r.Responses429) responses 429**; against the absolute floor of a burst-then-wait client ($('{0:0}' -f $r.Floor) s): $('{0:0.00}' -f $r.FloorRatio) | ≈ 1, 0 × 429 |
| 3 | start-up: ``Import-Module`` added to a fresh ``pwsh -NoProfile`` (median of $($s.Runs)) | **$('{0:0}' -f $s.AddedMs) ms** ($('{0:0}' -f $s.BareMs) → $('{0:0}' -f $s.ImportMs) ms) | ≤ 150 ms |
| 4 | memory: $($m.Count) images of $($m.FileMB) MB, peak working set above idle | **$('{0:0}' -f $m.AddedMB) MB** ($('{0:0}' -f $m.IdleMB) → $('{0:0}' -f $m.PeakMB) MB, $($m.Saved) saved) | ≤ 150 MB |
"@
    $md += "`n`n" + (Format-FlowBench $flow)
    $md += "`n`n" + (Format-JournalBench $j)
    $file = Join-Path $Root 'bench/results.md'
    Set-Content -LiteralPath $file -Value $md
    Write-Host $md
    Write-Host "Written to $file" -ForegroundColor Green
}
