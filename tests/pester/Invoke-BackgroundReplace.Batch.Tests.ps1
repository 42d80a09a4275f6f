# Invoke-BackgroundReplace in batches: concurrency, streaming, retries, charged calls never resent,
# a batch that cannot go on (rejected key, no credits) and progress (stopping a batch: Stop.Tests.ps1).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Emu = Start-OneMinEmulator
    Use-Emulator $Emu
}

AfterAll {
    Stop-SuiteEmulator $Emu
}

Describe 'Invoke-BackgroundReplace in batches' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
        $script:Dir = Join-Path $TestDrive ([guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $Dir
    }

    It 'keeps -ThrottleLimit images in flight, never more, and emits every result exactly once' {
        New-TestImage -Path $Dir -Count 40
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 300 }
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 8
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.maxConcurrentFeatures | Should -Be 8
        $results | Should -HaveCount 40
        ($results.SourcePath | Sort-Object -Unique) | Should -HaveCount 40
        ($results.Id | Sort-Object -Unique) | Should -HaveCount 40
        $stats.charges | Should -Be 40
    }

    It 'starts work as input arrives, before the input ends' {
        New-TestImage -Path $Dir -Count 3
        $files = Get-ChildItem -LiteralPath $Dir -File
        # The producer waits until the first image was charged before it sends the next ones: with
        # collect-then-run this would never finish.
        $emu = $Emu
        $producer = {
            $files[0]
            Wait-Until { (Get-OneMinEmulatorStats $emu).charges -ge 1 } -Because 'the first image was sent while input was still coming' -TimeoutSec 30
            $files[1..2]
        }
        $results = & $producer | Invoke-BackgroundReplace -Prompt 'x'
        $results | Should -HaveCount 3
    }

    It 'retries 429 and 503 answers until every image is done, charging each once' {
        New-TestImage -Path $Dir -Count 20
        Set-OneMinEmulatorConfig $Emu @{ seed = 7; faults = @(
                @{ endpoint = 'feature'; kind = '429'; rate = 0.3; retryAfter = '0' }
                @{ endpoint = 'upload'; kind = '503'; rate = 0.3 }
            ) }
        $results = Get-ChildItem -LiteralPath $Dir -File | Invoke-BackgroundReplace -Prompt 'x' -MaximumRetryCount 10 -ErrorVariable errs
        $errs | Should -HaveCount 0
        $results | Should -HaveCount 20
        $stats = Get-OneMinEmulatorStats $Emu
        $stats.faultsInjected | Should -BeGreaterThan 0
        $stats.charges | Should -Be 20
        $stats.chargesBySource.PSObject.Properties.Value | Sort-Object -Unique | Should -Be 1
    }

    It 'never resends an image call whose outcome is unknown (<Kind>), and reports it as possibly charged' -TestCases @(
        @{ Kind = 'reset-after' }, @{ Kind = '500' }, @{ Kind = '502' }, @{ Kind = '504' }, @{ Kind = '522' }
    ) {
        param($Kind)
        New-TestImage -Path $Dir -Count 4
        Set-OneMinEmulatorConfig $Emu @{ faults = @(@{ endpoint = 'feature'; kind = $Kind; skip = 1; count = 1 }) }
        $results = Get-ChildItem -LiteralPath $Dir -File |
            Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $results | Should -HaveCount 3
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
        $errs[0].ToString() | Should -Match 'charged'
        $errs[0].TargetObject | Should -Be (Join-Path $Dir 'image2.png')
        (Get-OneMinEmulatorStats $Emu).featureCalls | Should -Be 4
    }

    It 'writes progress while it waits, and none under $ProgressPreference = SilentlyContinue' {
        New-TestImage -Path $Dir -Count 4
        Set-OneMinEmulatorConfig $Emu @{ featureLatencyMs = 700 }
        $shown = Start-InRunspace -Script "Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2"
        $null = $shown.PowerShell.EndInvoke($shown.Async)
        $silent = Start-InRunspace -Script "`$ProgressPreference = 'SilentlyContinue'; Get-ChildItem -LiteralPath '$Dir' -File | Invoke-BackgroundReplace -Prompt x -ThrottleLimit 2"
        $null = $silent.PowerShell.EndInvoke($silent.Async)
        $shown.PowerShell.Streams.Progress.Count | Should -BeGreaterThan 0
        $shown.PowerShell.Streams.Progress[0].StatusDescription | Should -Match '^\d+ done'
        $silent.PowerShell.Streams.Progress.Count | Should -Be 0
        $shown.PowerShell.Dispose(); $silent.PowerShell.Dispose()
    }
}

