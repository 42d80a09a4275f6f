# Concurrency that follows the service (issue 14, item 1): on a slow service the number of image calls in
# flight grows past the 16 of earlier versions to what the key's rate needs, never past -ThrottleLimit, and a
# limit the user sets (parameter or saved) is used as it is. Counts, not times: the emulator's maximum of
# image calls in flight at once, and the charges.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu

    function Invoke-SlowBatch {
        # 60 images against a 3 s service at 1,200 requests a minute: 10 images a second, so about 30 calls
        # with the service at once use the rate, where 16 would use half of it.
        param([hashtable] $Extra = @{}, [int] $Count = 60, [int] $LatencyMs = 3000)
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = $LatencyMs }
        $null = Use-FreshJournal
        $src = New-Sources $Count
        $env:ONEMIN_REQUESTS_PER_MINUTE = '1200'
        try {
            $stream = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' @Extra -Verbose 4>&1
        }
        finally {
            $env:ONEMIN_REQUESTS_PER_MINUTE = '0'
        }
        [pscustomobject]@{
            Results = @($stream | Where-Object { $_ -is [OneMinBg.BgResult] })
            Verbose = @($stream | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            Stats   = Get-OneMinEmulatorStats $Emu
        }
    }
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Image calls in flight follow the service' {
    It 'by default: more than 16 at once on a slow service, never more than the ceiling of 64, each image charged once' {
        $run = Invoke-SlowBatch

        $run.Results | Should -HaveCount 60
        $run.Stats.maxConcurrentFeatures | Should -BeGreaterThan 16
        $run.Stats.maxConcurrentFeatures | Should -BeLessOrEqual 64
        $run.Stats.charges | Should -Be 60
        Get-ChargeCounts $run.Stats | Sort-Object -Unique | Should -Be 1
        $run.Verbose | Should -Contain 'Starting with 16 at once, then as many as the service and the rate limit take, at most 64 (-ThrottleLimit; setting it fixes the number).'
        $grew = @($run.Verbose | Where-Object { $_ -like 'Concurrency from * to *' })
        $grew.Count | Should -BeGreaterThan 0 -Because 'verbose says when and why the concurrency changes'
        $grew[0] | Should -Match 'with the service and the rate limit allows 10 a second \(1200 requests a minute, 2 per item\)'
        $grew.Count | Should -BeLessThan 10 -Because 'it says so at most every few seconds, not on every answer'
    }

    It '-ThrottleLimit 20 is a fixed number: never more than 20 at once' {
        $run = Invoke-SlowBatch -Extra @{ ThrottleLimit = 20 }

        $run.Results | Should -HaveCount 60
        $run.Stats.maxConcurrentFeatures | Should -BeLessOrEqual 20
        $run.Stats.charges | Should -Be 60
        $run.Verbose | Should -Contain 'At most 20 at once (-ThrottleLimit, fixed).'
        $run.Verbose | Where-Object { $_ -like 'Concurrency from*' } | Should -BeNullOrEmpty
    }

    It 'a ThrottleLimit saved with Set-OneMinBgConfig is a fixed number too' {
        Set-OneMinBgConfig -ThrottleLimit 6 3>$null
        try {
            $run = Invoke-SlowBatch -Count 20 -LatencyMs 1000
        }
        finally {
            Remove-Item -LiteralPath $env:ONEMIN_CONFIG_PATH -Force -ErrorAction SilentlyContinue
        }

        $run.Results | Should -HaveCount 20
        $run.Stats.maxConcurrentFeatures | Should -BeLessOrEqual 6
        $run.Verbose | Should -Contain 'At most 6 at once (-ThrottleLimit, fixed).'
    }

    It 'halves the number at once when the service answers 429, says why, and still charges each image once' {
        Reset-OneMinEmulator $Emu
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 300; faults = @(
                @{ endpoint = 'feature'; kind = '429'; skip = 12; count = 4; retryAfter = '0' }
            ) }
        $null = Use-FreshJournal
        $src = New-Sources 30
        $stream = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -Verbose 4>&1
        $results = @($stream | Where-Object { $_ -is [OneMinBg.BgResult] })
        $said = @($stream | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $stats = Get-OneMinEmulatorStats $Emu

        $results | Should -HaveCount 30
        $stats.faultsInjected | Should -Be 4
        $stats.charges | Should -Be 30
        $said | Where-Object { $_ -like 'Concurrency from *the service answered 429 (too many requests)*' } |
            Should -Not -BeNullOrEmpty
    }
}
