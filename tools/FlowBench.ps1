# Flow-control figures of the benchmark (issue 14), dot-sourced by Bench.ps1: a slow service, long-tailed
# latencies, processes sharing one key, a service stricter than the setting. Each is a ratio to what the key's
# limit allows, taken in this run; a figure's ideal is said next to it in bench/results.md.

function Start-FlowChild {
    # One batch with the default settings in a fresh pwsh; returns the process and its output file. The child
    # reports when its command started and ended (UTC), so start-up of pwsh is not counted against the module.
    param([string] $Src, [string] $Dst, $Emulator, [int] $PerMinute, [string] $DataHome)
    $out = Join-Path $Dst 'child.out'
    $env = @{
        BENCH_SRC = $Src; BENCH_DST = $Dst; BENCH_MODULE = $ModuleOut
        ONEMIN_BASE_URL = $Emulator.ApiUri.AbsoluteUri; ONEMIN_API_KEY = $Emulator.ApiKey
        ONEMIN_REQUESTS_PER_MINUTE = $PerMinute; ONEMIN_JOURNAL_PATH = (Join-Path $Dst 'journal.jsonl')
        XDG_DATA_HOME = $DataHome
    }
    $script = @'
Import-Module $env:BENCH_MODULE
$start = [DateTime]::UtcNow
$files = Get-ChildItem -LiteralPath $env:BENCH_SRC -File |
    Invoke-BackgroundReplace -Prompt 'x' -ErrorVariable failed -ErrorAction SilentlyContinue |
    Save-BgImage -Destination $env:BENCH_DST
$end = [DateTime]::UtcNow
@{ Start = $start.Ticks; End = $end.Ticks; Saved = @($files).Count; Failed = @($failed).Count } | ConvertTo-Json -Compress
'@
    $process = Invoke-FreshPwsh $script -Environment $env -NoWait -StandardOutput $out -StandardError "$out.err"
    [pscustomobject]@{ Process = $process; Out = $out }
}

function Receive-FlowChild($Child) {
    $Child.Process.WaitForExit()
    $last = Get-Content -LiteralPath $Child.Out | Select-Object -Last 1
    try { $last | ConvertFrom-Json }
    catch { throw "A benchmark batch failed: $(Get-Content -Raw -LiteralPath $Child.Out) $(Get-Content -Raw -LiteralPath "$($Child.Out).err")" }
}

function Get-PacedIdeal {
    <#
    When a client that sends every request exactly at the service's rate, and never waits for anything else,
    is done: the last answer of image i comes at its image call's slot plus that call's latency, and the batch ends
    with the latest of them. With a fixed latency that is the requests at the rate plus one latency; with a long
    tail the slowest of the last calls decides, so it is the mean over simulated runs with the same distribution
    (log-normal: median $LatencyMs, 95th percentile $P95Ms) as the emulator draws from.
    #>
    param([int] $Images, [int] $ServicePerMinute, [int] $LatencyMs, [int] $P95Ms, [int] $Runs = 400)
    $interval = 60.0 / $ServicePerMinute
    $median = $LatencyMs / 1000
    if ($P95Ms -le $LatencyMs -or $LatencyMs -le 0) { return (2 * $Images - 1) * $interval + $median }
    $sigma = [Math]::Log($P95Ms / $LatencyMs) / 1.6448536
    $random = [Random]::new(7)
    $total = 0.0
    foreach ($run in 1..$Runs) {
        $end = 0.0
        for ($i = 0; $i -lt $Images; $i++) {
            $normal = [Math]::Sqrt(-2 * [Math]::Log(1 - $random.NextDouble())) * [Math]::Cos(2 * [Math]::PI * $random.NextDouble())
            $end = [Math]::Max($end, (2 * $i + 1) * $interval + $median * [Math]::Exp($sigma * $normal))
        }
        $total += $end
    }
    $total / $Runs
}

function Measure-Flow {
    <#
    $Processes batches of $Count images each, at once on one key, against an emulator that enforces
    $ServicePerMinute over any 60 s (and answers features after $LatencyMs, with a p95 of $P95Ms when given),
    every batch told $PerMinute. Ideal: Get-PacedIdeal, the requests at the service's rate, plus the latency of the
    calls at the end (the last images cannot be done before their calls have been answered).
    #>
    param(
        [string] $Name, [int] $Count, [int] $Processes = 1, [int] $PerMinute, [int] $ServicePerMinute = $PerMinute,
        [int] $LatencyMs = 0, [int] $P95Ms = 0, [bool] $RetryAfter = $true
    )
    $dataHome = New-BenchFolder "$Name-data"
    $emu = Start-OneMinEmulator -RateLimitPerMinute $ServicePerMinute
    try {
        Set-OneMinEmulatorConfig $emu @{ featureLatencyMs = $LatencyMs; featureLatencyP95Ms = $P95Ms; rateLimitRetryAfter = $RetryAfter }
        $children = foreach ($p in 1..$Processes) {
            $src = New-BenchFolder "$Name-$p-src"
            New-TestImage -Path $src -Count $Count -Width (60 + 2 * $p) -Height 64   # distinct images per batch
            Start-FlowChild -Src $src -Dst (New-BenchFolder "$Name-$p-out") -Emulator $emu -PerMinute $PerMinute -DataHome $dataHome
        }
        $runs = @($children | ForEach-Object { Receive-FlowChild $_ })
        $stats = Get-OneMinEmulatorStats $emu
    }
    finally { $emu | Stop-OneMinEmulator }
    $requests = 2 * $Count * $Processes   # an upload and a feature call per image
    $seconds = ([DateTime]::new(($runs.End | Measure-Object -Maximum).Maximum) -
        [DateTime]::new(($runs.Start | Measure-Object -Minimum).Minimum)).TotalSeconds
    $ideal = Get-PacedIdeal -Images ($Count * $Processes) -ServicePerMinute $ServicePerMinute -LatencyMs $LatencyMs -P95Ms $P95Ms
    [pscustomobject]@{
        Name = $Name; Count = $Count; Processes = $Processes; PerMinute = $PerMinute; ServicePerMinute = $ServicePerMinute
        LatencyMs = $LatencyMs; P95Ms = $P95Ms; Requests = $requests; Seconds = $seconds; Ideal = $ideal; Ratio = $seconds / $ideal
        Naive = $seconds / ($requests * 60 / $ServicePerMinute + $LatencyMs / 1000)
        Saved = ($runs.Saved | Measure-Object -Sum).Sum; Failed = ($runs.Failed | Measure-Object -Sum).Sum
        PaidTwice = @($stats.chargesBySha256.PSObject.Properties.Value | Where-Object { $_ -gt 1 }).Count
        Charges = $stats.charges; Responses429 = $stats.rateLimited; MaxInFlight = $stats.maxConcurrentFeatures
    }
}