Describe 'Image calls that fail after they were sent (issue 5, figure 2)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It 'reports each one as FeatureOutcomeUnknown, never resends it, and goes on with the rest (<Case>)' -TestCases @(
        @{ Case = 'connection reset after the service charged'; Fault = @{ endpoint = 'feature'; kind = 'reset-after'; rate = 0.25 }; Extra = @{} }
        @{ Case = 'answer slower than -TimeoutSec'; Fault = @{ endpoint = 'feature'; kind = 'slow'; rate = 0.25; delayMs = 8000 }; Extra = @{ TimeoutSec = 2 } }
    ) {
        param($Case, $Fault, $Extra)
        $src = New-Folder
        $out = Join-Path (New-Folder) 'out'
        New-TestImage -Path $src -Count 24
        Set-OneMinEmulatorConfig $Emu @{ seed = 3; faults = @($Fault) }
        $stream = Get-ChildItem -LiteralPath $src -File |
            Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit 4 @Extra -ErrorVariable errs -ErrorAction Continue 2>&1
        $results = @($stream | Where-Object { $_ -is [OneMinBg.BgResult] })
        $stats = Get-OneMinEmulatorStats $Emu

        $stats.faultsInjected | Should -BeGreaterThan 0
        $errs | Should -HaveCount $stats.faultsInjected
        $errs | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'FeatureOutcomeUnknown,*'
            $_.CategoryInfo.Category | Should -Be 'OperationTimeout'
            $_.ToString() | Should -Match 'charged'
            $_.ToString() | Should -Match ([regex]::Escape((Split-Path $_.TargetObject -Leaf)))
        }
        # 0 silent resubmissions: one image call per image, whatever happened to it.
        $stats.featureCalls | Should -Be 24
        Get-ChargeCounts $stats | Sort-Object -Unique | Should -Be 1
        # Every image is accounted for, once: a result or an error.
        @($results.SourcePath) + @($errs.TargetObject) | Sort-Object -Unique | Should -HaveCount 24
        $results | Should -HaveCount (24 - $stats.faultsInjected)
        # The run went on after the first failure.
        $firstError = [array]::FindIndex([object[]]$stream, [Predicate[object]] { param($o) $o -is [Management.Automation.ErrorRecord] })
        @($stream[($firstError + 1)..($stream.Count - 1)] | Where-Object { $_ -is [OneMinBg.BgResult] }).Count | Should -BeGreaterThan 0
        ($results | Save-BgImage -Destination $out) | Should -HaveCount $results.Count
        # The journal says which ones may have been paid for.
        @(Get-BgResult -Status FAILED) | Should -HaveCount $errs.Count
    }
}

Describe 'A batch that cannot go on (issue 5, figure 3)' {
    BeforeEach {
        Reset-OneMinEmulator $Emu
        $null = Use-FreshJournal
    }

    It 'stops with one terminating error, and everything paid for is saved or in the journal (<Case>)' -TestCases @(
        @{ Case = 'key revoked mid-batch'; ErrorId = 'AuthenticationFailed'; Category = 'AuthenticationError'; FailsAfterCalls = 30
            Config = @{ featureLatencyMs = 150; faults = @(@{ endpoint = 'api'; kind = '401'; skip = 30 }) }
        }
        @{ Case = 'credits run out after 12 images'; ErrorId = 'InsufficientCredits'; Category = 'QuotaExceeded'; FailsAfterCalls = 2 * 12
            Config = @{ featureLatencyMs = 150; credits = 120; creditCost = 10 }
        }
        @{ Case = 'INSUFFICIENT_CREDITS answer after 12 images'; ErrorId = 'InsufficientCredits'; Category = 'QuotaExceeded'; FailsAfterCalls = 2 * 12
            Config = @{ featureLatencyMs = 150; faults = @(@{ endpoint = 'feature'; kind = 'insufficient-credits'; skip = 12 }) }
        }
    ) {
        param($Case, $ErrorId, $Category, $FailsAfterCalls, $Config)
        $src = New-Folder
        $out = Join-Path (New-Folder) 'out'
        New-TestImage -Path $src -Count 60
        Set-OneMinEmulatorConfig $Emu $Config
        $throttle = 8
        $results = [Collections.Generic.List[object]]::new()
        $caught = $null
        try {
            Get-ChildItem -LiteralPath $src -File |
                Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit $throttle -ErrorVariable errs -ErrorAction SilentlyContinue |
                ForEach-Object { $results.Add($_) }
        }
        catch { $caught = $_ }
        $stats = Get-OneMinEmulatorStats $Emu

        $caught | Should -Not -BeNullOrEmpty -Because 'the batch stops with a terminating error'
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $caught.CategoryInfo.Category | Should -Be $Category
        $errs | Should -HaveCount 1 -Because 'one error for the whole batch, not one per remaining image'
        # Stopped, not ground through: after the failure, only the images already under way made calls.
        $stats.uploads | Should -BeLessThan 60
        ($stats.uploads + $stats.featureCalls) | Should -BeLessOrEqual ($FailsAfterCalls + 2 * 2 * $throttle)
        # Everything paid for was written, and the journal has every one of them.
        $stats.charges | Should -BeGreaterThan 0
        $results | Should -HaveCount $stats.charges
        $paid = @(Get-BgResult -Status SUCCESS)
        $paid | Should -HaveCount $stats.charges
        ($paid.Id | Sort-Object) | Should -Be ($results.Id | Sort-Object)

        # Once the account works again: the paid results are recovered from the journal and saved, and
        # running the same batch again pays only for the images that were never paid for.
        Set-OneMinEmulatorConfig $Emu @{ faults = @(); credits = 1000000 }
        $recovered = Get-BgResult -Status SUCCESS | Save-BgImage -Destination $out
        $recovered | Should -HaveCount $stats.charges
        Assert-AllCompletePngs -Folder $out -Count $stats.charges
        $all = Get-ChildItem -LiteralPath $src -File | Invoke-BackgroundReplace -Prompt 'x' -ThrottleLimit $throttle
        $all | Should -HaveCount 60
        @($all | Where-Object Reused) | Should -HaveCount $stats.charges
        $after = Get-OneMinEmulatorStats $Emu
        $after.charges | Should -Be 60
        Get-ChargeCounts $after | Sort-Object -Unique | Should -Be 1
    }
}