function Invoke-FlowBench {
    # The figures of issue 14, each once. Returns them in table order.
    Write-Host 'Slow service (6 s)…' -ForegroundColor Cyan
    $slow = Measure-Flow -Name 'flow-slow' -Count 120 -PerMinute 600 -LatencyMs 6000
    Write-Host 'Long-tailed latencies…' -ForegroundColor Cyan
    # The real tail (median 17.8 s, p95 46 s at 180/min) scaled by 1/10 in time, so ten times the rate: as many in flight.
    $tail = Measure-Flow -Name 'flow-tail' -Count 240 -PerMinute 1800 -LatencyMs 1800 -P95Ms 4600
    # The same latencies at the default setting of 180 a minute (few in flight suffice there).
    $tail180 = Measure-Flow -Name 'flow-tail-180' -Count 90 -PerMinute 180 -LatencyMs 1800 -P95Ms 4600
    Write-Host 'Two processes on one key…' -ForegroundColor Cyan
    $two = Measure-Flow -Name 'flow-two' -Count 40 -Processes 2 -PerMinute 240
    Write-Host 'Three processes on one key…' -ForegroundColor Cyan
    $three = Measure-Flow -Name 'flow-three' -Count 40 -Processes 3 -PerMinute 240
    Write-Host 'A service stricter than the setting…' -ForegroundColor Cyan
    $strict = Measure-Flow -Name 'flow-strict' -Count 45 -PerMinute 180 -ServicePerMinute 60 -RetryAfter $false
    @($slow, $tail, $tail180, $two, $three, $strict)
}

function Format-FlowBench($Flow) {
    $slow, $tail, $tail180, $two, $three, $strict = $Flow
    $row = {
        param($f, [string] $what, [string] $target)
        $paid = if ($f.Processes -gt 1) { ", $($f.Failed) failed, $($f.PaidTwice) paid twice" } else { ", $($f.Failed) failed" }
        "| $what | **$('{0:0.00}' -f $f.Ratio)** ($('{0:0.0}' -f $f.Seconds) s for $($f.Saved) saved$paid, $($f.Responses429) responses 429, max $($f.MaxInFlight) in flight) | $target |"
    }
    @(
        '## Flow control'
        ''
        'Batches with the default settings (no `-ThrottleLimit`) in fresh pwsh processes, against an emulator that'
        'enforces the rate limit over any 60 s. Each ratio is wall time (from the first batch''s start to the last one''s'
        'end) over what the key''s limit allows: the requests (an upload and a feature call per image) at the'
        'service''s rate, plus the latency of the last calls (they still have to be answered): one latency when it is'
        'fixed; with a long tail the slowest of the last calls decides, so the ideal is when a client that sends every'
        'request exactly at the rate would be done, the mean of 400 simulated runs with the same distribution.'
        ''
        '| # | figure | measured | target |'
        '|---|---|---|---|'
        (& $row $slow "5 | a slow service: $($slow.Count) images, $($slow.LatencyMs / 1000) s per feature call, $($slow.PerMinute)/min (ideal $('{0:0.0}' -f $slow.Ideal) s)" '≤ 1.15')
        (& $row $tail "6 | long-tailed latencies (log-normal, median $($tail.LatencyMs / 1000) s, p95 $($tail.P95Ms / 1000) s): $($tail.Count) images at $($tail.PerMinute)/min, the real tail scaled by 1/10 in time and so 10 times the rate (ideal $('{0:0.0}' -f $tail.Ideal) s; against the requests at the rate plus one median latency: $('{0:0.00}' -f $tail.Naive))" '≤ 1.15')
        (& $row $tail180 "6b | the same latencies at the default $($tail180.PerMinute)/min: $($tail180.Count) images (ideal $('{0:0.0}' -f $tail180.Ideal) s; against the requests at the rate plus one median latency: $('{0:0.00}' -f $tail180.Naive))" '≤ 1.15')
        (& $row $two "7 | two processes on one key, $($two.Count) images each, both told $($two.PerMinute)/min, the service allowing that much (ideal $('{0:0.0}' -f $two.Ideal) s)" '0 failed, 0 paid twice, ≤ 1.2')
        (& $row $three "7b | three processes on one key, $($three.Count) images each, likewise (ideal $('{0:0.0}' -f $three.Ideal) s)" '0 failed, 0 paid twice, ≤ 1.2')
        (& $row $strict "8 | a service stricter than the setting: told $($strict.PerMinute)/min, it allows $($strict.ServicePerMinute)/min and sends no ``Retry-After``; $($strict.Count) images (ideal at its rate $('{0:0.0}' -f $strict.Ideal) s)" '0 failed')
    ) -join "`n"
}
